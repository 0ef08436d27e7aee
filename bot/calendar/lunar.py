"""The Vietnamese lunar calendar (âm lịch), computed at UTC+7.

Hồ Ngọc Đức's public algorithm (https://www.informatik.uni-leipzig.de/~duc/amlich/): new moons
and the sun's longitude from Jean Meeus' "Astronomical Algorithms", evaluated at Vietnam's time
zone. The month that holds the winter solstice is the 11th; a year with 13 months repeats the
first month that holds no major solar term. Computed at UTC+8 instead this gives the Chinese
calendar, which differs in some years (Tết 1985: 21/1 in Vietnam, 20/2 in China).

No dependency: the few functions below are all the calendar needs (lunar date ↔ solar date).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import cache

VIETNAM = 7.0  # hours east of UTC


@dataclass(frozen=True)
class LunarDate:
    day: int
    month: int
    year: int
    leap: bool = False


def _jd(day: date) -> int:
    """Julian day number of a Gregorian date."""
    return day.toordinal() + 1721425


def _from_jd(jd: int) -> date:
    return date.fromordinal(jd - 1721425)


def _new_moon(k: int) -> float:
    """Julian day (UTC, fractional) of the k-th new moon after 1900-01-01."""
    t = k / 1236.85
    t2, t3 = t * t, t * t * t
    dr = math.pi / 180
    jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd1 += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * dr)
    m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3
    mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3
    f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3
    c1 = (0.1734 - 0.000393 * t) * math.sin(m * dr) + 0.0021 * math.sin(2 * dr * m)
    c1 = c1 - 0.4068 * math.sin(mpr * dr) + 0.0161 * math.sin(dr * 2 * mpr)
    c1 = c1 - 0.0004 * math.sin(dr * 3 * mpr)
    c1 = c1 + 0.0104 * math.sin(dr * 2 * f) - 0.0051 * math.sin(dr * (m + mpr))
    c1 = c1 - 0.0074 * math.sin(dr * (m - mpr)) + 0.0004 * math.sin(dr * (2 * f + m))
    c1 = c1 - 0.0004 * math.sin(dr * (2 * f - m)) - 0.0006 * math.sin(dr * (2 * f + mpr))
    c1 = c1 + 0.0010 * math.sin(dr * (2 * f - mpr)) + 0.0005 * math.sin(dr * (2 * mpr + m))
    if t < -11:
        deltat = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        deltat = -0.000278 + 0.000265 * t + 0.000262 * t2
    return jd1 + c1 - deltat


def _sun_longitude(jdn: float) -> float:
    """The sun's apparent longitude in radians, normalised to [0, 2π)."""
    t = (jdn - 2451545.0) / 36525
    t2 = t * t
    dr = math.pi / 180
    m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
    l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(dr * m)
    dl += (0.019993 - 0.000101 * t) * math.sin(dr * 2 * m) + 0.000290 * math.sin(dr * 3 * m)
    longitude = (l0 + dl) * dr
    return longitude - math.pi * 2 * math.floor(longitude / (math.pi * 2))


def _new_moon_day(k: int, tz: float) -> int:
    return math.floor(_new_moon(k) + 0.5 + tz / 24)


def _sun_sector(jdn: int, tz: float) -> int:
    """Which 30° sector (0..11) the sun is in at the start of local day `jdn`."""
    return math.floor(_sun_longitude(jdn - 0.5 - tz / 24) / math.pi * 6)


@cache
def _month_11(year: int, tz: float) -> int:
    """The first day of the lunar month that holds the winter solstice of `year`."""
    off = _jd(date(year, 12, 31)) - 2415021
    k = math.floor(off / 29.530588853)
    start = _new_moon_day(k, tz)
    if _sun_sector(start, tz) >= 9:
        start = _new_moon_day(k - 1, tz)
    return start


def _leap_month_offset(a11: int, tz: float) -> int:
    k = math.floor((a11 - 2415021.076998695) / 29.530588853 + 0.5)
    i = 1
    arc = _sun_sector(_new_moon_day(k + i, tz), tz)
    while True:
        last = arc
        i += 1
        arc = _sun_sector(_new_moon_day(k + i, tz), tz)
        if arc == last or i >= 14:
            return i - 1


def to_lunar(day: date, tz: float = VIETNAM) -> LunarDate:
    jd = _jd(day)
    k = math.floor((jd - 2415021.076998695) / 29.530588853)
    month_start = _new_moon_day(k + 1, tz)
    if month_start > jd:
        month_start = _new_moon_day(k, tz)
    a11 = _month_11(day.year, tz)
    b11 = a11
    if a11 >= month_start:
        year = day.year
        a11 = _month_11(day.year - 1, tz)
    else:
        year = day.year + 1
        b11 = _month_11(day.year + 1, tz)
    lunar_day = jd - month_start + 1
    diff = (month_start - a11) // 29
    leap = False
    month = diff + 11
    if b11 - a11 > 365:
        leap_diff = _leap_month_offset(a11, tz)
        if diff >= leap_diff:
            month = diff + 10
            leap = diff == leap_diff
    if month > 12:
        month -= 12
    if month >= 11 and diff < 4:
        year -= 1
    return LunarDate(lunar_day, month, year, leap)


def to_solar(lunar: LunarDate, tz: float = VIETNAM) -> date | None:
    """The solar date of a lunar date; None when it does not exist (a leap month that year
    has not, or day 30 of a 29-day month)."""
    if lunar.month < 11:
        a11 = _month_11(lunar.year - 1, tz)
        b11 = _month_11(lunar.year, tz)
    else:
        a11 = _month_11(lunar.year, tz)
        b11 = _month_11(lunar.year + 1, tz)
    k = math.floor(0.5 + (a11 - 2415021.076998695) / 29.530588853)
    off = lunar.month - 11
    if off < 0:
        off += 12
    if b11 - a11 > 365:
        leap_off = _leap_month_offset(a11, tz)
        leap_month = leap_off - 2
        if leap_month < 0:
            leap_month += 12
        if lunar.leap and lunar.month != leap_month:
            return None
        if lunar.leap or off >= leap_off:
            off += 1
    elif lunar.leap:
        return None
    month_start = _new_moon_day(k + off, tz)
    result = _from_jd(month_start + lunar.day - 1)
    if to_lunar(result, tz) != lunar:
        return None
    return result


def solar_of(day: int, month: int, year: int) -> date | None:
    """The solar date of lunar day/month (the ordinary, not leap, month) of lunar `year`."""
    return to_solar(LunarDate(day, month, year))


def tet(year: int) -> date:
    """Tết Nguyên đán of lunar year `year` (which starts in solar `year`)."""
    found = solar_of(1, 1, year)
    assert found is not None
    return found
