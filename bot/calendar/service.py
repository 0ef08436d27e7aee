"""The campaign calendar's delivery plan: which reminders are due, and queueing them once.

`run_due(db, settings, now)` is one tick (the scheduler runs it every minute; `python -m bot
reminders run-due --now …` runs one by hand). For every commune with villages, every event's
occurrences and leads whose moment has come:

- within the grace window (default 12 h) → the ledger row (calendar_runs) is inserted and the
  recipients' outbox rows queued in the same transaction; the unique ledger row and the unique
  outbox keys `cal:<event>:<date>:<lead>:<channel>:<chat>` make a re-run or a second process a
  no-op;
- older than that (the bot was down) → recorded as missed, never sent late;
- a moment inside the quiet hours (default 21:00–06:30) is queued with `next_attempt_at` at the
  end of the quiet hours: it waits for the morning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.calendar.audience import Recipient, resolve
from bot.calendar.events import Event, events_of
from bot.calendar.rules import Lead, Occurrence, lead_day, parse_time
from bot.config import Settings
from bot.i18n import Translator
from bot.messages import OutboundMessage
from storage.db import Database
from storage.models import Priority, RunStatus
from storage.repos.calendar import (
    calendar_settings,
    claim_run,
    communes_with_villages,
    set_run_recipients,
)
from storage.repos.outbox import dedupe_key, queue_many

log = logging.getLogger(__name__)

QUIET_FROM, QUIET_UNTIL = time(21, 0), time(6, 30)
GRACE = timedelta(hours=12)
LOOKBACK = timedelta(days=2)  # how far behind the grace window missed moments are recorded


@dataclass(frozen=True)
class Policy:
    quiet_from: time = QUIET_FROM
    quiet_until: time = QUIET_UNTIL
    grace: timedelta = GRACE

    def quiet(self, local: time) -> bool:
        if self.quiet_from > self.quiet_until:  # across midnight
            return local >= self.quiet_from or local < self.quiet_until
        return self.quiet_from <= local < self.quiet_until

    def release(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """When a message due at `moment` may go: then, or at the end of the quiet hours."""
        local = moment.astimezone(tz)
        if not self.quiet(local.time()):
            return moment
        day = local.date()
        if local.time() >= self.quiet_until:
            day += timedelta(days=1)
        return datetime.combine(day, self.quiet_until, tz)


async def policy_of(session: AsyncSession, commune_code: str) -> Policy:
    row = await calendar_settings(session, commune_code)
    if row is None:
        return Policy()
    return Policy(
        parse_time(row.quiet_from),
        parse_time(row.quiet_until),
        timedelta(minutes=row.grace_minutes),
    )


@dataclass(frozen=True)
class Planned:
    commune_code: str
    event: Event
    occurrence: Occurrence
    lead: Lead
    at: datetime  # the nominal moment, UTC-aware


def planned_between(
    commune_code: str, events: list[Event], tz: ZoneInfo, first: datetime, last: datetime
) -> list[Planned]:
    """Every reminder moment of these events within [first, last]."""
    found = []
    start, end = first.astimezone(tz).date(), last.astimezone(tz).date()
    for event in events:
        longest = max(lead.days for lead in event.leads)
        for occurrence in event.rule.occurrences_between(start, end + timedelta(days=longest)):
            for lead in event.leads:
                at = datetime.combine(lead_day(occurrence, lead), lead.at, tz)
                if first <= at <= last:
                    found.append(Planned(commune_code, event, occurrence, lead, at))
    return sorted(found, key=lambda p: (p.at, p.event.key))


def reminder_key(planned: Planned, recipient: Recipient) -> str:
    return dedupe_key(
        "cal",
        planned.event.id,
        planned.occurrence.start.isoformat(),
        planned.lead.key,
        recipient.channel,
        recipient.chat_id,
    )


def render(planned: Planned, t: Translator, *, private: bool) -> OutboundMessage:
    occurrence, lead = planned.occurrence, planned.lead
    day = t.date(datetime.combine(occurrence.start, time(12), t.timezone), "dd/MM/yyyy")
    if lead.days == 0 and occurrence.end > occurrence.start:
        until = t.date(datetime.combine(occurrence.end, time(12), t.timezone), "dd/MM/yyyy")
        when = t.gettext("from today until {end}", end=until)
    elif lead.days == 0:
        when = t.gettext("today")
    elif lead.days == 1:
        when = t.gettext("tomorrow, {date}", date=day)
    else:
        when = t.ngettext("in {n} day, {date}", "in {n} days, {date}", lead.days, date=day)
    lines = [f"📅 {planned.event.render_title(t)}: {when}", "", planned.event.render_text(t)]
    if private:
        lines += ["", t.gettext("To receive no more campaign reminders, send /tatnhacnho.")]
    over = datetime.combine(occurrence.end + timedelta(days=1), time(0), t.timezone)
    return OutboundMessage(text="\n".join(lines), expires_at=over.isoformat())


@dataclass
class TickResult:
    queued: int = 0  # outbox rows offered
    runs: int = 0  # reminders (event, occurrence, lead, commune) queued
    missed: int = 0
    channels: set[str] | None = None


async def run_due(
    db: Database, settings: Settings, now: datetime, *, commune: str | None = None
) -> TickResult:
    tz = settings.timezone
    result = TickResult(channels=set())
    async with db.transaction() as session:
        communes = await communes_with_villages(session, commune)
    for commune_code in communes:
        async with db.transaction() as session:
            policy = await policy_of(session, commune_code)
            events = await events_of(session, commune_code)
        earliest = now - policy.grace - LOOKBACK
        for planned in planned_between(commune_code, events, tz, earliest, now):
            if planned.at < now - policy.grace:
                async with db.transaction() as session:
                    if await _claim_run(session, planned, RunStatus.MISSED, now):
                        result.missed += 1
                        log.warning(
                            "calendar: %s %s (%s) missed in %s: not sent late",
                            planned.event.id,
                            planned.occurrence.start,
                            planned.lead.key,
                            commune_code,
                        )
                continue
            async with db.transaction() as session:
                run = await _claim_run(session, planned, RunStatus.QUEUED, now)
                if run is None:
                    continue
                recipients = await resolve(
                    session, commune_code, planned.event.audience, today=planned.occurrence.start
                )
                result.queued += await _queue(session, settings, planned, recipients, policy, now)
                await set_run_recipients(session, run, len(recipients))
                result.runs += 1
                result.channels.update(r.channel for r in recipients)  # type: ignore[union-attr]
    return result


async def _claim_run(
    session: AsyncSession, planned: Planned, status: str, now: datetime
) -> int | None:
    """Insert the ledger row; None when it was there already (queued, or missed, before)."""
    return await claim_run(
        session,
        commune_code=planned.commune_code,
        event_id=planned.event.id,
        occurrence=planned.occurrence.start,
        lead=planned.lead.key,
        status=status,
        now=now,
    )


async def _queue(
    session: AsyncSession,
    settings: Settings,
    planned: Planned,
    recipients: list[Recipient],
    policy: Policy,
    now: datetime,
) -> int:
    not_before = max(policy.release(planned.at, settings.timezone), now)
    payloads: dict[tuple[str, bool], dict] = {}

    def payload(recipient: Recipient) -> dict:
        key = (recipient.language, recipient.is_group)
        if key not in payloads:
            t = Translator(recipient.language, settings.timezone)
            payloads[key] = render(planned, t, private=not recipient.is_group).to_payload()
        return payloads[key]

    rows = (
        (r.channel, r.chat_id, r.is_group, payload(r), reminder_key(planned, r)) for r in recipients
    )
    return await queue_many(
        session, rows, priority=Priority.BROADCAST, not_before=not_before, now=now
    )


@dataclass(frozen=True)
class PreviewLine:
    commune_code: str
    event: Event
    occurrence: Occurrence
    lead: Lead
    first_send: datetime
    audience_size: int


async def preview(
    db: Database, settings: Settings, first: date, last: date, *, commune: str | None = None
) -> list[PreviewLine]:
    """What would be sent between two local dates (inclusive), without sending anything."""
    tz = settings.timezone
    start = datetime.combine(first, time(0), tz)
    end = datetime.combine(last, time(23, 59, 59), tz)
    lines = []
    async with db.transaction() as session:
        for commune_code in await communes_with_villages(session, commune):
            policy = await policy_of(session, commune_code)
            events = await events_of(session, commune_code)
            sizes: dict[str, int] = {}
            for planned in planned_between(commune_code, events, tz, start, end):
                audience = planned.event.audience
                if audience not in sizes or audience == "unpledged":
                    sizes[audience] = len(
                        await resolve(session, commune_code, audience, today=planned.at.date())
                    )
                lines.append(
                    PreviewLine(
                        commune_code,
                        planned.event,
                        planned.occurrence,
                        planned.lead,
                        policy.release(planned.at, tz),
                        sizes[audience],
                    )
                )
    return lines
