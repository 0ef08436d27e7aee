"""One renderer, by capabilities (#16): what a channel declares decides how a message looks, and
flows ask a turn's capabilities, never the channel's name."""

from __future__ import annotations

from dataclasses import replace

from bot.i18n import Translator
from bot.messages import SHARE_LOCATION, SHARE_PHONE, Capabilities, Choice, OutboundMessage
from bot.messengers import CONSOLE, DECLARED, TELEGRAM, ZALO, Messengers
from bot.organisation.structure import POLICE_CHAT_CHANNELS
from bot.runtime.channels.render import render
from bot.runtime.dialog.engine import DialogEngine
from bot.runtime.dialog.turn import Prompt
from handlers import build_flows
from tests.conversation import Chat

VI = Translator("vi", "Asia/Ho_Chi_Minh")
QUESTION = OutboundMessage(
    "Bạn có đồng ý không?", choices=(Choice("yes", "Có"), Choice("no", "Không")), token="t1"
)


def test_choices_are_buttons_where_there_are_buttons_and_numbered_text_elsewhere() -> None:
    on_telegram = render(QUESTION, TELEGRAM)
    assert on_telegram.parts == ("Bạn có đồng ý không?",)
    assert [c.label for c in on_telegram.buttons] == ["Có", "Không"]

    on_zalo = render(QUESTION, ZALO, t=VI)
    assert on_zalo.buttons == ()
    assert "1. Có\n2. Không" in on_zalo.parts[0]


def test_parts_are_cut_at_the_channels_length_counted_its_way() -> None:
    # 1,500 emoji are 1,500 characters to Telegram and 3,000 UTF-16 units to Zalo.
    long = OutboundMessage("🚨" * 1500)
    assert render(long, TELEGRAM).parts == ("🚨" * 1500,)
    assert render(long, ZALO).parts == ("🚨" * 1000, "🚨" * 500)
    tiny = Capabilities(name="tiny", title="Tiny", max_text=10)
    parts = render(OutboundMessage("một hai ba bốn năm sáu"), tiny).parts
    assert all(len(part) <= 10 for part in parts)
    assert " ".join(parts).split() == ["một", "hai", "ba", "bốn", "năm", "sáu"]


def test_a_share_offer_only_where_the_channel_can_share() -> None:
    ask = OutboundMessage("Số điện thoại?", offer_share=SHARE_PHONE, share_label="Gửi số của tôi")
    on_telegram = render(ask, TELEGRAM)
    assert (on_telegram.share, on_telegram.share_label) == (SHARE_PHONE, "Gửi số của tôi")
    on_zalo = render(ask, ZALO, t=VI)
    assert on_zalo.share is None
    assert "Gửi số của tôi" not in "".join(on_zalo.parts)
    phone_only = replace(TELEGRAM, name="phones", shares=frozenset({SHARE_PHONE}))
    assert render(replace(ask, offer_share=SHARE_LOCATION), phone_only).share is None


def test_an_edit_where_the_channel_cannot_edit_leaves_the_message_as_it_stands() -> None:
    edit = OutboundMessage("Tin báo TB-7K3Q: đã tiếp nhận", replaces="41,42")
    assert render(edit, ZALO).unchanged == "41,42"
    assert render(edit, ZALO).parts == ()
    assert render(edit, TELEGRAM).replaces == ("41", "42")


def test_a_reply_request_is_the_messengers_own_where_it_has_one_else_a_hint() -> None:
    ask = OutboundMessage("Bạn muốn nói gì?", reply_expected=True)
    assert render(ask, TELEGRAM).reply_expected
    on_zalo = render(ask, ZALO, t=VI)
    assert not on_zalo.reply_expected
    assert "Trong nhóm, bạn hãy trả lời (reply) tin nhắn này" in on_zalo.parts[0]


def test_a_picture_zalo_cannot_fetch_is_said_in_words() -> None:
    card = OutboundMessage("TB-7K3Q", photo="/srv/media/tips/1.jpg")
    on_zalo = render(card, ZALO, t=VI)
    assert on_zalo.photo is None
    assert "Zalo không hiển thị được" in on_zalo.parts[0]
    by_url = render(replace(card, photo="https://example.org/1.jpg"), ZALO, t=VI)
    assert (by_url.photo, by_url.caption) == ("https://example.org/1.jpg", "TB-7K3Q")
    assert "[/srv/media/tips/1.jpg]" in render(card, CONSOLE).parts[0]


def test_rows_queued_before_the_neutral_words_are_read_as_meant() -> None:
    old = {
        "text": "Câu hỏi",
        "request_contact": "Gửi số của tôi",
        "force_reply": True,
        "edit_message_id": "7",
    }
    message = OutboundMessage.from_payload(old)
    assert (message.offer_share, message.share_label) == (SHARE_PHONE, "Gửi số của tôi")
    assert message.reply_expected
    assert message.replaces == "7"
    assert OutboundMessage.from_payload(message.to_payload()) == message
    prompt = Prompt.from_json({"step": "where", "text": "Ở đâu?", "request_location": "Vị trí"})
    assert (prompt.offer_share, prompt.share_label) == (SHARE_LOCATION, "Vị trí")


def test_police_chats_are_allowed_on_every_messenger_with_groups() -> None:
    assert set(POLICE_CHAT_CHANNELS) == {"telegram", "zalo"}
    assert DECLARED.names(lambda c: c.groups) == POLICE_CHAT_CHANNELS


async def test_a_fake_channel_declares_its_capabilities_and_the_turn_has_them(db, settings) -> None:
    walkie = Capabilities(name="walkie", title="Walkie", groups=True, voice=False)
    engine = DialogEngine(
        db=db, flows=build_flows(), settings=settings, messengers=Messengers((walkie,))
    )
    chat = Chat(engine, channel="walkie")
    replies = await chat.sends_sticker()
    assert "Walkie không chuyển ghi âm, tệp hay vị trí cho tôi" in replies[0].text
