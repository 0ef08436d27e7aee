"""Meetings seen from the group: who is invited, the texts they get, answers and their counts,
and telling everyone (private chats, the group's chat, commune police) about a change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator
from bot.meetings.schedule import WEEKDAY_NAMES
from bot.messages import Choice, OutboundMessage, action_key
from bot.people.membership import accounts_of
from bot.work import Work
from storage.models import Household, Meeting, RsvpAnswer
from storage.repos.meeting_people import (
    group_chat_of,
    group_names,
    household_members,
    invitees,
)
from storage.repos.meetings import (
    delete_rsvps,
    household_by_id,
    next_scheduled,
    rsvps_of,
    save_rsvp,
)

RSVP_YES, RSVP_NO = "rsvp_yes", "rsvp_no"
HOST_YES, HOST_NO = "host_yes", "host_no"
TASK_DONE = "task_done"
# A meeting still "upcoming" for a few hours after its start: answers and the leader's view.
STILL_OPEN = timedelta(hours=6)
GROUP_CHAT_LOCALE = "vi"  # a group's chat is written to in Vietnamese, like the police desk

INVITATION = N_(
    "📅 Meeting of {group}\n{when}\nHost: {host}\nPlace: {place}\n\nWill you attend? "
    "Press a button, or type “tham dự” or “vắng”."
)
MOVED = N_(
    "📅 The meeting of {group} has been moved.\nNew time: {when}\nHost: {host}\nPlace: {place}"
    "\n\nWill you attend? Press a button, or type “tham dự” or “vắng”."
)
CANCELLED = N_("❌ The meeting of {group} on {when} has been cancelled.")
CANCEL_REASON = N_("Reason: {reason}")
GROUP_CHAT_ANNOUNCEMENT = N_(
    "📅 Meeting of {group}\n{when}\nHost: {host}\nPlace: {place}\n\n"
    "Members: please answer in your private chat with the bot (menu “Group meeting”)."
)
GROUP_CHAT_MOVED = N_(
    "📅 The meeting of {group} has been moved to {when}.\nHost: {host}\nPlace: {place}"
)
HOST_REQUEST = N_(
    "🏠 Your household ({address}) is proposed to host the meeting of {group} on {when}. "
    "Can you host it?"
)
NO_HOST = N_("no host household")


@dataclass
class Attendance:
    """Answers to one meeting: names of who comes, who does not (with reasons), who is silent."""

    attending: list[str] = field(default_factory=list)
    absent: list[tuple[str, str]] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)


def when_text(t: Translator, moment: datetime) -> str:
    local = moment.astimezone(t.timezone)
    return t.gettext(
        "{time}, {weekday} {date}",
        time=f"{local:%H:%M}",
        weekday=t.gettext(WEEKDAY_NAMES[local.weekday()]),
        date=f"{local:%d/%m/%Y}",
    )


def date_text(t: Translator, moment: datetime) -> str:
    return f"{moment.astimezone(t.timezone):%d/%m/%Y}"


def host_label(household: Household | None, t: Translator) -> str:
    if household is None:
        return t.gettext(NO_HOST)
    return f"{household.head_name}, {household.address}"


async def group_title(session: AsyncSession, group_id: int) -> str:
    group, village, _, _ = await group_names(session, group_id)
    return f"{group}, {village}"


async def upcoming_meeting(session: AsyncSession, group_id: int, now: datetime) -> Meeting | None:
    """The group's next scheduled meeting (or the one going on now)."""
    return await next_scheduled(session, group_id, since=now - STILL_OPEN)


async def attendance(session: AsyncSession, meeting: Meeting) -> Attendance:
    people = await invitees(session, meeting.group_id)
    answers = await rsvps_of(session, meeting.id)
    result = Attendance()
    for person_id, name in people.items():
        rsvp = answers.get(person_id)
        if rsvp is None:
            result.unanswered.append(name)
        elif rsvp.answer == RsvpAnswer.ATTEND:
            result.attending.append(name)
        else:
            result.absent.append((name, rsvp.reason or ""))
    return result


def attendance_text(t: Translator, counts: Attendance) -> str:
    lines = [
        t.gettext(
            "Attending: {attending} · Absent: {absent} · Not answered: {unanswered}",
            attending=len(counts.attending),
            absent=len(counts.absent),
            unanswered=len(counts.unanswered),
        )
    ]
    if counts.absent:
        absent = "; ".join(
            f"{name} ({reason})" if reason else name for name, reason in counts.absent
        )
        lines.append(t.gettext("Absent: {names}", names=absent))
    if counts.unanswered:
        lines.append(t.gettext("Not answered yet: {names}", names=", ".join(counts.unanswered)))
    return "\n".join(lines)


async def record_rsvp(
    session: AsyncSession,
    meeting: Meeting,
    person_id: int,
    answer: RsvpAnswer,
    *,
    reason: str | None,
    now: datetime,
) -> None:
    """Store the person's answer to the meeting, replacing an earlier one."""
    await save_rsvp(session, meeting.id, person_id, answer, reason=reason, now=now)


async def clear_rsvps(session: AsyncSession, meeting: Meeting) -> None:
    """Forget every answer: the meeting changed, everyone is asked again."""
    await delete_rsvps(session, meeting.id)


async def meeting_details(session: AsyncSession, meeting: Meeting, t: Translator) -> dict[str, str]:
    """The values the meeting texts are formatted with, in `t`'s language."""
    host = await household_by_id(session, meeting.host_household_id)
    return {
        "group": await group_title(session, meeting.group_id),
        "when": when_text(t, meeting.scheduled_at),
        "host": host_label(host, t),
        "place": meeting.place or "—",
    }


def rsvp_buttons(t: Translator, meeting: Meeting) -> tuple[Choice, ...]:
    return (
        Choice(action_key(RSVP_YES, meeting.id), t.gettext("Attend")),
        Choice(action_key(RSVP_NO, meeting.id), t.gettext("Absent")),
    )


async def tell_persons(
    work: Work,
    person_ids: list[int],
    build: Callable[[Translator], OutboundMessage],
    *,
    skip: int | None = None,
) -> int:
    """Queue a message, in each one's language, to every account of these persons; returns
    how many persons have at least one account to write to."""
    reached: set[int] = set()
    for account in await accounts_of(work.session, [p for p in person_ids if p != skip]):
        t = Translator(account.language, work.settings.timezone)
        await work.notify(channel=account.channel, chat_id=account.chat_id, message=build(t))
        if account.person_id is not None:
            reached.add(account.person_id)
    return len(reached)


async def tell_group_chat(
    work: Work, group_id: int, build: Callable[[Translator], OutboundMessage]
) -> bool:
    chat = await group_chat_of(work.session, group_id)
    if chat is None:
        return False
    t = Translator(GROUP_CHAT_LOCALE, work.settings.timezone)
    await work.notify(
        channel=chat.channel, chat_id=chat.chat_id, message=build(t), is_group_chat=True
    )
    return True


async def announce(work: Work, meeting: Meeting, *, moved: bool) -> int:
    """Invite everyone (or tell them of the new time), post in the group's chat, and ask the
    host household to confirm. Returns how many persons were written to."""
    session = work.session
    people = await invitees(session, meeting.group_id)
    actor = work.person.id if work.person else None

    cache = await details_by_locale(work, meeting)

    def invitation(t: Translator) -> OutboundMessage:
        return OutboundMessage(
            text=t.gettext(MOVED if moved else INVITATION, **cache[t.locale]),
            choices=rsvp_buttons(t, meeting),
        )

    reached = await tell_persons(work, list(people), invitation, skip=actor)
    await tell_group_chat(
        work,
        meeting.group_id,
        lambda t: OutboundMessage(
            text=t.gettext(
                GROUP_CHAT_MOVED if moved else GROUP_CHAT_ANNOUNCEMENT, **cache[t.locale]
            )
        ),
    )
    if meeting.host_household_id and meeting.host_confirmed_at is None:
        await ask_host(work, meeting, cache)
    return reached


async def ask_host(work: Work, meeting: Meeting, cache: dict[str, dict[str, str]]) -> None:
    household = await household_by_id(work.session, meeting.host_household_id)
    if household is None:
        return

    def request(t: Translator) -> OutboundMessage:
        return OutboundMessage(
            text=t.gettext(HOST_REQUEST, address=household.address, **cache[t.locale]),
            choices=(
                Choice(action_key(HOST_YES, meeting.id), t.gettext("Yes, we will host")),
                Choice(action_key(HOST_NO, meeting.id), t.gettext("Not this time")),
            ),
        )

    actor = work.person.id if work.person else None
    await tell_persons(
        work, await household_members(work.session, household.id), request, skip=actor
    )


async def tell_cancelled(work: Work, meeting: Meeting) -> int:
    session = work.session
    people = await invitees(session, meeting.group_id)
    group = await group_title(session, meeting.group_id)

    def notice(t: Translator) -> OutboundMessage:
        text = t.gettext(CANCELLED, group=group, when=when_text(t, meeting.scheduled_at))
        if meeting.cancel_reason:
            text += "\n" + t.gettext(CANCEL_REASON, reason=meeting.cancel_reason)
        return OutboundMessage(text=text)

    reached = await tell_persons(
        work, list(people), notice, skip=work.person.id if work.person else None
    )
    await tell_group_chat(work, meeting.group_id, notice)
    return reached


async def details_by_locale(work: Work, meeting: Meeting) -> dict[str, dict[str, str]]:
    return {
        locale: await meeting_details(
            work.session, meeting, Translator(locale, work.settings.timezone)
        )
        for locale in ("vi", "en")
    }
