"""Issue #13: natural replies are not lost. A reporter's words after a police question are
offered as the answer; "hai long", "da xong", "nha toi nhan" typed do what the notice's
button does, and the text rendering names the words to type."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.i18n import Translator
from bot.runtime.channels.text_render import render_text
from bot.runtime.dialog.engine import DialogEngine
from storage.db import Database
from storage.models import (
    Meeting,
    MeetingTask,
    TaskStatus,
    TipEvent,
    TipEventKind,
)
from tests.conversation import Chat
from tests.notice_delivery import deliver_notices
from tests.org_fixtures import Org, notices_to, small_commune
from tests.test_tip_triage import card_for, file_tip
from tests.test_typed_numbers import Clock, add_member, conversation_of
from tests.tip_fixtures import engine_with_test_tips, tip_by_code

VI = Translator("vi", Settings(_env_file=None).timezone)  # type: ignore[call-arg]


@pytest.fixture
async def org(db: Database) -> Org:
    org = await small_commune(db)
    await add_member(db, org, "tu", "Lê Văn Tư", "21 đường Cây Dương")
    await add_member(db, org, "sau", "Phạm Văn Sáu", "12 đường Cây Dương")
    return org


@pytest.fixture
def engine(db: Database, settings: Settings) -> DialogEngine:
    return engine_with_test_tips(db, settings)


async def asked(db: Database, engine: DialogEngine, org: Org) -> str:
    code = await file_tip(engine, org, user="stranger", anonymous=True, commune_code=org.commune)
    police = Chat(engine, user_id="police")
    await card_for(db, police)
    await police.picks("Hỏi thêm người báo")
    await police.says("Xe máy màu gì?")
    return code


async def test_words_after_a_police_question_are_offered_as_the_answer(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    code = await asked(db, engine, org)
    reporter = Chat(engine, user_id="stranger")
    reporter.receives((await notices_to(db, "stranger"))[-1:])
    await reporter.says("Xe Wave màu đỏ")  # typed straight away, no "Trả lời" first
    reporter.sees(f"Gửi câu này cho công an xã về {code}?\n\n1. Gửi\n2. Không")
    await reporter.says("gui")
    reporter.sees(f"Câu trả lời của bạn đã được chuyển tới công an xã theo mã {code}.")
    assert (await notices_to(db, "police"))[-1].text == (
        f"Người báo tin {code} trả lời: Xe Wave màu đỏ"
    )
    # Answered: further words are not offered again.
    await reporter.says("Cảm ơn các anh")
    reporter.sees("Xin lỗi, tôi chưa hiểu.")


async def test_an_offered_answer_can_be_declined(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    await asked(db, engine, org)
    reporter = Chat(engine, user_id="stranger")
    await reporter.says("nhầm rồi")
    await reporter.says("2")
    reporter.sees("Chưa gửi.")
    async with db.transaction() as session:
        kinds = list(await session.scalars(select(TipEvent.kind)))
    assert TipEventKind.ANSWER not in kinds


async def test_a_question_older_than_a_day_is_not_answered_by_chance(
    db: Database, settings: Settings, org: Org
) -> None:
    clock = Clock()
    engine = engine_with_test_tips(db, settings)
    engine.clock = clock
    await asked(db, engine, org)
    clock.now += timedelta(hours=25)
    reporter = Chat(engine, user_id="stranger")
    await reporter.says("Xe Wave màu đỏ")
    reporter.does_not_see("Gửi câu này")
    assert (await conversation_of(db, "stranger")).flow is None


async def test_hai_long_typed_rates_a_closed_tip(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    code = await file_tip(engine, org, user="stranger", anonymous=True, commune_code=org.commune)
    police = Chat(engine, user_id="police")
    await card_for(db, police)
    await police.picks("Đã giải quyết")
    await police.picks(police.choices()[0])
    closed = (await notices_to(db, "stranger"))[-1]
    shown = render_text(closed, typed={}, t=VI)
    assert "• Hài lòng: gõ “hài lòng”" in shown and "• Chưa hài lòng: gõ “chưa hài lòng”" in shown
    reporter = Chat(engine, user_id="stranger")
    reporter.receives([closed])
    await deliver_notices(db, settings, clock=engine.clock)
    await reporter.says("hai long")
    reporter.sees("Cảm ơn")
    assert (await tip_by_code(db, code)).satisfied is True


async def test_nha_toi_nhan_and_da_xong_typed_on_a_text_channel(
    db: Database, settings: Settings, engine: DialogEngine, org: Org
) -> None:
    leader = Chat(engine, user_id="leader1")
    await leader.says("/lichhop")
    await leader.picks("Dùng ngày này")
    await leader.picks("12 đường Cây Dương")
    await leader.picks("Tại nhà chủ hộ: 12 đường Cây Dương")
    await leader.picks("Gửi thư mời")
    request = (await notices_to(db, "sau"))[-1]
    assert "• Nhà tôi nhận đón tổ: gõ “nhà tôi nhận”" in render_text(request, typed={}, t=VI)
    sau = Chat(engine, user_id="sau")
    sau.receives([request])
    await deliver_notices(db, settings, clock=engine.clock)
    await sau.says("nha toi nhan")
    sau.sees("Cảm ơn gia đình bạn đã nhận đón tổ họp.")

    # Minutes with a task for Lê Văn Tư; he marks it done by typing.
    await leader.says("/bienban")  # the meeting is still ahead: minutes of an earlier one
    await leader.says("4/12 19:30")
    await leader.says("21h")  # the end
    await leader.picks("12 đường Cây Dương")
    await leader.says("2 hộ")
    await leader.says("Nguyễn Văn Hùng")  # the secretary
    for _ in range(2):  # guests, topics
        await leader.says("xong")
    for _ in range(4):  # situation, mediation, proposals, decisions
        await leader.says("khong co")
    await leader.says("Lập danh sách người thuê trọ")
    await leader.says("Lê Văn Tư")
    await leader.says("khong co han")
    await leader.says("xong")
    await leader.says("chua dinh")
    await leader.says("xong")
    await leader.says("luu bien ban")
    leader.sees("Đã lưu biên bản.")
    task_notice = (await notices_to(db, "tu"))[-1]
    assert "• Đã xong: gõ “đã xong”" in render_text(task_notice, typed={}, t=VI)
    tu = Chat(engine, user_id="tu")
    tu.receives([task_notice])
    await deliver_notices(db, settings, clock=engine.clock)
    await tu.says("da xong")
    async with db.transaction() as session:
        task = await session.scalar(select(MeetingTask))
        meeting = await session.scalar(select(Meeting))
    assert task is not None and task.status == TaskStatus.DONE
    assert meeting is not None
