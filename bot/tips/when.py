"""When did it happen: the words people type ("tối qua", "8h sáng nay", "20/6 21h") → a moment.

`parse_when(text, now_local)` is pure: it reads the text with diacritics and case ignored and
returns an aware datetime in the time zone of `now_local`, or None when it cannot tell. It is
never in the future: a bare time later than now means yesterday, a day and month later than
today means last year, and "tonight" said in the morning is not understood.

Precision follows the words: "hôm qua" is that day at 00:00, "tối qua" that evening at 20:00,
"8h tối qua" 20:00; the caller keeps the typed words next to the moment.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.text_match import fold

# Words that mean "now" or "a moment ago", folded.
_NOW = (
    "vua xay ra",
    "vua xong",
    "vua moi",
    "vua roi",
    "vua nay",
    "ngay bay gio",
    "bay gio",
    "dang xay ra",
    "luc nay",
    "moi day",
    "moi xay ra",
    "just now",
    "right now",
    "now",
    "happening now",
)

# Part of the day: (first hour it can be, the hour taken when no hour is given).
_PERIODS = {
    "sang": (4, 8),
    "trua": (11, 12),
    "chieu": (13, 15),
    "toi": (18, 20),
    "dem": (21, 23),
    "khuya": (22, 23),
    "morning": (4, 8),
    "noon": (11, 12),
    "afternoon": (13, 15),
    "evening": (18, 20),
    "night": (21, 23),
}
# Day words and how many days back they are; "nay"/"qua" after a period ("sáng nay").
_DAYS = {
    "hom nay": 0,
    "bua nay": 0,
    "today": 0,
    "hom qua": 1,
    "bua qua": 1,
    "yesterday": 1,
    "hom kia": 2,
    "bua kia": 2,
    "nay": 0,
    "qua": 1,
    "kia": 2,
}
_WEEKDAYS = {  # Monday = 0
    "thu hai": 0,
    "thu 2": 0,
    "thu ba": 1,
    "thu 3": 1,
    "thu tu": 2,
    "thu 4": 2,
    "thu nam": 3,
    "thu 5": 3,
    "thu sau": 4,
    "thu 6": 4,
    "thu bay": 5,
    "thu 7": 5,
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
_ENGLISH = {  # phrase: (part of the day, days back)
    "last night": ("night", 1),
    "tonight": ("evening", 0),
    "this morning": ("morning", 0),
    "this afternoon": ("afternoon", 0),
    "this evening": ("evening", 0),
}
# Words that may stand around a time without changing it.
_FILLER = frozenset(
    {
        *("luc", "vao", "khoang", "tam", "chung", "ngay", "buoi", "gan", "cach", "day"),
        *("hoi", "vua", "moi", "da", "xay", "ra", "bi", "thi"),
        *("at", "on", "about", "around", "in", "the", "of", "approx", "approximately"),
    }
)
_SMALL_NUMBERS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "nam": 5, "muoi": 10, "a": 1, "an": 1}
_UNITS = {
    "phut": "minutes",
    "p": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "tieng": "hours",
    "gio": "hours",
    "hour": "hours",
    "hours": "hours",
    "ngay": "days",
    "day": "days",
    "days": "days",
    "tuan": "weeks",
    "week": "weeks",
    "weeks": "weeks",
}

_AMOUNT = (
    r"(?P<n>\d{1,3}|mot|hai|ba|bon|nam|muoi|a|an)\s*(?P<unit>"
    + "|".join(sorted(_UNITS, key=len, reverse=True))
    + r")(?: dong ho)?"
)
# "3 tiếng trước", "30 phút trước", "cách đây 2 ngày", "an hour ago".
_AGO = (
    re.compile(rf"\b{_AMOUNT}\s+(?:ve truoc|truoc|ago)\b"),
    re.compile(rf"\bcach day\s+{_AMOUNT}\b"),
)
_HALF_AGO = re.compile(r"\b(?:nua tieng|nua gio|half an hour)\s+(?:truoc|ago)\b")
# "20/6", "20-06-2026", "20.6.26", looked for before `fold` would drop the separators.
_DATE_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{2,4}))?(?!\d)")
_DATE_WORDS = re.compile(r"\b(?:ngay\s+)?(\d{1,2})\s+thang\s+(\d{1,2})(?:\s+nam\s+(\d{2,4}))?\b")
# "8h", "8 h", "8g", "8 gio", "8h30", "8:30", "8 gio 30 phut", "8 gio ruoi", "8am", "8 pm".
_TIME = re.compile(
    r"\b(?P<h>\d{1,2})\s*(?:(?P<colon>:)|h|g|gio)\s*(?P<m>\d{1,2})?\s*(?:p|phut)?"
    r"(?:\s*(?P<half>ruoi))?(?:\s*(?P<ampm>am|pm))?\b"
    r"|\b(?P<h2>\d{1,2})\s*(?P<ampm2>am|pm)\b"
    r"|\bluc\s+(?P<h3>\d{1,2})\b(?!\s*(?::|h\b|g\b|gio\b))"
)


@dataclass
class _Parts:
    date: date | None = None
    date_has_year: bool = False
    days_back: int | None = None
    weekday: int | None = None
    period: str | None = None
    hour: int | None = None
    minute: int = 0
    ampm: str | None = None


def parse_when(text: str, now_local: datetime) -> datetime | None:
    """The moment meant by `text`, in `now_local`'s time zone; None if not understood."""
    found = parse_when_detail(text, now_local)
    return found[0] if found else None


def parse_when_detail(text: str, now_local: datetime) -> tuple[datetime, bool] | None:
    """Like `parse_when`, and whether the words gave the time of day ("8h", "30 phút trước",
    "vừa xảy ra") rather than only a day or a part of it ("hôm qua", "tối qua")."""
    folded = fold(text)
    if not folded:
        return None
    if (ago := _ago(folded)) is not None:
        return now_local - ago, ago < timedelta(days=1)
    parts = _parts(text)
    if parts is not None:
        moment = _combine(parts, now_local)
        return (moment, parts.hour is not None or moment == now_local) if moment else None
    if any(f" {phrase} " in f" {folded} " for phrase in _NOW):
        return now_local, True
    return None


def _ago(folded: str) -> timedelta | None:
    if _HALF_AGO.search(folded) or folded == "cach day nua tieng":
        return timedelta(minutes=30)
    if folded in ("tuan truoc", "tuan roi", "last week"):
        return timedelta(days=7)
    match = _AGO[0].search(folded) or _AGO[1].search(folded)
    if match is None:
        return None
    n_text, unit = match.group("n"), _UNITS[match.group("unit")]
    n = int(n_text) if n_text.isdigit() else _SMALL_NUMBERS.get(n_text)
    if n is None:
        return None
    return timedelta(**{unit: n})


def _parts(text: str) -> _Parts | None:
    parts = _Parts()
    found = False
    rest = _plain(text)
    numeric = _DATE_NUMERIC.search(rest)
    if numeric is None or _looks_like_time(numeric):
        numeric = _DATE_WORDS.search(rest)
    if numeric is not None:
        day, month, year = numeric.groups()
        parts.date = _make_date(day, month, year)
        parts.date_has_year = year is not None
        if parts.date is None:
            return None
        found = True
        rest = rest[: numeric.start()] + " " + rest[numeric.end() :]
    # "21.30" is a time; everything but letters, digits and ":" becomes a space.
    rest = re.sub(r"(?<=\d)\.(?=\d)", ":", rest)
    rest = " " + " ".join(re.sub(r"[^\w:]+", " ", rest).split()) + " "
    if clock := _TIME.search(rest):
        hour_text = clock.group("h") or clock.group("h2") or clock.group("h3")
        parts.hour = int(hour_text)
        parts.minute = int(clock.group("m") or 0)
        if clock.group("half"):
            parts.minute = 30
        parts.ampm = clock.group("ampm") or clock.group("ampm2")
        if parts.hour > 24 or parts.minute > 59:
            return None
        parts.hour %= 24
        found = True
        rest = rest[: clock.start()] + " " + rest[clock.end() :]
    rest = f" {' '.join(rest.replace(':', ' ').split())} "
    for phrase, (period, days_back) in _ENGLISH.items():
        if f" {phrase} " in rest:
            parts.period, parts.days_back, found = period, days_back, True
            rest = rest.replace(f" {phrase} ", " ")
    for name, weekday in _WEEKDAYS.items():
        if f" {name} " in rest:
            parts.weekday, found = weekday, True
            rest = rest.replace(f" {name} ", " ")
            break
    for name in sorted(_DAYS, key=len, reverse=True):
        if f" {name} " in rest and parts.days_back is None:
            parts.days_back, found = _DAYS[name], True
            rest = rest.replace(f" {name} ", " ")
    for word in _PERIODS:
        if f" {word} " in rest and parts.period is None:
            parts.period, found = word, True
            rest = rest.replace(f" {word} ", " ")
    # Only words of time may be left ("khoảng", "lúc"): "mấy đêm liền" is not "last night".
    if any(word not in _FILLER for word in rest.split()):
        return None
    return parts if found else None


def _plain(text: str) -> str:
    """Lower case without diacritics, like `fold`, but keeping / : . - for dates and times."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(plain.split())


def _looks_like_time(match: re.Match[str]) -> bool:
    """ "21.30" written for a time, not for the 21st of a 30th month."""
    _day, month, year = match.groups()
    return year is None and int(month) > 12 and "." in match.group(0)


def _make_date(day: str, month: str, year: str | None) -> date | None:
    y = int(year) if year else 2000
    if year and len(year) == 2:
        y += 2000
    try:
        return date(y, int(month), int(day))
    except ValueError:
        if not year and int(month) == 2 and int(day) == 29:
            return date(2000, 2, 29)  # a leap day; the year is settled later
        return None


def _hour(parts: _Parts) -> int | None:
    """The hour on a 24-hour clock, after "tối", "chiều", "pm"."""
    hour = parts.hour
    if hour is None:
        return None
    if parts.ampm == "pm" and hour < 12:
        return hour + 12
    if parts.ampm == "am" and hour == 12:
        return 0
    period = parts.period
    if period in ("chieu", "toi", "afternoon", "evening") and hour < 12:
        return hour + 12
    if period in ("trua", "noon") and hour <= 2:
        return hour + 12
    if period in ("dem", "khuya", "night") and 7 <= hour <= 11:
        return hour + 12
    if period in ("dem", "khuya", "night", "sang", "morning") and hour == 12:
        return 0
    return hour


def _combine(parts: _Parts, now: datetime) -> datetime | None:
    hour = _hour(parts)
    period_hour = _PERIODS[parts.period][1] if parts.period else None
    at = time(hour, parts.minute) if hour is not None else None
    if at is None and period_hour is not None:
        at = time(period_hour)
    today = now.date()

    if parts.date is not None:
        day = _settle_year(parts, now, at)
        if day is None:
            return None
        return _at(now, day, at or time(0))

    if parts.weekday is not None:
        back = (today.weekday() - parts.weekday) % 7
        day = today - timedelta(days=back)
        moment = _at(now, day, at or time(0))
        return moment if moment <= now else moment - timedelta(days=7)

    if parts.days_back is not None:
        back = parts.days_back
        # "2h đêm qua": the small hours after yesterday evening are today's.
        small_hours = hour is not None and hour < 6
        if back >= 1 and parts.period in ("dem", "khuya", "night") and small_hours:
            back -= 1
        day = today - timedelta(days=back)
        moment = _at(now, day, at or time(0))
        if moment <= now:
            return moment
        if back == 0 and parts.hour is None and parts.period is not None:
            start = _at(now, day, time(_PERIODS[parts.period][0]))
            return now if start <= now else None  # "sáng nay" early in the morning
        return None  # "tối nay" said at noon: not yet

    # A time or a part of the day alone: the latest such moment up to now.
    if at is None:
        return None
    moment = _at(now, today, at)
    return moment if moment <= now else moment - timedelta(days=1)


def _settle_year(parts: _Parts, now: datetime, at: time | None) -> date | None:
    assert parts.date is not None
    if parts.date_has_year:
        day = parts.date
        return day if _at(now, day, at or time(0)) <= now else None
    for year in (now.year, now.year - 1, now.year - 2, now.year - 3, now.year - 4):
        try:
            day = parts.date.replace(year=year)
        except ValueError:  # 29/2 in a year without it
            continue
        if _at(now, day, at or time(0)) <= now:
            return day
    return None


def _at(now: datetime, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=now.tzinfo)
