"""What meeting reminders are due at an instant: pure content, queued by the scheduler.

`due_reminders(session, settings, now)` reads the database and returns `Due` items (channel,
chat id, message, dedupe key); it writes nothing. `queue_due(db, settings, now)` queues them
through the outbox, where the unique dedupe key makes a re-run (or a second process) harmless.

- 7 days, 1 day and 2 hours before a meeting: to everyone invited who has not said they will be
  absent. A reminder whose moment came before the invitation (or the last change) went out is
  skipped: the invitation said it all. The keys carry the meeting's time, so a moved meeting is
  reminded of again.
- 3 days before: to the leader and deputies, when the host household has not confirmed.
- A quarter that ended with no meeting recorded: to the leader and deputies, in its first week.
- A task due tomorrow, and one past its due date: to its owner.

Nothing is sent in the quiet hours, 21:00 to 07:00 local time: what falls due then is sent at
07:00 (the next run after it), if still due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import N_, Translator
from bot.meetings.schedule import previous_quarter, quarter_label, quarter_of, quarter_start
from bot.meetings.service import group_title, meeting_details, rsvp_buttons
from bot.meetings.tasks import task_notice
from bot.messages import OutboundMessage
from bot.people.membership import accounts_of
from bot.work import Work
from storage.db import Database
from storage.models import Meeting, MeetingTask, Priority
from storage.repos.meeting_people import all_group_ids, group_leaders, invitees
from storage.repos.meetings import absent_persons, groups_met_in, scheduled_between
from storage.repos.minutes import owned_tasks_due_by
from storage.repos.outbox import dedupe_key

QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(7, 0)  # quiet hours end at 06:30; reminders wait until 07:00
# (key, how long before the meeting, the text)
MEMBER_REMINDERS = (
    ("7d", timedelta(days=7), N_("🔔 Reminder: in one week, meeting of {group}.")),
    ("1d", timedelta(days=1), N_("🔔 Reminder: tomorrow, meeting of {group}.")),
    ("2h", timedelta(hours=2), N_("🔔 Reminder: in two hours, meeting of {group}.")),
)
HOST_CHECK = timedelta(days=3)
OVERDUE_WINDOW = timedelta(days=7)
MEETING_DETAILS = N_("{when}\nHost: {host}\nPlace: {place}")


@dataclass(frozen=True)
class Due:
    channel: str
    chat_id: str
    message: OutboundMessage
    dedupe_key: str
    is_group_chat: bool = False


def quiet(now: datetime, settings: Settings) -> bool:
    local = now.astimezone(settings.timezone).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


async def due_reminders(session: AsyncSession, settings: Settings, now: datetime) -> list[Due]:
    if quiet(now, settings):
        return []
    due: list[Due] = []
    due += await _meeting_reminders(session, settings, now)
    due += await _host_checks(session, settings, now)
    due += await _overdue_quarters(session, settings, now)
    due += await _task_reminders(session, settings, now)
    return due


async def _to_persons(
    session: AsyncSession,
    settings: Settings,
    person_ids: list[int],
    build,  # type: ignore[no-untyped-def]
    key: tuple[object, ...],
) -> list[Due]:
    """One item per account of these persons, in its language; `key` is the dedupe key's kind
    and parts, the account's channel and chat are added to it."""
    items = []
    for account in await accounts_of(session, person_ids):
        t = Translator(account.language, settings.timezone)
        items.append(
            Due(
                account.channel,
                account.chat_id,
                await build(t),
                dedupe_key(*key, account.channel, account.chat_id),
            )
        )
    return items


async def _meeting_reminders(session: AsyncSession, settings: Settings, now: datetime) -> list[Due]:
    longest = max(offset for _, offset, _ in MEMBER_REMINDERS)
    meetings = await scheduled_between(session, now, now + longest)
    items: list[Due] = []
    for meeting in meetings:
        kind = _member_reminder(meeting, now)
        if kind is None:
            continue
        name, text = kind
        absent = await absent_persons(session, meeting.id)
        people = [p for p in await invitees(session, meeting.group_id) if p not in absent]

        async def build(
            t: Translator, meeting: Meeting = meeting, text: str = text
        ) -> OutboundMessage:
            details = await meeting_details(session, meeting, t)
            body = (
                t.gettext(text, group=details["group"])
                + "\n"
                + t.gettext(MEETING_DETAILS, **details)
            )
            return OutboundMessage(
                text=body,
                choices=rsvp_buttons(t, meeting),
                expires_at=meeting.scheduled_at.isoformat(),  # not sent once it has begun
            )

        stamp = int(meeting.scheduled_at.timestamp())
        items += await _to_persons(
            session, settings, people, build, ("meet", meeting.id, stamp, name)
        )
    return items


def _member_reminder(meeting: Meeting, now: datetime) -> tuple[str, str] | None:
    """The latest reminder whose moment has come and that the invitation did not cover."""
    for name, offset, text in sorted(MEMBER_REMINDERS, key=lambda r: r[1]):
        moment = meeting.scheduled_at - offset
        if moment <= now:
            return (name, text) if meeting.announced_at < moment else None
    return None


async def _host_checks(session: AsyncSession, settings: Settings, now: datetime) -> list[Due]:
    meetings = await scheduled_between(session, now, now + HOST_CHECK, unconfirmed_host=True)
    items: list[Due] = []
    for meeting in meetings:

        async def build(t: Translator, meeting: Meeting = meeting) -> OutboundMessage:
            details = await meeting_details(session, meeting, t)
            return OutboundMessage(
                text=t.gettext(
                    "🏠 The host of the meeting of {group} ({when}) has not confirmed yet: "
                    "{host}. Please check with them, or choose another host (menu “Meeting "
                    "schedule”).",
                    **details,
                ),
                expires_at=meeting.scheduled_at.isoformat(),
            )

        stamp = int(meeting.scheduled_at.timestamp())
        leaders = await group_leaders(session, meeting.group_id)
        items += await _to_persons(
            session, settings, leaders, build, ("meethost", meeting.id, stamp)
        )
    return items


async def _overdue_quarters(session: AsyncSession, settings: Settings, now: datetime) -> list[Due]:
    today = now.astimezone(settings.timezone).date()
    this_year, this_quarter = quarter_of(today)
    if today - quarter_start(this_year, this_quarter) >= OVERDUE_WINDOW:
        return []
    year, quarter = previous_quarter(this_year, this_quarter)
    overdue_quarter = f"{year}q{quarter}"  # "2026q1", as keys queued before #16 named it
    met = await groups_met_in(session, year, quarter)
    items: list[Due] = []
    for group_id in await all_group_ids(session):
        if group_id in met:
            continue
        title = await group_title(session, group_id)

        async def build(t: Translator, title: str = title) -> OutboundMessage:
            return OutboundMessage(
                text=t.gettext(
                    "⏰ No meeting of {group} was recorded for quarter {quarter}. If it was "
                    "held, please record its minutes (/bienban); otherwise schedule the next "
                    "one soon (/lichhop).",
                    group=title,
                    quarter=quarter_label(year, quarter),
                )
            )

        leaders = await group_leaders(session, group_id)
        items += await _to_persons(
            session, settings, leaders, build, ("meetoverdue", group_id, overdue_quarter)
        )
    return items


async def _task_reminders(session: AsyncSession, settings: Settings, now: datetime) -> list[Due]:
    today = now.astimezone(settings.timezone).date()
    tasks = await owned_tasks_due_by(session, today + timedelta(days=1))
    items: list[Due] = []
    for task in tasks:
        due_date: date = task.due_date  # type: ignore[assignment]
        if due_date == today + timedelta(days=1):
            name, intro = "tomorrow", N_("📌 Your task is due tomorrow:")
        elif due_date < today:
            name, intro = "overdue", N_("📌 Your task is past its due date:")
        else:
            continue

        async def build(
            t: Translator, task: MeetingTask = task, intro: str = intro
        ) -> OutboundMessage:
            return task_notice(t, task, intro=t.gettext(intro))

        items += await _to_persons(
            session,
            settings,
            [task.owner_person_id],  # type: ignore[list-item]
            build,
            ("meettask", task.id, due_date.isoformat(), name),
        )
    return items


async def queue_due(db: Database, settings: Settings, now: datetime) -> set[str]:
    """Queue what is due, each once (the outbox's unique key decides, so a re-run or a second
    process queues nothing twice); returns the channels that got new rows."""
    async with db.transaction() as session:
        work = Work(session=session, settings=settings, now=now, person=None)
        for item in await due_reminders(session, settings, now):
            await work.notify(
                channel=item.channel,
                chat_id=item.chat_id,
                message=item.message,
                priority=Priority.NOTICE,
                is_group_chat=item.is_group_chat,
                dedupe_key=item.dedupe_key,
            )
    return work.queued
