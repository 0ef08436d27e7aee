"""The minutes' conversation, shared by its parts: step names (stored in conversations: keep
them), the order of the questions, the draft kept in the conversation, moving between steps."""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Any

from bot.i18n import N_
from bot.meetings.minutes import OTHER
from bot.messages import Choice
from bot.runtime.dialog.flows import Flow
from bot.runtime.dialog.turn import Turn

DONE, NONE, LIST, KEEP, NO_HOST, UNSCHEDULED = "done", "none", "list", "keep", "nohost", "new"
SAVE, EDIT, NO_DUE, ME, LATER = "save", "edit", "nodue", "me", "later"
TOGGLE = "t:"
MAX_TEXT = 2000
MAX_TASK = 500
MAX_NAME = 120
MAX_BUTTONS = 40
RECENT_MINUTES = 4
# A scheduled meeting can be recorded from a few hours before its time (recorded as it goes).
SOON = timedelta(hours=6)
PRESENT_NUMBER = re.compile(r"^\s*(\d{1,3})\s*(?:ho|households?)?\s*$")
# "19h30-21h", "19h30 – 21h", "19h30 đến 21h": the start and the end in one answer.
RANGE = re.compile(r"\s*(?:-|–|\bđến\b|\bden\b)\s*", re.IGNORECASE)
MIN_LENGTH, MAX_LENGTH = timedelta(minutes=20), timedelta(hours=8)


class Step(StrEnum):
    GROUP = "group"
    MEETING = "meeting"
    HELD_AT = "held_at"
    ENDED_AT = "ended_at"
    SECRETARY = "secretary"
    HOST = "host"
    PLACE = "place"
    ATTENDANCE = "attendance"
    PRESENT_LIST = "present_list"
    GUESTS = "guests"
    TOPICS = "topics"
    SITUATION = "situation"
    MEDIATION = "mediation"
    PROPOSALS = "proposals"
    DECISIONS = "decisions"
    TASKS = "tasks"
    TASK_OWNER = "task_owner"
    TASK_DUE = "task_due"
    NEXT = "next"
    PHOTOS = "photos"
    SUMMARY = "summary"
    EDIT = "edit"
    CORRECTION = "correction"


ORDER = (
    Step.HELD_AT,
    Step.HOST,
    Step.ATTENDANCE,
    Step.SECRETARY,
    Step.GUESTS,
    Step.TOPICS,
    Step.SITUATION,
    Step.MEDIATION,
    Step.PROPOSALS,
    Step.DECISIONS,
    Step.TASKS,
    Step.NEXT,
    Step.PHOTOS,
)
EDITABLE = {
    Step.HELD_AT: N_("Time"),
    Step.HOST: N_("Host and place"),
    Step.ATTENDANCE: N_("Households present"),
    Step.SECRETARY: N_("Secretary"),
    Step.GUESTS: N_("Guests"),
    Step.TOPICS: N_("Topics"),
    Step.SITUATION: N_("Situation reported"),
    Step.MEDIATION: N_("Mediation cases"),
    Step.PROPOSALS: N_("Residents' proposals"),
    Step.DECISIONS: N_("Decisions"),
    Step.TASKS: N_("Tasks"),
    Step.NEXT: N_("Next meeting"),
    Step.PHOTOS: N_("Photos"),
}
TEXT_STEPS = {
    Step.SITUATION: (
        "situation",
        N_(
            "What situation was reported since the last meeting (incidents, disputes, "
            "newcomers)? Type it, or press “None”."
        ),
    ),
    Step.MEDIATION: (
        "mediation",
        N_("Mediation cases discussed? Type them, or press “None”."),
    ),
    Step.PROPOSALS: (
        "proposals",
        N_("Residents' proposals? Type them, or press “None”."),
    ),
    Step.DECISIONS: (
        "decisions",
        N_("What did the meeting decide? Type it, or press “None”."),
    ),
}


def draft_of(turn: Turn) -> dict[str, Any]:
    return dict(turn.data.get("draft") or {})


def set_draft(turn: Turn, **values: Any) -> None:
    turn.update_data(draft={**draft_of(turn), **values})


class MinutesSteps(Flow):
    """What every part of the minutes' conversation shares: asking a step by its name, going
    on to the next one (or back to the summary when changing one), asking again."""

    async def _ask(self, turn: Turn, step: Step) -> None:
        asker = getattr(self, f"_ask_{step.value}")
        await asker(turn)

    async def _next(self, turn: Turn, step: Step) -> None:
        if turn.data.get("editing"):
            await self._summary(turn)
            return
        index = ORDER.index(step)
        if index + 1 < len(ORDER):
            await self._ask(turn, ORDER[index + 1])
        else:
            await self._summary(turn)

    def _retry(self, turn: Turn, text: str) -> None:
        turn.show(turn.prompt, prefix=text)  # type: ignore[arg-type]

    async def _summary(self, turn: Turn) -> None:
        raise NotImplementedError  # handlers.minutes_review

    # --- lists to tick, with typed additions (guests, topics) ---------------------------------
    def _ask_ticks(
        self, turn: Turn, step: Step, text: str, table: dict[str, str], field: str
    ) -> None:
        chosen = list(draft_of(turn).get(field) or [])
        choices = [
            Choice(f"{TOGGLE}{key}", ("✅ " if key in chosen else "") + turn._(label))
            for key, label in table.items()
        ]
        others = [key.removeprefix(OTHER) for key in chosen if key.startswith(OTHER)]
        if others:
            text += "\n" + turn._("Typed: {items}", items="; ".join(others))
        choices.append(Choice(DONE, turn._("Done")))
        turn.ask(step, text, choices, free_text=True)

    async def _on_ticks(self, turn: Turn, step: Step, field: str) -> bool:
        """A press toggles, typed text adds; True when "Done" was pressed."""
        if turn.choice == DONE:
            return True
        chosen = list(draft_of(turn).get(field) or [])
        if turn.choice and turn.choice.startswith(TOGGLE):
            key = turn.choice.removeprefix(TOGGLE)
            if key in chosen:
                chosen.remove(key)
            else:
                chosen.append(key)
        else:
            typed = " ".join(turn.event.text.split())[:200]
            if typed:
                chosen.append(OTHER + typed)
        set_draft(turn, **{field: chosen})
        await self._ask(turn, step)
        return False
