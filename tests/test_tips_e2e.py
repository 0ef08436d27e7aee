"""Tips end to end on Telegram: a resident's tip reaches the commune police desk (a group
chat), police work it with the card's buttons, the anonymous relay carries a question and its
answer, and no request the bot makes to the police side says who the reporter is."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import update

from bot.config import Settings
from storage.db import Database
from storage.models import ChannelAccount, Commune
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.org_fixtures import Org, small_commune
from tests.telegram_harness import bot_running, button_data, telegram_settings

DESK = -1001234567  # the commune police desk, a Telegram supergroup
OFFICER, OTHER_COMMUNE_OFFICER = 4001, 4002
REPORTER, REPORTER_NAME = 987654321, "Ngọc Ẩn Danh"  # distinctive, to search every request


@pytest.fixture
async def api() -> FakeTelegramAPI:
    async with FakeTelegramAPI() as fake:
        yield fake


@pytest.fixture
async def org(db: Database, api: FakeTelegramAPI) -> Org:
    org = await small_commune(db)
    async with db.transaction() as session:
        await session.execute(
            update(Commune)
            .where(Commune.code == org.commune)
            .values(police_chat_channel="telegram", police_chat_id=str(DESK))
        )
        for user, key in ((OFFICER, "police"), (OTHER_COMMUNE_OFFICER, "police_y")):
            session.add(
                ChannelAccount(
                    channel="telegram",
                    external_user_id=str(user),
                    chat_id=str(user),
                    person_id=org.people[key],
                )
            )
    # The desk group exists on Telegram with the bot in it.
    api.user_message("hello", user_id=OFFICER, chat_id=DESK, chat_type="supergroup")
    return org


def fast(settings: Settings, api: FakeTelegramAPI) -> Settings:
    """Telegram's per-chat pacing (1 s per person, 20 a minute per group) scaled down, so the
    test does not wait for it; the order of messages is what is checked, not the pace."""
    return telegram_settings(
        settings, api, telegram_private_chat_interval=0.01, telegram_group_per_minute=6000
    )


async def said(api: FakeTelegramAPI, chat_id: int, fragment: str) -> dict[str, Any]:
    """The newest message to `chat_id` containing `fragment`, once it has been sent."""

    def matches(params: dict[str, Any]) -> bool:
        text = params.get("text") or params.get("caption") or ""
        return params.get("chat_id") == chat_id and fragment in text

    await api._wait(
        lambda: any(matches(p) for p in api.sent_messages(chat_id)),
        10.0,
        f"{fragment!r} to {chat_id}",
    )
    return [p for p in api.sent_messages(chat_id) if matches(p)][-1]


def press(api: FakeTelegramAPI, message: dict[str, Any], label: str, user: int) -> None:
    chat = message["chat_id"]
    api.push_update(
        api.callback_query(
            button_data(message, label),
            user_id=user,
            chat_id=chat,
            first_name=REPORTER_NAME if user == REPORTER else "Bảo",
        )
    )


def say(api: FakeTelegramAPI, text: str | None, user: int = REPORTER, **extra: Any) -> None:
    name = REPORTER_NAME if user == REPORTER else "Bảo"
    if user != REPORTER and "chat_id" not in extra:
        extra |= {"chat_id": DESK, "chat_type": "supergroup"}
    api.push_update(api.user_message(text, user_id=user, first_name=name, **extra))


async def anonymous_tip(api: FakeTelegramAPI) -> str:
    """A non-member reports with a photo, anonymously: the whole dialog over Telegram."""
    api.add_file("photo-evidence-1", b"\xff\xd8\xff\xe0 fake jpeg")
    say(api, "/baotin")
    await said(api, REPORTER, "Việc này ở xã hay phường nào?")
    say(api, "Thanh Mỹ")
    press(api, await said(api, REPORTER, "Bạn muốn báo về việc gì?"), "Trộm cắp", REPORTER)
    await said(api, REPORTER, "Chuyện gì đã xảy ra?")
    say(api, "Hai người lạ bẻ khóa xe máy trước nhà số 21.")
    await said(api, REPORTER, "Đã ghi lại")
    photo = [{"file_id": "photo-evidence-1", "file_unique_id": "u1", "width": 90, "height": 90}]
    say(api, None, photo=photo)
    press(api, await said(api, REPORTER, "Đã thêm ảnh (1/5)"), "Xong", REPORTER)
    press(api, await said(api, REPORTER, "Việc xảy ra khi nào?"), "Hôm qua", REPORTER)
    await said(api, REPORTER, "Việc xảy ra ở đâu?")
    say(api, "Đầu hẻm đường Cây Dương")
    press(api, await said(api, REPORTER, "Bạn có muốn nhận tin nhắn"), "Có, báo cho tôi", REPORTER)
    return await send_and_read_code(api, REPORTER)


async def send_and_read_code(api: FakeTelegramAPI, user: int) -> str:
    def codes() -> list[str]:
        texts = [p.get("text") or "" for p in api.sent_messages(user)]
        return [t.split("Mã tin: ")[1][:7] for t in texts if "Mã tin: " in t]

    before = len(codes())
    press(api, await said(api, user, "Bạn hãy xem lại tin báo"), "Gửi", user)
    await api._wait(lambda: len(codes()) > before, 10.0, "a new tip code")
    return codes()[-1]


async def test_an_anonymous_tip_worked_by_the_desk_reveals_nobody(
    api: FakeTelegramAPI, settings: Settings, db: Database, org: Org
) -> None:
    async with bot_running(fast(settings, api)):
        code = await anonymous_tip(api)
        card = await said(api, DESK, f"Tin báo {code}")
        assert "Người báo: ẩn danh" in card["text"]
        await api.wait_for_call("sendPhoto", predicate=lambda c: c.params.get("chat_id") == DESK)

        # An officer of another commune, then the right one, press "Tiếp nhận" on the desk card.
        press(api, card, "Tiếp nhận", OTHER_COMMUNE_OFFICER)
        await said(api, DESK, "Mục này không dành cho bạn.")
        press(api, card, "Tiếp nhận", OFFICER)
        await said(api, REPORTER, f"Công an xã đã tiếp nhận tin báo {code} của bạn.")
        edits = await api.wait_for_call(
            "editMessageText", predicate=lambda c: c.params.get("chat_id") == DESK
        )
        assert "Trạng thái: đã tiếp nhận" in edits[0].params["text"]

        # The relay: a question from the desk, answered anonymously.
        press(api, card, "Hỏi thêm người báo", OFFICER)
        ask = await said(api, DESK, f"Bạn nhập câu hỏi cho người báo tin {code}")
        assert ask["reply_markup"].get("force_reply") is True
        say(api, "Xe máy màu gì?", user=OFFICER)
        question = await said(api, REPORTER, f"Công an xã hỏi về tin báo {code}: Xe máy màu gì?")
        press(api, question, "Trả lời", REPORTER)
        await said(api, REPORTER, "Bạn gõ câu trả lời")
        say(api, "Màu đỏ, xe Wave.")
        await said(api, DESK, f"Người báo tin {code} trả lời: Màu đỏ, xe Wave.")

        # A resident pressing the card's button (forwarded, or crafted) is refused.
        api.push_update(api.callback_query(button_data(card, "Đã giải quyết"), user_id=5555))
        await said(api, 5555, "Mục này không dành cho bạn.")

    police_side = {DESK, OFFICER, OTHER_COMMUNE_OFFICER}
    for call in api.requests:
        if call.params.get("chat_id") in police_side:
            sent = json.dumps(call.params, ensure_ascii=False)
            for secret in (str(REPORTER), REPORTER_NAME, "Ngọc"):
                assert secret not in sent, f"{call.method} to the police side names the reporter"


async def test_a_members_named_tip_with_a_location_then_a_duplicate(
    api: FakeTelegramAPI, settings: Settings, db: Database, org: Org
) -> None:
    member = 2001  # Nguyễn Văn Hùng, who joined and agreed, on Telegram
    async with db.transaction() as session:
        session.add(
            ChannelAccount(
                channel="telegram",
                external_user_id=str(member),
                chat_id=str(member),
                person_id=org.people["leader1"],
            )
        )
    async with bot_running(fast(settings, api)):
        api.push_update(api.user_message("/baotin", user_id=member))
        press(api, await said(api, member, "Bạn muốn báo về việc gì?"), "Trộm cắp", member)
        await said(api, member, "Chuyện gì đã xảy ra?")
        api.push_update(api.user_message("Có người lạ dòm ngó nhà kho.", user_id=member))
        press(api, await said(api, member, "Đã ghi lại"), "Xong", member)
        press(api, await said(api, member, "Việc xảy ra khi nào?"), "Hôm nay", member)
        where = await said(api, member, "Việc xảy ra ở đâu?")
        assert where["reply_markup"]["keyboard"][0][0]["request_location"] is True
        location = {"latitude": 10.46512, "longitude": 105.63421}
        api.push_update(api.user_message(None, user_id=member, location=location))
        anonymity = await said(api, member, "Bạn có muốn công an xã biết bạn là ai không?")
        press(api, anonymity, "Gửi kèm tên và số điện thoại cho công an xã", member)
        # No phone with us: asked for one, optional (issue #13).
        await said(api, member, "Công an xã có thể cần gọi lại cho bạn")
        api.push_update(api.user_message("0909 000 112", user_id=member))
        press(api, await said(api, member, "Bạn có muốn nhận tin nhắn"), "Có, báo cho tôi", member)
        first = await send_and_read_code(api, member)
        card = await said(api, DESK, f"Tin báo {first}")
        assert "Vị trí: https://maps.google.com/?q=10.46512,105.63421" in card["text"]
        assert "Người báo: đã để lại tên và số điện thoại" in card["text"]
        assert "Nguyễn Văn Hùng" not in card["text"]

        second = await anonymous_tip(api)
        card = await said(api, DESK, f"Tin báo {second}")
        press(api, card, "Trùng", OFFICER)
        await said(api, DESK, f"{second} trùng với tin nào?")
        say(api, first, user=OFFICER)
        await said(api, DESK, f"{second} đã được đánh dấu trùng với {first}.")
        await said(api, REPORTER, f"Tin báo {second} của bạn trùng với sự việc")
