""" "What happened": texts (a long one split, kept), photos and voice messages, until "Done"."""

from __future__ import annotations

from bot.messages import Choice, EventKind, Media
from bot.runtime.dialog.turn import Turn
from bot.text_match import fold, split_text
from handlers.report_tip.guards import attachment_problem, description_of
from handlers.report_tip.steps import ReportTipSteps
from handlers.report_tip.texts import (
    ATTACHMENT_NAMES,
    DONE,
    DONE_WORDS,
    EVIDENCE_LATER,
    MAX_DESCRIPTION,
    MAX_PART,
    TAKES_EVIDENCE,
    WHAT,
    WHAT_AGAIN,
    WHAT_IN,
    Step,
    takes_voice,
)


class WhatSteps(ReportTipSteps):
    # --- what happened -------------------------------------------------------------------
    async def _ask_what(self, turn: Turn, prefix: str | None) -> None:
        if turn.data.get("editing"):
            parts = turn.data.get("parts") or []
            if parts:  # typed anew replaces; the old text stays until something new comes
                turn.update_data(old_parts=parts, parts=[])
            text = turn._(WHAT_AGAIN[takes_voice(turn)])
        else:
            text = turn._(WHAT[takes_voice(turn)])
        turn.ask(Step.WHAT, text, [Choice(DONE, turn._("Done"))], free_text=True, numbered=False)
        self._prefix_last(turn, prefix)

    def _ask_more(self, turn: Turn, prefix: str | None = None) -> None:
        turn.ask(
            Step.WHAT,
            turn._("Noted. Send more, or press “Done”."),
            [Choice(DONE, turn._("Done"))],
            free_text=True,
            numbered=False,
        )
        self._prefix_last(turn, prefix)

    async def on_what(self, turn: Turn) -> None:
        """Stores each text as parts of "what happened"; "Done" asks when it happened."""
        event = turn.event
        if turn.choice == DONE or (event.kind is EventKind.TEXT and fold(event.text) in DONE_WORDS):
            await self._what_done(turn)
            return
        if event.kind is EventKind.MEDIA:
            return  # taken in handle()
        if event.kind is not EventKind.TEXT:
            self._reask(
                turn,
                turn._(WHAT_IN[takes_voice(turn)]),
            )
            return
        added, note = self._add_text(turn, event.text)
        if not added:
            self._reask(turn, note or "")
            return
        self._ask_more(turn, note)

    def _add_text(self, turn: Turn, text: str) -> tuple[bool, str | None]:
        """Append to "what happened", a long message as several parts, up to MAX_DESCRIPTION;
        whether anything was added, and a sentence saying what was kept when not all of it."""
        text = text.strip()
        if not text:
            return True, None
        parts = list(turn.data.get("parts") or [])
        room = MAX_DESCRIPTION - sum(len(p) for p in parts)
        if room <= 0:
            return False, turn._(
                "Your description is already very long; this part was not added. "
                "Press “Done” to go on."
            )
        kept = text[:room]
        new_parts = split_text(kept, MAX_PART)
        turn.update_data(parts=[*parts, *new_parts])
        if len(kept) < len(text):
            return True, turn._(
                "Your message was long: its first {kept} of {length} characters were kept "
                "(a tip holds at most {limit}). Press “Done” to go on.",
                kept=len(kept),
                length=len(text),
                limit=MAX_DESCRIPTION,
            )
        if len(new_parts) > 1:
            return True, turn._(
                "Your long message was kept whole: {length} characters, in {n} parts.",
                length=len(text),
                n=len(new_parts),
            )
        return True, None

    async def _what_done(self, turn: Turn) -> None:
        if not description_of(turn.data) and not turn.data.get("attachments"):
            self._reask(turn, turn._("Please tell in a few words what happened first."))
            return
        if not turn.data.get("parts") and turn.data.get("old_parts"):
            turn.update_data(parts=turn.data["old_parts"])
        turn.update_data(old_parts=None)
        await self._next(turn, Step.WHAT)

    # --- evidence ------------------------------------------------------------------------
    async def handle(self, turn: Turn) -> None:
        event = turn.event
        if event.kind is EventKind.MEDIA and turn.choice is None and event.media is not None:
            if turn.step in TAKES_EVIDENCE:
                self._take_evidence(turn, event.media, event.text)
            else:
                self._reask(
                    turn,
                    turn._(EVIDENCE_LATER[takes_voice(turn)]),
                )
            return
        await super().handle(turn)

    def _take_evidence(self, turn: Turn, media: Media, caption: str) -> None:
        attachments = list(turn.data.get("attachments") or [])
        limit = turn.settings.tip_max_attachments
        problem = attachment_problem(turn, media, len(attachments), limit)
        if problem is None and caption:
            added, note = self._add_text(turn, caption)
            problem = None if added else note
        if problem is None:
            attachments.append(
                {"kind": media.kind, "ref": media.ref, "size": media.size, "mime": media.mime_type}
            )
            turn.update_data(attachments=attachments)
            done = turn._(
                "Added: {kind} ({n} of at most {limit}).",
                kind=turn._(ATTACHMENT_NAMES[media.kind]),
                n=len(attachments),
                limit=limit,
            )
            if turn.step == Step.WHAT:
                self._ask_more(turn, done)
            else:
                self._reask(turn, done)
            return
        self._reask(turn, problem)
