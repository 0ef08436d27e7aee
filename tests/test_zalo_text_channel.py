"""The mechanics that make every dialog work by typing, for Zalo: updates → events, messages →
text (numbered choices, the commands under notices), typed actions with their authorisation
unchanged, a bare invitation code, splitting, deduplication."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.i18n import Translator
from bot.messages import Choice, EventKind, OutboundMessage
from bot.runtime.channels.text_render import render_text, typed_commands
from bot.runtime.channels.zalo_events import strip_mention, to_event, unwrap, update_key
from bot.runtime.dialog.engine import DialogEngine
from bot.runtime.dialog.flows import FlowRegistry, action_key
from bot.text_match import split_text
from handlers import build_flows
from storage.base import utcnow
from storage.db import Database
from storage.models import Invite, TipEvent, TipEventKind, TipStatus
from tests.conversation import Chat
from tests.fakes.zalo_api import FakeZaloAPI
from tests.org_fixtures import Org, invite_for, notices_to, small_commune
from tests.tip_fixtures import DRAFTS, draft, engine_with_test_tips, tip_by_code

VI = Translator("vi", Settings(_env_file=None).timezone)  # type: ignore[call-arg]


# --- updates → events -----------------------------------------------------------------------
def _update(event_name: str, **fields: object) -> dict:
    api = FakeZaloAPI()
    return api.message(event_name, user_id="u1", **fields)  # type: ignore[arg-type]


def test_a_text_and_a_command() -> None:
    text = to_event(_update("message.text.received", text="  xin chào "))
    assert text is not None and text.kind is EventKind.TEXT and text.text == "xin chào"
    assert text.channel == "zalo" and text.chat_id == "u1" and text.sender_name == "Lan"
    command = to_event(_update("message.text.received", text="/Join abc12345"))
    assert command is not None and command.kind is EventKind.COMMAND
    assert (command.command, command.args) == ("join", "abc12345")
    assert command.update_key and len(command.update_key) <= 64


def test_a_photo_by_url_with_its_caption_under_either_field_name() -> None:
    for field in ("photo_url", "photo"):
        update = _update("message.image.received", caption="biển số", **{field: "https://x/y.jpg"})
        event = to_event(update)
        assert event is not None and event.kind is EventKind.MEDIA and event.media is not None
        assert (event.media.kind, event.media.ref, event.text) == (
            "photo",
            "https://x/y.jpg",
            "biển số",
        )
    no_url = to_event(_update("message.image.received", photo_url="file:///etc/passwd"))
    assert no_url is not None and no_url.kind is EventKind.UNSUPPORTED


@pytest.mark.parametrize(
    "event_name", ["message.sticker.received", "message.unsupported.received", "message.new.kind"]
)
def test_what_the_bot_cannot_use_is_unsupported(event_name: str) -> None:
    event = to_event(_update(event_name))
    assert event is not None and event.kind is EventKind.UNSUPPORTED


def test_the_bots_own_messages_and_malformed_updates_are_ignored() -> None:
    update = _update("message.text.received", text="hi")
    update["message"]["from"]["is_bot"] = True
    assert to_event(update) is None
    assert to_event({"event_name": "message.text.received"}) is None
    assert to_event({"message": {"text": "no sender"}}) is None


def test_webhook_bodies_wrapped_or_flat() -> None:
    update = _update("message.text.received", text="hi")
    assert unwrap({"ok": True, "result": update}) == update
    assert unwrap(update) == update
    assert unwrap({"ok": True, "result": None}) is None
    assert unwrap(["not", "a", "dict"]) is None


def test_long_message_ids_are_hashed_to_fit_the_ledger() -> None:
    update = _update("message.text.received", text="hi")
    update["message"]["message_id"] = "x" * 200
    key = update_key(update)
    assert key is not None and len(key) == 64 and key == update_key(update)


def test_in_a_group_the_mention_is_not_part_of_what_was_said() -> None:
    update = _update("message.text.received", text="@Bình Yên /tiepnhan TB-7K3Q")
    update["message"]["chat"] = {"id": "g1", "chat_type": "GROUP"}
    event = to_event(update, bot_name="Bình Yên")
    assert event is not None and event.is_group and event.chat_id == "g1"
    assert (event.kind, event.command, event.args) == (EventKind.COMMAND, "tiepnhan", "TB-7K3Q")
    assert strip_mention("@binh yen 1", "Bình Yên") == "@binh yen 1".removeprefix("@binh ")
    assert strip_mention("@Bot /menu", None) == "/menu"
    assert strip_mention("@Bot 2", None) == "2"
    assert strip_mention("2 @Bình Yên", "Bình Yên") == "2"


# --- messages → text ------------------------------------------------------------------------
def test_choices_are_numbered_with_a_short_hint() -> None:
    message = OutboundMessage(
        "Bạn có đồng ý không?",
        choices=(Choice("agree", "Đồng ý"), Choice("no", "Không"), Choice("nav:cancel", "Hủy")),
    )
    assert render_text(message, typed={}, t=VI) == (
        "Bạn có đồng ý không?\n\n1. Đồng ý\n2. Không\n(Trả lời bằng số.)\n"
        "(Gõ “hủy” để dừng, hoặc “menu” để xem danh mục.)"
    )
    assert render_text(message) == "Bạn có đồng ý không?\n\n1. Đồng ý\n2. Không\n(Hủy)"
    only_nav = OutboundMessage("Gõ tên xã:", choices=(Choice("nav:cancel", "Hủy"),))
    assert render_text(only_nav, typed={}, t=VI) == (
        "Gõ tên xã:\n\n(Gõ “hủy” để dừng, hoặc “menu” để xem danh mục.)"
    )


def test_back_and_cancel_are_words_and_a_question_for_a_number_numbers_nothing() -> None:
    """Issue #13: "3" typed for "how many households?" must not be "3. Hủy"."""
    question = OutboundMessage(
        "Có bao nhiêu hộ có mặt, trên tổng số 4 hộ?",
        choices=(
            Choice("list", "Đánh dấu theo danh sách"),
            Choice("nav:back", "Quay lại"),
            Choice("nav:cancel", "Hủy"),
        ),
        numbered=False,
    )
    shown = render_text(question, typed={}, t=VI)
    assert shown == (
        "Có bao nhiêu hộ có mặt, trên tổng số 4 hộ?\n\n• Đánh dấu theo danh sách\n"
        "(Gõ câu trả lời, hoặc chữ của một dòng ở trên.)\n"
        "(Gõ “quay lại” để về bước trước, “hủy” để dừng, hoặc “menu” để xem danh mục.)"
    )
    assert not any(line[:1].isdigit() for line in shown.splitlines())


def test_buttons_under_a_notice_become_commands_to_type() -> None:
    notice = OutboundMessage(
        "Tin báo TB-7K3Q",
        choices=(
            Choice(action_key("tip", "ack:12"), "Tiếp nhận"),
            Choice(action_key("elsewhere", "3"), "Tham dự"),
        ),
    )
    typed = {action_key("tip", "ack:12"): "/tiepnhan TB-7K3Q"}
    assert render_text(notice, typed=typed, t=VI) == (
        "Tin báo TB-7K3Q\n\n• Tiếp nhận: gõ /tiepnhan TB-7K3Q\n• Tham dự: gõ “tham dự”"
    )


def test_a_question_in_a_group_says_how_to_answer() -> None:
    question = OutboundMessage("Câu hỏi?", reply_expected=True)
    assert "trả lời (reply) tin nhắn này" in render_text(question, typed={}, t=VI)
    assert render_text(question) == "Câu hỏi?"


def test_typed_aliases_longest_prefix_and_no_duplicates() -> None:
    async def nothing(_turn: object, _argument: str) -> None: ...

    registry = FlowRegistry()
    registry.add_action("tip", nothing, typed={"tiepnhan": "ack:", "xem": ""})  # type: ignore[arg-type]
    assert registry.typed_form("a:tip:ack:12") == ("tiepnhan", "12")
    assert registry.typed_form("a:tip:who:12") == ("xem", "who:12")
    assert registry.typed_form("m:tip") is None
    with pytest.raises(ValueError, match="registered twice"):
        registry.add_action("other", nothing, typed={"tiepnhan": ""})  # type: ignore[arg-type]


def test_typed_commands_do_not_shadow_menu_or_universal_commands() -> None:
    from bot.runtime.dialog.commands import _SLASH

    registry = build_flows()
    menu_commands = {command for command, _ in registry.commands()}
    assert not set(registry.typed_actions) & (menu_commands | set(_SLASH))


def test_splitting_at_2000_characters_on_sentence_boundaries() -> None:
    text = " ".join(f"Câu thứ {n} nói một điều." for n in range(300))
    parts = split_text(text, 2000)
    assert len(parts) > 1 and all(len(p) <= 2000 and p.endswith(".") for p in parts)
    assert " ".join(parts) == text


# --- typed actions through the engine ---------------------------------------------------------
@pytest.fixture
async def org(db: Database) -> Org:
    return await small_commune(db)


@pytest.fixture
def tips_engine(db: Database, settings: Settings) -> DialogEngine:
    return engine_with_test_tips(db, settings)


async def _file(engine: DialogEngine, org: Org, user: str = "stranger") -> str:
    DRAFTS[user] = draft(org.commune)
    reporter = Chat(engine, user_id=user)
    await reporter.says("/testtip")
    return next(m.text for m in reporter.received if m.text.startswith("code=")).removeprefix(
        "code="
    )


async def test_police_triage_a_tip_by_typing_its_code(
    db: Database, tips_engine: DialogEngine, org: Org
) -> None:
    code = await _file(tips_engine, org)
    other = await _file(tips_engine, org, user="stranger2")
    police = Chat(tips_engine, user_id="police")
    await police.says("/tiepnhan")
    police.sees("Bạn hãy gõ mã tin báo sau lệnh, ví dụ: /tiepnhan TB-7K3Q")
    await police.says(f"/tiepnhan {code.lower().replace('-', ' ')}")
    police.does_not_see("không dành cho bạn")
    await police.says(f"/tiepnhan {code}")
    police.sees(f"{code} đã ở trạng thái: đã tiếp nhận.")
    await police.says(f"/hoi {code} Xe máy màu gì?")
    police.sees(f"Câu hỏi đã được gửi tới người báo tin {code}")
    assert "Xe máy màu gì?" in (await notices_to(db, "stranger"))[-1].text
    await police.says(f"/trung {other} TB-ZZZZ")
    police.sees("Không có tin nào khác của xã mang mã đó.")
    await police.says(f"/trung {other} {code}")
    police.sees(f"{other} đã được đánh dấu trùng với {code}.")
    await police.says(f"/giaiquyet {code} Đã bắt được hai đối tượng.")
    police.sees(f"Đã lưu lời nhắn kết thúc cho {code}.")
    tip = await tip_by_code(db, code)
    assert tip.status == TipStatus.RESOLVED and tip.closing_note == "Đã bắt được hai đối tượng."
    police.does_not_see("Lời nhắn kết thúc ngắn")  # the note came with the command


async def test_a_card_s_command_typed_without_its_slash_is_done_as_with_it(
    db: Database, tips_engine: DialogEngine, org: Org
) -> None:
    code = await _file(tips_engine, org)
    stranger = Chat(tips_engine, user_id="stranger2")
    await stranger.says(f"tiepnhan {code}")
    stranger.sees("Mục này không dành cho bạn.")
    police = Chat(tips_engine, user_id="police")
    await police.says(f"Tiep nhan {code}")
    police.does_not_see("chưa hiểu")
    assert (await tip_by_code(db, code)).status == TipStatus.ACKNOWLEDGED
    await police.says(f"tiepnhan {code}")
    police.sees(f"{code} đã ở trạng thái: đã tiếp nhận.")
    await police.says("tiep tuc nhe")  # no command's words: not understood, as before
    police.sees("Xin lỗi, tôi chưa hiểu.")


async def test_typed_commands_are_authorised_like_the_buttons(
    db: Database, tips_engine: DialogEngine, org: Org
) -> None:
    code = await _file(tips_engine, org)
    for intruder in ("police_y", "leader1", "stranger", "nobody"):
        chat = Chat(tips_engine, user_id=intruder)
        await chat.says(f"/tiepnhan {code}")
        chat.sees("Mục này không dành cho bạn.")
        await chat.says(f"/xemnguoibao {code}")
        chat.sees("Mục này không dành cho bạn.")
    police = Chat(tips_engine, user_id="police")
    await police.says("/tiepnhan TB-2345")  # an all-digit code is a code, never a tip id
    police.sees("Mục này không dành cho bạn.")
    assert (await tip_by_code(db, code)).status == TipStatus.NEW


async def test_the_reporter_answers_and_gives_feedback_by_typing(
    db: Database, tips_engine: DialogEngine, org: Org
) -> None:
    code = await _file(tips_engine, org)
    police = Chat(tips_engine, user_id="police")
    await police.says(f"/hoi {code} Mấy giờ?")
    reporter = Chat(tips_engine, user_id="stranger")
    await reporter.says(f"/traloi {code}")
    reporter.sees(f"Bạn gõ câu trả lời cho công an xã về tin {code}:")
    await reporter.says("Khoảng 9 giờ tối.")
    reporter.sees(f"Câu trả lời của bạn đã được chuyển tới công an xã theo mã {code}.")
    await reporter.says(f"/traloi {code} Có hai xe máy.")
    reporter.sees(f"theo mã {code}")
    await police.says(f"/khongcancu {code} Không phát hiện vi phạm.")
    await reporter.says(f"/chuahailong {code} Tối nay họ lại đến.")
    reporter.sees(f"Công an xã sẽ xem lại tin {code}.")
    assert (await tip_by_code(db, code)).status == TipStatus.VERIFYING
    intruder = Chat(tips_engine, user_id="leader1")
    await intruder.says(f"/traloi {code} giả mạo")
    intruder.sees("Mục này không dành cho bạn.")
    async with db.transaction() as session:
        answers = list(
            await session.scalars(select(TipEvent.text).where(TipEvent.kind == TipEventKind.ANSWER))
        )
    assert answers == ["Khoảng 9 giờ tối.", "Có hai xe máy."]


async def test_a_leader_confirms_a_member_by_typing(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    invite = await invite_for(db, org)
    thu = Chat(engine, user_id="thu", name="Thu")
    await thu.says(f"/join {invite.code}")
    await thu.picks("Đồng ý")
    await thu.picks("Thu")
    await thu.picks("Bỏ qua")
    await thu.picks("21 đường Cây Dương")
    leader = Chat(engine, user_id="leader1")
    notice = (await notices_to(db, "leader1"))[-1]
    membership_id = notice.choices[0].key.rsplit(":", 1)[1]
    await leader.says("/xacnhan")
    leader.sees("Bạn hãy gõ số của yêu cầu sau lệnh")
    intruder = Chat(engine, user_id="leader3")
    await intruder.says(f"/tuchoi {membership_id}")
    intruder.sees("Mục này không dành cho bạn.")
    await leader.says(f"/xacnhan {membership_id}")
    leader.sees("Đã xác nhận")


async def test_typed_forms_show_the_tips_code(
    db: Database, tips_engine: DialogEngine, org: Org
) -> None:
    code = await _file(tips_engine, org)
    card = next(m for m in await notices_to(db, "police") if m.choices)
    async with db.transaction() as session:
        typed = await typed_commands(tips_engine.flows, session, card.choices)
    assert sorted(typed.values())[:3] == [
        f"/chuyen {code}",
        f"/giaiquyet {code}",
        f"/hoi {code}",
    ]
    assert len(typed) == len(card.choices)


# --- a bare invitation code ---------------------------------------------------------------------
async def test_a_bare_code_starts_joining(db: Database, engine: DialogEngine, org: Org) -> None:
    invite = await invite_for(db, org)
    thu = Chat(engine, user_id="thu", channel="zalo")
    await thu.says(f" {invite.code[:4].lower()} {invite.code[4:].lower()} ")
    thu.sees("Bạn được mời tham gia Tổ 1, Ấp Mỹ Thạnh, Xã Thanh Mỹ")
    thu.sees("Bạn có đồng ý không?")


async def test_an_expired_code_is_explained_and_a_word_is_not_a_code(
    db: Database, engine: DialogEngine, org: Org
) -> None:
    invite = await invite_for(db, org)
    async with db.transaction() as session:
        row = await session.get(Invite, invite.id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(days=1)
    thu = Chat(engine, user_id="thu", channel="zalo")
    await thu.says(invite.code)
    thu.sees("đã hết hạn")
    await thu.says("BANHCANH")  # eight letters of the code alphabet, but no such invite
    thu.sees("Xin lỗi, tôi chưa hiểu.")
    group = Chat(engine, user_id="thu", channel="zalo", chat_id="g1")
    await group.send(kind=EventKind.TEXT, text=invite.code, is_group=True)
    group.does_not_see("Bạn được mời")


# --- deduplication ------------------------------------------------------------------------------
async def test_a_replayed_update_is_handled_once(engine: DialogEngine) -> None:
    from bot.messages import InboundEvent

    event = InboundEvent(
        channel="zalo",
        chat_id="u1",
        user_id="u1",
        kind=EventKind.TEXT,
        text="menu",
        update_key="m1",
    )
    assert await engine.handle(event)
    assert await engine.handle(event) == []


def test_the_channel_remembers_message_ids(settings: Settings) -> None:
    from bot.runtime.channels.zalo import SEEN_KEYS, ZaloChannel

    channel = ZaloChannel(
        settings=settings,
        engine=None,
        db=None,
        deliver_replies=None,  # type: ignore[arg-type]
    )
    assert channel._first_time("m1") and not channel._first_time("m1")
    for n in range(SEEN_KEYS + 1):
        channel._first_time(f"k{n}")
    assert channel._first_time("m1")  # forgotten after many: the update ledger still has it
