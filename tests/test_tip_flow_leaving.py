"""Issue #13, at every step of a tip after something was typed: "hủy" and "menu" ask first and
going on loses nothing; a command typed mid-flow keeps the draft and runs; coming back resumes
at the same question with everything typed, and the tip sent holds it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select

from bot.runtime.dialog.engine import DialogEngine
from handlers import build_flows
from storage.db import Database
from storage.models import Tip
from tests.conversation import Chat
from tests.org_fixtures import Org, small_commune

THEFT = "Hai thanh niên đi xe máy Wave đỏ lấy trộm con gà trước nhà số 21."
QUESTIONS = {
    "when": "Việc xảy ra khi nào?",
    "where": "Việc xảy ra ở đâu?",
    "anonymity": "Bạn có muốn công an xã biết bạn là ai không?",
    "updates": "Bạn có muốn nhận tin nhắn tại đây khi công an xã xử lý tin báo này không?",
    "summary": "Bạn hãy xem lại tin báo trước khi gửi:",
}
Answer = Callable[[Chat], Awaitable[object]]
ANSWERS: dict[str, Answer] = {
    "when": lambda chat: chat.picks("Hôm qua"),
    "where": lambda chat: chat.says("Đầu hẻm 21"),
    "anonymity": lambda chat: chat.picks("Ẩn danh"),
    "updates": lambda chat: chat.picks("Không, cảm ơn"),
    "summary": lambda chat: chat.picks("Gửi"),
}
STEPS = list(QUESTIONS)


@pytest.fixture
async def org(db: Database) -> Org:
    return await small_commune(db)


@pytest.fixture
def engine(db: Database, settings) -> DialogEngine:  # type: ignore[no-untyped-def]
    return DialogEngine(db=db, flows=build_flows(), settings=settings)


@pytest.fixture
def chat(engine: DialogEngine, org: Org) -> Chat:
    return Chat(engine, user_id="leader1")  # a member: her commune is known


async def written_up_to(chat: Chat, step: str) -> None:
    """A tip with its story typed, answered up to the question `step`."""
    await chat.says("bao tin")
    await chat.picks("Trộm cắp")
    await chat.says(THEFT)
    await chat.says("xong")
    for earlier in STEPS[: STEPS.index(step)]:
        await ANSWERS[earlier](chat)
    chat.sees(QUESTIONS[step])


async def answered_from(chat: Chat, step: str) -> None:
    for later in STEPS[STEPS.index(step) :]:
        await ANSWERS[later](chat)
    chat.sees("Tin báo của bạn đã được gửi.")


async def the_tip(db: Database) -> Tip:
    async with db.transaction() as session:
        tip = await session.scalar(select(Tip))
        assert tip is not None
        return tip


@pytest.mark.parametrize("word", ["hủy", "menu"])
@pytest.mark.parametrize("step", STEPS)
async def test_a_word_to_leave_asks_first_and_going_on_resumes_the_question(
    db: Database, chat: Chat, step: str, word: str
) -> None:
    await written_up_to(chat, step)
    await chat.says(word)
    chat.sees("Bạn đang viết dở tin báo. Bạn muốn làm gì?")
    await chat.says("1")  # "Viết tiếp"
    chat.sees(QUESTIONS[step])
    await answered_from(chat, step)
    assert (await the_tip(db)).description == THEFT


@pytest.mark.parametrize("step", STEPS)
async def test_a_command_mid_flow_keeps_the_draft_and_it_resumes_there(
    db: Database, chat: Chat, step: str
) -> None:
    await written_up_to(chat, step)
    await chat.says("/tincuatoi")
    chat.sees("Bản nháp tin báo đang viết dở của bạn được giữ đến")
    chat.sees("Bạn chưa gửi tin báo nào")  # the command ran
    await chat.says("/baotin")
    await chat.picks("Viết tiếp bản nháp")
    chat.sees("Bạn đã dừng ở câu hỏi này.")
    chat.sees(QUESTIONS[step])
    await answered_from(chat, step)
    tip = await the_tip(db)
    assert tip.description == THEFT and tip.anonymous
