"""The dialog engine, conversation by conversation, without a messenger in between."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.messages import EventKind, InboundEvent
from bot.runtime.dialog.engine import DialogEngine
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from handlers import build_flows
from storage.db import Database
from storage.models import Conversation, OutboxMessage, ProcessedUpdate
from tests.conversation import Chat


@pytest.fixture
def chat(engine: DialogEngine) -> Chat:
    return Chat(engine)


async def conversation_of(db: Database, chat: Chat) -> Conversation:
    async with db.transaction() as session:
        found = await session.scalar(
            select(Conversation).where(Conversation.user_id == chat.user_id)
        )
        assert found is not None
        return found


async def test_start_greets_and_asks_consent_then_shows_the_menu(chat: Chat) -> None:
    await chat.says("/start")
    chat.sees("Chào mừng bạn đến với Bình Yên")
    chat.sees("Bạn có đồng ý không?")
    await chat.picks("Không đồng ý")
    assert chat.choices() == [
        "Báo tin",
        "Số điện thoại khẩn cấp",
        "Tin tôi đã báo",
        "Tham gia tổ của tôi",
        "Trợ giúp",
        "Kiểm tra lừa đảo",
        "Thêm…",
    ]
    await chat.picks("Thêm…")
    chat.sees("Các mục khác:")
    assert chat.choices() == ["Giới thiệu Bình Yên", "Quyền riêng tư", "Ngôn ngữ / Language"]


PRIVACY = "Quyền riêng tư của bạn"


async def test_a_number_means_the_line_of_the_menu_page_shown(chat: Chat) -> None:
    await chat.says("/start")
    await chat.picks("Không đồng ý")
    await chat.says("7")  # "Thêm…"
    await chat.says("2")  # the second line of that page: Privacy, not Emergency numbers
    chat.sees(PRIVACY)
    await chat.says("menu")
    await chat.says("quyen rieng tu")  # a label reaches a "More…" entry from the main page too
    chat.sees(PRIVACY)


@pytest.mark.parametrize(
    "typed", ["so dien thoai khan cap", "Số điện thoại khẩn cấp", "2", "SO DIEN"]
)
async def test_a_menu_entry_can_be_typed_any_way(chat: Chat, typed: str) -> None:
    await chat.says("menu")
    await chat.says(typed)
    chat.sees("113")
    chat.sees("Gõ tên xã hoặc phường")


async def test_a_menu_button_starts_its_flow(chat: Chat) -> None:
    await chat.says("menu")
    await chat.picks("Số điện thoại khẩn cấp")
    chat.sees("114")


async def test_the_commune_duty_phone_is_found_without_diacritics(chat: Chat, db: Database) -> None:
    async with db.transaction() as session:
        from storage.models import Commune

        commune = await session.get(Commune, "30073")
        assert commune is not None
        commune.duty_phone = "0277 3800 113"
    await chat.says("khan cap")
    await chat.says("thanh my")
    chat.sees("Bạn muốn nói xã/phường nào?")  # Thanh Mỹ in Đồng Tháp, Thạnh Mỹ in Đà Nẵng
    await chat.says("xa thanh my, tinh dong thap")
    chat.sees("công an xã Thanh Mỹ: 0277 3800 113")  # "xã" in a sentence (glossary)
    chat.sees("Gõ menu để xem các việc khác.")  # the way back to the menu


async def test_a_commune_typed_with_its_diacritics_is_found_at_once(chat: Chat) -> None:
    await chat.says("khan cap")
    await chat.says("Thanh Mỹ")
    chat.sees("Xã Thanh Mỹ chưa đăng ký số điện thoại trực ban")


async def test_several_communes_of_one_name_ask_which_province(chat: Chat) -> None:
    await chat.says("khan cap")
    await chat.says("tan hoa")
    chat.sees("Bạn muốn nói xã/phường nào?")
    assert any("Tỉnh" in label or "Thành phố" in label for label in chat.choices())


async def test_cancel_mid_flow_returns_to_the_menu_and_clears_the_state(
    chat: Chat, db: Database
) -> None:
    await chat.says("khan cap")
    await chat.says("huy")
    chat.sees("Đã hủy.")
    chat.sees("Bạn cần làm gì?")
    state = await conversation_of(db, chat)
    assert state.flow is None and state.data == {}


@pytest.mark.parametrize("cancel", ["/huy", "hủy", "HUY", "thoát", "/cancel"])
async def test_every_way_of_saying_cancel_works(chat: Chat, cancel: str) -> None:
    await chat.says("khan cap")
    await chat.says(cancel)
    chat.sees("Đã hủy.")


async def test_back_returns_to_the_previous_question(chat: Chat) -> None:
    await chat.says("khan cap")
    await chat.says("tan hoa")
    chat.sees("Bạn muốn nói xã/phường nào?")
    await chat.picks("Quay lại")
    chat.sees("Gõ tên xã hoặc phường")
    await chat.says("tan hoa")
    await chat.says("quay lai")
    chat.sees("Gõ tên xã hoặc phường")


async def test_an_unclear_answer_repeats_the_question_with_its_choices(chat: Chat) -> None:
    await chat.says("khan cap")
    await chat.says("tan hoa")
    await chat.says("cai gi do")
    chat.sees("Xin lỗi, tôi chưa hiểu")
    chat.sees("Bạn muốn nói xã/phường nào?")
    chat.sees("1. Phường Tân Hòa")


async def test_a_sticker_where_text_was_expected_gets_a_polite_answer(
    chat: Chat, db: Database
) -> None:
    await chat.says("khan cap")
    await chat.sends_sticker()
    chat.sees("không dùng được loại tin nhắn này")
    chat.sees("Gõ tên xã hoặc phường")
    assert (await conversation_of(db, chat)).step == "commune_name"


async def test_an_unknown_command_shows_the_menu(chat: Chat) -> None:
    await chat.says("/khongcolenhnay")
    chat.sees("Xin lỗi, tôi chưa hiểu.")
    chat.sees("Bạn cần làm gì?")


async def test_a_button_pressed_twice_is_answered_once(chat: Chat) -> None:
    await chat.says("khan cap")
    await chat.says("tan hoa")
    message, choice = chat.button("Quay lại")
    await chat.picks("Quay lại")
    chat.sees("Gõ tên xã hoặc phường")
    from bot.messages import EventKind as Kind

    await chat.send(kind=Kind.CHOICE, choice_key=choice.key, choice_token=message.token)
    chat.sees("Lựa chọn này thuộc một câu hỏi trước")
    chat.sees("Gõ tên xã hoặc phường")


async def test_an_old_menu_button_still_works_when_no_flow_runs(chat: Chat) -> None:
    await chat.says("menu")
    old_menu, emergency = chat.button("Số điện thoại khẩn cấp")
    await chat.says("/menu")
    await chat.send(kind=EventKind.CHOICE, choice_key=emergency.key, choice_token=old_menu.token)
    chat.sees("113")


async def test_the_same_update_delivered_twice_is_processed_once(
    engine: DialogEngine, db: Database
) -> None:
    event = InboundEvent(
        channel="test",
        chat_id="5",
        user_id="5",
        kind=EventKind.TEXT,
        text="khan cap",
        update_key="777",
    )
    first = await engine.handle(event)
    second = await engine.handle(event)
    assert first and second == []
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == len(first)
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 1


async def test_a_restart_mid_dialog_resumes_where_it_stood(settings: Settings, chat: Chat) -> None:
    await chat.says("khan cap")
    await chat.says("tan hoa")
    after_restart_db = Database(settings.database_url)
    chat.engine = DialogEngine(db=after_restart_db, flows=build_flows(), settings=settings)
    await chat.says("1")
    chat.sees("Phường Tân Hòa chưa đăng ký")
    chat.does_not_see("Xin lỗi")
    await after_restart_db.close()


async def test_an_idle_conversation_expires_with_a_polite_note(
    db: Database, settings: Settings
) -> None:
    now = [datetime(2026, 11, 22, 8, 0, tzinfo=UTC)]
    chat = Chat(DialogEngine(db=db, flows=build_flows(), settings=settings, clock=lambda: now[0]))
    await chat.says("khan cap")
    now[0] += timedelta(minutes=31)
    await chat.says("tan hoa")
    chat.sees("đã kết thúc sau 30 phút")
    chat.sees("Bạn cần làm gì?")


async def test_an_english_profile_gets_english(engine: DialogEngine) -> None:
    chat = Chat(engine, language="en")
    await chat.says("/start")
    chat.sees("Welcome to Bình Yên")
    chat.sees("Do you agree?")
    await chat.picks("I do not agree")
    await chat.says("emergency")
    chat.sees("113: police")


async def test_the_language_can_be_switched(chat: Chat) -> None:
    await chat.says("ngon ngu")
    await chat.picks("English")
    chat.sees("From now on I will write to you in English.")
    chat.sees("Type menu to see what else you can do.")
    await chat.says("/start")
    chat.sees("Welcome")


class BrokenFlow(Flow):
    name = "broken"

    async def begin(self, turn: Turn) -> None:
        turn.ask("boom", "Hỏi gì đó?")

    async def on_boom(self, turn: Turn) -> None:
        raise RuntimeError("a bug in a flow")


async def test_a_bug_in_a_flow_gets_an_apology_not_a_stack_trace(
    db: Database, settings: Settings
) -> None:
    flows = build_flows()
    flows.add(BrokenFlow(), MenuEntry(key="broken", label="Hỏng", flow="broken"))
    chat = Chat(DialogEngine(db=db, flows=flows, settings=settings))
    await chat.says("hong")
    await chat.says("trả lời")
    chat.sees("Xin lỗi, hệ thống đang gặp sự cố")
    chat.does_not_see("RuntimeError")
    await chat.says("trả lời")  # still alive, still at the same question
    chat.sees("Xin lỗi, hệ thống đang gặp sự cố")


async def test_a_group_chat_gets_the_menu_only_when_it_asks(engine: DialogEngine) -> None:
    group = Chat(engine, user_id="7", chat_id="-100777")
    await group.send(kind=EventKind.TEXT, text="gioi thieu", is_group=True)
    group.sees("Bình Yên kết nối người dân")
    group.does_not_see("Bạn cần làm gì?")
    await group.send(kind=EventKind.TEXT, text="menu", is_group=True)
    group.sees("Bạn cần làm gì?")
