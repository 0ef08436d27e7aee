"""Meeting dates as people type them: future ones for scheduling, past ones for the minutes."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.meetings.schedule import DEFAULT_RULE, Rule, nth_weekday, propose_from_rule
from bot.meetings.when import parse_future, parse_past, read_when

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Wednesday 7 January 2026, 10:00 local.
NOW = datetime(2026, 1, 7, 10, 0, tzinfo=TZ)


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("chủ nhật tuần sau 19h30", at(1, 18, 19, 30)),
        ("chu nhat tuan sau 19h30", at(1, 18, 19, 30)),
        ("CN tuần tới", at(1, 18, 19, 30)),
        ("20/1 19:30", at(1, 20, 19, 30)),
        ("19h30 ngày 15/3", at(3, 15, 19, 30)),
        ("ngày 15 tháng 3 năm 2026, 19 giờ", at(3, 15, 19)),
        ("tối mai", at(1, 8, 19, 30)),
        ("thứ 7 này 7 giờ tối", at(1, 10, 19)),
        ("7 giờ rưỡi tối thứ sáu", at(1, 9, 19, 30)),
        ("thứ bảy tới", at(1, 10, 19, 30)),
        ("thu bay toi", at(1, 10, 19, 30)),
        ("chủ nhật", at(1, 11, 19, 30)),
        ("2/1/2027 8h sáng", at(1, 2, 8, year=2027)),
        ("thứ 2 tuần sau lúc 19 giờ 30 phút", at(1, 12, 19, 30)),
        ("2 giờ chiều ngày 14/2", at(2, 14, 14)),
        ("ngày 5", at(2, 5, 19, 30)),  # the 5th has passed this month: next month
        ("5/1", at(1, 5, 19, 30, year=2027)),  # passed this year: next year
        ("19h", at(1, 7, 19)),  # a time alone: today, still ahead
    ],
)
def test_future_dates(typed: str, expected: datetime) -> None:
    assert parse_future(typed, NOW) == expected


@pytest.mark.parametrize("typed", ["", "sớm nhất có thể", "hôm qua 19h", "31/2", "hôm nay 8h"])
def test_what_is_not_a_future_date(typed: str) -> None:
    assert parse_future(typed, NOW) is None


def test_the_rules_time_is_used_when_none_is_typed() -> None:
    assert parse_future("thứ 7 tuần sau", NOW, default_time=time(8, 0)) == at(1, 17, 8)


def test_tối_and_tới_are_told_apart_with_diacritics() -> None:
    assert read_when("thứ bảy tối 7h", NOW.date()).clock == time(19, 0)
    assert read_when("thứ bảy tới 7h", NOW.date()).clock == time(7, 0)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("19h45", at(1, 4, 19, 45)),  # on the scheduled day
        ("hôm qua 19h", at(1, 6, 19)),
        ("5/1 19h30", at(1, 5, 19, 30)),
        ("chủ nhật", at(1, 4, 19, 30)),
        ("thứ 2 tuần trước", at(12, 29, 19, 30, year=2025)),
        ("20/12", at(12, 20, 19, 30, year=2025)),
    ],
)
def test_past_dates(typed: str, expected: datetime) -> None:
    assert parse_past(typed, NOW, default_day=date(2026, 1, 4)) == expected


def test_a_future_moment_is_not_when_a_meeting_was_held() -> None:
    assert parse_past("ngày mai 19h", NOW) is None


def test_nth_weekday() -> None:
    assert nth_weekday(2026, 1, 6, 2) == date(2026, 1, 11)  # second Sunday
    assert nth_weekday(2026, 3, 6, -1) == date(2026, 3, 29)  # last Sunday
    assert nth_weekday(2026, 12, 4, -1) == date(2026, 12, 25)  # last Friday


def test_the_rule_proposes_its_day_then_a_later_month_then_the_next_quarter() -> None:
    assert propose_from_rule(DEFAULT_RULE, NOW, TZ, set()) == at(1, 11, 19, 30)
    later = datetime(2026, 1, 20, 9, 0, tzinfo=TZ)
    # The rule's day of the quarter has passed: the same Sunday of February.
    assert propose_from_rule(DEFAULT_RULE, later, TZ, set()) == at(2, 8, 19, 30)
    # The quarter already has its meeting: the next quarter's day.
    assert propose_from_rule(DEFAULT_RULE, later, TZ, {(2026, 1)}) == at(4, 12, 19, 30)
    third_saturday = Rule(month=3, week=3, weekday=5, hour=8, minute=0)
    assert propose_from_rule(third_saturday, NOW, TZ, set()) == at(3, 21, 8)
