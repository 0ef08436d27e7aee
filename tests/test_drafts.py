"""Issue #13: nothing typed is lost. Leaving a flow that holds typed text keeps it as a draft
(asked first when left by a word), a command typed mid-flow runs after keeping it, an idle
timeout keeps it, and coming back offers to go on; a long message is taken in parts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.runtime.dialog.engine import DialogEngine
from handlers import build_flows
from storage.db import Database
from storage.models import Conversation, ConversationDraft, Tip
from tests.conversation import Chat
from tests.org_fixtures import Org, small_commune

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
THEFT = "Hai thanh niên đi xe máy Wave đỏ lấy trộm con gà trước nhà số 21."


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=TZ)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def org(db: Database) -> Org:
    return await small_commune(db)


@pytest.fixture
def engine(db: Database, settings, clock: Clock) -> DialogEngine:  # type: ignore[no-untyped-def]
    return DialogEngine(db=db, flows=build_flows(), settings=settings, clock=clock)


@pytest.fixture
def chat(engine: DialogEngine, org: Org) -> Chat:
    return Chat(engine, user_id="leader1")  # a member: her commune is known


async def conversation_of(db: Database, user_id: str) -> Conversation:
    async with db.transaction() as session:
        found = await session.scalar(select(Conversation).where(Conversation.user_id == user_id))
        assert found is not None
        return found


async def drafts(db: Database) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count(ConversationDraft.id))) or 0


async def tip_written(chat: Chat) -> None:
    await chat.says("bao tin")
    await chat.picks("Trộm cắp")
    await chat.says(THEFT)
    chat.sees("Đã ghi lại.")


@pytest.mark.parametrize("word", ["menu", "hủy", "huy"])
async def test_leaving_by_a_word_asks_first_and_going_on_loses_nothing(
    db: Database, chat: Chat, word: str
) -> None:
    await tip_written(chat)
    await chat.says(word)
    chat.sees("Bạn đang viết dở tin báo. Bạn muốn làm gì?\n\n1. Viết tiếp\n2. Bỏ bản nháp")
    await chat.says("1")
    chat.sees("Đã ghi lại. Bạn có thể gửi thêm")
    await chat.says("xong")
    chat.sees("Việc xảy ra khi nào?")
    assert (await conversation_of(db, "leader1")).data["parts"] == [THEFT]


async def test_keeping_the_draft_then_coming_back_resumes_it(
    db: Database, chat: Chat, clock: Clock
) -> None:
    await tip_written(chat)
    await chat.says("menu")
    await chat.says("giu ban nhap")
    chat.sees("Bản nháp tin báo đang viết dở của bạn được giữ đến 09:00 07/01/2026.")
    chat.sees("Chọn lại “Báo tin” để viết tiếp.")
    assert (await conversation_of(db, "leader1")).flow is None

    clock.now += timedelta(hours=24)  # a day later, still there
    await chat.says("/baotin")
    chat.sees("Bạn có bản nháp tin báo viết dở từ 09:00 05/01/2026. Viết tiếp bản nháp này?")
    await chat.picks("Viết tiếp bản nháp")
    chat.sees("Bạn đã dừng ở câu hỏi này.")
    await chat.says("xong")
    chat.sees("Việc xảy ra khi nào?")
    conversation = await conversation_of(db, "leader1")
    assert conversation.data["parts"] == [THEFT]
    assert await drafts(db) == 0  # taken back into the conversation


async def test_discarding_asks_and_starting_again_drops_the_draft(db: Database, chat: Chat) -> None:
    await tip_written(chat)
    await chat.says("/baotin")  # the same command again mid-flow: kept, then offered
    chat.sees("Bản nháp tin báo đang viết dở của bạn được giữ đến")
    chat.sees("Viết tiếp bản nháp này?")
    await chat.picks("Viết lại từ đầu")
    chat.sees("Bạn muốn báo về việc gì?")
    assert await drafts(db) == 0
    await chat.picks("Trộm cắp")
    await chat.says(THEFT[:20])
    await chat.says("hủy")
    await chat.says("bo ban nhap")
    chat.sees("Đã bỏ bản nháp.")
    assert await drafts(db) == 0
    assert (await conversation_of(db, "leader1")).data == {}


async def test_a_command_typed_mid_flow_runs_after_keeping_the_minutes(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    leader = Chat(engine, user_id="leader1")
    await leader.says("/bienban")
    await leader.says("Bien ban moi")
    await leader.says("4/1 19:30")
    await leader.says("21h")  # the end
    leader.sees("Hộ nào làm chủ nhà buổi họp?")
    await leader.says("/baotin")  # once taken as an address: "không tìm được… địa chỉ đó"
    leader.does_not_see("địa chỉ")
    leader.sees("Bản nháp biên bản họp đang viết dở của bạn được giữ đến")
    leader.sees("Bạn muốn báo về việc gì?")  # the command ran
    assert (await conversation_of(db, "leader1")).flow == "report_tip"
    await leader.says("hủy")  # nothing typed in the tip yet: no question
    leader.sees("Đã hủy.")
    await leader.says("/bienban")
    await leader.picks("Viết tiếp bản nháp")
    leader.sees("Hộ nào làm chủ nhà buổi họp?")
    await leader.says("12 cay duong")
    leader.sees("Có bao nhiêu hộ có mặt")


async def test_an_idle_timeout_keeps_the_draft(db: Database, chat: Chat, clock: Clock) -> None:
    await tip_written(chat)
    clock.now += timedelta(minutes=31)
    await chat.says("hom qua")
    chat.sees("kết thúc sau 30 phút")
    chat.sees("Bản nháp tin báo đang viết dở của bạn được giữ đến 09:31 07/01/2026.")
    await chat.says("bao tin")
    await chat.picks("Viết tiếp bản nháp")
    await chat.says("xong")
    assert (await conversation_of(db, "leader1")).data["parts"] == [THEFT]

    # Two days and more later, the draft has run out.
    await chat.says("menu")
    await chat.says("3")
    clock.now += timedelta(hours=49)
    await chat.says("bao tin")
    chat.does_not_see("bản nháp")
    chat.sees("Bạn muốn báo về việc gì?")


async def test_a_long_message_is_kept_in_parts_and_the_reporter_is_told(
    db: Database, chat: Chat
) -> None:
    await chat.says("bao tin")
    await chat.picks("Trộm cắp")
    long_text = ("Tôi thấy một nhóm người lạ đi lại nhiều lần quanh xóm vào ban đêm. " * 70)[:4500]
    await chat.says(long_text)
    chat.sees("Tin nhắn dài của bạn đã được giữ nguyên: 4500 ký tự, chia thành 3 phần.")
    await chat.says("xong")
    await chat.picks("Hôm qua")
    await chat.picks("Không có nơi cụ thể / không rõ")
    await chat.picks("Ẩn danh")
    await chat.picks("Không, cảm ơn")
    await chat.picks("Gửi")
    async with db.transaction() as session:
        tip = await session.scalar(select(Tip))
    assert tip is not None and tip.description is not None
    assert len(tip.description.replace("\n", " ")) >= 4490
    assert tip.description.replace("\n", " ").split() == long_text.split()


async def test_a_meeting_plan_half_made_is_kept_and_resumed(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    leader = Chat(engine, user_id="leader1")
    await leader.says("/lichhop")
    await leader.says("20/1 19:30")  # a date typed: something to keep
    leader.sees("Theo luân phiên")
    await leader.says("menu")
    leader.sees("Bạn đang viết dở lịch họp. Bạn muốn làm gì?")
    await leader.says("3")
    leader.sees("Bản nháp lịch họp đang viết dở của bạn được giữ đến")
    await leader.says("/lichhop")
    await leader.picks("Viết tiếp bản nháp")
    leader.sees("Theo luân phiên")
    conversation = await conversation_of(db, "leader1")
    assert conversation.flow == "meetings" and conversation.data["when"]
