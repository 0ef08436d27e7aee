"""When a group meets: its rule (default: the second Sunday of the first month of each quarter,
19:30), the quarter a date belongs to, and the date proposed for the next meeting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator
from bot.vocabulary import quarter_number
from storage.repos.meetings import (
    last_named_next_meeting,
    quarters_with_meetings,
    rule_row,
    rule_row_to_write,
)

WEEKDAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
WEEK_NAMES = {
    1: N_("first"),
    2: N_("second"),
    3: N_("third"),
    4: N_("fourth"),
    -1: N_("last"),
}
MONTH_NAMES = {1: N_("first"), 2: N_("second"), 3: N_("third")}


@dataclass(frozen=True)
class Rule:
    month: int = 1  # of the quarter, 1..3
    week: int = 2  # 1..4, -1 = last
    weekday: int = 6  # Monday 0 .. Sunday 6
    hour: int = 19
    minute: int = 30

    @property
    def clock(self) -> time:
        return time(self.hour, self.minute)

    def day_in(self, year: int, quarter: int, month_offset: int = 0) -> date | None:
        """The rule's day in a quarter; `month_offset` moves to a later month of it."""
        month_of_quarter = self.month + month_offset
        if not 1 <= month_of_quarter <= 3:
            return None
        month = (quarter - 1) * 3 + month_of_quarter
        return nth_weekday(year, month, self.weekday, self.week)

    def describe(self, t: Translator) -> str:
        return t.gettext(
            "the {week} {weekday} of the {month} month of each quarter, at {time}",
            week=t.gettext(WEEK_NAMES[self.week]),
            weekday=t.gettext(WEEKDAY_NAMES[self.weekday]),
            month=t.gettext(MONTH_NAMES[self.month]),
            time=f"{self.hour:02d}:{self.minute:02d}",
        )


DEFAULT_RULE = Rule()


def nth_weekday(year: int, month: int, weekday: int, week: int) -> date:
    if week == -1:
        following = date(year + (month == 12), month % 12 + 1, 1)
        last = following - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (week - 1))


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def next_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def quarter_start(year: int, quarter: int) -> date:
    return date(year, (quarter - 1) * 3 + 1, 1)


def quarter_label(year: int, quarter: int) -> str:
    return quarter_number(year, quarter)  # texts put "Quý" before it (bot.vocabulary)


async def rule_of(session: AsyncSession, group_id: int) -> Rule:
    row = await rule_row(session, group_id)
    if row is None:
        return DEFAULT_RULE
    return Rule(row.month, row.week, row.weekday, row.hour, row.minute)


async def save_rule(
    session: AsyncSession, group_id: int, rule: Rule, *, by: int | None, now: datetime
) -> None:
    row = await rule_row_to_write(session, group_id)
    row.month, row.week, row.weekday = rule.month, rule.week, rule.weekday
    row.hour, row.minute = rule.hour, rule.minute
    row.updated_by, row.updated_at = by, now


def propose_from_rule(
    rule: Rule, now: datetime, tz: ZoneInfo, taken: set[tuple[int, int]]
) -> datetime:
    """The first moment after `now` the rule gives in a quarter without a meeting: the rule's
    day, or the same weekday of a later month of the quarter when the rule's day has passed."""
    local = now.astimezone(tz)
    year, quarter = quarter_of(local.date())
    for _ in range(12):
        if (year, quarter) not in taken:
            for offset in range(3):
                day = rule.day_in(year, quarter, offset)
                if day is None:
                    break
                moment = datetime.combine(day, rule.clock, tz)
                if moment > local:
                    return moment
        year, quarter = next_quarter(year, quarter)
    return datetime.combine(rule.day_in(year, quarter) or local.date(), rule.clock, tz)


async def proposed_date(
    session: AsyncSession, group_id: int, now: datetime, tz: ZoneInfo
) -> datetime:
    """What the leader is offered: the "next meeting" the last minutes named, if still ahead
    and in a quarter without a meeting; else the rule's next date."""
    taken = await quarters_with_meetings(session, group_id)
    named = await last_named_next_meeting(session, group_id)
    if named is not None and named > now and quarter_of(named.astimezone(tz).date()) not in taken:
        return named.astimezone(tz)
    return propose_from_rule(await rule_of(session, group_id), now, tz, taken)
