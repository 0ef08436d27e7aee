"""Report periods: a quarter, a half year, a year, a range of days, or the yearly "safe
residential area" window, with their boundaries at local midnight in the commune's time zone.

Written as `2026-Q3`, `2026-H1`, `2026`, `2026-07-01..2026-09-30` (both days included) or
`2026-KDC` (1 November 2025 to 31 October 2026 by default; the start day is configurable).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.messages import Choice
from bot.vocabulary import half_name, quarter_name, vietnamese, year_name

# The assessment year of a safe residential area starts on this (month, day) of the year before.
SAFE_YEAR_START = (11, 1)

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_HALF = re.compile(r"^(\d{4})-H([12])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_SAFE = re.compile(r"^(\d{4})-(KDC|SAFE)$", re.IGNORECASE)
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


class PeriodKind(StrEnum):
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"
    SAFE_YEAR = "safe_year"
    RANGE = "range"


class PeriodError(ValueError):
    """The text does not name a period."""


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    first: date  # the first day, included
    last: date  # the last day, included
    number: int = 0  # the quarter or half
    safe_start: tuple[int, int] = SAFE_YEAR_START

    @property
    def year(self) -> int:
        """The year the period is reported for (the safe-area year is named by its end)."""
        return self.last.year

    @property
    def code(self) -> str:
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year}-Q{self.number}"
        if self.kind is PeriodKind.HALF:
            return f"{self.year}-H{self.number}"
        if self.kind is PeriodKind.YEAR:
            return str(self.year)
        if self.kind is PeriodKind.SAFE_YEAR:
            return f"{self.year}-KDC"
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight of the first day and of the day after the last."""
        start = datetime.combine(self.first, time(), tz).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(), tz).astimezone(UTC)
        return start, end

    def name(self, t: Translator) -> str:
        """ "Quý III/2026", "6 tháng đầu năm 2026", "Năm 2026" (bot.vocabulary), the safe-area
        year or the days it spans."""
        if self.kind is PeriodKind.QUARTER:
            return quarter_name(t, self.year, self.number)
        if self.kind is PeriodKind.HALF:
            return half_name(t, self.year, self.number)
        if self.kind is PeriodKind.YEAR:
            return year_name(t, self.year)
        first, last = f"{self.first:%d/%m/%Y}", f"{self.last:%d/%m/%Y}"
        if self.kind is PeriodKind.SAFE_YEAR:
            return t.gettext(
                "Safe-area year {year} ({first} to {last})", year=self.year, first=first, last=last
            )
        return t.gettext("{first} to {last}", first=first, last=last)

    def label_vi(self) -> str:
        """The name inside a Vietnamese sentence: "Quý III/2026", "năm 2026", "từ ngày …"."""
        span = f"từ ngày {self.first:%d/%m/%Y} đến ngày {self.last:%d/%m/%Y}"
        if self.kind is PeriodKind.SAFE_YEAR:
            return f"năm đánh giá khu dân cư an toàn {self.year} ({span})"
        if self.kind is PeriodKind.RANGE:
            return span
        name = self.name(vietnamese())
        return name[:1].lower() + name[1:] if self.kind is PeriodKind.YEAR else name

    def previous(self) -> Period:
        """The period of the same kind and length just before this one."""
        if self.kind is PeriodKind.QUARTER:
            if self.number == 1:
                return quarter(self.year - 1, 4)
            return quarter(self.year, self.number - 1)
        if self.kind is PeriodKind.HALF:
            return half(self.year - 1, 2) if self.number == 1 else half(self.year, 1)
        if self.kind is PeriodKind.YEAR:
            return whole_year(self.year - 1)
        if self.kind is PeriodKind.SAFE_YEAR:
            return safe_year(self.year - 1, self.safe_start)
        last = self.first - timedelta(days=1)
        return Period(PeriodKind.RANGE, last - timedelta(days=self.days - 1), last)

    def quarters(self) -> list[tuple[int, int]]:
        """The calendar quarters the period touches, in order, as (year, quarter)."""
        found: list[tuple[int, int]] = []
        day = self.first
        while day <= self.last:
            key = (day.year, (day.month - 1) // 3 + 1)
            if key not in found:
                found.append(key)
            day = _add_months(date(day.year, day.month, 1), 1)
        return found

    def whole_quarters(self) -> list[tuple[int, int]]:
        """The calendar quarters that lie entirely inside the period: the ones a quarterly
        rule can be checked against (the safe-area year only partly covers two)."""
        whole = []
        for year, number in self.quarters():
            first = date(year, 3 * number - 2, 1)
            last = _add_months(first, 3) - timedelta(days=1)
            if self.first <= first and last <= self.last:
                whole.append((year, number))
        return whole

    def months(self) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        day = date(self.first.year, self.first.month, 1)
        while day <= self.last:
            found.append((day.year, day.month))
            day = _add_months(day, 1)
        return found


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def quarter(year: int, number: int) -> Period:
    first = date(year, 3 * number - 2, 1)
    return Period(PeriodKind.QUARTER, first, _add_months(first, 3) - timedelta(days=1), number)


def half(year: int, number: int) -> Period:
    first = date(year, 1 if number == 1 else 7, 1)
    return Period(PeriodKind.HALF, first, _add_months(first, 6) - timedelta(days=1), number)


def whole_year(year: int) -> Period:
    return Period(PeriodKind.YEAR, date(year, 1, 1), date(year, 12, 31))


def safe_year(year: int, start: tuple[int, int] = SAFE_YEAR_START) -> Period:
    """The assessment year ending in `year`: from start (month, day) of the year before to the
    day before that date in `year`."""
    first = date(year - 1, *start)
    return Period(
        PeriodKind.SAFE_YEAR, first, date(year, *start) - timedelta(days=1), safe_start=start
    )


def parse_period(text: str, safe_start: tuple[int, int] = SAFE_YEAR_START) -> Period:
    value = text.strip()
    if match := _QUARTER.match(value):
        return quarter(int(match[1]), int(match[2]))
    if match := _HALF.match(value):
        return half(int(match[1]), int(match[2]))
    if match := _YEAR.match(value):
        return whole_year(int(match[1]))
    if match := _SAFE.match(value):
        return safe_year(int(match[1]), safe_start)
    if match := _RANGE.match(value):
        try:
            first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2])
        except ValueError as exc:
            raise PeriodError(str(exc)) from exc
        if last < first:
            raise PeriodError("the period ends before it starts")
        return Period(PeriodKind.RANGE, first, last)
    raise PeriodError(f"not a period: {text!r} (e.g. 2026-Q3, 2026-H1, 2026, 2026-KDC, A..B)")


def parse_month_day(text: str) -> tuple[int, int]:
    """ "11-01" → (11, 1), for the configurable start of the safe-area year."""
    try:
        month, day = (int(part) for part in text.split("-"))
        date(2001, month, day)
    except ValueError as exc:
        raise PeriodError(f"not a MM-DD day: {text!r}") from exc
    return month, day


def period_choices(t: Translator, today: date) -> list[Choice]:
    """The last finished quarter, this quarter, the half years, the year, the safe-area year."""
    number = (today.month - 1) // 3 + 1
    this_quarter = quarter(today.year, number)
    last_half = half(today.year, 1 if today.month <= 6 else 2).previous()
    current = safe_year(today.year + (today >= date(today.year, *SAFE_YEAR_START)))
    periods = [
        this_quarter.previous(),
        this_quarter,
        last_half,
        whole_year(today.year),
        whole_year(today.year - 1),
        current.previous(),
        current,
    ]
    return [Choice(period.code, period.name(t)) for period in periods]
