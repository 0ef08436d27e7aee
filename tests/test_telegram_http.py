"""PTB's HTTP transport on aiohttp (bot/runtime/channels/telegram_http.py), against the fake
Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.runtime.channels.telegram_http import AiohttpRequest
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_validation import UploadedFile
from tests.telegram_harness import free_port

CHAT = 4242
NEVER = web.AppKey("never", asyncio.Event)


@asynccontextmanager
async def bot_at(url: str, token: str, **request: float) -> AsyncIterator[Bot]:
    bot = Bot(token, base_url=f"{url}/bot", request=AiohttpRequest(**request))
    async with bot:
        yield bot


async def test_a_text_goes_as_a_form_and_the_answer_is_read() -> None:
    async with FakeTelegramAPI() as api, bot_at(api.url, api.token) as bot:
        api.known_chats.add(CHAT)
        message = await bot.send_message(CHAT, "Xin chào, tổ dân phố số 3")
    assert message.text == "Xin chào, tổ dân phố số 3"
    assert api.sent_messages(CHAT)[0]["text"] == "Xin chào, tổ dân phố số 3"


async def test_a_document_is_uploaded_as_multipart() -> None:
    async with FakeTelegramAPI() as api, bot_at(api.url, api.token) as bot:
        api.known_chats.add(CHAT)
        await bot.send_document(
            CHAT, document=b"PK\x03\x04 bao cao", filename="bao-cao-quy-4.xlsx", caption="Quý 4"
        )
    sent = api.sent_messages(CHAT)[0]
    document = sent["document"]
    assert isinstance(document, UploadedFile)
    assert (document.filename, document.content) == ("bao-cao-quy-4.xlsx", b"PK\x03\x04 bao cao")
    assert sent["caption"] == "Quý 4"


async def test_the_api_s_errors_come_back_as_ptb_errors() -> None:
    async with FakeTelegramAPI() as api, bot_at(api.url, api.token) as bot:
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(999, "không ai nhận")


async def test_an_unreachable_api_is_a_network_error() -> None:
    with pytest.raises(NetworkError):  # starting the bot asks the API who it is
        async with bot_at(f"http://127.0.0.1:{free_port()}", "1:abc"):
            pass


async def test_an_answer_that_never_comes_times_out() -> None:
    async def silent(request: web.Request) -> web.Response:
        await request.app[NEVER].wait()
        return web.Response()

    app = web.Application()
    app[NEVER] = asyncio.Event()
    app.router.add_post("/{tail:.*}", silent)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        with pytest.raises(TimedOut):
            async with bot_at(f"http://127.0.0.1:{port}", "1:abc", read_timeout=0.2):
                pass
    finally:
        app[NEVER].set()
        await runner.cleanup()
