"""Recording a meeting's minutes (/bienban, "Biên bản họp"): the leader's guided questions.

which meeting (the one just held, an unscheduled one, or earlier minutes) → held at (the
scheduled time by default; "19h30-21h" gives the end too) → ended at (only when it cannot be
taken as the moment the leader opened the minutes that same evening) → host → households
present (a number, or ticked from the list) → secretary (only the first time: the group's
last one is kept, shown in the summary) → guests → topics (the standard list, plus typed
ones) → situation reported → mediation cases → residents' proposals → decisions → tasks with
owner and due date → next meeting → photos of the paper minutes → summary, "Lưu" or "Sửa".
On saving, members get a short summary, commune police too, and each task's owner their task.

For 7 days after they were first saved, minutes can be opened again and changed; after that
they are locked, and what the leader types is appended as a dated correction.

The parts: handlers.minutes_when, _attendance, _content, _tasks, _review (one class each,
mixed into the one flow); the book and the quarter summary: handlers.meeting_book.
"""

from __future__ import annotations

from typing import Any

from bot.authz import POLICY, Action, groups_in_reach, load_actor
from bot.i18n import N_
from bot.meetings.minutes import is_locked
from bot.meetings.minutes_draft import draft_from_minutes, empty_draft
from bot.meetings.service import date_text, group_title, when_text
from bot.messages import Choice
from bot.runtime.dialog.flows import FlowRegistry, MenuEntry
from bot.runtime.dialog.turn import Turn
from handlers.meeting_book import (
    MeetingBook,
    QuarterSummary,
    meeting_book_entry,
    quarter_summary_entry,
)
from handlers.meeting_parts import may, not_available
from handlers.minutes_attendance import MinutesAttendance
from handlers.minutes_content import MinutesContent
from handlers.minutes_review import MinutesReview
from handlers.minutes_steps import RECENT_MINUTES, SOON, UNSCHEDULED, Step
from handlers.minutes_tasks import MinutesTasks
from handlers.minutes_when import MinutesTime
from storage.models import Meeting
from storage.repos.meetings import (
    last_secretary,
    meeting_by_id,
    resident_household_count,
    scheduled_until,
)
from storage.repos.minutes import minutes_of, recently_recorded


class Minutes(MinutesReview, MinutesTasks, MinutesContent, MinutesAttendance, MinutesTime):
    name = "minutes"
    draft_name = N_("meeting minutes")

    def holds_typed_content(self, data: dict[str, Any]) -> bool:
        return bool(data.get("draft"))

    async def begin(self, turn: Turn) -> None:
        """Finds the groups the leader may record minutes for; asks which group if several."""
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        groups = await groups_in_reach(turn.session, actor, Action.RECORD_MINUTES)
        if not groups:
            not_available(turn)
        elif len(groups) == 1:
            await self._choose_meeting(turn, groups[0].id)
        else:
            choices = [Choice(str(g.id), await group_title(turn.session, g.id)) for g in groups]
            turn.ask(Step.GROUP, turn._("Which group?"), choices)

    async def on_group(self, turn: Turn) -> None:
        """Takes the group picked; asks which meeting (or starts the only one due)."""
        await self._choose_meeting(turn, int(turn.choice or 0))

    # --- which meeting -----------------------------------------------------------------------
    async def _choose_meeting(self, turn: Turn, group_id: int) -> None:
        if not await may(turn, Action.RECORD_MINUTES, group_id):
            not_available(turn)
            return
        turn.update_data(group_id=group_id)
        due = await scheduled_until(turn.session, group_id, turn.now + SOON)
        recorded = await recently_recorded(turn.session, group_id, RECENT_MINUTES)
        if len(due) == 1 and not recorded:
            await self._start(turn, due[0])
            return
        if not due and not recorded:
            await self._start(turn, None)
            return
        choices = [
            Choice(
                str(m.id),
                turn._("Meeting of {when}", when=when_text(turn.t, m.scheduled_at)),
            )
            for m in due
        ]
        for meeting in recorded:
            minutes = await minutes_of(turn.session, meeting.id)
            assert minutes is not None
            label = (
                turn._(
                    "Add a correction to the minutes of {date}",
                    date=date_text(turn.t, minutes.held_at),
                )
                if is_locked(minutes, turn.now)
                else turn._("Change the minutes of {date}", date=date_text(turn.t, minutes.held_at))
            )
            choices.append(Choice(str(meeting.id), label))
        choices.append(Choice(UNSCHEDULED, turn._("A meeting that was not scheduled")))
        turn.ask(Step.MEETING, turn._("Which meeting?"), choices)

    async def on_meeting(self, turn: Turn) -> None:
        """Takes the meeting; asks when it was held, shows open minutes, or asks a correction."""
        if turn.choice == UNSCHEDULED:
            await self._start(turn, None)
            return
        meeting = await meeting_by_id(turn.session, int(turn.choice or 0))
        if meeting is None or meeting.group_id != turn.data["group_id"]:
            turn.leave()
            return
        minutes = await minutes_of(turn.session, meeting.id)
        if minutes is None:
            await self._start(turn, meeting)
        elif is_locked(minutes, turn.now):
            turn.update_data(meeting_id=meeting.id)
            turn.ask(
                Step.CORRECTION,
                turn._(
                    "The minutes of {date} are locked: they were recorded more than 7 days "
                    "ago. Type a correction: it is added below them, with today's date; the "
                    "minutes themselves stay as they were.",
                    date=date_text(turn.t, minutes.held_at),
                ),
                free_text=True,
            )
        else:
            turn.update_data(draft=await draft_from_minutes(turn.session, minutes))
            await self._summary(turn)

    async def _start(self, turn: Turn, meeting: Meeting | None) -> None:
        total = await resident_household_count(turn.session, turn.data["group_id"])
        draft = empty_draft(meeting, total, turn.now)
        draft["secretary"] = await last_secretary(turn.session, turn.data["group_id"])
        turn.update_data(draft=draft, editing=False, opened_at=turn.now.isoformat())
        await self._ask(turn, Step.HELD_AT)


def records_minutes(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.RECORD_MINUTES])


minutes_entry = MenuEntry(
    key="minutes",
    label=N_("Meeting minutes"),
    flow=Minutes.name,
    commands=("bienban", "minutes"),
    visible_to=records_minutes,
    order=53,
)


# --- the meeting book and the quarter summary (read-only) --------------------------------------


def register(registry: FlowRegistry) -> None:
    registry.add(Minutes(), minutes_entry)
    registry.add(MeetingBook(), meeting_book_entry)
    registry.add(QuarterSummary(), quarter_summary_entry)
