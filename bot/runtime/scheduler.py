"""APScheduler ticking the periodic jobs; what they do lives in the database and the services."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.calendar.broadcast import report_finished
from bot.calendar.service import run_due as run_calendar_due
from bot.config import Settings
from bot.meetings.reminders import queue_due as queue_meeting_reminders_due
from bot.pledges.reminders import send_due_reminders
from bot.runtime.ops.ticks import hold_for, shared_tick
from bot.tips.clock import escalate_due, send_digests
from bot.tips.retention import purge_closed_tips
from storage.base import utcnow
from storage.db import Database
from storage.repos.ledger import forget_processed_before

log = logging.getLogger(__name__)

LEDGER_KEEP = timedelta(days=7)  # far longer than any messenger redelivers an update
WakeWorkers = Callable[[str], None]


async def forget_old_updates(db: Database) -> None:
    async with db.transaction() as session:
        removed = await forget_processed_before(session, before=utcnow() - LEDGER_KEEP)
    if removed:
        log.info("forgot %d processed-update entries", removed)


QueueingJob = Callable[[Database, Settings, datetime], Awaitable[set[str]]]


async def queue_and_wake(
    job: QueueingJob, db: Database, settings: Settings, wake: WakeWorkers
) -> None:
    """Run a job that queues outbox rows, then wake the workers of the channels it wrote to."""
    for channel in await job(db, settings, utcnow()):
        wake(channel)


async def tick_tip_clock(db: Database, settings: Settings, wake: WakeWorkers) -> None:
    """Tips past their acknowledgement deadline."""
    await queue_and_wake(escalate_due, db, settings, wake)


async def calendar_due(db: Database, settings: Settings, now: datetime) -> set[str]:
    """Campaign calendar reminders now due (bot.calendar.service); finished broadcasts'
    reports to their authors (bot.calendar.broadcast)."""
    result = await run_calendar_due(db, settings, now)
    return (result.channels or set()) | await report_finished(db, settings, now)


async def purge_old_tips(db: Database, settings: Settings) -> None:
    purged = await purge_closed_tips(db, settings, utcnow())
    if purged:
        log.info("purged the texts of %d closed tips past retention", purged)


def build_scheduler(
    db: Database, settings: Settings, *, wake: WakeWorkers = lambda _channel: None
) -> AsyncIOScheduler:
    """`wake` tells a channel's outbox worker that a job queued messages for it."""
    scheduler = AsyncIOScheduler(timezone=settings.bot_timezone)
    now = utcnow()

    def add(
        func: Callable[..., Awaitable[None]],
        job_id: str,
        first_in: timedelta,
        *args: object,
        **trigger: object,
    ) -> None:
        kind = "cron" if "hour" in trigger else "interval"
        scheduler.add_job(
            shared_tick(db, job_id, hold_for(trigger), func),
            kind,
            args=list(args),
            id=job_id,
            name=job_id,
            coalesce=True,
            max_instances=1,
            next_run_time=now + first_in,
            **trigger,
        )

    def add_queueing(job: QueueingJob, job_id: str, first_in: timedelta, **trigger: object) -> None:
        add(queue_and_wake, job_id, first_in, job, db, settings, wake, **trigger)

    add(forget_old_updates, "forget_old_updates", timedelta(minutes=1), db, hours=1)
    # Deadlines missed while the bot was down are caught up at once.
    add_queueing(escalate_due, "tip_clock", timedelta(seconds=5), minutes=1)
    add_queueing(send_digests, "tip_digest", timedelta(seconds=30), minutes=15)
    add(purge_old_tips, "tip_retention", timedelta(minutes=10), db, settings, hours=24)
    # Also once at start: a process started during the morning still sends the day's pledge
    # reminders (outside 08:00-12:00 the job does nothing; dedupe keys prevent repeats).
    add_queueing(send_due_reminders, "pledge_reminders", timedelta(minutes=2), hour=8, minute=0)
    add_queueing(queue_meeting_reminders_due, "meeting_reminders", timedelta(seconds=45), minutes=5)
    # Catch-up of campaign reminders after downtime, soon after start.
    add_queueing(calendar_due, "calendar", timedelta(seconds=20), minutes=1)
    return scheduler
