"""Group meetings, the leader's side ("Lịch họp", /lichhop) and the members' ("Họp tổ", /hopto).

Leader: the next meeting with its answers (who comes, who is absent and why, who has not
answered), or, when none is planned, a date proposed from the group's rule → the host household
proposed by rotation (or another, or none) → the place → "Gửi thông báo": every member gets the
invitation with "Tham dự" / "Vắng", the group's chat the announcement, the host household a
request to confirm. From the same view: change the date, host or place (everyone is told and
asked again), cancel (everyone is told), note that the host agreed, open tasks, the rule.

Member: the next meeting and their answer; "tham dự" / "vắng" typed at any time answer it too;
an absence asks for a reason. The buttons under invitations work however old they are.

The parts: handlers.meeting_host (host and place), handlers.meeting_rule (the rule),
handlers.meeting_answer (the members' side and the buttons under notices).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.authz import POLICY, Action, groups_in_reach, load_actor
from bot.i18n import N_
from bot.meetings.schedule import proposed_date, quarter_of, rule_of
from bot.meetings.service import (
    HOST_NO,
    HOST_YES,
    RSVP_NO,
    RSVP_YES,
    TASK_DONE,
    announce,
    attendance,
    attendance_text,
    clear_rsvps,
    group_title,
    host_label,
    record_rsvp,
    tell_cancelled,
    upcoming_meeting,
    when_text,
)
from bot.meetings.tasks import task_notice
from bot.meetings.when import as_day, parse_future
from bot.messages import Choice
from bot.runtime.dialog.flows import FlowRegistry, MenuEntry
from bot.runtime.dialog.turn import Turn
from handlers.meeting_answer import MeetingAnswer, host_no, host_yes, rsvp_no, rsvp_yes, task_done
from handlers.meeting_host import MeetingHostSteps
from handlers.meeting_parts import (
    CANCEL_MEETING,
    HOST_AGREED,
    MAX_REASON,
    RESCHEDULE,
    RULE,
    SEND,
    TASKS,
    USE_PROPOSED,
    YES_CANCEL,
    Step,
    actor_id,
    may,
    not_available,
)
from handlers.meeting_rule import MeetingRuleSteps
from storage.models import Meeting, MeetingStatus, Role, RsvpAnswer
from storage.repos.meetings import add_meeting, household_by_id, meeting_by_id
from storage.repos.minutes import open_tasks


class MeetingSchedule(MeetingHostSteps, MeetingRuleSteps):
    name = "meetings"
    draft_name = N_("meeting plan")

    def holds_typed_content(self, data: dict[str, Any]) -> bool:
        return bool(data.get("when") or data.get("place"))

    async def begin(self, turn: Turn) -> None:
        """Finds the groups the leader plans meetings for; asks which group if several."""
        actor = await load_actor(turn.session, actor_id(turn))
        groups = await groups_in_reach(turn.session, actor, Action.SCHEDULE_MEETING)
        if not groups:
            not_available(turn)
        elif len(groups) == 1:
            await self._overview(turn, groups[0].id)
        else:
            choices = [Choice(str(g.id), await group_title(turn.session, g.id)) for g in groups]
            turn.ask(Step.GROUP, turn._("Which group?"), choices)

    async def on_group(self, turn: Turn) -> None:
        """Takes the group; shows its next meeting, or proposes a date when none is planned."""
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
        """Acts on the overview: asks a date, asks to cancel, stores the host's yes, tasks, rule."""
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
        elif not await may(turn, Action.SCHEDULE_MEETING, meeting.group_id):
            not_available(turn)  # the right is checked again on every change, not only at entry
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
        turn.ask(Step.DATE, text, choices, free_text=True, numbered=False)

    async def on_date(self, turn: Turn) -> None:
        """Stores the date proposed or typed; asks the host (or shows tasks, or asks the rule)."""
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
            moment = parse_future(as_day(turn.event.text), local_now, default_time=rule.clock)
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
        """Creates or changes the meeting and sends the invitations (or the change); ends."""
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
                Meeting(group_id=group_id, created_by=actor_id(turn), created_at=turn.now),
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
        """Cancels the meeting with the reason typed, if any, and tells everyone; ends."""
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
