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
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.authz import POLICY, Action, groups_in_reach, load_actor
from bot.i18n import N_, Translator
from bot.meetings.book import book_path, load_book, quarter_summary, summary_text, write_book
from bot.meetings.minutes import (
    GUESTS,
    OTHER,
    TOPICS,
    full_text,
    is_locked,
    minutes_title,
    short_summary,
)
from bot.meetings.minutes_draft import draft_from_minutes, draft_view, empty_draft, save_minutes
from bot.meetings.schedule import (
    previous_quarter,
    propose_from_rule,
    quarter_label,
    quarter_of,
    rule_of,
)
from bot.meetings.service import (
    date_text,
    group_title,
    tell_group_chat,
    tell_persons,
    when_text,
)
from bot.meetings.tasks import task_notice
from bot.meetings.when import parse_future, parse_past, read_when
from bot.messages import Choice, EventKind, OutboundMessage
from bot.runtime.dialog.flows import Flow, FlowRegistry, MenuEntry
from bot.runtime.dialog.pages import MORE, page_of
from bot.runtime.dialog.turn import Turn
from bot.text_match import fold
from bot.tips.service import police_chats
from handlers.meetings import _pick_household, may, not_available
from storage.models import Household, Meeting, MeetingTask
from storage.repos.meeting_people import commune_of_group, invitees
from storage.repos.meetings import (
    household_by_id,
    last_secretary,
    meeting_by_id,
    quarters_with_meetings,
    resident_household_count,
    resident_households,
    scheduled_until,
)
from storage.repos.minutes import add_correction, minutes_of, recently_recorded

DONE, NONE, LIST, KEEP, NO_HOST, UNSCHEDULED = "done", "none", "list", "keep", "nohost", "new"
SAVE, EDIT, NO_DUE, ME, LATER = "save", "edit", "nodue", "me", "later"
TOGGLE = "t:"
MAX_TEXT = 2000
MAX_TASK = 500
MAX_NAME = 120
MAX_BUTTONS = 40
RECENT_MINUTES = 4
# A scheduled meeting can be recorded from a few hours before its time (recorded as it goes).
_SOON = timedelta(hours=6)
PRESENT_NUMBER = re.compile(r"^\s*(\d{1,3})\s*(?:ho|households?)?\s*$")
# "19h30-21h", "19h30 – 21h", "19h30 đến 21h": the start and the end in one answer.
RANGE = re.compile(r"\s*(?:-|–|\bđến\b|\bden\b)\s*", re.IGNORECASE)
MIN_LENGTH, MAX_LENGTH = timedelta(minutes=20), timedelta(hours=8)


def _end_after(text: str, start: datetime, turn: Turn) -> datetime | None:
    """The end the text names: a time on the start's day (or the next), after the start."""
    local = start.astimezone(turn.t.timezone)
    clock = read_when(text, local.date()).clock
    if clock is None:
        return None
    moment = datetime.combine(local.date(), clock, turn.t.timezone)
    if moment <= start:
        moment += timedelta(days=1)
    return moment if moment - start <= timedelta(hours=12) else None


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


def _draft(turn: Turn) -> dict[str, Any]:
    return dict(turn.data.get("draft") or {})


def _set_draft(turn: Turn, **values: Any) -> None:
    turn.update_data(draft={**_draft(turn), **values})


class Minutes(Flow):
    name = "minutes"
    draft_name = N_("meeting minutes")

    def holds_typed_content(self, data: dict[str, Any]) -> bool:
        return bool(data.get("draft"))

    async def begin(self, turn: Turn) -> None:
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
        await self._choose_meeting(turn, int(turn.choice or 0))

    # --- which meeting -----------------------------------------------------------------------
    async def _choose_meeting(self, turn: Turn, group_id: int) -> None:
        if not await may(turn, Action.RECORD_MINUTES, group_id):
            not_available(turn)
            return
        turn.update_data(group_id=group_id)
        due = await scheduled_until(turn.session, group_id, turn.now + _SOON)
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

    async def on_correction(self, turn: Turn) -> None:
        text = " ".join(turn.event.text.split())
        if not 2 <= len(text) <= MAX_TEXT:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._("Please type the correction in words, at most 2000 characters."),
            )
            return
        meeting = await meeting_by_id(turn.session, turn.data["meeting_id"])
        if meeting is None or not await may(turn, Action.RECORD_MINUTES, meeting.group_id):
            not_available(turn)
            return
        add_correction(
            turn.session,
            meeting.id,
            text,
            by=turn.person.id if turn.person else None,
            now=turn.now,
        )
        turn.say(turn._("The correction was added to the minutes."))
        turn.leave()

    async def _start(self, turn: Turn, meeting: Meeting | None) -> None:
        total = await resident_household_count(turn.session, turn.data["group_id"])
        draft = empty_draft(meeting, total, turn.now)
        draft["secretary"] = await last_secretary(turn.session, turn.data["group_id"])
        turn.update_data(draft=draft, editing=False, opened_at=turn.now.isoformat())
        await self._ask(turn, Step.HELD_AT)

    # --- moving between questions ------------------------------------------------------------
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

    # --- held at -----------------------------------------------------------------------------
    async def _ask_held_at(self, turn: Turn) -> None:
        draft = _draft(turn)
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
        end_typed: datetime | None = None
        if turn.choice != KEEP:
            draft = _draft(turn)
            local_now = turn.now.astimezone(turn.t.timezone)
            scheduled = datetime.fromisoformat(draft["held_at"]).astimezone(turn.t.timezone)
            start_text, *rest = RANGE.split(turn.event.text, maxsplit=1)
            end_text = rest[0] if rest else ""
            moment = parse_past(
                start_text,
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
            _set_draft(turn, held_at=moment.isoformat())
        await self._settle_end(turn, end_typed)

    async def _settle_end(self, turn: Turn, typed: datetime | None) -> None:
        """The end: as typed, else kept, else the moment these minutes were opened when that
        was the same evening; asked only when none of these applies."""
        draft = _draft(turn)
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
        _set_draft(turn, ended_at=end.isoformat())
        await self._next(turn, Step.HELD_AT)

    async def on_ended_at(self, turn: Turn) -> None:
        held = datetime.fromisoformat(_draft(turn)["held_at"])
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

    # --- secretary ---------------------------------------------------------------------------
    async def _ask_secretary(self, turn: Turn) -> None:
        if _draft(turn).get("secretary") and not turn.data.get("editing"):
            await self._next(turn, Step.SECRETARY)  # the group's last one, shown in the summary
            return
        people = await invitees(turn.session, turn.data["group_id"])
        choices = [Choice(str(pid), name) for pid, name in list(people.items())[:MAX_BUTTONS]]
        turn.ask(
            Step.SECRETARY,
            turn._(
                "Who was the secretary (who wrote down the minutes)? Press a name, or type one."
            ),
            choices,
            free_text=True,
        )

    async def on_secretary(self, turn: Turn) -> None:
        people = await invitees(turn.session, turn.data["group_id"])
        if turn.choice and turn.choice.isdigit() and int(turn.choice) in people:
            name = people[int(turn.choice)]
        else:
            name = " ".join(turn.event.text.split())
            if not 2 <= len(name) <= MAX_NAME:
                self._retry(turn, turn._("Please type a name, at most 120 characters."))
                return
        _set_draft(turn, secretary=name)
        await self._next(turn, Step.SECRETARY)

    # --- host and place ----------------------------------------------------------------------
    async def _households(self, turn: Turn) -> list[Household]:
        return await resident_households(turn.session, turn.data["group_id"])

    async def _ask_host(self, turn: Turn) -> None:
        draft = _draft(turn)
        choices = []
        host = await household_by_id(turn.session, draft.get("host"))
        if host is not None:
            choices.append(Choice(KEEP, turn._("{address} (as planned)", address=host.address)))
        households = [h for h in await self._households(turn) if host is None or h.id != host.id]
        choices += [Choice(str(h.id), h.address) for h in households[:MAX_BUTTONS]]
        choices.append(Choice(NO_HOST, turn._("Not at a household")))
        turn.ask(
            Step.HOST,
            turn._("Which household hosted the meeting? Press it, or type its address."),
            choices,
            free_text=True,
        )

    async def on_host(self, turn: Turn) -> None:
        draft = _draft(turn)
        if turn.choice == KEEP:
            host = await household_by_id(turn.session, draft.get("host"))
        elif turn.choice == NO_HOST:
            _set_draft(turn, host=None)
            turn.ask(
                Step.PLACE,
                turn._("Where was the meeting held? Type the place."),
                free_text=True,
            )
            return
        else:
            host = _pick_household(turn, await self._households(turn))
            if host is None:
                self._retry(
                    turn, turn._("I could not find exactly one household with that address.")
                )
                return
        place = draft.get("place") if host and host.id == draft.get("host") else None
        _set_draft(
            turn, host=host.id if host else None, place=place or (host.address if host else "")
        )
        await self._next(turn, Step.HOST)

    async def on_place(self, turn: Turn) -> None:
        place = " ".join(turn.event.text.split())
        if not 2 <= len(place) <= 300:
            self._retry(turn, turn._("Please type the place in words, at most 300 characters."))
            return
        _set_draft(turn, place=place)
        await self._next(turn, Step.HOST)

    # --- attendance --------------------------------------------------------------------------
    async def _ask_attendance(self, turn: Turn) -> None:
        draft = _draft(turn)
        turn.ask(
            Step.ATTENDANCE,
            turn._(
                "How many of the {total} households were present? Type the number followed "
                "by “hộ” (for example “8 hộ”), or tick them in the list.",
                total=draft["total"],
            ),
            [Choice(LIST, turn._("Tick from the list"))],
            free_text=True,
            numbered=False,
        )

    async def on_attendance(self, turn: Turn) -> None:
        if turn.choice == LIST:
            await self._ask_present_list(turn)
            return
        match = PRESENT_NUMBER.match(fold(turn.event.text))
        total = int(_draft(turn)["total"])
        if match is None or int(match.group(1)) > max(total, 0):
            self._retry(
                turn,
                turn._(
                    "Please type a number of households from 0 to {total}, e.g. “8 hộ”.",
                    total=total,
                ),
            )
            return
        _set_draft(turn, present=int(match.group(1)), present_ids=[])
        await self._next(turn, Step.ATTENDANCE)

    async def _ask_present_list(self, turn: Turn) -> None:
        draft = _draft(turn)
        ticked = set(draft.get("present_ids") or [])
        households = await self._households(turn)
        choices = [
            Choice(f"{TOGGLE}{h.id}", ("✅ " if h.id in ticked else "") + h.address)
            for h in households[:MAX_BUTTONS]
        ]
        choices.append(Choice(DONE, turn._("Done ({n} present)", n=len(ticked))))
        turn.ask(
            Step.PRESENT_LIST,
            turn._("Press each household that was present, then “Done”."),
            choices,
        )

    async def on_present_list(self, turn: Turn) -> None:
        draft = _draft(turn)
        if turn.choice == DONE:
            _set_draft(turn, present=None)
            await self._next(turn, Step.ATTENDANCE)
            return
        household = int((turn.choice or "").removeprefix(TOGGLE) or 0)
        ticked = list(draft.get("present_ids") or [])
        if household in ticked:
            ticked.remove(household)
        else:
            ticked.append(household)
        _set_draft(turn, present_ids=ticked, present=None)
        await self._ask_present_list(turn)

    # --- guests and topics (ticked, or typed) -------------------------------------------------
    def _ask_ticks(
        self, turn: Turn, step: Step, text: str, table: dict[str, str], field: str
    ) -> None:
        chosen = list(_draft(turn).get(field) or [])
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
        chosen = list(_draft(turn).get(field) or [])
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
        _set_draft(turn, **{field: chosen})
        await self._ask(turn, step)
        return False

    async def _ask_guests(self, turn: Turn) -> None:
        self._ask_ticks(
            turn,
            Step.GUESTS,
            turn._(
                "Guests at the meeting? Press each one, type any other guest, then press "
                "“Done” (also when there were none)."
            ),
            GUESTS,
            "guests",
        )

    async def on_guests(self, turn: Turn) -> None:
        if await self._on_ticks(turn, Step.GUESTS, "guests"):
            await self._next(turn, Step.GUESTS)

    async def _ask_topics(self, turn: Turn) -> None:
        self._ask_ticks(
            turn,
            Step.TOPICS,
            turn._("What was discussed? Press each topic, type any other, then press “Done”."),
            TOPICS,
            "topics",
        )

    async def on_topics(self, turn: Turn) -> None:
        if await self._on_ticks(turn, Step.TOPICS, "topics"):
            await self._next(turn, Step.TOPICS)

    # --- free texts --------------------------------------------------------------------------
    async def _ask_text(self, turn: Turn, step: Step) -> None:
        field, question = TEXT_STEPS[step]
        text = turn._(question)
        current = _draft(turn).get(field)
        if current:
            text += "\n" + turn._("Now: {text}", text=current)
        turn.ask(step, text, [Choice(NONE, turn._("None"))], free_text=True, numbered=False)

    async def _on_text(self, turn: Turn, step: Step) -> None:
        field, _ = TEXT_STEPS[step]
        value = "" if turn.choice == NONE else " ".join(turn.event.text.split())
        if len(value) > MAX_TEXT:
            self._retry(turn, turn._("Please keep it under 2000 characters."))
            return
        _set_draft(turn, **{field: value})
        await self._next(turn, step)

    async def _ask_situation(self, turn: Turn) -> None:
        await self._ask_text(turn, Step.SITUATION)

    async def on_situation(self, turn: Turn) -> None:
        await self._on_text(turn, Step.SITUATION)

    async def _ask_mediation(self, turn: Turn) -> None:
        await self._ask_text(turn, Step.MEDIATION)

    async def on_mediation(self, turn: Turn) -> None:
        await self._on_text(turn, Step.MEDIATION)

    async def _ask_proposals(self, turn: Turn) -> None:
        await self._ask_text(turn, Step.PROPOSALS)

    async def on_proposals(self, turn: Turn) -> None:
        await self._on_text(turn, Step.PROPOSALS)

    async def _ask_decisions(self, turn: Turn) -> None:
        await self._ask_text(turn, Step.DECISIONS)

    async def on_decisions(self, turn: Turn) -> None:
        await self._on_text(turn, Step.DECISIONS)

    # --- tasks -------------------------------------------------------------------------------
    async def _ask_tasks(self, turn: Turn) -> None:
        tasks = _draft(turn).get("tasks") or []
        view = await draft_view(turn.session, _draft(turn), turn.t)
        if tasks:
            lines = [turn._("Tasks so far:")]
            lines += [f"{n}) {t.text} — {t.owner or '—'}" for n, t in enumerate(view.tasks, 1)]
            lines.append(turn._("Type another task, or press “Done”."))
            choices = [Choice(DONE, turn._("Done"))]
            if turn.data.get("editing") or tasks:
                choices.append(Choice(NONE, turn._("Remove the last task")))
        else:
            lines = [
                turn._(
                    "Tasks decided at the meeting: type the first one (what is to be done), "
                    "or press “No tasks”."
                )
            ]
            choices = [Choice(DONE, turn._("No tasks"))]
        turn.ask(Step.TASKS, "\n".join(lines), choices, free_text=True, numbered=False)

    async def on_tasks(self, turn: Turn) -> None:
        tasks = list(_draft(turn).get("tasks") or [])
        if turn.choice == DONE:
            await self._next(turn, Step.TASKS)
            return
        if turn.choice == NONE:
            if tasks:
                tasks.pop()
            _set_draft(turn, tasks=tasks)
            await self._ask_tasks(turn)
            return
        text = " ".join(turn.event.text.split())
        if not 2 <= len(text) <= MAX_TASK:
            self._retry(turn, turn._("Please type the task in words, at most 500 characters."))
            return
        turn.update_data(task={"text": text})
        people = await invitees(turn.session, turn.data["group_id"])
        choices = [Choice(str(pid), name) for pid, name in list(people.items())[:MAX_BUTTONS]]
        turn.ask(
            Step.TASK_OWNER,
            turn._("Who is responsible for it? Press a name, or type one."),
            choices,
            free_text=True,
        )

    async def on_task_owner(self, turn: Turn) -> None:
        people = await invitees(turn.session, turn.data["group_id"])
        task = dict(turn.data.get("task") or {})
        if turn.choice and turn.choice.isdigit() and int(turn.choice) in people:
            task.update(owner_id=int(turn.choice), owner_name=people[int(turn.choice)])
        else:
            typed = " ".join(turn.event.text.split())
            if not 2 <= len(typed) <= MAX_NAME:
                self._retry(turn, turn._("Please type a name, at most 120 characters."))
                return
            same = [pid for pid, name in people.items() if fold(name) == fold(typed)]
            task.update(
                owner_id=same[0] if len(same) == 1 else None,
                owner_name=people[same[0]] if len(same) == 1 else typed,
            )
        turn.update_data(task=task)
        turn.ask(
            Step.TASK_DUE,
            turn._("By when? Type a date (for example “30/4”), or press “No due date”."),
            [Choice(NO_DUE, turn._("No due date"))],
            free_text=True,
            numbered=False,
        )

    async def on_task_due(self, turn: Turn) -> None:
        due: date | None = None
        if turn.choice != NO_DUE:
            local_now = turn.now.astimezone(turn.t.timezone)
            moment = parse_future(turn.event.text, local_now.replace(hour=0, minute=0))
            if moment is None:
                self._retry(turn, turn._("Please type a date still ahead, for example “30/4”."))
                return
            due = moment.date()
        task = {**turn.data.get("task", {}), "due": due.isoformat() if due else None}
        _set_draft(turn, tasks=[*(_draft(turn).get("tasks") or []), task])
        await self._ask_tasks(turn)

    # --- next meeting ------------------------------------------------------------------------
    async def _ask_next(self, turn: Turn) -> None:
        group_id = turn.data["group_id"]
        draft = _draft(turn)
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
        if turn.choice == KEEP:
            _set_draft(turn, next_at=turn.data["next_proposal"])
        elif turn.choice == LATER:
            _set_draft(turn, next_at=None)
        else:
            rule = await rule_of(turn.session, turn.data["group_id"])
            local_now = turn.now.astimezone(turn.t.timezone)
            moment = parse_future(turn.event.text, local_now, default_time=rule.clock)
            if moment is None:
                self._retry(
                    turn,
                    turn._(
                        "I could not read a date and time still ahead in that. Please type, "
                        "for example, “chủ nhật tuần sau 19h30” or “20/1 19:30”."
                    ),
                )
                return
            _set_draft(turn, next_at=moment.isoformat())
        await self._next(turn, Step.NEXT)

    # --- photos ------------------------------------------------------------------------------
    async def _ask_photos(self, turn: Turn) -> None:
        photos = _draft(turn).get("photos") or []
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
        event = turn.event
        if event.kind is EventKind.MEDIA and event.media is not None and turn.choice is None:
            if event.media.kind != "photo":
                self._retry(turn, turn._("Please send photos only."))
                return
            photos = [*(_draft(turn).get("photos") or []), event.media.ref]
            _set_draft(turn, photos=photos)
            turn.say(turn._("Photo {n} received.", n=len(photos)))
            return
        if turn.choice == DONE or fold(event.text) in ("xong", "done"):
            await self._next(turn, Step.PHOTOS)
            return
        self._retry(turn, turn._("Please send a photo, or press “Done”."))

    # --- summary, edit, save -----------------------------------------------------------------
    async def _summary(self, turn: Turn) -> None:
        turn.update_data(editing=False)
        draft = _draft(turn)
        view = await draft_view(turn.session, draft, turn.t)
        title = minutes_title(
            turn.t, await group_title(turn.session, turn.data["group_id"]), view.held_at
        )
        turn.ask(
            Step.SUMMARY,
            full_text(turn.t, view, title=title),
            [Choice(SAVE, turn._("Save the minutes")), Choice(EDIT, turn._("Change something"))],
        )

    async def on_summary(self, turn: Turn) -> None:
        if turn.choice == EDIT:
            self._ask_edit(turn)
            return
        await self._save(turn)

    def _ask_edit(self, turn: Turn, *, second: bool = False) -> None:
        choices = [Choice(step.value, turn._(label)) for step, label in EDITABLE.items()]
        page = page_of(choices, second=second, more_label=turn._("More…"))
        turn.ask(Step.EDIT, turn._("What do you want to change?"), page)

    async def on_edit(self, turn: Turn) -> None:
        if turn.choice == MORE:
            self._ask_edit(turn, second=True)
            return
        turn.update_data(editing=True)
        await self._ask(turn, Step(turn.choice or Step.HELD_AT))

    async def _save(self, turn: Turn) -> None:
        group_id = turn.data["group_id"]
        if not await may(turn, Action.RECORD_MINUTES, group_id):
            not_available(turn)
            return
        draft = _draft(turn)
        existing = (
            await minutes_of(turn.session, draft["meeting_id"]) if draft.get("meeting_id") else None
        )
        if existing is not None and is_locked(existing, turn.now):
            turn.say(turn._("These minutes were locked meanwhile; nothing was changed."))
            turn.leave()
            return
        meeting, _minutes, new_tasks, created = await save_minutes(
            turn.session,
            draft,
            group_id=group_id,
            person_id=turn.person.id if turn.person else None,
            chair=turn.person.full_name if turn.person else "",
            channel=turn.event.channel,
            now=turn.now,
            tz=turn.t.timezone,
        )
        if created:
            reached = await self._tell_everyone(turn, meeting, draft)
            turn.say(turn._("The minutes are saved. {n} people got a short summary.", n=reached))
        else:
            turn.say(turn._("The minutes are updated."))
        await self._tell_owners(turn, new_tasks)
        turn.leave()

    async def _tell_everyone(self, turn: Turn, meeting: Meeting, draft: dict[str, Any]) -> int:
        session = turn.session
        group = await group_title(session, meeting.group_id)
        views: dict[str, str] = {}
        for locale in ("vi", "en"):
            t = Translator(locale, turn.settings.timezone)
            views[locale] = short_summary(t, await draft_view(session, draft, t), group=group)

        def summary(t: Translator) -> OutboundMessage:
            return OutboundMessage(text=views[t.locale])

        people = await invitees(session, meeting.group_id)
        reached = await tell_persons(
            turn.work, list(people), summary, skip=turn.person.id if turn.person else None
        )
        await tell_group_chat(turn.work, meeting.group_id, summary)
        commune = await commune_of_group(session, meeting.group_id)
        if commune:  # the police desk, or each officer when the commune has no desk
            for chat in await police_chats(session, commune):
                await turn.notify(
                    channel=chat.channel,
                    chat_id=chat.chat_id,
                    message=summary(Translator(chat.language, turn.settings.timezone)),
                    is_group_chat=chat.is_group,
                )
        return reached

    async def _tell_owners(self, turn: Turn, tasks: list[MeetingTask]) -> None:
        for task in tasks:
            if task.owner_person_id is None:
                continue

            def notice(t: Translator, task: MeetingTask = task) -> OutboundMessage:
                return task_notice(
                    t, task, intro=t.gettext("📌 A task from the group meeting is yours:")
                )

            await tell_persons(
                turn.work,
                [task.owner_person_id],
                notice,
                skip=turn.person.id if turn.person else None,
            )


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
class BookStep(StrEnum):
    GROUP = "group"
    YEAR = "year"
    FORMAT = "format"
    QUARTER = "quarter"


class MeetingBook(Flow):
    """ "Sổ họp" (/sohop): a group's book of one year, as a .docx or an .xlsx in the chat."""

    name = "meeting_book"

    async def begin(self, turn: Turn) -> None:
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        groups = await groups_in_reach(turn.session, actor, Action.VIEW_MEETING_BOOK)
        if not groups:
            not_available(turn)
        elif len(groups) == 1:
            await self._ask_year(turn, groups[0].id)
        else:
            choices = [Choice(str(g.id), await group_title(turn.session, g.id)) for g in groups]
            turn.ask(BookStep.GROUP, turn._("Which group?"), choices)

    async def on_group(self, turn: Turn) -> None:
        await self._ask_year(turn, int(turn.choice or 0))

    async def _ask_year(self, turn: Turn, group_id: int) -> None:
        if not await may(turn, Action.VIEW_MEETING_BOOK, group_id):
            not_available(turn)
            return
        turn.update_data(group_id=group_id)
        year = turn.now.astimezone(turn.t.timezone).year
        turn.ask(
            BookStep.YEAR,
            turn._("The meeting book of which year?"),
            [Choice(str(year), str(year)), Choice(str(year - 1), str(year - 1))],
        )

    async def on_year(self, turn: Turn) -> None:
        turn.update_data(year=int(turn.choice or 0))
        turn.ask(
            BookStep.FORMAT,
            turn._("As a Word document (the book) or an Excel sheet (the register)?"),
            [Choice("docx", turn._("Word (.docx)")), Choice("xlsx", turn._("Excel (.xlsx)"))],
        )

    async def on_format(self, turn: Turn) -> None:
        group_id, year, fmt = turn.data["group_id"], turn.data["year"], turn.choice or "docx"
        if not await may(turn, Action.VIEW_MEETING_BOOK, group_id):
            not_available(turn)
            return
        book = await load_book(turn.session, group_id, year, turn.t)
        out_dir = turn.settings.media_dir / "books"
        path = await write_book(book, turn.t, book_path(out_dir, book, group_id, fmt), fmt)
        turn.say(
            turn._(
                "Meeting book of {group}, {year}: {n} meetings.",
                group=f"{book.group}, {book.village}",
                year=year,
                n=len(book.entries),
            ),
            document=str(path),
        )
        turn.leave()


class QuarterSummary(Flow):
    """ "Tổng hợp họp tổ" (/tonghophop): which groups met, attendance, open tasks."""

    name = "meeting_summary"

    async def begin(self, turn: Turn) -> None:
        local = turn.now.astimezone(turn.t.timezone).date()
        this = quarter_of(local)
        last = previous_quarter(*this)
        turn.ask(
            BookStep.QUARTER,
            turn._("Which quarter?"),
            [
                Choice(
                    f"{this[0]}-{this[1]}", turn._("This quarter ({q})", q=quarter_label(*this))
                ),
                Choice(
                    f"{last[0]}-{last[1]}", turn._("Last quarter ({q})", q=quarter_label(*last))
                ),
            ],
        )

    async def on_quarter(self, turn: Turn) -> None:
        year, quarter = (int(part) for part in (turn.choice or "0-1").split("-"))
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        groups = await groups_in_reach(turn.session, actor, Action.VIEW_MEETING_SUMMARY)
        if not groups:
            not_available(turn)
            return
        rows = await quarter_summary(turn.session, [g.id for g in groups], year, quarter)
        turn.say(summary_text(turn.t, rows, year, quarter))
        turn.leave()


def reads_books(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.VIEW_MEETING_BOOK])


def reads_summaries(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.VIEW_MEETING_SUMMARY])


meeting_book_entry = MenuEntry(
    key="mbook",
    label=N_("Meeting book"),
    flow=MeetingBook.name,
    commands=("sohop", "meetingbook"),
    visible_to=reads_books,
    order=54,
)
quarter_summary_entry = MenuEntry(
    key="msummary",
    label=N_("Group meetings this quarter"),
    flow=QuarterSummary.name,
    commands=("tonghophop", "meetingsummary"),
    visible_to=reads_summaries,
    order=55,
)


def register(registry: FlowRegistry) -> None:
    registry.add(Minutes(), minutes_entry)
    registry.add(MeetingBook(), meeting_book_entry)
    registry.add(QuarterSummary(), quarter_summary_entry)
