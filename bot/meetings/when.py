"""A meeting's date and time as people type it: "chủ nhật tuần sau 19h30", "20/1 19:30",
"19h30 ngày 15/3", "tối mai", "thứ 7 này 7 giờ tối".

`read_when(text, today)` finds the day and the clock time in the text (either may be missing);
`parse_future(text, now)` turns them into an aware moment after `now` (the next meeting), and
`parse_past(text, now, ...)` into one not after `now` (when a meeting was held). Diacritics and
case do not matter, except that "tới" (coming) and "tối" (evening) are told apart when typed with
them; typed without, "toi" right after a weekday means "coming", elsewhere "evening".

A day and month without a year is the next such day for a future moment (this year, or next
year once passed) and the last one for a past moment. A weekday alone is the next one (today
only if the time is still ahead); "tuần sau" / "tuần tới" is that day of next week (Monday to
Sunday); "này" that day of this week. Hours 1-11 with "chiều", "tối" or "đêm" (9-11) are
afternoon and evening hours.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

WEEKDAYS = {  # folded name → Monday 0 .. Sunday 6
    "thu hai": 0,
    "thu 2": 0,
    "t2": 0,
    "thu ba": 1,
    "thu 3": 1,
    "t3": 1,
    "thu tu": 2,
    "thu 4": 2,
    "t4": 2,
    "thu nam": 3,
    "thu 5": 3,
    "t5": 3,
    "thu sau": 4,
    "thu 6": 4,
    "t6": 4,
    "thu bay": 5,
    "thu 7": 5,
    "t7": 5,
    "chu nhat": 6,
    "cn": 6,
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
RELATIVE_DAYS = {  # folded words → days from today
    "hom nay": 0,
    "bua nay": 0,
    "today": 0,
    "ngay mai": 1,
    "mai": 1,
    "tomorrow": 1,
    "ngay kia": 2,
    "ngay mot": 2,
    "hom qua": -1,
    "bua qua": -1,
    "yesterday": -1,
    "hom kia": -2,
}
# Part of the day: (hours 1-11 are moved by this many hours, the time when none is typed).
PERIODS = {
    "sang": (0, time(8, 0)),
    "morning": (0, time(8, 0)),
    "trua": (0, time(12, 0)),
    "chieu": (12, time(15, 0)),
    "afternoon": (12, time(15, 0)),
    "toi": (12, time(19, 30)),
    "evening": (12, time(19, 30)),
    "dem": (12, time(21, 0)),
}
NEXT_WEEK = ("tuan sau", "tuan toi", "next week")
THIS_WEEK = ("tuan nay", "this week")
LAST_WEEK = ("tuan truoc", "last week")

_CLOCK = re.compile(
    r"(?<![\d/.-])(\d{1,2})\s*"
    r"(?:(?:gio|h|g)(?![a-z])\s*(\d{1,2})?(?:\s*(?:phut|p)(?![a-z]))?(\s*ruoi)?|:(\d{2}))"
    r"(?![\d/])"
)
_NOT_KEPT = re.compile(r"[^\w/:.\-]+", re.UNICODE)
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2,4}))?(?!\d)")
_WORDED_DATE = re.compile(r"(?:ngay\s+)?(\d{1,2})\s+thang\s+(\d{1,2})(?:\s+nam\s+(\d{4}))?")
_DAY_OF_MONTH = re.compile(r"\bngay\s+(\d{1,2})\b")


@dataclass(frozen=True)
class WhenParts:
    """What the text says: a day (exact, or a weekday with its week), a clock time, a period."""

    day: date | None = None
    weekday: int | None = None
    week: int | None = None  # None: the next such day; 0 this week; 1 next week; -1 last week
    clock: time | None = None
    period: str | None = None
    year_given: bool = True

    @property
    def empty(self) -> bool:
        return self.day is None and self.weekday is None and self.clock is None


def _fold_keeping_separators(text: str) -> str:
    """Like bot.text_match.fold, but keeps the "/", ":", "." and "-" of dates and times."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_KEPT.sub(" ", plain.casefold()).split())


def read_when(text: str, today: date) -> WhenParts:
    """Day and time words of `text`; nothing is resolved against now except relative days."""
    raw = unicodedata.normalize("NFC", text).lower()
    # "tới" (coming) is not "tối" (evening): say it otherwise before folding removes the marks.
    raw = re.sub(r"\btuần tới\b", "tuần sau", raw)
    raw = re.sub(r"\btới\b", " ", raw)
    evening_written = re.search(r"\btối\b", raw) is not None
    folded = _fold_keeping_separators(raw)
    clock, period, folded = _read_clock(folded, evening_written)
    day, year_given, folded = _read_date(folded, today)
    weekday, week = None, None
    if day is None:
        day, weekday, week = _read_day_words(folded, today)
    return WhenParts(
        day=day, weekday=weekday, week=week, clock=clock, period=period, year_given=year_given
    )


def _read_clock(folded: str, evening_written: bool) -> tuple[time | None, str | None, str]:
    period = None
    match = _CLOCK.search(folded)
    clock = None
    if match:
        hour = int(match.group(1))
        minute = int(match.group(2) or match.group(4) or 0)
        if match.group(3):
            minute = 30
        if hour <= 24 and minute < 60:
            clock = time(hour % 24, minute)
            folded = folded[: match.start()] + " " + folded[match.end() :]
    # "toi" after a weekday or "tuan", typed without diacritics, means "coming", not "evening".
    folded_periods = folded
    if not evening_written:
        folded_periods = re.sub(
            r"\b(" + "|".join(re.escape(w) for w in (*WEEKDAYS, "tuan")) + r")\s+toi\b",
            r"\1",
            folded,
        )
    for word in PERIODS:
        if re.search(rf"\b{word}\b", folded_periods):
            period = word
            break
    if clock is not None and period is not None:
        shift = PERIODS[period][0]
        if shift and 1 <= clock.hour <= 11 and not (period == "dem" and clock.hour < 6):
            clock = time(clock.hour + shift, clock.minute)
    if clock is None and period is not None:
        clock = PERIODS[period][1]
    return clock, period, folded


def _year(text: str | None) -> int | None:
    if not text:
        return None
    value = int(text)
    return value + 2000 if value < 100 else value


def _read_date(folded: str, today: date) -> tuple[date | None, bool, str]:
    for pattern in (_NUMERIC_DATE, _WORDED_DATE):
        match = pattern.search(folded)
        if match:
            day_number, month = int(match.group(1)), int(match.group(2))
            year = _year(match.group(3))
            try:
                found = date(year or today.year, month, day_number)
            except ValueError:
                return None, True, folded
            return found, year is not None, folded[: match.start()] + " " + folded[match.end() :]
    match = _DAY_OF_MONTH.search(folded)
    if match:  # "ngày 15": the 15th of this month (moved later by the caller if passed)
        try:
            found = date(today.year, today.month, int(match.group(1)))
        except ValueError:
            return None, True, folded
        return found, False, folded
    return None, True, folded


def _read_day_words(folded: str, today: date) -> tuple[date | None, int | None, int | None]:
    folded = " ".join(re.sub(r"[/:.\-]", " ", folded).split())
    padded = f" {folded} "
    week = None
    if any(f" {w} " in padded for w in NEXT_WEEK):
        week = 1
    elif any(f" {w} " in padded for w in THIS_WEEK) or re.search(r"\bnay\b", folded):
        week = 0
    elif any(f" {w} " in padded for w in LAST_WEEK):
        week = -1
    for name, number in sorted(WEEKDAYS.items(), key=lambda item: -len(item[0])):
        if f" {name} " in padded:
            return None, number, week
    for words, offset in sorted(RELATIVE_DAYS.items(), key=lambda item: -len(item[0])):
        if f" {words} " in padded:
            return today + timedelta(days=offset), None, None
    if re.search(r"\b(toi|dem) nay\b|\btonight\b", folded):
        return today, None, None
    return None, None, None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_future(text: str, now: datetime, *, default_time: time = time(19, 30)) -> datetime | None:
    """The moment after `now` the text names, in now's time zone; None when the text names no
    day, or a moment that has passed."""
    parts = read_when(text, now.date())
    clock = parts.clock or default_time
    day = parts.day
    if day is not None and not parts.year_given and datetime.combine(day, clock, now.tzinfo) <= now:
        day = _next_year_or_month(day, text)
    if day is None and parts.weekday is not None:
        if parts.week is None:
            day = now.date() + timedelta(days=(parts.weekday - now.weekday()) % 7)
            if datetime.combine(day, clock, now.tzinfo) <= now:
                day += timedelta(days=7)
        else:
            day = _monday(now.date()) + timedelta(weeks=parts.week, days=parts.weekday)
    if day is None and parts.clock is not None:
        day = now.date()  # a time alone: today, else tomorrow
        if datetime.combine(day, clock, now.tzinfo) <= now:
            day += timedelta(days=1)
    if day is None:
        return None
    moment = datetime.combine(day, clock, now.tzinfo)
    return moment if moment > now else None


def _next_year_or_month(day: date, text: str) -> date | None:
    folded = _fold_keeping_separators(text)
    if _DAY_OF_MONTH.search(folded) and not _NUMERIC_DATE.search(folded):
        month, year = (day.month % 12) + 1, day.year + (day.month == 12)
        try:
            return date(year, month, day.day)
        except ValueError:
            return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29/2
        return None


def parse_past(
    text: str,
    now: datetime,
    *,
    default_day: date | None = None,
    default_time: time = time(19, 30),
) -> datetime | None:
    """The moment not after `now` the text names (when a meeting was held); a time alone is on
    `default_day` (the scheduled day) or today."""
    parts = read_when(text, now.date())
    clock = parts.clock or default_time
    day = parts.day
    if day is not None and not parts.year_given and datetime.combine(day, clock, now.tzinfo) > now:
        day = day.replace(year=day.year - 1) if (day.month, day.day) != (2, 29) else None
    if day is None and parts.weekday is not None:
        monday = _monday(now.date())
        if parts.week == 0:
            day = monday + timedelta(days=parts.weekday)
        elif parts.week == -1:
            day = monday - timedelta(weeks=1) + timedelta(days=parts.weekday)
        elif parts.week is None:
            day = now.date() - timedelta(days=(now.weekday() - parts.weekday) % 7)
            if datetime.combine(day, clock, now.tzinfo) > now:
                day -= timedelta(days=7)
    if day is None and parts.clock is not None:
        day = default_day or now.date()
    if day is None:
        return None
    moment = datetime.combine(day, clock, now.tzinfo)
    return moment if moment <= now else None


_BARE_NUMBER = re.compile(r"^\s*(\d{1,2})\s*$")


def as_hour(text: str) -> str:
    """A number alone, typed where a time is asked, is the hour: "19" → "19h" (issue #13)."""
    match = _BARE_NUMBER.match(text)
    return f"{match.group(1)}h" if match and int(match.group(1)) <= 24 else text


def as_day(text: str) -> str:
    """A number alone, typed where a date is asked, is the day of the month: "20" → "ngày 20"
    (issue #13)."""
    match = _BARE_NUMBER.match(text)
    return f"ngày {match.group(1)}" if match and 1 <= int(match.group(1)) <= 31 else text
