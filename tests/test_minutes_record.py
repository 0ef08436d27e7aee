"""What a real biên bản needs from the chat: the secretary (asked once per group, then kept)
and the end time (taken as the moment the leader opens the minutes that same evening, typed
with the start as "19h30-21h", or asked when the minutes are written later)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

import tests.test_meetings as meetings
from storage.db import Database
from storage.models import MeetingMinutes
from tests.conversation import Chat
from tests.org_fixtures import Org, notices_to
from tests.test_meetings import TZ, Clock, schedule_proposed

# The conversation fixtures of the meetings tests: their commune, members and clock.
org, clock, engine = meetings.org, meetings.clock, meetings.engine
leader, tu = meetings.leader, meetings.tu


async def the_rest_is_quick(leader: Chat) -> None:
    """Guests, topics, texts, tasks, next meeting and photos: nothing to add."""
    await leader.picks("Xong")  # guests
    await leader.picks("Xong")  # topics
    for _ in range(4):  # situation, mediation, proposals, decisions
        await leader.picks("Không có")
    await leader.picks("Không có việc")  # tasks
    await leader.picks("Chưa định")  # next meeting
    await leader.picks("Xong")  # photos


async def stored(db: Database) -> list[MeetingMinutes]:
    async with db.transaction() as session:
        return list(await session.scalars(select(MeetingMinutes).order_by(MeetingMinutes.held_at)))


async def test_same_evening_no_end_question_and_the_secretary_once(
    db: Database, org: Org, leader: Chat, tu: Chat, clock: Clock
) -> None:
    await schedule_proposed(leader)  # Sunday 11/01/2026 19:30
    tu.receives(await notices_to(db, "tu"))
    await tu.picks("Vắng")
    await tu.says("đi làm ca đêm")

    clock.set(2026, 1, 11, 21, 12)
    await leader.says("/bienban")
    await leader.picks("19:30, Chủ nhật 11/01/2026")  # as scheduled
    leader.sees("Hộ nào làm chủ nhà buổi họp?")  # no question about the end
    await leader.picks("12 đường Cây Dương (như dự kiến)")
    await leader.says("2 hộ")
    leader.sees("Ai là thư ký (người ghi biên bản)?")
    await leader.picks("Trần Thị Lan")
    await the_rest_is_quick(leader)
    leader.sees("Kết thúc lúc: 21:10")
    leader.sees("Thư ký: Trần Thị Lan")
    await leader.picks("Lưu biên bản")
    (first,) = await stored(db)
    assert first.ended_at == datetime(2026, 1, 11, 21, 10, tzinfo=TZ)
    assert first.secretary_name == "Trần Thị Lan"

    # The next minutes: the start and end typed together, the secretary kept.
    clock.set(2026, 4, 13, 9, 0)
    await leader.says("/bienban")
    await leader.picks("Buổi họp không có trong lịch")
    await leader.says("12/4 19h30-21h")
    leader.sees("Hộ nào làm chủ nhà buổi họp?")
    await leader.picks("15 đường Cây Dương")
    await leader.says("3 hộ")
    leader.sees("Khách mời dự họp?")  # the secretary is not asked again
    await the_rest_is_quick(leader)
    leader.sees("Thư ký: Trần Thị Lan")
    leader.sees("Kết thúc lúc: 21:00")
    await leader.picks("Lưu biên bản")
    _first, second = await stored(db)
    assert second.ended_at == datetime(2026, 4, 12, 21, 0, tzinfo=TZ)
    assert second.secretary_name == "Trần Thị Lan"
    assert second.place == "15 đường Cây Dương"


async def test_minutes_written_later_ask_when_the_meeting_ended(
    db: Database, org: Org, leader: Chat, clock: Clock
) -> None:
    clock.set(2026, 1, 13, 9, 0)
    await leader.says("/bienban")
    await leader.says("11/1 19h30")
    leader.sees("Buổi họp kết thúc lúc mấy giờ? Gõ giờ, ví dụ “21h”.")
    await leader.says("ngày mai")
    leader.sees("Vui lòng gõ giờ sau giờ bắt đầu (19:30), ví dụ “21h”.")
    await leader.says("21h15")
    leader.sees("Hộ nào làm chủ nhà buổi họp?")
    await leader.picks("12 đường Cây Dương")
    await leader.says("2 hộ")
    await leader.says("Lê Văn Tư")  # typed: the secretary
    await the_rest_is_quick(leader)
    await leader.picks("Lưu biên bản")
    (minutes,) = await stored(db)
    assert minutes.ended_at == datetime(2026, 1, 11, 21, 15, tzinfo=TZ)
    assert minutes.secretary_name == "Lê Văn Tư"
