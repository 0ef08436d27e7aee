"""The minutes' time: when the meeting started (the scheduled time by default) and ended
("19h30-21h" gives both; the end is taken as the moment the minutes were opened that
same evening, else asked)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.meetings.service import when_text
from bot.meetings.when import as_hour, parse_past, read_when
from bot.messages import Choice
from bot.runtime.dialog.turn import Turn
from handlers.minutes_steps import (
    KEEP,
    MAX_LENGTH,
    MIN_LENGTH,
    RANGE,
    MinutesSteps,
    Step,
    draft_of,
    set_draft,
)


def _end_after(text: str, start: datetime, turn: Turn) -> datetime | None:
    """The end the text names: a time on the start's day (or the next), after the start."""
    local = start.astimezone(turn.t.timezone)
    clock = read_when(as_hour(text), local.date()).clock
    if clock is None:
        return None
    moment = datetime.combine(local.date(), clock, turn.t.timezone)
    if moment <= start:
        moment += timedelta(days=1)
    return moment if moment - start <= timedelta(hours=12) else None


class MinutesTime(MinutesSteps):
    """When the meeting was held and when it ended."""

    async def _ask_held_at(self, turn: Turn) -> None:
        draft = draft_of(turn)
        choices = []
        if draft.get("meeting_id"):
            held = datetime.fromisoformat(draft["held_at"])
            choices.append(Choice(KEEP, when_text(turn.t, held)))
            text = turn._(
                "When was the meeting held? Press the scheduled time, or type the time it "
                "really started (for example “19h45”, or “20/1 19:30”)."
            )
        else:
            text = turn._("When was the meeting held? Type the date and time, e.g. “20/1 19:30”.")
        turn.ask(Step.HELD_AT, text, choices, free_text=True, numbered=False)

    async def on_held_at(self, turn: Turn) -> None:
        """Stores the start (and end, if a range); asks the end when unknown, else the host."""
        end_typed: datetime | None = None
        if turn.choice != KEEP:
            draft = draft_of(turn)
            local_now = turn.now.astimezone(turn.t.timezone)
            scheduled = datetime.fromisoformat(draft["held_at"]).astimezone(turn.t.timezone)
            start_text, *rest = RANGE.split(turn.event.text, maxsplit=1)
            end_text = rest[0] if rest else ""
            moment = parse_past(
                as_hour(start_text),
                local_now,
                default_day=scheduled.date(),
                default_time=scheduled.time(),
            )
            if moment is not None and end_text:
                end_typed = _end_after(end_text, moment, turn)
            if moment is None:
                self._retry(
                    turn,
                    turn._(
                        "I could not read a date and time that has already come. Please type, "
                        "for example, “19h45” or “20/1 19:30”."
                    ),
                )
                return
            set_draft(turn, held_at=moment.isoformat())
        await self._settle_end(turn, end_typed)

    async def _settle_end(self, turn: Turn, typed: datetime | None) -> None:
        """The end: as typed, else kept, else the moment these minutes were opened when that
        was the same evening; asked only when none of these applies."""
        draft = draft_of(turn)
        held = datetime.fromisoformat(draft["held_at"])
        kept = datetime.fromisoformat(draft["ended_at"]) if draft.get("ended_at") else None
        opened = datetime.fromisoformat(turn.data.get("opened_at") or turn.now.isoformat())
        tz = turn.t.timezone
        same_evening = (
            opened.astimezone(tz).date() == held.astimezone(tz).date()
            and MIN_LENGTH <= opened - held <= MAX_LENGTH
        )
        end = typed or (kept if kept and kept > held else None)
        if end is None and same_evening:
            end = opened.replace(minute=opened.minute - opened.minute % 5, second=0, microsecond=0)
        if end is None:
            turn.ask(
                Step.ENDED_AT,
                turn._("When did the meeting end? Type the time, for example “21h”."),
                free_text=True,
            )
            return
        set_draft(turn, ended_at=end.isoformat())
        await self._next(turn, Step.HELD_AT)

    async def on_ended_at(self, turn: Turn) -> None:
        """Stores when the meeting ended; asks the host."""
        held = datetime.fromisoformat(draft_of(turn)["held_at"])
        end = _end_after(turn.event.text, held, turn)
        if end is None:
            start = held.astimezone(turn.t.timezone).strftime("%H:%M")
            self._retry(
                turn,
                turn._(
                    "Please type a time after the start ({time}), for example “21h”.", time=start
                ),
            )
            return
        await self._settle_end(turn, end)
