"""The members' side of meetings ("Họp tổ", /hopto): the next meeting and one's answer;
"tham dự" / "vắng" typed at any time answer it too; an absence asks for a reason. And the
buttons under notices: attend/absent, the host household's yes/no, a task done."""

from __future__ import annotations

from bot.i18n import N_
from bot.meetings.service import (
    STILL_OPEN,
    meeting_details,
    record_rsvp,
    tell_persons,
    upcoming_meeting,
    when_text,
)
from bot.meetings.tasks import Closing, close_task, task_line, task_notice
from bot.messages import Choice, EventKind, OutboundMessage
from bot.runtime.dialog.flows import Flow
from bot.runtime.dialog.turn import Turn
from bot.text_match import fold
from handlers.meeting_parts import (
    ABSENT,
    ABSENT_WORDS,
    ATTEND,
    ATTEND_WORDS,
    MAX_REASON,
    REASONS,
    Step,
    actor_id,
)
from storage.models import Meeting, MeetingStatus, RsvpAnswer
from storage.repos.meeting_people import (
    group_leaders,
    groups_of_member,
    household_members,
    invitees,
)
from storage.repos.meetings import household_by_id, meeting_by_id, rsvp_of
from storage.repos.minutes import open_tasks


# --- the members' side -------------------------------------------------------------------------
class MeetingAnswer(Flow):
    """The next meeting and one's answer; "tham dự" / "vắng" typed go straight to the answer;
    the "Vắng" button under an invitation starts here at the reason."""

    name = "meeting_answer"

    async def begin(self, turn: Turn) -> None:
        """Shows the next meeting, asks attend or absent; “tham dự”/“vắng” typed answer at once."""
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
        """Stores “attend”, or asks the reason for an absence."""
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
        """Stores the absence with the reason pressed or typed (a number kept as typed); ends."""
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
    closing, task = await close_task(turn.session, int(argument), actor_id(turn), turn.now)
    if closing is not Closing.DONE or task is None:
        turn.say(turn._(CLOSING_TEXTS[closing]))
        return
    turn.say(turn._("Marked as done: {task}", task=task_line(turn.t, task)))
    others = [p for p in await group_leaders(turn.session, task.group_id) if p != actor_id(turn)]
    if task.owner_person_id and task.owner_person_id != actor_id(turn):
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
