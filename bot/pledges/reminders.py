"""What the pledge drive sends on a given day; the scheduler queues it at 08:00 local time.

From the drive's first day (1 January) to its last (31 March unless configured):
- every `household_every_days` days (14) from the first day, each household that has not
  pledged for the year is reminded: its head and the members the head lets sign;
- every `leader_every_days` days (7) from the first day, each group leader and deputy gets the
  group's households that have not pledged yet (nothing when every household did).
All year, commune police get the commune's coverage on the first day of every month after the
drive's first month, and on the drive's last day.

Everything here is a pure function of the database and the local date: `due_reminders` only
reads, and returns (channel, chat_id, message, dedupe key) tuples; the dedupe key (per
recipient, subject and day) makes queueing the same day twice send nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import NamedTuple
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import N_, Translator
from bot.messages import Choice, OutboundMessage, action_key
from bot.pledges.coverage import (
    MAX_MISSING_LINES,
    Unit,
    UnitKind,
    coverage,
    missing_households,
    missing_text,
    summary_text,
    unit_name,
    unit_of_group,
)
from bot.pledges.service import day_text
from bot.tips.delivery import police_chats
from storage.db import Database
from storage.models import (
    ChannelAccount,
    Priority,
)
from storage.repos.outbox import dedupe_key, queue_each_once
from storage.repos.pledge_coverage import (
    communes_with_households,
    group_leader_accounts,
    signers_of_unpledged,
)

log = logging.getLogger(__name__)

# The button under a household's reminder: opens the pledge at once (handlers.pledge).
PLEDGE_NOW = "pledge_go"
# Quiet hours: the job runs at 08:00 local; a process started later that morning still sends
# the day's reminders, never in the afternoon or at night.
SEND_FROM, SEND_UNTIL = time(8, 0), time(12, 0)
KEY_PREFIX = "pledge"

HOUSEHOLD_REMINDER = N_(
    "Reminder: your household at {address} has not made its safety pledge for {year} yet. "
    "The pledge drive runs until {end}. It takes a minute: press the button below, or type "
    "/camket."
)
LEADER_REMINDER_TAIL = N_(
    "If a household confirmed the commitments to you in person or by phone, you can record "
    "its pledge for it: /kythay"
)
POLICE_REMINDER_TAIL = N_(
    "Type /baocao camket for the households that have not pledged and the spreadsheet."
)
DRIVE_ENDS_TODAY = N_("Today is the last day of the pledge drive.")


@dataclass(frozen=True)
class DriveRules:
    start_month: int = 1
    start_day: int = 1
    end_month: int = 3
    end_day: int = 31
    household_every_days: int = 14
    leader_every_days: int = 7

    def start(self, year: int) -> date:
        return date(year, self.start_month, self.start_day)

    def end(self, year: int) -> date:
        return date(year, self.end_month, self.end_day)

    def in_drive(self, day: date) -> bool:
        return self.start(day.year) <= day <= self.end(day.year)

    def police_day(self, day: date) -> bool:
        monthly = day.day == 1 and day.month > self.start_month
        return monthly or day == self.end(day.year)


class DriveSettings(BaseSettings):
    """PLEDGE_DRIVE_END (MM-DD, default 03-31), PLEDGE_HOUSEHOLD_REMINDER_DAYS (14),
    PLEDGE_LEADER_REMINDER_DAYS (7): from the environment or `.env`, like the other settings."""

    model_config = SettingsConfigDict(
        env_prefix="PLEDGE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    drive_end: str = "03-31"
    household_reminder_days: int = Field(default=14, ge=1, le=366)
    leader_reminder_days: int = Field(default=7, ge=1, le=366)

    @field_validator("drive_end")
    @classmethod
    def _month_day(cls, value: str) -> str:
        month, _, day = value.strip().partition("-")
        try:
            date(2024, int(month), int(day))  # a leap year: 02-29 is allowed, read as 02-28
        except ValueError:
            raise ValueError("must be a day of the year as MM-DD, e.g. 03-31") from None
        return f"{int(month):02d}-{int(day):02d}"

    def rules(self) -> DriveRules:
        month, day = (int(part) for part in self.drive_end.split("-"))
        if (month, day) == (2, 29):
            day = 28
        return DriveRules(
            end_month=month,
            end_day=day,
            household_every_days=self.household_reminder_days,
            leader_every_days=self.leader_reminder_days,
        )


class Reminder(NamedTuple):
    channel: str
    chat_id: str
    message: OutboundMessage
    dedupe_key: str
    is_group: bool = False
    priority: int = Priority.NOTICE


async def due_reminders(
    session: AsyncSession, day: date, *, timezone: ZoneInfo, rules: DriveRules | None = None
) -> list[Reminder]:
    """Every reminder the drive sends on `day` (a local date), per the rules above."""
    rules = rules or DriveRules()
    reminders: list[Reminder] = []
    if rules.in_drive(day):
        since_start = (day - rules.start(day.year)).days
        if since_start % rules.household_every_days == 0:
            reminders += await household_reminders(session, day, timezone, rules)
        if since_start % rules.leader_every_days == 0:
            reminders += await leader_reminders(session, day, timezone)
    if rules.police_day(day):
        reminders += await police_reminders(session, day, timezone, rules)
    return reminders


def _key(kind: str, subject: object, day: date, channel: str, chat_id: str) -> str:
    return dedupe_key(KEY_PREFIX, kind, subject, day.isoformat(), channel, chat_id)


async def household_reminders(
    session: AsyncSession, day: date, timezone: ZoneInfo, rules: DriveRules
) -> list[Reminder]:
    """To the head of every household that has not pledged, and to the members the head lets
    sign; who no longer lives there, withdrew consent or blocked the bot gets nothing."""
    year = day.year
    rows = await signers_of_unpledged(session, year)
    end = datetime.combine(rules.end(year), time(12), timezone)
    reminders = []
    for household_id, address, channel, chat_id, language in rows:
        t = Translator(language, timezone)
        message = OutboundMessage(
            text=t.gettext(HOUSEHOLD_REMINDER, address=address, year=year, end=day_text(t, end)),
            choices=(
                Choice(action_key(PLEDGE_NOW, household_id), t.gettext("Make the pledge now")),
            ),
        )
        reminders.append(
            Reminder(
                channel,
                chat_id,
                message,
                _key("household", household_id, day, channel, chat_id),
                priority=Priority.BROADCAST,
            )
        )
    return reminders


async def leader_reminders(session: AsyncSession, day: date, timezone: ZoneInfo) -> list[Reminder]:
    """Each group's leaders and deputies: the households of their group not pledged yet."""
    rows = await group_leader_accounts(session)
    by_group: dict[int, list[ChannelAccount]] = {}
    for scope_id, account in rows:
        if scope_id.isdigit():
            by_group.setdefault(int(scope_id), []).append(account)
    reminders = []
    for group_id, accounts in sorted(by_group.items()):
        unit = await unit_of_group(session, group_id)
        if unit is None:
            continue
        report = await coverage(session, unit, day.year)
        if report.counts.missing <= 0:
            continue
        missing = await missing_households(session, unit, day.year)
        place = await unit_name(session, unit)
        for account in accounts:
            t = Translator(account.language, timezone)
            text = "\n\n".join(
                [
                    summary_text(t, report, place),
                    missing_text(t, missing, with_group=False, limit=MAX_MISSING_LINES),
                    t.gettext(LEADER_REMINDER_TAIL),
                ]
            )
            reminders.append(
                Reminder(
                    account.channel,
                    account.chat_id,
                    OutboundMessage(text=text),
                    _key("leader", group_id, day, account.channel, account.chat_id),
                )
            )
    return reminders


async def police_reminders(
    session: AsyncSession, day: date, timezone: ZoneInfo, rules: DriveRules
) -> list[Reminder]:
    """The coverage of each commune with households, to its police desk (or its officers)."""
    communes = await communes_with_households(session)
    reminders = []
    for commune_code in list(communes):
        unit = Unit(UnitKind.COMMUNE, commune_code)
        report = await coverage(session, unit, day.year)
        place = await unit_name(session, unit)
        for chat in await police_chats(session, commune_code):
            t = Translator(chat.language, timezone)
            parts = [summary_text(t, report, place), t.gettext(POLICE_REMINDER_TAIL)]
            if day == rules.end(day.year):
                parts.insert(0, t.gettext(DRIVE_ENDS_TODAY))
            reminders.append(
                Reminder(
                    chat.channel,
                    chat.chat_id,
                    OutboundMessage(text="\n\n".join(parts)),
                    _key("police", commune_code, day, chat.channel, chat.chat_id),
                    is_group=chat.is_group,
                )
            )
    return reminders


async def queue_reminders(
    session: AsyncSession, reminders: Iterable[Reminder], *, now: datetime
) -> set[str]:
    """Queue each reminder once (by its dedupe key, whatever ran before or runs beside);
    returns the channels written to."""
    rows = (
        (r.channel, r.chat_id, r.is_group, r.message.to_payload(), r.dedupe_key, r.priority)
        for r in reminders
    )
    return await queue_each_once(session, rows, now=now)


async def send_due_reminders(
    db: Database, settings: Settings, now: datetime, rules: DriveRules | None = None
) -> set[str]:
    """The scheduler's daily job: the day's reminders, in the morning window only."""
    local = now.astimezone(settings.timezone)
    if not SEND_FROM <= local.time() < SEND_UNTIL:
        return set()
    rules = rules or DriveSettings().rules()
    async with db.transaction() as session:
        reminders = await due_reminders(
            session, local.date(), timezone=settings.timezone, rules=rules
        )
        channels = await queue_reminders(session, reminders, now=now)
    if reminders:
        log.info("pledge reminders due on %s: %d", local.date(), len(reminders))
    return channels
