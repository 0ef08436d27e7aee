"""parse_when: the ways people say when something happened, never in the future."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.tips.when import parse_when

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Sunday 21 June 2026, 10:15 in Vietnam.
NOW = datetime(2026, 6, 21, 10, 15, tzinfo=VN)


def at(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


CASES = [
    # now
    ("vừa xảy ra", NOW),
    ("Vua xay ra", NOW),
    ("vua xong", NOW),
    ("ngay bây giờ", NOW),
    ("đang xảy ra", NOW),
    ("just now", NOW),
    # some time ago
    ("3 tiếng trước", at(6, 21, 7, 15)),
    ("3 tieng truoc", at(6, 21, 7, 15)),
    ("30 phút trước", at(6, 21, 9, 45)),
    ("30p truoc", at(6, 21, 9, 45)),
    ("nửa tiếng trước", at(6, 21, 9, 45)),
    ("một tiếng trước", at(6, 21, 9, 15)),
    ("2 ngày trước", at(6, 19, 10, 15)),
    ("an hour ago", at(6, 21, 9, 15)),
    ("cách đây 2 tiếng", at(6, 21, 8, 15)),
    # days
    ("hôm nay", at(6, 21)),
    ("hom nay", at(6, 21)),
    ("hôm qua", at(6, 20)),
    ("HÔM QUA", at(6, 20)),
    ("hôm kia", at(6, 19)),
    ("yesterday", at(6, 20)),
    ("thứ 7", at(6, 20)),
    ("chủ nhật", at(6, 21)),
    ("thu hai", at(6, 15)),
    # parts of the day
    ("tối qua", at(6, 20, 20)),
    ("toi qua", at(6, 20, 20)),
    ("đêm qua", at(6, 20, 23)),
    ("sáng nay", at(6, 21, 8)),
    ("last night", at(6, 20, 23)),
    ("this morning", at(6, 21, 8)),
    # hours
    ("8h sáng nay", at(6, 21, 8)),
    ("8h sang nay", at(6, 21, 8)),
    ("8 giờ rưỡi sáng nay", at(6, 21, 8, 30)),
    ("20h hôm qua", at(6, 20, 20)),
    ("8 giờ tối", at(6, 20, 20)),
    ("8 gio toi qua", at(6, 20, 20)),
    ("lúc 9 giờ tối qua", at(6, 20, 21)),
    ("khoảng 8h tối qua", at(6, 20, 20)),
    ("vừa xảy ra lúc 9h", at(6, 21, 9)),
    ("tối qua lúc 9", at(6, 20, 21)),
    ("1h chiều hôm qua", at(6, 20, 13)),
    ("hôm qua lúc 14:45", at(6, 20, 14, 45)),
    ("2h đêm qua", at(6, 21, 2)),
    ("11h đêm qua", at(6, 20, 23)),
    ("8h30", at(6, 21, 8, 30)),
    ("7h sáng", at(6, 21, 7)),
    ("21:30", at(6, 20, 21, 30)),
    ("21.30", at(6, 20, 21, 30)),
    ("8pm", at(6, 20, 20)),
    # dates
    ("20/6", at(6, 20)),
    ("20/06", at(6, 20)),
    ("20-6", at(6, 20)),
    ("20/6 21h", at(6, 20, 21)),
    ("21h 20/6", at(6, 20, 21)),
    ("20/6 lúc 21:30", at(6, 20, 21, 30)),
    ("20/06/2026", at(6, 20)),
    ("20/6/26", at(6, 20)),
    ("ngày 20 tháng 6", at(6, 20)),
    ("15/5/2025", at(5, 15, year=2025)),
    # never in the future
    ("20/12", at(12, 20, year=2025)),
    ("21/6 22h", at(6, 21, 22, year=2025)),
    ("29/2", at(2, 29, year=2024)),
    ("23:00", at(6, 20, 23)),
    # not understood, or only in the future
    ("", None),
    ("abc", None),
    ("không nhớ", None),
    ("mấy đêm liền gần đây", None),
    ("tối qua ở chợ", None),
    ("31/2", None),
    ("25/6/2026", None),
    ("chiều nay", None),
    ("tối nay", None),
    ("25h", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_parse_when(text: str, expected: datetime | None) -> None:
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize("text", [c[0] for c in CASES if c[1] is not None])
def test_never_in_the_future_and_in_the_same_zone(text: str) -> None:
    moment = parse_when(text, NOW)
    assert moment is not None and moment <= NOW
    assert moment.utcoffset() == NOW.utcoffset()


def test_early_in_the_morning_this_morning_is_now() -> None:
    early = datetime(2026, 6, 21, 6, 0, tzinfo=VN)
    assert parse_when("sáng nay", early) == early
    assert parse_when("8h sáng nay", early) is None  # not yet
