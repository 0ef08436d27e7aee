"""The summary, corrections, and sending: the tip is stored before its code is shown."""

from __future__ import annotations

import base64
from datetime import datetime

from bot.messages import Choice
from bot.runtime.dialog.turn import Turn
from bot.tips.media import MEDIA_QUEUE
from bot.tips.submit import DraftAttachment, TipDraft, submit_tip
from handlers.report_tip.guards import (
    attachment_counts,
    description_of,
    in_sentence,
    rate_limited,
    reporter_route,
)
from handlers.report_tip.steps import ReportTipSteps
from handlers.report_tip.texts import EDIT, SEND, Step
from storage.repos.org import commune_by_code


class ReviewSteps(ReportTipSteps):
    # --- summary, corrections, sending ---------------------------------------------------
    async def _ask_summary(self, turn: Turn, prefix: str | None) -> None:
        turn.ask(
            Step.SUMMARY,
            self._summary(turn),
            [Choice(SEND, turn._("Send")), Choice(EDIT, turn._("Edit"))],
        )
        self._prefix_last(turn, prefix)

    def _summary(self, turn: Turn) -> str:
        data = turn.data
        description = description_of(data)
        if len(description) > 1000:
            description = description[:1000] + "…"
        lines = [
            turn._("Please check your tip before sending it:"),
            turn._("• Commune: {commune}", commune=data.get("commune_name", "")),
            turn._("• About: {category}", category=data.get("category_label", "")),
            turn._("• What happened: {text}", text=description or "—"),
        ]
        kinds = [a["kind"] for a in data.get("attachments") or []]
        if kinds:
            lines.append(turn._("• Attached: {items}", items=attachment_counts(turn, kinds)))
        lines.append(turn._("• When: {when}", when=self._when_text(turn) or turn._("not sure")))
        lines.append(turn._("• Where: {place}", place=self._place_text(turn)))
        if data.get("anonymous", True):
            lines.append(turn._("• Sent: anonymously"))
        elif data.get("phone") or (turn.person and turn.person.phone_encrypted):
            lines.append(turn._("• Sent: with your name and phone, seen only by commune police"))
        else:
            lines.append(
                turn._("• Sent: with your name, seen only by commune police; no phone number")
            )
        lines.append(turn._("• Updates: yes") if data.get("updates") else turn._("• Updates: no"))
        lines.append("")
        lines.append(
            turn._(
                "Report only what you saw or know. Knowingly false reports are punished by law; "
                "an honest report that turns out to be wrong is not."
            )
        )
        return "\n".join(lines)

    def _when_text(self, turn: Turn) -> str | None:
        data = turn.data
        if data.get("occurred_at"):
            moment = datetime.fromisoformat(data["occurred_at"])
            return f"{data.get('occurred_text') or ''} ({turn.t.datetime(moment)})".strip()
        return data.get("occurred_text")

    def _place_text(self, turn: Turn) -> str:
        data = turn.data
        if data.get("latitude") is not None:
            return turn._("the location you shared")
        return data.get("place") or turn._("no particular place")

    async def on_summary(self, turn: Turn) -> None:
        """ "Send" stores the tip and shows its code; "Edit" asks which answer to change."""
        if turn.choice == EDIT:
            choices = [
                Choice(Step.CATEGORY, turn._("What it is about")),
                Choice(Step.WHAT, turn._("What happened")),
                Choice(Step.WHEN, turn._("When")),
                Choice(Step.WHERE, turn._("Where")),
            ]
            if self._may_be_asked_name(turn):
                choices.append(Choice(Step.ANONYMITY, turn._("Anonymous or with my name")))
            choices.append(Choice(Step.UPDATES, turn._("Updates")))
            turn.ask(Step.EDIT, turn._("What would you like to change?"), choices)
            return
        await self._send(turn)

    async def on_edit(self, turn: Turn) -> None:
        """Marks the report as being corrected and asks that question again, then the summary."""
        turn.update_data(editing=True)
        await self._ask(turn, Step(turn.choice))

    async def _send(self, turn: Turn) -> None:
        if await rate_limited(turn):
            turn.leave()
            return
        data = turn.data
        commune = await commune_by_code(turn.session, data["commune"])
        draft = TipDraft(
            commune_code=data["commune"],
            category_key=data["category"],
            description=description_of(data),
            anonymous=bool(data.get("anonymous", True)) or not self._may_give_name(turn),
            wants_updates=bool(data.get("updates")),
            occurred_at=(
                datetime.fromisoformat(data["occurred_at"]) if data.get("occurred_at") else None
            ),
            occurred_text=data.get("occurred_text"),
            place_text=data.get("place"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            village_id=data.get("village_id"),
            attachments=[
                DraftAttachment(a["kind"], a["ref"], a.get("size"), a.get("mime"))
                for a in data.get("attachments") or []
            ],
        )
        if not draft.anonymous and data.get("phone") and turn.person is not None:
            # Given for this tip: kept as the member's number (shown and erasable in /dulieu).
            turn.person.phone_encrypted = base64.b64decode(data["phone"])
        route, account = reporter_route(turn), turn.account
        tip = await submit_tip(turn.work, draft, route=route, account=account)
        if draft.attachments:
            turn.queued.add(MEDIA_QUEUE)  # the evidence files are fetched once this commits
        lines = [
            turn._("Your tip has been sent. Its code is {code}.", code=tip.code),
            # Not "police have it" yet: that is said once a police chat accepted the card
            # (bot.tips.card_delivery).
            turn._(
                "It is saved and being passed to commune police of {commune}.",
                commune=in_sentence(commune.name) if commune else "",
            ),
            turn._("You will get a message here when they have it, and when they act on it.")
            if draft.wants_updates
            else turn._("You chose not to get updates; you can still look at it with /tincuatoi."),
            turn._("To add information later, use /tincuatoi (My tips) and the code."),
            turn._("If it is happening now or someone is in danger, call 113."),
        ]
        turn.say("\n".join(lines))
        turn.leave()
