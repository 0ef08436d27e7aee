"""Reporting a tip (/baotin) and adding to it later (/tincuatoi): the resident's side."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot.config import Settings
from bot.messages import SHARE_LOCATION, EventKind
from bot.runtime.dialog.engine import DialogEngine
from bot.tips.own_tips import own_tip_ids
from bot.tips.vault import cipher_of
from handlers import build_flows
from storage.db import Database
from storage.models import (
    ChannelAccount,
    Commune,
    Conversation,
    OutboxMessage,
    Person,
    Tip,
    TipAttachment,
    TipEvent,
    TipEventKind,
    TipReporter,
    TipStatus,
)
from tests.conversation import Chat
from tests.org_fixtures import Org, invite_for, notices_to, small_commune

DESCRIPTION = "Hai thanh niên lạ bẻ khóa xe máy trước nhà số 21, rồi chạy về phía chợ."


@pytest.fixture
async def org(db: Database) -> Org:
    return await small_commune(db)


def engine_with(db: Database, settings: Settings, **overrides: object) -> DialogEngine:
    return DialogEngine(db=db, flows=build_flows(), settings=settings.model_copy(update=overrides))


async def joined(engine: DialogEngine, db: Database, org: Org, user_id: str, name: str) -> Chat:
    """A resident of Tổ 1 (Ấp Mỹ Thạnh) who joined with a phone number and was confirmed."""
    invite = await invite_for(db, org)
    chat = Chat(engine, user_id=user_id, name=name)
    await chat.says(f"/start {invite.code}")
    await chat.picks("Đồng ý")
    await chat.picks(name)
    await chat.says("0912 345 678")
    await chat.says("15 cay duong")
    leader = Chat(engine, user_id="leader1")
    leader.receives((await notices_to(db, "leader1"))[-1:])
    await leader.picks("Xác nhận")
    return chat


async def to_summary(chat: Chat, *, member: bool = False) -> None:
    """A short tip up to its summary: theft, one message, yesterday, a typed place."""
    await chat.says("/baotin")
    if not member:
        await chat.says("Thanh Mỹ")
    await chat.picks("Trộm cắp")
    await chat.says(DESCRIPTION)
    await chat.picks("Xong")
    await chat.picks("Hôm qua")
    await chat.says("Đầu hẻm đường Cây Dương")
    if member:
        await chat.picks("Ẩn danh")
    await chat.picks("Có, báo cho tôi")
    chat.sees("Bạn hãy xem lại tin báo trước khi gửi:")


async def send_tip(chat: Chat, *, member: bool = False) -> str:
    await to_summary(chat, member=member)
    await chat.picks("Gửi")
    return code_in(chat)


def code_in(chat: Chat) -> str:
    """The tip code the bot last announced to this chat."""
    marker = "Mã tin: "
    for message in reversed(chat.received):
        if marker in message.text:
            return message.text[message.text.index(marker) + len(marker) :][:7]
    raise AssertionError("no tip code was shown")


async def shift_tips(db: Database, delta: timedelta) -> None:
    """Move every tip's creation in time (an hour later, another process meanwhile)."""
    async with db.transaction() as session:
        for tip in await session.scalars(select(Tip)):
            tip.created_at = tip.created_at + delta


async def count(db: Database, model: type) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def the_tip(db: Database, code: str) -> Tip:
    async with db.transaction() as session:
        tip = await session.scalar(select(Tip).where(Tip.code == code))
        assert tip is not None
        return tip


async def conversation_of(db: Database, user_id: str) -> Conversation:
    async with db.transaction() as session:
        found = await session.scalar(
            select(Conversation).where(
                Conversation.user_id == user_id, Conversation.chat_id == user_id
            )
        )
        assert found is not None
        return found


# --- a member's tip ------------------------------------------------------------------------


async def test_a_members_tip_with_a_photo_and_last_night(
    engine: DialogEngine, db: Database, org: Org, settings: Settings
) -> None:
    chat = await joined(engine, db, org, "5001", "Trần Thị Lan")
    await chat.says("/baotin")
    chat.sees("Đây không phải đường dây khẩn cấp")
    chat.sees("113")
    chat.sees("Bạn muốn báo về việc gì?")  # a member's commune is known: no question about it
    await chat.picks("Trộm cắp")
    chat.sees("Chuyện gì đã xảy ra?")
    await chat.says(DESCRIPTION)
    chat.sees("Đã ghi lại")
    await chat.says("Một người mặc áo khoác đen, đội mũ bảo hiểm đỏ.")
    await chat.sends_photo("AgADphoto-1")
    chat.sees("Đã thêm ảnh (1/5)")
    await chat.says("xong")
    chat.sees("Việc xảy ra khi nào?")
    await chat.says("tối qua")
    chat.sees("Việc xảy ra ở đâu?")
    assert (chat._unread[-1].offer_share, chat._unread[-1].share_label) == (
        SHARE_LOCATION,
        "Gửi vị trí của tôi",
    )
    await chat.picks("Ở Ấp Mỹ Thạnh")
    chat.sees("Bạn có muốn công an xã biết bạn là ai không?")
    chat.sees("• Ẩn danh:")
    chat.sees("• Gửi kèm tên và số điện thoại:")
    await chat.picks("Gửi kèm tên và số điện thoại cho công an xã")
    await chat.picks("Có, báo cho tôi")
    chat.sees("• Loại việc: Trộm cắp")
    chat.sees("• Sự việc: " + DESCRIPTION + "\nMột người mặc áo khoác đen")
    chat.sees("• Kèm theo: 1 ảnh")
    chat.sees("• Thời gian: tối qua (")
    chat.sees("• Nơi xảy ra: Ấp Mỹ Thạnh")
    chat.sees("• Cách gửi: kèm tên và số điện thoại, chỉ công an xã xem được")
    chat.sees("Cố ý báo tin sai sự thật sẽ bị xử lý theo pháp luật")
    assert await count(db, Tip) == 0  # nothing is stored before "Gửi"

    await chat.picks("Gửi")
    chat.sees("Tin báo của bạn đã được gửi. Mã tin: TB-")
    chat.sees("Tin báo đã được lưu, đang chuyển cho công an xã Thanh Mỹ.")
    chat.sees("Bạn sẽ nhận tin nhắn tại đây khi công an đã nhận được tin, và khi công an xử lý.")
    chat.sees("hãy gọi 113")
    code = code_in(chat)

    tip = await the_tip(db, code)
    assert tip.commune_code == org.commune
    assert tip.category_key == "theft"
    assert tip.description.startswith(DESCRIPTION) and "mũ bảo hiểm đỏ" in tip.description
    assert tip.occurred_at is None and tip.occurred_text.startswith("tối qua (")
    assert tip.place_text == "Ấp Mỹ Thạnh"
    assert tip.village_id == org.villages["Ấp Mỹ Thạnh"]
    assert tip.anonymous is False and tip.wants_updates is True
    assert tip.status == TipStatus.NEW and tip.channel == "test"
    async with db.transaction() as session:
        account = await session.scalar(
            select(ChannelAccount).where(ChannelAccount.external_user_id == "5001")
        )
        assert account is not None
        assert await own_tip_ids(session, cipher_of(settings), account=account) == {tip.id}
        vault = await session.get(TipReporter, tip.id)
        assert vault is not None and vault.route_encrypted and vault.identity_encrypted
        [attachment] = await session.scalars(select(TipAttachment))
    assert (attachment.tip_id, attachment.kind, attachment.file_ref) == (
        tip.id,
        "photo",
        "AgADphoto-1",
    )
    # The card is queued for police at once; it names no one.
    card, photo = await notices_to(db, "police")
    assert code in card.text and "Trần Thị Lan" not in card.text
    assert photo.photo == "AgADphoto-1"
    # The draft is gone from the conversation.
    assert (await conversation_of(db, "5001")).data == {}


async def test_the_tip_exists_exactly_once_after_the_code_is_shown(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    chat = Chat(engine, user_id="7001")
    await to_summary(chat)
    send_button = chat.button("Gửi")
    await chat.picks("Gửi")
    code = code_in(chat)
    # The same button pressed again (a double tap, a redelivery) files nothing more.
    message, choice = send_button
    await chat.send(kind=EventKind.CHOICE, choice_key=choice.key, choice_token=message.token)
    chat.sees("Lựa chọn này thuộc")
    assert await count(db, Tip) == 1
    assert await count(db, TipReporter) == 1
    assert (await the_tip(db, code)).code == code


async def test_the_exact_time_is_kept_with_the_words(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    chat = Chat(engine, user_id="7002")
    await chat.says("/baotin")
    await chat.says("Thanh Mỹ")
    await chat.picks("Cờ bạc, lô đề")
    await chat.says("Có sòng bạc trong nhà kho cuối xóm.")
    await chat.picks("Xong")
    await chat.says("30 phút trước")
    await chat.picks("Không có nơi cụ thể / không rõ")
    await chat.picks("Không, cảm ơn")
    chat.sees("• Nhận tin cập nhật: không")
    chat.sees("• Nơi xảy ra: không có nơi cụ thể")
    await chat.picks("Gửi")
    chat.sees("Bạn đã chọn không nhận tin cập nhật")
    tip = await the_tip(db, code_in(chat))
    assert tip.occurred_text == "30 phút trước"
    assert tip.occurred_at is not None
    assert timedelta(minutes=29) < tip.created_at - tip.occurred_at < timedelta(minutes=31)
    assert tip.place_text is None and tip.wants_updates is False


async def test_words_the_bot_cannot_read_as_a_time_can_be_kept(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    chat = Chat(engine, user_id="7003")
    await chat.says("/baotin")
    await chat.says("Thanh Mỹ")
    await chat.picks("Ma túy")
    await chat.says("Tụ tập hút chích ở bãi đất trống.")
    await chat.picks("Xong")
    await chat.says("mấy đêm liền gần đây")
    chat.sees("Mình chưa hiểu được ngày giờ trong “mấy đêm liền gần đây”")
    await chat.picks("Giữ nguyên lời tôi viết")
    chat.sees("Việc xảy ra ở đâu?")
    await chat.shares_location(10.4567, 105.6789)
    await chat.picks("Có, báo cho tôi")
    chat.sees("• Thời gian: mấy đêm liền gần đây")
    chat.sees("• Nơi xảy ra: vị trí bạn đã gửi")
    await chat.picks("Gửi")
    tip = await the_tip(db, code_in(chat))
    assert tip.occurred_at is None and tip.occurred_text == "mấy đêm liền gần đây"
    assert (tip.latitude, tip.longitude) == (10.4567, 105.6789)
    assert tip.place_text is None


async def test_an_urgent_category_repeats_the_number_to_call(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(Commune).where(Commune.code == org.commune).values(duty_phone="0277 3800 113")
        )
    chat = Chat(engine, user_id="7004")
    await chat.says("/baotin")
    await chat.says("Thanh Mỹ")
    chat.sees("Số điện thoại trực ban của công an xã Thanh Mỹ: 0277 3800 113")
    await chat.picks("Việc khác…")  # the rarer categories are on a second page (issue #13)
    await chat.picks("Cháy nổ, nguy cơ cháy")
    chat.sees("Nếu việc này đang xảy ra, hãy gọi ngay 114 (cứu hỏa, cứu nạn).")
    chat.sees("Số trực ban công an xã: 0277 3800 113.")
    chat.sees("Chuyện gì đã xảy ra?")


# --- someone who never joined --------------------------------------------------------------


async def test_a_non_member_reports_anonymously_after_picking_the_commune(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    chat = Chat(engine, user_id="8001", name="Khách")
    await chat.says("bao tin")
    chat.sees("Đây không phải đường dây khẩn cấp")
    chat.sees("Việc này ở xã hay phường nào?")
    await chat.says("thanh my")
    chat.sees("Bạn muốn nói xã/phường nào?")
    await chat.says("xa thanh my, tinh dong thap")
    await chat.says("lua dao")  # any category's words, on either page
    await chat.says("Có người gọi giả công an, đòi chuyển tiền.")
    await chat.picks("Xong")
    await chat.picks("Vừa xảy ra")
    await chat.picks("Không có nơi cụ thể / không rõ")
    chat.sees("Tin báo của bạn sẽ được gửi ẩn danh")
    chat.does_not_see("Gửi kèm tên")
    await chat.picks("Có, báo cho tôi")
    chat.sees("• Xã/phường: Xã Thanh Mỹ")
    chat.sees("• Cách gửi: ẩn danh")
    await chat.picks("Sửa")
    assert "Ẩn danh hay kèm tên" not in chat.choices()
    await chat.picks("Quay lại")
    await chat.picks("Gửi")
    tip = await the_tip(db, code_in(chat))
    assert tip.commune_code == org.commune and tip.anonymous is True
    assert tip.occurred_at is not None and tip.occurred_text == "Vừa xảy ra"
    async with db.transaction() as session:
        vault = await session.get(TipReporter, tip.id)
        assert vault is not None and vault.route_encrypted and vault.identity_encrypted is None
        account = await session.scalar(
            select(ChannelAccount).where(ChannelAccount.external_user_id == "8001")
        )
        assert account is not None and account.person_id is None
        assert await session.scalar(select(func.count()).select_from(Person)) == 4  # the org's
    [card] = await notices_to(db, "police")
    assert "Người báo: ẩn danh" in card.text


# --- corrections ---------------------------------------------------------------------------


async def test_editing_from_the_summary_returns_to_it(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    chat = Chat(engine, user_id="7005")
    await chat.says("/baotin")
    await chat.says("Thanh Mỹ")
    await chat.picks("Trộm cắp")
    await chat.says("Mất con gà.")
    await chat.sends_photo("AgADphoto-7")
    await chat.picks("Xong")
    await chat.picks("Hôm nay")
    await chat.says("Chợ")
    await chat.picks("Có, báo cho tôi")
    chat.sees("• Sự việc: Mất con gà.")

    await chat.picks("Sửa")
    chat.sees("Bạn muốn sửa phần nào?")
    await chat.picks("Chuyện gì đã xảy ra")
    chat.sees("nội dung mới sẽ thay cho nội dung cũ")
    await chat.says("Mất hai con gà trống trong chuồng sau nhà.")
    await chat.picks("Xong")
    chat.sees("• Sự việc: Mất hai con gà trống trong chuồng sau nhà.")
    chat.does_not_see("Mất con gà.")
    chat.sees("• Kèm theo: 1 ảnh")

    await chat.picks("Sửa")
    await chat.picks("Ở đâu")
    await chat.says("Chuồng gà nhà số 45 đường Mỹ Phú")
    chat.sees("• Nơi xảy ra: Chuồng gà nhà số 45 đường Mỹ Phú")

    await chat.picks("Sửa")
    await chat.picks("Loại việc")
    await chat.picks("Việc khác…")
    await chat.picks("Khác")
    chat.sees("• Loại việc: Khác")

    await chat.picks("Sửa")
    await chat.picks("Chuyện gì đã xảy ra")
    await chat.picks("Xong")  # nothing new typed: the text stays
    chat.sees("• Sự việc: Mất hai con gà trống trong chuồng sau nhà.")

    await chat.picks("Sửa")
    await chat.picks("Nhận tin cập nhật")
    await chat.picks("Không, cảm ơn")
    chat.sees("• Nhận tin cập nhật: không")

    await chat.picks("Gửi")
    tip = await the_tip(db, code_in(chat))
    assert tip.category_key == "other"
    assert tip.description == "Mất hai con gà trống trong chuồng sau nhà."
    assert tip.place_text == "Chuồng gà nhà số 45 đường Mỹ Phú"
    assert tip.wants_updates is False
    assert await count(db, TipAttachment) == 1


# --- cancelling ----------------------------------------------------------------------------

STEPS_BEFORE_CANCEL = {
    "commune": 1,
    "category": 2,
    "what": 3,
    "what, with a photo": 5,
    "when": 6,
    "where": 7,
    "updates": 8,
    "summary": 9,
    "edit": 10,
}


@pytest.mark.parametrize("where", list(STEPS_BEFORE_CANCEL))
async def test_cancel_at_any_step_keeps_nothing(
    engine: DialogEngine, db: Database, org: Org, where: str
) -> None:
    """Once something was typed, "hủy" asks first (issue #13); choosing to discard keeps
    nothing."""
    chat = Chat(engine, user_id="7006")
    steps = [
        lambda: chat.says("/baotin"),
        lambda: chat.says("Thanh Mỹ"),
        lambda: chat.picks("Trộm cắp"),
        lambda: chat.says(DESCRIPTION),
        lambda: chat.sends_photo("AgADphoto-9"),
        lambda: chat.picks("Xong"),
        lambda: chat.picks("Hôm qua"),
        lambda: chat.says("Đầu hẻm"),
        lambda: chat.picks("Có, báo cho tôi"),
        lambda: chat.picks("Sửa"),
    ]
    for step in steps[: STEPS_BEFORE_CANCEL[where]]:
        await step()
    await chat.says("hủy")
    if STEPS_BEFORE_CANCEL[where] > 3:  # a description was typed
        chat.sees("Bạn đang viết dở tin báo. Bạn muốn làm gì?\n\n1. Viết tiếp\n2. Bỏ bản nháp")
        await chat.says("2")
        chat.sees("Đã bỏ bản nháp.")
    else:
        chat.sees("Đã hủy")
    assert await count(db, Tip) == 0
    assert await count(db, TipAttachment) == 0
    assert await count(db, TipReporter) == 0
    assert await notices_to(db, "police") == []
    conversation = await conversation_of(db, "7006")
    assert conversation.flow is None and conversation.data == {}


# --- limits --------------------------------------------------------------------------------


async def test_too_much_too_large_or_unsupported_is_refused_and_the_tip_kept(
    db: Database, org: Org, settings: Settings
) -> None:
    engine = engine_with(db, settings, tip_max_attachments=2, tip_max_attachment_mb=1)
    chat = Chat(engine, user_id="7007")
    await chat.says("/baotin")
    await chat.says("Thanh Mỹ")
    await chat.picks("Trộm cắp")
    await chat.says(DESCRIPTION)
    await chat.sends_photo("AgADphoto-1")
    chat.sees("Đã thêm ảnh (1/2)")
    await chat.sends_media("voice", "AgADvoice-big", size=3 * 1024 * 1024)
    chat.sees("Tệp này quá lớn (3 MB; tối đa 1 MB)")
    chat.sees("Những gì bạn gửi trước đó vẫn được giữ")
    await chat.sends_media("voice", "AgADvoice-1", size=200_000)
    chat.sees("Đã thêm ghi âm (2/2)")
    await chat.sends_photo("AgADphoto-3")
    chat.sees("Mỗi tin báo chỉ kèm được tối đa 2 ảnh và ghi âm")
    await chat.sends_media("video", "AgADvideo-1", size=500_000)
    chat.sees("Tin báo chỉ kèm được ảnh và ghi âm")
    await chat.sends_sticker()
    chat.sees("Xin lỗi")
    chat.sees("Đã ghi lại")  # the open question again
    # A long message is no longer refused (issue #13): it is kept, in parts.
    await chat.says("x" * 2500)
    chat.sees("Tin nhắn dài của bạn đã được giữ nguyên: 2500 ký tự, chia thành 2 phần.")
    chat.sees("Bạn có thể gửi thêm, hoặc chọn “Xong”.")
    await chat.says("Xe màu đỏ, biển số 66-B1.")
    await chat.picks("Xong")
    await chat.picks("Hôm qua")
    await chat.says("y" * 400)
    chat.sees("tối đa 300 ký tự")
    await chat.says("Đầu hẻm")
    await chat.picks("Có, báo cho tôi")
    chat.sees("• Sự việc: " + DESCRIPTION + "\nxxx")
    chat.sees("• Kèm theo: 1 ảnh, 1 ghi âm")
    await chat.picks("Gửi")
    tip = await the_tip(db, code_in(chat))
    assert "x" * 2500 in (tip.description or "").replace("\n", "")
    assert (tip.description or "").endswith("Xe màu đỏ, biển số 66-B1.")
    async with db.transaction() as session:
        refs = sorted(await session.scalars(select(TipAttachment.file_ref)))
    assert refs == ["AgADphoto-1", "AgADvoice-1"]


async def test_a_photo_before_the_story_waits_for_its_question(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    chat = Chat(engine, user_id="7008")
    await chat.says("/baotin")
    await chat.sends_photo("AgADphoto-1")
    chat.sees("Bạn có thể gửi ảnh và ghi âm khi kể lại sự việc")
    chat.sees("Việc này ở xã hay phường nào?")
    await chat.says("Thanh Mỹ")
    await chat.picks("Trộm cắp")
    await chat.picks("Xong")
    chat.sees("Bạn hãy kể vài lời về chuyện đã xảy ra trước đã.")


async def test_too_many_tips_in_an_hour_are_refused_politely(
    db: Database, org: Org, settings: Settings
) -> None:
    engine = engine_with(db, settings, tips_per_hour=2)
    chat = Chat(engine, user_id="7009")
    await send_tip(chat)
    await send_tip(chat)
    await chat.says("/baotin")
    chat.sees("Trong một giờ qua bạn đã gửi 2 tin báo, là số tối đa bot nhận.")
    chat.sees("Bạn cần làm gì?")  # the menu, no flow
    assert (await conversation_of(db, "7009")).flow is None
    assert await count(db, Tip) == 2
    # Someone else is not held back; and an hour later this reporter can send again.
    await send_tip(Chat(engine, user_id="7010"))
    await shift_tips(db, -timedelta(minutes=61))
    await send_tip(chat)
    assert await count(db, Tip) == 4


async def test_the_limit_is_checked_again_when_sending(
    db: Database, org: Org, settings: Settings
) -> None:
    engine = engine_with(db, settings, tips_per_hour=1)
    chat = Chat(engine, user_id="7011")
    await send_tip(chat)
    await shift_tips(db, -timedelta(hours=2))  # long ago: a new tip may be started
    await to_summary(chat)
    await shift_tips(db, timedelta(hours=2))  # as if sent meanwhile, from another process
    await chat.picks("Gửi")
    chat.sees("Trong một giờ qua bạn đã gửi 1 tin báo")
    assert await count(db, Tip) == 1


async def test_in_a_group_chat_a_tip_is_moved_to_the_private_chat(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    """Changed by issue #12: asked privately rather than refused; the group sees nothing of it."""
    chat = Chat(engine, user_id="7012", chat_id="-1005001")
    await chat.send(kind=EventKind.COMMAND, command="baotin", text="/baotin", is_group=True)
    chat.sees("Tôi nhắn riêng cho bạn.")
    chat.does_not_see("113")
    private = await notices_to(db, "7012")
    assert "Việc này ở xã hay phường nào?" in private[-1].text
    await chat.send(kind=EventKind.COMMAND, command="tincuatoi", text="/tincuatoi", is_group=True)
    chat.sees("Tôi nhắn riêng cho bạn.")
    assert await count(db, Tip) == 0


# --- my tips -------------------------------------------------------------------------------


async def test_my_tips_lists_them_and_adds_information(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    chat = await joined(engine, db, org, "5002", "Lê Thị Hoa")
    await send_tip(chat, member=True)
    code = code_in(chat)
    police_before = len(await notices_to(db, "police"))

    await chat.says("/tincuatoi")
    chat.sees("Các tin bạn đã báo, mới nhất trước:")
    chat.sees(f"• {code}, Trộm cắp, ")
    chat.sees(": đã gửi, chờ công an xã nhận")
    await chat.picks(code)
    chat.sees(f"Bạn hãy gõ điều muốn bổ sung cho tin {code}")
    await chat.says("Tôi nhớ thêm: xe không có biển số.")
    chat.sees(f"Đã bổ sung vào tin {code} và chuyển cho công an xã.")
    await chat.sends_photo("AgADphoto-extra")
    chat.sees(f"Đã bổ sung vào tin {code}")
    await chat.picks("Xong")
    chat.sees("Cảm ơn bạn. Công an xã đã nhận được những gì bạn bổ sung.")

    notices = (await notices_to(db, "police"))[police_before:]
    texts = [n.text for n in notices]
    assert f"Người báo tin {code} bổ sung: Tôi nhớ thêm: xe không có biển số." in texts
    assert f"Người báo tin {code} bổ sung ảnh." in texts
    assert any(n.photo == "AgADphoto-extra" for n in notices)
    assert not any("Lê Thị Hoa" in t or "0912" in t for t in texts)
    tip = await the_tip(db, code)
    async with db.transaction() as session:
        added = list(
            await session.scalars(
                select(TipEvent.text).where(
                    TipEvent.tip_id == tip.id, TipEvent.kind == TipEventKind.ADDED
                )
            )
        )
        refs = list(
            await session.scalars(
                select(TipAttachment.file_ref).where(TipAttachment.tip_id == tip.id)
            )
        )
    assert "Tôi nhớ thêm: xe không có biển số." in added
    assert refs == ["AgADphoto-extra"]


async def test_my_tips_of_an_anonymous_non_member_and_of_nobody(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    chat = Chat(engine, user_id="8002")
    code = await send_tip(chat)
    await chat.says("tin toi da bao")
    chat.sees(f"• {code}, Trộm cắp")
    async with db.transaction() as session:
        await session.execute(update(Tip).values(status=TipStatus.RESOLVED))
    await chat.says("menu")
    await chat.says("/tincuatoi")
    chat.sees("đã khép lại: đã xử lý")
    chat.sees("Các tin này đều đã khép lại")

    stranger = Chat(engine, user_id="8003")
    await stranger.says("/tincuatoi")
    stranger.sees("Bạn chưa gửi tin báo nào từ tài khoản này.")


async def test_adding_to_a_tip_closed_meanwhile_is_refused(
    engine: DialogEngine, db: Database, org: Org
) -> None:
    chat = Chat(engine, user_id="8004")
    code = await send_tip(chat)
    await chat.says("/tincuatoi")
    await chat.picks(code)
    async with db.transaction() as session:
        await session.execute(update(Tip).values(status=TipStatus.NO_GROUNDS))
    await chat.says("Thêm một chi tiết.")
    chat.sees(f"Tin {code} vừa được khép lại.")
    async with db.transaction() as session:
        events = await session.scalar(
            select(func.count()).select_from(TipEvent).where(TipEvent.kind == TipEventKind.ADDED)
        )
        assert events == 0
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) >= 1
