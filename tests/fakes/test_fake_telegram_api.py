"""The fake Telegram server, driven by the real python-telegram-bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.warnings import PTBUserWarning

from tests.fakes.telegram_api import FakeTelegramAPI

USER = 1001


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as fake:
        yield fake


@pytest.fixture
async def bot(api: FakeTelegramAPI) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=f"{api.url}/bot", base_file_url=f"{api.url}/file/bot") as b:
        yield b


@pytest.fixture
def user(api: FakeTelegramAPI) -> int:
    """A user who wrote to the bot, so the bot may write to them."""
    api.push_update(api.user_message("/start", user_id=USER))
    return USER


def _keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Có", callback_data=data)]])


async def test_get_me(api: FakeTelegramAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == "binhyen_test_bot"
    assert me.id == 123456 and me.is_bot
    assert [call.status for call in api.calls("getMe")] == [200, 200]  # initialize + get_me


async def test_send_message_is_recorded_with_decoded_parameters(
    api: FakeTelegramAPI, bot: Bot, user: int
) -> None:
    sent = await bot.send_message(
        user, "Chào <b>Lan</b>", parse_mode="HTML", reply_markup=_keyboard("ok")
    )
    assert sent.text == "Chào Lan" and sent.chat.id == user and sent.from_user.is_bot
    assert sent.reply_markup == _keyboard("ok")
    [params] = api.sent_messages(user)
    assert params["chat_id"] == user  # PTB sends "1001"; the fake decodes by the spec's types
    assert params["reply_markup"] == {"inline_keyboard": [[{"text": "Có", "callback_data": "ok"}]]}
    second = await bot.send_message(user, "Lần hai")
    assert second.message_id == sent.message_id + 1


async def test_text_limits(bot: Bot, user: int) -> None:
    # PTB strips "Bad Request: " and capitalize()s the rest: "Button_data_invalid", "Chat_id".
    await bot.send_message(user, "x" * 4096)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(user, "x" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(user, "  \n")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(user, b"\x89PNG", caption="y" * 1025)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(user, "<b>đậm", parse_mode="HTML")


async def test_callback_data_is_at_most_64_bytes(bot: Bot, user: int) -> None:
    await bot.send_message(user, "ok", reply_markup=_keyboard("a" * 64))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(user, "dài", reply_markup=_keyboard("ố" * 22))  # 66 bytes


async def test_unknown_parameter_method_token_and_chat(
    api: FakeTelegramAPI, bot: Bot, user: int
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{api.url}/bot{api.token}/sendMessage",
            json={"chat_id": user, "text": "hi", "colour": "red"},
        ) as response,
    ):
        assert response.status == 400
        assert await response.json() == {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: unknown parameter colour",
        }
    # Bot.do_api_request sends a form, as every Bot method does (and warns: use send_chat_action).
    with pytest.warns(PTBUserWarning), pytest.raises(BadRequest, match="Unknown parameter"):
        await bot.do_api_request(
            "sendChatAction", api_kwargs={"chat_id": user, "action": "typing", "colour": 1}
        )
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": user})
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(4242, "ai đó?")
    with pytest.raises(InvalidToken):  # Bot.__aenter__ calls getMe, and shuts down on errors
        async with Bot("999:WRONG", base_url=f"{api.url}/bot"):
            pass
    assert api.requests[-1].status == 401


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # retry_after
async def test_retry_after(api: FakeTelegramAPI, bot: Bot, user: int) -> None:
    api.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter, match="Retry in 7 seconds"):
        await bot.send_message(user, "một")
    assert api.rate_limited == 1
    await bot.send_message(user, "hai")  # the fault applied once
    assert [call.status for call in api.calls("sendMessage")] == [429, 200]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_global_rate(user: int) -> None:
    async with (
        FakeTelegramAPI(global_rate=2) as api,
        Bot(api.token, base_url=f"{api.url}/bot") as bot,
    ):
        api.known_chats.add(user)
        await bot.send_message(user, "1")
        await bot.send_message(user, "2")
        with pytest.raises(RetryAfter):
            await bot.send_message(user, "3")
        assert api.rate_limited == 1
        assert len(api.sent_messages(user)) == 2


async def test_blocked_user_and_migrated_group(api: FakeTelegramAPI, bot: Bot, user: int) -> None:
    api.block_user(user)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(user, "còn đó không?")
    api.unblock_user(user)
    await bot.send_message(user, "còn đó không?")

    api.push_update(api.user_message("/start", chat_id=-4001, chat_type="group"))
    api.fail_next("sendMessage", status=400, migrate_to_chat_id=-1004001, chat_id=-4001)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-4001, "nhóm")
    assert caught.value.new_chat_id == -1004001
    sent = await bot.send_message(caught.value.new_chat_id, "nhóm")
    assert sent.chat.type == "supergroup"


async def test_bad_gateway_is_a_network_error(api: FakeTelegramAPI, bot: Bot, user: int) -> None:
    api.fail_next("sendMessage", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway") as caught:
        await bot.send_message(user, "qua nginx")
    assert not isinstance(caught.value, BadRequest)
    assert api.calls("sendMessage")[-1].status == 502


async def test_get_updates_long_poll(api: FakeTelegramAPI, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    [waiting] = await api.wait_for_call("getUpdates")
    assert waiting.status == 0 and waiting.params["timeout"] == 30
    built = api.user_message("Xin chào")
    pushed = api.push_update(built)
    assert pushed is built and pushed["update_id"] == 1  # kept: ids given when built grow
    started = asyncio.get_running_loop().time()
    [update] = await poll
    assert asyncio.get_running_loop().time() - started < 5
    assert update.update_id == pushed["update_id"] and update.message.text == "Xin chào"
    assert len(await bot.get_updates()) == 1  # not confirmed yet
    assert await bot.get_updates(offset=update.update_id + 1) == ()


async def test_webhook_excludes_polling(api: FakeTelegramAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Bad webhook: an https url must be provided"):
        await bot.set_webhook("http://binhyen.example/telegram")
    await bot.set_webhook("https://binhyen.example/telegram", secret_token="s3cr3t")
    assert api.webhook is not None and api.webhook["secret_token"] == "s3cr3t"
    assert (await bot.get_webhook_info()).url == "https://binhyen.example/telegram"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert api.webhook is None and await bot.get_updates() == ()


async def test_waiting_times_out_with_a_summary(api: FakeTelegramAPI, bot: Bot) -> None:
    with pytest.raises(TimeoutError, match=r"1 sendMessage call\(s\); last calls: getMe→200"):
        await api.wait_for_call("sendMessage", timeout=0.05)


async def test_file_download(api: FakeTelegramAPI, bot: Bot) -> None:
    api.add_file("PHOTO1", b"\xff\xd8 anh chup", file_path="photos/file_1.jpg")
    file = await bot.get_file("PHOTO1")
    assert file.file_path == f"{api.url}/file/bot{api.token}/photos/file_1.jpg"
    assert await file.download_as_bytearray() == bytearray(b"\xff\xd8 anh chup")
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("NOPE")


async def test_edits_and_callback_queries(api: FakeTelegramAPI, bot: Bot, user: int) -> None:
    sent = await bot.send_message(user, "Bạn có an toàn không?", reply_markup=_keyboard("safe"))
    update = api.callback_query("safe", message_id=sent.message_id)
    assert update["callback_query"]["message"]["reply_markup"]["inline_keyboard"]
    query_id = update["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)
    edited = await bot.edit_message_text("Cảm ơn", chat_id=user, message_id=sent.message_id)
    assert edited.reply_markup is None  # an edit without reply_markup drops the keyboard
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Cảm ơn", chat_id=user, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("?", chat_id=user, message_id=999)


async def test_application_polling_end_to_end(api: FakeTelegramAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Chào bạn", reply_markup=_keyboard("menu"))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("Menu")

    app = (
        Application.builder()
        .token(api.token)
        .base_url(f"{api.url}/bot")
        .base_file_url(f"{api.url}/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=30)  # type: ignore[union-attr]
        api.push_update(api.user_message("/start"))
        [reply] = await api.wait_for_messages(USER, 1)
        assert reply["text"] == "Chào bạn"
        message_id = api.calls("sendMessage")[0].response["result"]["message_id"]
        api.push_update(api.callback_query("menu", message_id=message_id))
        [_, edit] = await api.wait_for_messages(USER, 2)
        assert edit == {"chat_id": USER, "message_id": message_id, "text": "Menu"}
        await app.updater.stop()  # type: ignore[union-attr]
        await app.stop()
    assert [call.status for call in api.calls("answerCallbackQuery")] == [200]
    assert api.calls("getUpdates")[-1].params["timeout"] == 0  # PTB's confirming call
