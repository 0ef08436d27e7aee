"""Issue #13 in the meeting flows, typed as residents type on Zalo and in the terminal: a number
at a step that asks a number, a time or a date is that answer; "hủy", "menu" or a command at
any step of the minutes or of a meeting plan keeps the draft, and coming back offers to go on."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.runtime.dialog.engine import DialogEngine
from handlers import build_flows
from storage.db import Database
from storage.models import Conversation, Meeting, MeetingRule, MeetingStatus
from tests.conversation import Chat
from tests.org_fixtures import Org, small_commune
from tests.test_typed_numbers import add_member

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=TZ)  # Monday 5 January 2026

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def org(db: Database) -> Org:
    """The small commune, with Lê Văn Tư a confirmed member of Tổ 1."""
    org = await small_commune(db)
    await add_member(db, org, "tu", "Lê Văn Tư", "21 đường Cây Dương")
    return org


@pytest.fixture
def engine(db: Database, settings, clock: Clock) -> DialogEngine:  # type: ignore[no-untyped-def]
    return DialogEngine(db=db, flows=build_flows(), settings=settings, clock=clock)


@pytest.fixture
def leader(engine: DialogEngine, org: Org) -> Chat:
    return Chat(engine, user_id="leader1")


async def conversation_of(db: Database) -> Conversation:
    async with db.transaction() as session:
        found = await session.scalar(select(Conversation).where(Conversation.user_id == "leader1"))
        assert found is not None
        return found


async def says_all(chat: Chat, answers: list[str]) -> None:
    for answer in answers:
        await chat.says(answer)


def local(moment: str) -> datetime:
    return datetime.fromisoformat(moment).astimezone(TZ)


# --- numbers are answers ------------------------------------------------------------------------
async def test_numbers_typed_at_the_numeric_steps_of_the_minutes_are_the_answers(
    db: Database, leader: Chat
) -> None:
    await leader.says("/bienban")  # no meeting scheduled: an unscheduled one
    await leader.says("4/1 19:30")
    leader.sees("Buổi họp kết thúc lúc mấy giờ?")
    await leader.says("21")  # the end: 21:00
    await leader.says("12 cay duong")
    leader.sees("Có bao nhiêu hộ có mặt, trên tổng số 3 hộ?")
    await leader.says("2")
    await leader.picks("Lê Văn Tư")  # the secretary
    await leader.picks("Xong")  # no guests
    await leader.picks("Xong")  # no topics ticked
    for typed in ("1", "0", "2", "3"):  # situation, mediation, proposals, decisions
        leader.sees("“Không có”")
        await leader.says(typed)
    await leader.says("Sửa đèn đường")
    await leader.picks("Lê Văn Tư")
    leader.sees("Hạn đến ngày nào?")
    await leader.says("30")  # due on the 30th
    await leader.picks("Xong")
    await leader.says("15")  # the next meeting on the 15th
    await leader.picks("Xong")  # no photos
    leader.sees("Kết thúc lúc: 21:00")
    leader.sees("Số hộ có mặt: 2/3")
    draft = (await conversation_of(db)).data["draft"]
    assert local(draft["ended_at"]) == datetime(2026, 1, 4, 21, 0, tzinfo=TZ)
    assert draft["present"] == 2
    assert [draft[f] for f in ("situation", "mediation", "proposals", "decisions")] == [
        "1",
        "0",
        "2",
        "3",
    ]
    assert [task["due"] for task in draft["tasks"]] == [date(2026, 1, 30).isoformat()]
    assert local(draft["next_at"]).date() == date(2026, 1, 15)


async def test_an_hour_typed_alone_is_when_the_meeting_started(
    db: Database, leader: Chat, clock: Clock
) -> None:
    clock.now = datetime(2026, 1, 5, 21, 40, tzinfo=TZ)  # the minutes opened after the meeting
    await leader.says("/bienban")
    await leader.says("19")
    leader.sees("Hộ nào làm chủ nhà buổi họp?")  # the end taken as the moment they were opened
    draft = (await conversation_of(db)).data["draft"]
    assert local(draft["held_at"]) == datetime(2026, 1, 5, 19, 0, tzinfo=TZ)
    assert local(draft["ended_at"]) == datetime(2026, 1, 5, 21, 40, tzinfo=TZ)


async def test_a_day_typed_alone_is_the_date_of_the_meeting_planned(
    db: Database, leader: Chat
) -> None:
    await leader.says("/lichhop")
    leader.sees("• Dùng ngày này")  # words: a number typed is not a line of a list
    await leader.says("20")
    leader.sees("Theo luân phiên")
    when = (await conversation_of(db)).data["when"]
    assert local(when) == datetime(2026, 1, 20, 19, 30, tzinfo=TZ)


async def test_an_hour_typed_alone_is_the_time_of_the_meeting_rule(
    db: Database, org: Org, leader: Chat
) -> None:
    await leader.says("/lichhop")
    await leader.picks("Quy định lịch họp")
    await leader.picks("Tháng thứ hai")
    await leader.picks("thứ nhất")
    await leader.picks("Thứ Sáu")
    await leader.says("19")
    leader.sees("Đã lưu. Tổ họp vào Thứ Sáu thứ nhất của tháng thứ hai mỗi quý, lúc 19:00.")
    async with db.transaction() as session:
        rule = await session.get(MeetingRule, org.groups["Tổ 1"])
    assert rule is not None and (rule.hour, rule.minute) == (19, 0)


async def test_a_number_typed_as_the_reason_to_cancel_is_kept_as_typed(
    db: Database, leader: Chat
) -> None:
    await leader.says("/lichhop")
    await leader.picks("Dùng ngày này")
    await leader.picks("12 đường Cây Dương")
    await leader.picks("Tại nhà chủ hộ: 12 đường Cây Dương")
    await leader.picks("Gửi thư mời")
    await leader.says("/lichhop")
    await leader.picks("Hủy buổi họp")
    leader.sees("• Đồng ý hủy")  # words: "1" is not this line
    await leader.says("1")
    leader.sees("Đã hủy buổi họp")
    async with db.transaction() as session:
        meeting = await session.scalar(select(Meeting))
    assert meeting is not None and meeting.status == MeetingStatus.CANCELLED
    assert meeting.cancel_reason == "1"


# --- leaving keeps the draft ---------------------------------------------------------------------
MINUTES_PATH: list[tuple[str, list[str]]] = [
    ("held_at", []),
    ("ended_at", ["4/1 19:30"]),
    ("host", ["21h"]),
    ("attendance", ["12 cay duong"]),
    ("secretary", ["2 hộ"]),
    ("guests", ["Lê Văn Tư"]),
    ("topics", ["Xong"]),
    ("situation", ["Xong"]),
    ("mediation", ["Trộm gà ở xóm trên"]),
    ("proposals", ["Không có"]),
    ("decisions", ["Không có"]),
    ("tasks", ["Tăng cường tuần tra"]),
    ("task_owner", ["Sửa đèn đường"]),
    ("task_due", ["Lê Văn Tư"]),
    ("next", ["30/1", "Xong"]),
    ("photos", ["Chưa định"]),
    ("summary", ["Xong"]),
]
PLAN_PATH: list[tuple[str, list[str]]] = [
    ("host", ["20/1 19:30"]),
    ("host_list", ["Hộ khác"]),
    ("skip", ["Có hộ xin không làm chủ nhà"]),
    ("place", ["15 cay duong"]),
    ("confirm", ["Tại nhà chủ hộ: 15 đường Cây Dương"]),
]
LEAVING = ("hủy", "menu", "/baotin")


def path_to(path: list[tuple[str, list[str]]], step: str) -> list[str]:
    answers: list[str] = []
    for name, inputs in path:
        if name != "skip":  # a side step: the path goes on from the host's list
            answers += inputs
        if name == step:
            return answers if name != "skip" else answers + inputs
    raise AssertionError(step)


async def leave_and_come_back(
    db: Database, leader: Chat, word: str, command: str, draft_name: str
) -> dict[str, Any]:
    """Leaves by `word`, keeping the draft; returns the conversation's data come back to."""
    await leader.says(word)
    if word.startswith("/"):
        leader.sees(f"Bản nháp {draft_name} đang viết dở của bạn được giữ đến")
        await leader.says("hủy")  # out of the flow the command started
    else:
        leader.sees(f"Bạn đang viết dở {draft_name}. Bạn muốn làm gì?")
        await leader.picks("Giữ bản nháp, để sau")
        leader.sees(f"Bản nháp {draft_name} đang viết dở của bạn được giữ đến")
    await leader.says(command)
    await leader.picks("Viết tiếp bản nháp")
    leader.sees("Bạn đã dừng ở câu hỏi này.")
    return (await conversation_of(db)).data


@pytest.mark.parametrize(
    ("step", "word"),
    [(step, LEAVING[n % len(LEAVING)]) for n, (step, _) in enumerate(MINUTES_PATH)],
)
async def test_leaving_the_minutes_at_any_step_keeps_them(
    db: Database, leader: Chat, step: str, word: str
) -> None:
    await leader.says("/bienban")
    await says_all(leader, path_to(MINUTES_PATH, step))
    before = await conversation_of(db)
    assert (before.flow, before.step) == ("minutes", step)
    data = await leave_and_come_back(db, leader, word, "/bienban", "biên bản họp")
    after = await conversation_of(db)
    assert (after.flow, after.step) == ("minutes", step)
    assert data["draft"] == before.data["draft"]


@pytest.mark.parametrize(
    ("step", "word"),
    [(step, LEAVING[n % len(LEAVING)]) for n, (step, _) in enumerate(PLAN_PATH)]
    + [("place", word) for word in LEAVING],
)
async def test_leaving_a_meeting_plan_at_any_step_keeps_it(
    db: Database, leader: Chat, step: str, word: str
) -> None:
    await leader.says("/lichhop")
    await says_all(leader, path_to(PLAN_PATH, step))
    before = await conversation_of(db)
    assert (before.flow, before.step) == ("meetings", step)
    data = await leave_and_come_back(db, leader, word, "/lichhop", "lịch họp")
    after = await conversation_of(db)
    assert (after.flow, after.step) == ("meetings", step)
    assert data["when"] == before.data["when"]
    assert data.get("place") == before.data.get("place")
