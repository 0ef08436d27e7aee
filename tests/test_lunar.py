"""The Vietnamese lunar calendar at UTC+7 (Hồ Ngọc Đức's algorithm), not the Chinese one."""

from datetime import date

import pytest

from bot.calendar.lunar import LunarDate, solar_of, tet, to_lunar, to_solar


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (1985, date(1985, 1, 21)),  # China: 20/2/1985
        (2007, date(2007, 2, 17)),  # China: 18/2/2007
        (2026, date(2026, 2, 17)),
        (2027, date(2027, 2, 6)),
        (2028, date(2028, 1, 26)),
        (2029, date(2029, 2, 13)),
        (2030, date(2030, 2, 2)),  # China: 3/2/2030
    ],
)
def test_tet(year: int, expected: date) -> None:
    assert tet(year) == expected
    assert to_lunar(expected) == LunarDate(1, 1, year)


def test_the_chinese_calendar_differs_at_utc8() -> None:
    assert to_solar(LunarDate(1, 1, 1985), tz=8.0) == date(1985, 2, 20)


@pytest.mark.parametrize(
    ("lunar", "solar"),
    [
        ((15, 1, 2027), date(2027, 2, 20)),  # Rằm tháng Giêng
        ((15, 7, 2027), date(2027, 8, 16)),  # Rằm tháng 7
        ((23, 12, 2026), date(2027, 1, 30)),  # ông Công ông Táo, a week before Tết 2027
        ((15, 8, 2026), date(2026, 9, 25)),  # Tết Trung thu
        ((10, 3, 2026), date(2026, 4, 26)),  # Giỗ Tổ Hùng Vương
    ],
)
def test_lunar_dates(lunar: tuple[int, int, int], solar: date) -> None:
    assert solar_of(*lunar) == solar
    assert to_lunar(solar) == LunarDate(*lunar)


def test_leap_months() -> None:
    # 2023 had a leap 2nd month, 2025 a leap 6th month.
    assert to_lunar(date(2023, 3, 22)) == LunarDate(1, 2, 2023, leap=True)
    assert to_lunar(date(2025, 7, 25)) == LunarDate(1, 6, 2025, leap=True)
    assert to_solar(LunarDate(1, 6, 2025, leap=True)) == date(2025, 7, 25)
    assert to_solar(LunarDate(1, 6, 2025)) == date(2025, 6, 25)
    assert to_solar(LunarDate(1, 5, 2025, leap=True)) is None  # 2025 has no leap 5th month


def test_round_trip_over_years() -> None:
    day = date(2020, 1, 1)
    while day < date(2031, 1, 1):
        lunar = to_lunar(day)
        assert to_solar(lunar) == day
        day = date.fromordinal(day.toordinal() + 17)
