"""End to end on Telegram: the real PTB Application talks HTTP to the fake Bot API."""

from __future__ import annotations

import aiohttp
import pytest
from sqlalchemy import select

from bot.config import ConfigError, Settings
from bot.runtime.channels import base as channel_base
from storage.db import Database
from storage.models import ChannelAccount, OutboxMessage, OutboxStatus
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram_harness import (
    bot_running,
    button_data,
    buttons,
    local_webhook_url,
    telegram_settings,
    webhook_settings,
)

LAN = 1001


@pytest.fixture
async def api() -> FakeTelegramAPI:
    async with FakeTelegramAPI() as fake:
        yield fake


@pytest.fixture
def tg_settings(settings: Settings, api: FakeTelegramAPI) -> Settings:
    return telegram_settings(settings, api)


async def test_start_menu_help(api: FakeTelegramAPI, tg_settings: Settings) -> None:
    async with bot_running(tg_settings):
        api.push_update(api.user_message("/start", user_id=LAN))
        welcome, consent = await api.wait_for_messages(LAN, 2)
        assert "Chào mừng bạn đến với Bình Yên" in welcome["text"]
        assert [label for label, _ in buttons(consent)][:2] == ["Đồng ý", "Không đồng ý"]
        api.push_update(api.callback_query(button_data(consent, "Không đồng ý"), user_id=LAN))
        _nothing_stored, menu = (await api.wait_for_messages(LAN, 4))[2:]
        assert "Số điện thoại khẩn cấp" in [label for label, _ in buttons(menu)]
        api.push_update(api.user_message("tro giup", user_id=LAN))
        help_text, _menu = (await api.wait_for_messages(LAN, 6))[4:]
        assert "113" in help_text["text"] and "hủy" in help_text["text"]


async def test_the_command_menu_is_set_in_vietnamese_and_english(
    api: FakeTelegramAPI, tg_settings: Settings
) -> None:
    async with bot_running(tg_settings):
        calls = await api.wait_for_call("setMyCommands", count=2)
    default = next(c for c in calls if not c.params.get("language_code"))
    english = next(c for c in calls if c.params.get("language_code") == "en")
    assert {"command": "huy", "description": "Hủy việc đang làm"} in default.params["commands"]
    assert {"command": "huy", "description": "Cancel what you are doing"} in english.params[
        "commands"
    ]


async def test_a_button_press(api: FakeTelegramAPI, tg_settings: Settings) -> None:
    async with bot_running(tg_settings):
        api.push_update(api.user_message("menu", user_id=LAN))
        (menu,) = await api.wait_for_messages(LAN, 1)
        data = button_data(menu, "Số điện thoại khẩn cấp")
        api.push_update(api.callback_query(data, user_id=LAN))
        numbers = (await api.wait_for_messages(LAN, 2))[1]
        await api.wait_for_call("answerCallbackQuery")
    assert "115" in numbers["text"]
    assert all(len(d.encode()) <= 64 for _, d in buttons(menu))


async def test_a_typed_choice_without_diacritics(
    api: FakeTelegramAPI, tg_settings: Settings
) -> None:
    async with bot_running(tg_settings):
        api.push_update(api.user_message("so dien thoai khan cap", user_id=LAN))
        numbers, question = await api.wait_for_messages(LAN, 2)
    assert "113" in numbers["text"]
    assert "Gõ tên xã hoặc phường" in question["text"]


async def test_cancel_mid_flow(api: FakeTelegramAPI, tg_settings: Settings) -> None:
    async with bot_running(tg_settings):
        api.push_update(api.user_message("khan cap", user_id=LAN))
        _numbers, question = await api.wait_for_messages(LAN, 2)
        api.push_update(api.callback_query(button_data(question, "Hủy"), user_id=LAN))
        cancelled, menu = (await api.wait_for_messages(LAN, 4))[2:]
    assert cancelled["text"] == "Đã hủy."
    assert "Bạn cần làm gì?" in menu["text"]


async def test_a_restart_mid_dialog_resumes(api: FakeTelegramAPI, tg_settings: Settings) -> None:
    async with bot_running(tg_settings):
        api.push_update(api.user_message("khan cap", user_id=LAN))
        await api.wait_for_messages(LAN, 2)
        api.push_update(api.user_message("tan hoa", user_id=LAN))
        which = (await api.wait_for_messages(LAN, 3))[2]
        assert "Bạn muốn nói xã/phường nào?" in which["text"]
    async with bot_running(tg_settings):  # a new process, the same database
        api.push_update(api.callback_query(button_data(which, buttons(which)[0][0]), user_id=LAN))
        answer = (await api.wait_for_messages(LAN, 4))[3]
    assert "Phường Tân Hòa chưa đăng ký" in answer["text"]


async def test_webhook_rejects_a_wrong_secret_and_accepts_the_right_one(
    api: FakeTelegramAPI, settings: Settings
) -> None:
    secret = "s3cret-for-tests_only"
    hook_settings = webhook_settings(settings, api, secret)
    update = api.user_message("/start", user_id=LAN)
    async with bot_running(hook_settings), aiohttp.ClientSession() as http:
        assert api.webhook is not None and api.webhook["secret_token"] == secret
        url = local_webhook_url(hook_settings)
        for wrong in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(url, json=update, headers=wrong) as response:
                assert response.status == 403
        assert api.sent_messages(LAN) == []
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        async with http.post(url, json=update, headers=headers) as response:
            assert response.status == 200
        # The same update delivered again is answered 200 and processed once.
        async with http.post(url, json=update, headers=headers) as response:
            assert response.status == 200
        messages = await api.wait_for_messages(LAN, 2)
        api.push_update(api.user_message("menu", user_id=LAN))  # not polled in webhook mode
    assert len(messages) == 2 and len(api.sent_messages(LAN)) == 2
    assert not api.calls("getUpdates")


async def test_retry_after_is_honoured_by_the_outbox(
    api: FakeTelegramAPI, tg_settings: Settings
) -> None:
    api.fail_next("sendMessage", status=429, retry_after=1)
    async with bot_running(tg_settings):
        api.push_update(api.user_message("/start", user_id=LAN))
        await api.wait_for_messages(LAN, 2, timeout=10)
    attempts = api.calls("sendMessage")
    rejected, retried = attempts[0], attempts[1]
    assert rejected.status == 429 and retried.status == 200
    assert retried.time - rejected.time >= 1.0


async def test_a_user_who_blocked_the_bot(
    api: FakeTelegramAPI, tg_settings: Settings, db: Database
) -> None:
    api.block_user(LAN)
    async with bot_running(tg_settings):
        api.push_update(api.user_message("/start", user_id=LAN))
        await api.wait_for_call("sendMessage", predicate=lambda c: c.status == 403)
        api.push_update(api.user_message("/start", user_id=2002, first_name="Hoa"))
        await api.wait_for_messages(2002, 2)
    async with db.transaction() as session:
        account = await session.scalar(
            select(ChannelAccount).where(ChannelAccount.external_user_id == str(LAN))
        )
        statuses = (
            await session.scalars(
                select(OutboxMessage.status).where(OutboxMessage.chat_id == str(LAN))
            )
        ).all()
    assert account is not None and account.blocked_at is not None
    assert OutboxStatus.FAILED in statuses


async def test_a_message_too_long_for_telegram_is_split(
    api: FakeTelegramAPI, tg_settings: Settings
) -> None:
    from bot.messages import Choice, OutboundMessage
    from bot.runtime.channels.telegram import TelegramChannel

    async with bot_running(tg_settings) as app:
        api.push_update(api.user_message("/start", user_id=LAN))
        await api.wait_for_messages(LAN, 2)
        channel = app.telegram
        assert isinstance(channel, TelegramChannel)
        long_text = ("Một câu khá dài để kiểm tra việc chia tin nhắn. " * 200).strip()
        await channel.send(
            str(LAN), OutboundMessage(long_text, choices=(Choice("k", "Đồng ý"),), token="t")
        )
    parts = api.sent_messages(LAN)[2:]
    assert len(parts) == 3 and all(len(p["text"]) <= 4096 for p in parts)
    assert buttons(parts[-1]) and not buttons(parts[0])


async def test_the_bot_starts_while_telegram_is_unreachable_and_connects_later(
    api: FakeTelegramAPI,
    tg_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(channel_base, "FIRST_RETRY_SECONDS", 0.01)
    api.fail_next("getMe", status=502, times=2)  # Telegram down (or blocked) at start
    async with bot_running(tg_settings):  # the rest of the bot runs meanwhile
        assert "Telegram Bot API unreachable (NetworkError)" in caplog.text
        api.push_update(api.user_message("/start", user_id=LAN))
        welcome, _consent = await api.wait_for_messages(LAN, 2)
    assert "Chào mừng bạn đến với Bình Yên" in welcome["text"]
    assert len(api.calls("getMe")) == 3


async def test_a_rejected_token_stops_the_start_with_one_line_naming_it(
    api: FakeTelegramAPI, settings: Settings
) -> None:
    wrong = telegram_settings(settings, api, telegram_bot_token="999:WRONG")
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN") as raised:
        async with bot_running(wrong):
            pass
    assert "999:WRONG" not in str(raised.value)
