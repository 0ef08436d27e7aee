"""The minutes' content: topics (ticked or typed), the situation reported, mediation cases,
residents' proposals, decisions, the next meeting, photos of the paper minutes."""

from __future__ import annotations

from datetime import datetime

from bot.meetings.minutes import TOPICS
from bot.meetings.schedule import propose_from_rule, quarter_of, rule_of
from bot.meetings.service import when_text
from bot.meetings.when import as_day, parse_future
from bot.messages import Choice, EventKind
from bot.runtime.dialog.turn import Turn
from bot.text_match import fold
from handlers.minutes_steps import (
    DONE,
    KEEP,
    LATER,
    MAX_TEXT,
    NONE,
    TEXT_STEPS,
    MinutesSteps,
    Step,
    draft_of,
    set_draft,
)
from storage.repos.meetings import quarters_with_meetings


class MinutesContent(MinutesSteps):
    """What was said: topics, the situation, mediation, proposals, decisions; the next
    meeting; photos of the paper minutes."""

    async def _ask_topics(self, turn: Turn) -> None:
        self._ask_ticks(
            turn,
            Step.TOPICS,
            turn._("What was discussed? Press each topic, type any other, then press “Done”."),
            TOPICS,
            "topics",
        )

    async def on_topics(self, turn: Turn) -> None:
        """Ticks a standard topic or adds a typed one; on “Done” asks the situation reported."""
        if await self._on_ticks(turn, Step.TOPICS, "topics"):
            await self._next(turn, Step.TOPICS)

    # --- free texts --------------------------------------------------------------------------
    async def _ask_text(self, turn: Turn, step: Step) -> None:
        field, question = TEXT_STEPS[step]
        text = turn._(question)
        current = draft_of(turn).get(field)
        if current:
            text += "\n" + turn._("Now: {text}", text=current)
        turn.ask(step, text, [Choice(NONE, turn._("None"))], free_text=True, numbered=False)

    async def _on_text(self, turn: Turn, step: Step) -> None:
        field, _ = TEXT_STEPS[step]
        value = "" if turn.choice == NONE else " ".join(turn.event.text.split())
        if len(value) > MAX_TEXT:
            self._retry(turn, turn._("Please keep it under 2000 characters."))
            return
        set_draft(turn, **{field: value})
        await self._next(turn, step)

    async def _ask_situation(self, turn: Turn) -> None:
        await self._ask_text(turn, Step.SITUATION)

    async def on_situation(self, turn: Turn) -> None:
        """Stores the situation reported (or none); asks the mediation cases."""
        await self._on_text(turn, Step.SITUATION)

    async def _ask_mediation(self, turn: Turn) -> None:
        await self._ask_text(turn, Step.MEDIATION)

    async def on_mediation(self, turn: Turn) -> None:
        """Stores the mediation cases (or none); asks the residents' proposals."""
        await self._on_text(turn, Step.MEDIATION)

    async def _ask_proposals(self, turn: Turn) -> None:
        await self._ask_text(turn, Step.PROPOSALS)

    async def on_proposals(self, turn: Turn) -> None:
        """Stores the residents' proposals (or none); asks the decisions."""
        await self._on_text(turn, Step.PROPOSALS)

    async def _ask_decisions(self, turn: Turn) -> None:
        await self._ask_text(turn, Step.DECISIONS)

    async def on_decisions(self, turn: Turn) -> None:
        """Stores the decisions (or none); asks the tasks."""
        await self._on_text(turn, Step.DECISIONS)

    async def _ask_next(self, turn: Turn) -> None:
        group_id = turn.data["group_id"]
        draft = draft_of(turn)
        held = datetime.fromisoformat(draft["held_at"])
        taken = await quarters_with_meetings(turn.session, group_id)
        taken.add(quarter_of(held.astimezone(turn.t.timezone).date()))
        rule = await rule_of(turn.session, group_id)
        proposal = propose_from_rule(rule, max(turn.now, held), turn.t.timezone, taken)
        turn.update_data(next_proposal=proposal.isoformat())
        turn.ask(
            Step.NEXT,
            turn._(
                "Next meeting: by the group's rule, {when}. Press it, type another date, or "
                "press “Not decided yet”.",
                when=when_text(turn.t, proposal),
            ),
            [Choice(KEEP, when_text(turn.t, proposal)), Choice(LATER, turn._("Not decided yet"))],
            free_text=True,
            numbered=False,
        )

    async def on_next(self, turn: Turn) -> None:
        """Stores the next meeting (the rule's date, a typed one, or none yet); asks for photos."""
        if turn.choice == KEEP:
            set_draft(turn, next_at=turn.data["next_proposal"])
        elif turn.choice == LATER:
            set_draft(turn, next_at=None)
        else:
            rule = await rule_of(turn.session, turn.data["group_id"])
            local_now = turn.now.astimezone(turn.t.timezone)
            moment = parse_future(as_day(turn.event.text), local_now, default_time=rule.clock)
            if moment is None:
                self._retry(
                    turn,
                    turn._(
                        "I could not read a date and time still ahead in that. Please type, "
                        "for example, “chủ nhật tuần sau 19h30” or “20/1 19:30”."
                    ),
                )
                return
            set_draft(turn, next_at=moment.isoformat())
        await self._next(turn, Step.NEXT)

    # --- photos ------------------------------------------------------------------------------
    async def _ask_photos(self, turn: Turn) -> None:
        photos = draft_of(turn).get("photos") or []
        turn.ask(
            Step.PHOTOS,
            turn._(
                "Send photos of the paper minutes, if you have them, then press “Done”. "
                "Photos so far: {n}.",
                n=len(photos),
            ),
            [Choice(DONE, turn._("Done"))],
            free_text=True,
            numbered=False,
        )

    async def on_photos(self, turn: Turn) -> None:
        """Stores each photo sent; on “Done” shows the summary."""
        event = turn.event
        if event.kind is EventKind.MEDIA and event.media is not None and turn.choice is None:
            if event.media.kind != "photo":
                self._retry(turn, turn._("Please send photos only."))
                return
            photos = [*(draft_of(turn).get("photos") or []), event.media.ref]
            set_draft(turn, photos=photos)
            turn.say(turn._("Photo {n} received.", n=len(photos)))
            return
        if turn.choice == DONE or fold(event.text) in ("xong", "done"):
            await self._next(turn, Step.PHOTOS)
            return
        self._retry(turn, turn._("Please send a photo, or press “Done”."))
