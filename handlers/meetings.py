"""Group meetings, the leader's side ("Lịch họp", /lichhop) and the members' ("Họp tổ", /hopto).

Leader: the next meeting with its answers (who comes, who is absent and why, who has not
answered), or, when none is planned, a date proposed from the group's rule → the host household
proposed by rotation (or another, or none) → the place → "Gửi thông báo": every member gets the
invitation with "Tham dự" / "Vắng", the group's chat the announcement, the host household a
request to confirm. From the same view: change the date, host or place (everyone is told and
asked again), cancel (everyone is told), note that the host agreed, open tasks, the rule.

Member: the next meeting and their answer; "tham dự" / "vắng" typed at any time answer it too;
an absence asks for a reason. The buttons under invitations work however old they are.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.authz import POLICY, Action, Forbidden, group_scope, groups_in_reach, load_actor, require
from bot.i18n import N_
from bot.meetings import rotation
from bot.meetings.schedule import (
    MONTH_NAMES,
    WEEK_NAMES,
    WEEKDAY_NAMES,
    Rule,
    proposed_date,
    quarter_of,
    rule_of,
    save_rule,
)
from bot.meetings.service import (
    HOST_NO,
    HOST_YES,
    RSVP_NO,
    RSVP_YES,
    STILL_OPEN,
    TASK_DONE,
    announce,
    attendance,
    attendance_text,
    clear_rsvps,
    group_title,
    host_label,
    meeting_details,
    record_rsvp,
    tell_cancelled,
    tell_persons,
    upcoming_meeting,
    when_text,
)
from bot.meetings.tasks import Closing, close_task, task_line, task_notice
from bot.meetings.when import parse_future, read_when
from bot.messages import Choice, EventKind, OutboundMessage
from bot.runtime.dialog.flows import Flow, FlowRegistry, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.text_match import fold
from storage.models import Household, HouseholdStatus, Meeting, MeetingStatus, Role, RsvpAnswer
from storage.repos.meeting_people import (
    group_leaders,
    groups_of_member,
    household_members,
    invitees,
)
from storage.repos.meetings import (
    add_meeting,
    host_candidates,
    household_by_id,
    households_of,
    meeting_by_id,
    rsvp_of,
    skipped_households,
    toggle_hosting_skip,
)
from storage.repos.minutes import open_tasks

USE_PROPOSED, RULE, TASKS = "proposed", "rule", "tasks"
RESCHEDULE, CANCEL_MEETING, HOST_AGREED = "reschedule", "cancel_meeting", "host_agreed"
KEEP, OTHER_HOST, NO_HOST, SKIP_LIST = "keep", "other_host", "no_host", "skip_list"
AT_HOST, SEND, YES_CANCEL = "at_host", "send", "yes_cancel"
ATTEND, ABSENT = "attend", "absent"
MAX_PLACE = 300
MAX_REASON = 300
MAX_HOUSEHOLD_BUTTONS = 40
ATTEND_WORDS = {"tham du", "thamdu", "co", "co mat", "di", "attend", "yes"}
ABSENT_WORDS = {"vang", "vang mat", "vangmat", "khong di", "absent", "no"}
REASONS = {
    "busy": N_("Busy with work"),
    "ill": N_("Ill"),
    "away": N_("Away from home"),
}


class Step(StrEnum):
    GROUP = "group"
    OVERVIEW = "overview"
    DATE = "date"
    HOST = "host"
    HOST_LIST = "host_list"
    SKIP = "skip"
    PLACE = "place"
    CONFIRM = "confirm"
    CANCEL = "cancel"
    RULE_MONTH = "rule_month"
    RULE_WEEK = "rule_week"
    RULE_WEEKDAY = "rule_weekday"
    RULE_TIME = "rule_time"
    ANSWER = "answer"
    REASON = "reason"


def _actor_id(turn: Turn) -> int | None:
    return turn.person.id if turn.person else None


async def may(turn: Turn, action: Action, group_id: int) -> bool:
    scope = await group_scope(turn.session, group_id)
    actor = await load_actor(turn.session, _actor_id(turn))
    try:
        if scope is None:
            raise Forbidden("no such group")
        require(actor, action, scope)
    except Forbidden:
        return False
    return True


def not_available(turn: Turn) -> None:
    turn.say(turn._("That option is not available to you."))
    turn.leave()


class MeetingSchedule(Flow):
    name = "meetings"
    draft_name = N_("meeting plan")

    def holds_typed_content(self, data: dict[str, Any]) -> bool:
        return bool(data.get("when") or data.get("place"))

    async def begin(self, turn: Turn) -> None:
        actor = await load_actor(turn.session, _actor_id(turn))
        groups = await groups_in_reach(turn.session, actor, Action.SCHEDULE_MEETING)
        if not groups:
            not_available(turn)
        elif len(groups) == 1:
            await self._overview(turn, groups[0].id)
        else:
            choices = [Choice(str(g.id), await group_title(turn.session, g.id)) for g in groups]
            turn.ask(Step.GROUP, turn._("Which group?"), choices)

    async def on_group(self, turn: Turn) -> None:
        await self._overview(turn, int(turn.choice or 0))

    # --- the overview ----------------------------------------------------------------------
    async def _overview(self, turn: Turn, group_id: int) -> None:
        if not await may(turn, Action.SCHEDULE_MEETING, group_id):
            not_available(turn)
            return
        turn.update_data(group_id=group_id, meeting_id=None)
        meeting = await upcoming_meeting(turn.session, group_id, turn.now)
        if meeting is None:
            await self._propose_date(turn)
            return
        turn.update_data(meeting_id=meeting.id)
        host = await household_by_id(turn.session, meeting.host_household_id)
        lines = [
            turn._(
                "Next meeting of {group}: {when}",
                group=await group_title(turn.session, group_id),
                when=when_text(turn.t, meeting.scheduled_at),
            ),
            turn._("Host: {host}", host=host_label(host, turn.t)),
            turn._("Place: {place}", place=meeting.place or "—"),
        ]
        if host is not None:
            lines.append(
                turn._("The host has agreed.")
                if meeting.host_confirmed_at
                else turn._("The host has not confirmed yet.")
            )
        lines += ["", attendance_text(turn.t, await attendance(turn.session, meeting))]
        choices = [
            Choice(RESCHEDULE, turn._("Change date, host or place")),
            Choice(CANCEL_MEETING, turn._("Cancel the meeting")),
        ]
        if host is not None and meeting.host_confirmed_at is None:
            choices.append(Choice(HOST_AGREED, turn._("The host has agreed")))
        choices += [
            Choice(TASKS, turn._("Open tasks")),
            Choice(RULE, turn._("Meeting rule")),
        ]
        turn.ask(Step.OVERVIEW, "\n".join(lines), choices)

    async def on_overview(self, turn: Turn) -> None:
        meeting = await self._meeting(turn)
        if meeting is None:
            await self._overview(turn, turn.data["group_id"])
        elif turn.choice == RESCHEDULE:
            await self._propose_date(turn)
        elif turn.choice == CANCEL_MEETING:
            turn.ask(
                Step.CANCEL,
                turn._(
                    "Cancel the meeting of {when}? Everyone will be told. You can type the "
                    "reason, or just press “Yes, cancel it”.",
                    when=when_text(turn.t, meeting.scheduled_at),
                ),
                [Choice(YES_CANCEL, turn._("Yes, cancel it"))],
                free_text=True,
                numbered=False,
            )
        elif turn.choice == HOST_AGREED:
            meeting.host_confirmed_at = turn.now
            turn.say(turn._("Noted: the host has agreed."))
            turn.leave()
        elif turn.choice == TASKS:
            await self._tasks(turn)
        elif turn.choice == RULE:
            self._ask_rule_month(turn)

    async def _meeting(self, turn: Turn) -> Meeting | None:
        meeting_id = turn.data.get("meeting_id")
        meeting = await meeting_by_id(turn.session, meeting_id) if meeting_id else None
        if meeting is None or meeting.status != MeetingStatus.SCHEDULED:
            return None
        return meeting

    async def _tasks(self, turn: Turn) -> None:
        tasks = await open_tasks(turn.session, group_ids=[turn.data["group_id"]])
        if not tasks:
            turn.say(turn._("No open tasks."))
        else:
            turn.say(turn._("Open tasks: {n}", n=len(tasks)))
            for task in tasks:
                turn.replies.append(task_notice(turn.t, task))
        turn.leave()

    # --- the date --------------------------------------------------------------------------
    async def _propose_date(self, turn: Turn) -> None:
        group_id = turn.data["group_id"]
        rule = await rule_of(turn.session, group_id)
        proposal = await proposed_date(turn.session, group_id, turn.now, turn.t.timezone)
        turn.update_data(proposed=proposal.isoformat())
        rescheduling = turn.data.get("meeting_id") is not None
        text = (
            turn._("New date and time? Type it, for example “chủ nhật tuần sau 19h30”.")
            if rescheduling
            else turn._(
                "Next meeting of {group}. Proposed, by the group's rule ({rule}): {when}.\n\n"
                "Press “Use this date”, or type another date and time, for example "
                "“chủ nhật tuần sau 19h30” or “20/1 19:30”.",
                group=await group_title(turn.session, group_id),
                rule=rule.describe(turn.t),
                when=when_text(turn.t, proposal),
            )
        )
        choices = [Choice(USE_PROPOSED, turn._("Use this date"))] if not rescheduling else []
        if not rescheduling:
            choices += [
                Choice(TASKS, turn._("Open tasks")),
                Choice(RULE, turn._("Meeting rule")),
            ]
        turn.ask(Step.DATE, text, choices, free_text=True)

    async def on_date(self, turn: Turn) -> None:
        if turn.choice == TASKS:
            await self._tasks(turn)
            return
        if turn.choice == RULE:
            self._ask_rule_month(turn)
            return
        if turn.choice == USE_PROPOSED:
            moment = datetime.fromisoformat(turn.data["proposed"])
        else:
            rule = await rule_of(turn.session, turn.data["group_id"])
            local_now = turn.now.astimezone(turn.t.timezone)
            moment = parse_future(turn.event.text, local_now, default_time=rule.clock)
            if moment is None:
                turn.show(
                    turn.prompt,  # type: ignore[arg-type]
                    prefix=turn._(
                        "I could not read a date and time still ahead in that. Please type, "
                        "for example, “chủ nhật tuần sau 19h30” or “20/1 19:30”."
                    ),
                )
                return
        turn.update_data(when=moment.isoformat())
        await self._ask_host(turn)

    # --- the host ----------------------------------------------------------------------------
    async def _ask_host(self, turn: Turn) -> None:
        group_id = turn.data["group_id"]
        meeting = await self._meeting(turn)
        proposal = await rotation.propose_host(
            turn.session, group_id, excluding_meeting=meeting.id if meeting else None
        )
        choices = []
        current = (
            await household_by_id(turn.session, meeting.host_household_id) if meeting else None
        )
        if current is not None:
            text = turn._(
                "Host household: {host}. Keep it, or choose another?", host=current.address
            )
            choices.append(Choice(KEEP, turn._("Keep {address}", address=current.address)))
            turn.update_data(proposed_host=current.id)
        elif proposal is not None:
            text = turn._(
                "By rotation it is the turn of {host} to host (the household that hosted "
                "longest ago). Press it to agree, or choose another.",
                host=host_label(proposal, turn.t),
            )
            choices.append(Choice(KEEP, proposal.address))
            turn.update_data(proposed_host=proposal.id)
        else:
            text = turn._("No household of the group can host by rotation. Where is the meeting?")
            turn.update_data(proposed_host=None)
        choices += [
            Choice(OTHER_HOST, turn._("Another household")),
            Choice(NO_HOST, turn._("No host household")),
        ]
        turn.ask(Step.HOST, text, choices)

    async def on_host(self, turn: Turn) -> None:
        if turn.choice == KEEP and turn.data.get("proposed_host"):
            await self._set_host(turn, turn.data["proposed_host"])
        elif turn.choice == OTHER_HOST:
            await self._ask_host_list(turn)
        else:
            await self._set_host(turn, None)

    async def _households(self, turn: Turn) -> list[Household]:
        return await host_candidates(turn.session, turn.data["group_id"])

    async def _ask_host_list(self, turn: Turn) -> None:
        households = await self._households(turn)
        choices = [Choice(str(h.id), h.address) for h in households[:MAX_HOUSEHOLD_BUTTONS]]
        choices.append(Choice(SKIP_LIST, turn._("A household asks not to host")))
        turn.ask(
            Step.HOST_LIST,
            turn._("Which household hosts? Press its address, or type it."),
            choices,
            free_text=True,
        )

    async def on_host_list(self, turn: Turn) -> None:
        if turn.choice == SKIP_LIST:
            await self._ask_skip(turn)
            return
        households = await self._households(turn)
        picked = _pick_household(turn, households)
        if picked is None:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._("I could not find exactly one household with that address."),
            )
            return
        await self._set_host(turn, picked.id)

    async def _ask_skip(self, turn: Turn) -> None:
        households = await households_of(turn.session, turn.data["group_id"])
        skipped = await skipped_households(turn.session)
        choices = [
            Choice(str(h.id), ("⛔ " if h.id in skipped else "") + h.address)
            for h in households[:MAX_HOUSEHOLD_BUTTONS]
            if h.status == HouseholdStatus.ACTIVE
        ]
        turn.ask(
            Step.SKIP,
            turn._(
                "Which household asks not to host meetings? Rotation will pass over it. "
                "Households marked ⛔ are already passed over: press one to take it back."
            ),
            choices,
            free_text=True,
        )

    async def on_skip(self, turn: Turn) -> None:
        households = await households_of(turn.session, turn.data["group_id"])
        picked = _pick_household(turn, households)
        if picked is None:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._("I could not find exactly one household with that address."),
            )
            return
        if await toggle_hosting_skip(turn.session, picked.id, by=_actor_id(turn), now=turn.now):
            turn.say(turn._("{address} will not be asked to host.", address=picked.address))
        else:
            turn.say(turn._("{address} takes part in the rotation again.", address=picked.address))
        await self._ask_host(turn)

    async def _set_host(self, turn: Turn, household_id: int | None) -> None:
        turn.update_data(host=household_id)
        household = await household_by_id(turn.session, household_id)
        choices = []
        if household is not None:
            choices.append(
                Choice(AT_HOST, turn._("At the host's home: {address}", address=household.address))
            )
        meeting = await self._meeting(turn)
        if (
            meeting is not None
            and meeting.place
            and (household is None or meeting.place != household.address)
        ):
            choices.append(Choice(KEEP, meeting.place))
        turn.ask(
            Step.PLACE,
            turn._("Where does the group meet? Press the place, or type it."),
            choices,
            free_text=True,
        )

    async def on_place(self, turn: Turn) -> None:
        if turn.choice == AT_HOST:
            household = await household_by_id(turn.session, turn.data.get("host"))
            place = household.address if household else ""
        elif turn.choice == KEEP:
            meeting = await self._meeting(turn)
            place = meeting.place if meeting else ""
        else:
            place = " ".join(turn.event.text.split())
        if not 2 <= len(place) <= MAX_PLACE:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._("Please type the place in words, at most 300 characters."),
            )
            return
        turn.update_data(place=place)
        await self._ask_confirm(turn)

    async def _ask_confirm(self, turn: Turn) -> None:
        household = await household_by_id(turn.session, turn.data.get("host"))
        moved = turn.data.get("meeting_id") is not None
        lines = [
            turn._(
                "Meeting of {group}", group=await group_title(turn.session, turn.data["group_id"])
            ),
            when_text(turn.t, datetime.fromisoformat(turn.data["when"])),
            turn._("Host: {host}", host=host_label(household, turn.t)),
            turn._("Place: {place}", place=turn.data["place"]),
            "",
            turn._("Everyone in the group will be told of the change and asked again.")
            if moved
            else turn._("Everyone in the group will be invited and asked whether they attend."),
        ]
        label = turn._("Send the change") if moved else turn._("Send the invitations")
        turn.ask(Step.CONFIRM, "\n".join(lines), [Choice(SEND, label)])

    async def on_confirm(self, turn: Turn) -> None:
        group_id = turn.data["group_id"]
        if not await may(turn, Action.SCHEDULE_MEETING, group_id):
            not_available(turn)
            return
        when = datetime.fromisoformat(turn.data["when"])
        year, quarter = quarter_of(when.astimezone(turn.t.timezone).date())
        host = turn.data.get("host")
        meeting = await self._meeting(turn)
        moved = meeting is not None
        if meeting is None:
            meeting = add_meeting(
                turn.session,
                Meeting(group_id=group_id, created_by=_actor_id(turn), created_at=turn.now),
            )
        else:
            await clear_rsvps(turn.session, meeting)
            if meeting.host_household_id != host or meeting.scheduled_at != when:
                meeting.host_confirmed_at = None
        meeting.scheduled_at, meeting.year, meeting.quarter = when, year, quarter
        meeting.host_household_id, meeting.place = host, turn.data["place"]
        meeting.announced_at = turn.now
        await turn.session.flush()
        if turn.person is not None:  # the leader who schedules it comes
            await record_rsvp(
                turn.session, meeting, turn.person.id, RsvpAnswer.ATTEND, reason=None, now=turn.now
            )
        reached = await announce(turn.work, meeting, moved=moved)
        turn.say(
            turn._("Done. {n} people were told of the new time.", n=reached)
            if moved
            else turn._("Done. The invitation was sent to {n} people.", n=reached)
        )
        turn.leave()

    async def on_cancel(self, turn: Turn) -> None:
        meeting = await self._meeting(turn)
        if meeting is None or not await may(turn, Action.SCHEDULE_MEETING, meeting.group_id):
            not_available(turn)
            return
        if turn.choice != YES_CANCEL:
            reason = " ".join(turn.event.text.split())[:MAX_REASON]
            meeting.cancel_reason = reason or None
        meeting.status = MeetingStatus.CANCELLED
        reached = await tell_cancelled(turn.work, meeting)
        turn.say(turn._("The meeting is cancelled; {n} people were told.", n=reached))
        turn.leave()

    # --- the rule ----------------------------------------------------------------------------
    def _ask_rule_month(self, turn: Turn) -> None:
        turn.ask(
            Step.RULE_MONTH,
            turn._("The group meets once a quarter. In which month of the quarter?"),
            [
                Choice(str(n), turn._("The {nth} month", nth=turn._(MONTH_NAMES[n])))
                for n in (1, 2, 3)
            ],
        )

    async def on_rule_month(self, turn: Turn) -> None:
        turn.update_data(rule_month=int(turn.choice or 1))
        turn.ask(
            Step.RULE_WEEK,
            turn._("Which week of that month?"),
            [Choice(str(n), turn._(WEEK_NAMES[n])) for n in (1, 2, 3, 4, -1)],
        )

    async def on_rule_week(self, turn: Turn) -> None:
        turn.update_data(rule_week=int(turn.choice or 1))
        turn.ask(
            Step.RULE_WEEKDAY,
            turn._("Which day of the week?"),
            [Choice(str(n), turn._(name)) for n, name in enumerate(WEEKDAY_NAMES)],
        )

    async def on_rule_weekday(self, turn: Turn) -> None:
        turn.update_data(rule_weekday=int(turn.choice or 6))
        turn.ask(
            Step.RULE_TIME,
            turn._("At what time? For example “19h30”."),
            [Choice("19:30", "19:30"), Choice("19:00", "19:00"), Choice("08:00", "08:00")],
            free_text=True,
            numbered=False,
        )

    async def on_rule_time(self, turn: Turn) -> None:
        typed = turn.choice or turn.event.text
        clock = read_when(typed, turn.now.date()).clock
        if clock is None:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._("Please type a time, for example “19h30”."),
            )
            return
        group_id = turn.data["group_id"]
        if not await may(turn, Action.SCHEDULE_MEETING, group_id):
            not_available(turn)
            return
        rule = Rule(
            month=turn.data["rule_month"],
            week=turn.data["rule_week"],
            weekday=turn.data["rule_weekday"],
            hour=clock.hour,
            minute=clock.minute,
        )
        await save_rule(turn.session, group_id, rule, by=_actor_id(turn), now=turn.now)
        await turn.session.flush()
        turn.say(turn._("Saved. The group meets {rule}.", rule=rule.describe(turn.t)))
        turn.conversation.history = []
        await self._overview(turn, group_id)


def _pick_household(turn: Turn, households: list[Household]) -> Household | None:
    if turn.choice is not None:
        picked = [h for h in households if str(h.id) == turn.choice]
    else:
        typed = set(fold(turn.event.text).split())
        picked = [h for h in households if typed and typed <= set(fold(h.address).split())]
    return picked[0] if len(picked) == 1 else None


# --- the members' side -------------------------------------------------------------------------
class MeetingAnswer(Flow):
    """The next meeting and one's answer; "tham dự" / "vắng" typed go straight to the answer;
    the "Vắng" button under an invitation starts here at the reason."""

    name = "meeting_answer"

    async def begin(self, turn: Turn) -> None:
        meeting = await self._next_meeting(turn)
        if meeting is None:
            turn.say(turn._("No meeting of your group is planned at the moment."))
            await self._my_tasks(turn)
            turn.leave()
            return
        turn.update_data(meeting_id=meeting.id)
        typed = fold(turn.event.text or turn.event.command or "")
        first_word = typed.split(" ")[0] if typed else ""
        if typed in ATTEND_WORDS or first_word == "thamdu":
            await self._attend(turn, meeting)
            return
        if typed in ABSENT_WORDS or first_word in ("vang", "vangmat"):
            reason = (
                " ".join(turn.event.args.split()) if turn.event.kind is EventKind.COMMAND else ""
            )
            if reason:
                await self._absent(turn, meeting, reason)
            else:
                self.ask_reason(turn)
            return
        details = await meeting_details(turn.session, meeting, turn.t)
        rsvp = await rsvp_of(turn.session, meeting.id, turn.person.id if turn.person else 0)
        current = rsvp.answer if rsvp else None
        text = "\n".join(
            [
                turn._("Meeting of {group}", group=details["group"]),
                details["when"],
                turn._("Host: {host}", host=details["host"]),
                turn._("Place: {place}", place=details["place"]),
                "",
                {
                    RsvpAnswer.ATTEND: turn._("You said you will attend."),
                    RsvpAnswer.ABSENT: turn._("You said you will be absent."),
                }.get(current or "", turn._("Will you attend?")),
            ]
        )
        await self._my_tasks(turn)
        turn.ask(
            Step.ANSWER,
            text,
            [Choice(ATTEND, turn._("Attend")), Choice(ABSENT, turn._("Absent"))],
        )

    async def _my_tasks(self, turn: Turn) -> None:
        if turn.person is None:
            return
        for task in await open_tasks(turn.session, owner=turn.person.id):
            turn.replies.append(task_notice(turn.t, task, intro=turn._("Your task:")))

    async def _next_meeting(self, turn: Turn) -> Meeting | None:
        if turn.person is None:
            return None
        meetings = [
            meeting
            for group_id in await groups_of_member(turn.session, turn.person.id)
            if (meeting := await upcoming_meeting(turn.session, group_id, turn.now)) is not None
        ]
        return min(meetings, key=lambda m: m.scheduled_at) if meetings else None

    async def on_answer(self, turn: Turn) -> None:
        meeting = await open_meeting(turn, turn.data.get("meeting_id"))
        if meeting is None:
            turn.leave()
        elif turn.choice == ATTEND:
            await self._attend(turn, meeting)
        else:
            self.ask_reason(turn)

    def ask_reason(self, turn: Turn) -> None:
        turn.ask(
            Step.REASON,
            turn._("Sorry you cannot come. Why? Press a reason or type it."),
            [Choice(key, turn._(label)) for key, label in REASONS.items()],
            free_text=True,
            numbered=False,
        )

    async def on_reason(self, turn: Turn) -> None:
        meeting = await open_meeting(turn, turn.data.get("meeting_id"))
        if meeting is None:
            turn.leave()
            return
        if turn.choice in REASONS:
            reason = turn._(REASONS[turn.choice])
        else:
            reason = " ".join(turn.event.text.split())[:MAX_REASON]
        if not reason:
            turn.show(turn.prompt)  # type: ignore[arg-type]
            return
        await self._absent(turn, meeting, reason)

    async def _attend(self, turn: Turn, meeting: Meeting) -> None:
        assert turn.person is not None
        await record_rsvp(
            turn.session, meeting, turn.person.id, RsvpAnswer.ATTEND, reason=None, now=turn.now
        )
        turn.say(
            turn._(
                "Thank you. You will attend the meeting at {when}.",
                when=when_text(turn.t, meeting.scheduled_at),
            )
        )
        turn.leave()

    async def _absent(self, turn: Turn, meeting: Meeting, reason: str) -> None:
        assert turn.person is not None
        await record_rsvp(
            turn.session, meeting, turn.person.id, RsvpAnswer.ABSENT, reason=reason, now=turn.now
        )
        turn.say(
            turn._(
                "Noted: you will be absent ({reason}). Thank you for letting the leader know.",
                reason=reason,
            )
        )
        turn.leave()


async def open_meeting(turn: Turn, meeting_id: int | None) -> Meeting | None:
    """The meeting a member answers, if it is still to come and the member is invited."""
    meeting = await meeting_by_id(turn.session, meeting_id) if meeting_id else None
    if (
        meeting is None
        or meeting.status != MeetingStatus.SCHEDULED
        or meeting.scheduled_at < turn.now - STILL_OPEN
    ):
        turn.say(turn._("This meeting is no longer open for answers."))
        return None
    if turn.person is None or turn.person.id not in await invitees(turn.session, meeting.group_id):
        turn.say(turn._("That option is not available to you."))
        return None
    return meeting


# --- buttons under notices -----------------------------------------------------------------
async def rsvp_yes(turn: Turn, argument: str) -> None:
    meeting = await open_meeting(turn, int(argument) if argument.isdigit() else None)
    if meeting is None or turn.person is None:
        return
    await record_rsvp(
        turn.session, meeting, turn.person.id, RsvpAnswer.ATTEND, reason=None, now=turn.now
    )
    turn.say(
        turn._(
            "Thank you. You will attend the meeting at {when}.",
            when=when_text(turn.t, meeting.scheduled_at),
        )
    )


async def rsvp_no(turn: Turn, argument: str) -> None:
    """ "Vắng" under an invitation: the reason is asked next (a flow of its own)."""
    meeting = await open_meeting(turn, int(argument) if argument.isdigit() else None)
    if meeting is None:
        return
    turn.enter(MeetingAnswer.name)
    turn.update_data(meeting_id=meeting.id)
    MeetingAnswer().ask_reason(turn)


async def _host_answer(turn: Turn, argument: str, *, agree: bool) -> None:
    meeting = await meeting_by_id(turn.session, int(argument)) if argument.isdigit() else None
    if (
        meeting is None
        or meeting.status != MeetingStatus.SCHEDULED
        or meeting.scheduled_at < turn.now
    ):
        turn.say(turn._("This meeting is no longer open for answers."))
        return
    if (
        turn.person is None
        or meeting.host_household_id is None
        or turn.person.id not in await household_members(turn.session, meeting.host_household_id)
    ):
        turn.say(turn._("That option is not available to you."))
        return
    household = await household_by_id(turn.session, meeting.host_household_id)
    address = household.address if household else ""
    when = meeting.scheduled_at
    if agree:
        meeting.host_confirmed_at = turn.now
        turn.say(turn._("Thank you for hosting the group's meeting."))
        notice = N_("🏠 {address} agreed to host the meeting of {when}.")
    else:
        turn.say(turn._("Understood. The group leader will be told and will find another host."))
        notice = N_(
            "🏠 {address} cannot host the meeting of {when}. Please choose another host: "
            "menu “Meeting schedule” → “Change date, host or place”."
        )
    await tell_persons(
        turn.work,
        await group_leaders(turn.session, meeting.group_id),
        lambda t: OutboundMessage(text=t.gettext(notice, address=address, when=when_text(t, when))),
    )


async def host_yes(turn: Turn, argument: str) -> None:
    await _host_answer(turn, argument, agree=True)


async def host_no(turn: Turn, argument: str) -> None:
    await _host_answer(turn, argument, agree=False)


CLOSING_TEXTS = {
    Closing.FORBIDDEN: N_("That option is not available to you."),
    Closing.ALREADY: N_("This task was already marked as done."),
    Closing.GONE: N_("This task no longer exists."),
}


async def task_done(turn: Turn, argument: str) -> None:
    if not argument.isdigit():
        turn.say(turn._("That button belongs to an earlier message."))
        return
    closing, task = await close_task(turn.session, int(argument), _actor_id(turn), turn.now)
    if closing is not Closing.DONE or task is None:
        turn.say(turn._(CLOSING_TEXTS[closing]))
        return
    turn.say(turn._("Marked as done: {task}", task=task_line(turn.t, task)))
    others = [p for p in await group_leaders(turn.session, task.group_id) if p != _actor_id(turn)]
    if task.owner_person_id and task.owner_person_id != _actor_id(turn):
        others.append(task.owner_person_id)
    name = turn.person.full_name if turn.person else ""
    await tell_persons(
        turn.work,
        others,
        lambda t: OutboundMessage(
            text=t.gettext(
                "✅ {name} marked a task as done: {task}", name=name, task=task_line(t, task)
            )
        ),
    )


# --- menu entries -------------------------------------------------------------------------------
def schedules_meetings(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.SCHEDULE_MEETING])


def is_member(roles: frozenset[str]) -> bool:
    return Role.RESIDENT in roles


meetings_entry = MenuEntry(
    key="meet",
    label=N_("Meeting schedule"),
    flow=MeetingSchedule.name,
    commands=("lichhop", "meetings"),
    visible_to=schedules_meetings,
    order=52,
)
meeting_answer_entry = MenuEntry(
    key="mymeet",
    label=N_("Group meeting"),
    flow=MeetingAnswer.name,
    commands=("hopto", "lichhop", "thamdu", "vang", "vangmat", "meeting"),
    visible_to=is_member,
    order=58,
)


def register(registry: FlowRegistry) -> None:
    registry.add(MeetingSchedule(), meetings_entry)
    registry.add(MeetingAnswer(), meeting_answer_entry)
    registry.add_action(RSVP_YES, rsvp_yes)
    registry.add_action(RSVP_NO, rsvp_no)
    registry.add_action(HOST_YES, host_yes)
    registry.add_action(HOST_NO, host_no)
    registry.add_action(TASK_DONE, task_done)
