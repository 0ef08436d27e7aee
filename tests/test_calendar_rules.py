"""Calendar rules of every kind, leads, national defaults, and Asia/Ho_Chi_Minh moments."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.calendar.events import NATIONAL
from bot.calendar.rules import Lead, Occurrence, RuleError, parse_leads, parse_rule
from bot.calendar.service import Policy, planned_between

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def starts(spec: str, year: int) -> list[date]:
    return [o.start for o in parse_rule(spec).occurrences_in(year)]


def test_fixed_solar_date() -> None:
    assert starts("date:26/6", 2027) == [date(2027, 6, 26)]


def test_29_february_only_in_leap_years() -> None:
    assert starts("date:29/2", 2027) == []
    assert starts("date:29/2", 2028) == [date(2028, 2, 29)]
    assert starts("date:29/2", 2100) == []  # not a leap year
    assert starts("date:29/2", 2000) == [date(2000, 2, 29)]


def test_whole_month() -> None:
    assert parse_rule("month:9").occurrences_in(2027) == [
        Occurrence(date(2027, 9, 1), date(2027, 9, 30))
    ]
    assert parse_rule("month:2").occurrences_in(2028)[0].end == date(2028, 2, 29)


def test_date_window_and_one_that_crosses_the_year() -> None:
    assert parse_rule("window:1/7-19/8").occurrences_in(2027) == [
        Occurrence(date(2027, 7, 1), date(2027, 8, 19))
    ]
    assert parse_rule("window:15/12-20/2").occurrences_in(2027) == [
        Occurrence(date(2027, 12, 15), date(2028, 2, 20))
    ]


def test_window_ending_on_a_lunar_date() -> None:
    # 15/12/2026 until Rằm tháng Giêng 2027 (20/2/2027).
    assert parse_rule("window:15/12-lunar:15/1").occurrences_in(2026) == [
        Occurrence(date(2026, 12, 15), date(2027, 2, 20))
    ]


def test_lunar_dates() -> None:
    assert starts("lunar:1/1", 2027) == [date(2027, 2, 6)]
    assert starts("lunar:1/1", 1985) == [date(1985, 1, 21)]
    assert starts("lunar:23/12", 2027) == [date(2027, 1, 30)]  # of lunar year 2026
    assert starts("lunar:15/7", 2027) == [date(2027, 8, 16)]


def test_nth_weekday() -> None:
    assert starts("nth:2:sun:6", 2027) == [date(2027, 6, 13)]
    assert starts("nth:-1:fri:3", 2028) == [date(2028, 3, 31)]
    assert len(starts("nth:1:mon", 2027)) == 12
    assert starts("nth:5:mon:2", 2027) == []  # February 2027 has four Mondays


def test_quarterly() -> None:
    assert starts("quarterly:25/3", 2027) == [
        date(2027, 3, 25),
        date(2027, 6, 25),
        date(2027, 9, 25),
        date(2027, 12, 25),
    ]


@pytest.mark.parametrize(
    "spec", ["date:31/13", "month:13", "lunar:31/1", "nth:0:mon", "window:1/7", "weekly:mon"]
)
def test_bad_rules_are_refused(spec: str) -> None:
    with pytest.raises(RuleError):
        parse_rule(spec)


def test_leads() -> None:
    assert parse_leads("0d,7d,1d") == (Lead(7), Lead(1), Lead(0))
    assert parse_leads("0d@18:00")[0] == Lead(0, time(18, 0))
    assert Lead(0, time(18, 0)).key == "0d@1800"
    with pytest.raises(RuleError):
        parse_leads("tomorrow")


def test_the_national_calendar_is_valid_and_complete() -> None:
    keys = {event.key for event in NATIONAL}
    assert {"anti_drug_day", "security_day", "tet", "tet_campaign", "report_year"} <= keys
    assert len(keys) == len(NATIONAL)


def test_moments_are_local_time_in_ho_chi_minh_city() -> None:
    event = next(e for e in NATIONAL if e.key == "anti_drug_day")
    planned = planned_between(
        "x",
        [event],
        VN,
        datetime(2027, 6, 1, tzinfo=UTC),
        datetime(2027, 6, 30, tzinfo=UTC),
    )
    assert [(p.lead.key, p.at) for p in planned] == [
        ("7d", datetime(2027, 6, 19, 0, 0, tzinfo=UTC)),
        ("1d", datetime(2027, 6, 25, 0, 0, tzinfo=UTC)),
        ("0d", datetime(2027, 6, 26, 0, 0, tzinfo=UTC)),
    ]


def test_quiet_hours() -> None:
    policy = Policy()
    assert policy.quiet(time(21, 0)) and policy.quiet(time(3, 0)) and policy.quiet(time(6, 29))
    assert not policy.quiet(time(6, 30)) and not policy.quiet(time(20, 59))
    evening = datetime(2027, 3, 10, 22, 30, tzinfo=VN)
    assert policy.release(evening, VN) == datetime(2027, 3, 11, 6, 30, tzinfo=VN)
    night = datetime(2027, 3, 11, 2, 0, tzinfo=VN)
    assert policy.release(night, VN) == datetime(2027, 3, 11, 6, 30, tzinfo=VN)
    day = datetime(2027, 3, 11, 9, 0, tzinfo=VN)
    assert policy.release(day, VN) == day
    daytime_quiet = Policy(quiet_from=time(12, 0), quiet_until=time(13, 30))
    assert daytime_quiet.quiet(time(12, 15)) and not daytime_quiet.quiet(time(21, 0))
