"""When a calendar event happens: rules as short strings, stored as data.

| rule                     | meaning                                                        |
|--------------------------|----------------------------------------------------------------|
| `date:26/6`              | every year on 26 June                                          |
| `month:9`                | all of September (the occurrence starts on the 1st)            |
| `window:1/7-19/8`        | from 1 July to 19 August; an end before the start is next year |
| `window:15/12-lunar:15/1`| from 15 December to the next Rằm tháng Giêng                   |
| `lunar:1/1`              | a Vietnamese lunar date (Tết), computed at UTC+7               |
| `nth:2:sun` / `nth:-1:fri:3` | the 2nd Sunday of every month / the last Friday of March   |
| `quarterly:25/3`         | the 25th of the 3rd month of every quarter                     |

Leads (when reminders go out) are `7d,1d,0d`: days before the occurrence's first day, at 07:00
local time, or at another time with `0d@18:00`.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, time, timedelta

from bot.calendar.lunar import solar_of, to_lunar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_LEAD_TIME = time(7, 0)


class RuleError(ValueError):
    """A rule or lead list that cannot be read; the message says what is wrong."""


@dataclass(frozen=True)
class Occurrence:
    start: date
    end: date  # the same day for one-day events


@dataclass(frozen=True)
class Lead:
    days: int
    at: time = DEFAULT_LEAD_TIME

    @property
    def key(self) -> str:
        suffix = "" if self.at == DEFAULT_LEAD_TIME else f"@{self.at:%H%M}"
        return f"{self.days}d{suffix}"


def parse_leads(spec: str) -> tuple[Lead, ...]:
    leads = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        days_part, _, at_part = part.partition("@")
        if not days_part.endswith("d") or not days_part[:-1].isdigit():
            raise RuleError(f"lead {part!r}: expected e.g. 7d, 1d or 0d@18:00")
        at = DEFAULT_LEAD_TIME
        if at_part:
            at = parse_time(at_part)
        leads.append(Lead(int(days_part[:-1]), at))
    if not leads:
        raise RuleError("at least one lead is needed, e.g. 0d")
    return tuple(sorted(set(leads), key=lambda lead: (-lead.days, lead.at)))


def parse_time(text: str) -> time:
    hour, _, minute = text.strip().partition(":")
    try:
        return time(int(hour), int(minute or 0))
    except ValueError as exc:
        raise RuleError(f"time {text!r}: expected HH:MM") from exc


def _day_month(text: str) -> tuple[int, int]:
    day, sep, month = text.strip().partition("/")
    if not sep or not day.isdigit() or not month.isdigit():
        raise RuleError(f"{text!r}: expected day/month, e.g. 26/6")
    d, m = int(day), int(month)
    if not (1 <= m <= 12 and 1 <= d <= 31):
        raise RuleError(f"{text!r}: no such day")
    return d, m


def _solar(year: int, day: int, month: int) -> date | None:
    """29/2 exists only in leap years: in other years the event has no occurrence."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass(frozen=True)
class Rule:
    spec: str

    def __post_init__(self) -> None:
        self.occurrences_in(2026)  # validates: raises RuleError

    @property
    def kind(self) -> str:
        return self.spec.partition(":")[0]

    def occurrences_in(self, year: int) -> list[Occurrence]:
        """The occurrences whose first day falls in solar `year`."""
        kind, _, rest = self.spec.strip().partition(":")
        if kind == "date":
            d, m = _day_month(rest)
            day = _solar(year, d, m)
            return [Occurrence(day, day)] if day else []
        if kind == "month":
            if not rest.isdigit() or not 1 <= int(rest) <= 12:
                raise RuleError(f"{self.spec!r}: expected month:1..12")
            m = int(rest)
            last = calendar.monthrange(year, m)[1]
            return [Occurrence(date(year, m, 1), date(year, m, last))]
        if kind == "lunar":
            d, m = _day_month(rest)
            if d > 30:
                raise RuleError(f"{self.spec!r}: a lunar month has at most 30 days")
            found = []
            for lunar_year in (year - 1, year):
                day = solar_of(d, m, lunar_year)
                if day is None and d == 30:  # a 29-day month: its last day
                    day = solar_of(29, m, lunar_year)
                if day is not None and day.year == year:
                    found.append(Occurrence(day, day))
            return found
        if kind == "window":
            start_text, sep, end_text = rest.partition("-")
            if not sep:
                raise RuleError(f"{self.spec!r}: expected window:d/m-d/m")
            sd, sm = _day_month(start_text)
            start = _solar(year, sd, sm)
            if start is None:
                return []
            return [Occurrence(start, self._window_end(start, end_text.strip()))]
        if kind == "nth":
            return self._nth(year, rest)
        if kind == "quarterly":
            d, m = _day_month(rest)
            if m > 3:
                raise RuleError(f"{self.spec!r}: the month within the quarter is 1, 2 or 3")
            days = [_solar(year, d, q + m - 1) for q in (1, 4, 7, 10)]
            return [Occurrence(day, day) for day in days if day]
        raise RuleError(f"{self.spec!r}: unknown rule kind {kind!r}")

    def _window_end(self, start: date, text: str) -> date:
        if text.startswith("lunar:"):
            d, m = _day_month(text.removeprefix("lunar:"))
            lunar_year = to_lunar(start).year
            for candidate_year in (lunar_year, lunar_year + 1):
                day = solar_of(d, m, candidate_year)
                if day is not None and day >= start:
                    return day
            raise RuleError(f"{self.spec!r}: the lunar end is not found")
        d, m = _day_month(text)
        end = _solar(start.year, d, m) or date(start.year, m, 28)
        if end < start:
            end = _solar(start.year + 1, d, m) or date(start.year + 1, m, 28)
        return end

    def _nth(self, year: int, rest: str) -> list[Occurrence]:
        parts = rest.split(":")
        try:
            n = int(parts[0])
            weekday = WEEKDAYS.index(parts[1].lower())
            months = [int(parts[2])] if len(parts) > 2 else list(range(1, 13))
        except (ValueError, IndexError) as exc:
            raise RuleError(f"{self.spec!r}: expected nth:N:mon..sun[:month]") from exc
        if n == 0 or not -5 <= n <= 5 or not all(1 <= m <= 12 for m in months):
            raise RuleError(f"{self.spec!r}: N is 1..5 or -1 for the last")
        found = []
        for month in months:
            days = [
                date(year, month, d)
                for d in range(1, calendar.monthrange(year, month)[1] + 1)
                if date(year, month, d).weekday() == weekday
            ]
            index = n - 1 if n > 0 else n
            if -len(days) <= index < len(days):
                found.append(Occurrence(days[index], days[index]))
        return found

    def occurrences_between(self, first: date, last: date) -> list[Occurrence]:
        """Occurrences whose first day is within [first, last]."""
        found = []
        for year in range(first.year, last.year + 1):
            found += [o for o in self.occurrences_in(year) if first <= o.start <= last]
        return sorted(found, key=lambda o: o.start)


def parse_rule(spec: str) -> Rule:
    return Rule(spec.strip())


def lead_day(occurrence: Occurrence, lead: Lead) -> date:
    return occurrence.start - timedelta(days=lead.days)
