"""The real bot (PTB Application and all) running against the fake Bot API over HTTP."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.config import Settings
from bot.runtime.app import BotApp, running_bot
from tests.fakes.telegram_api import FakeTelegramAPI


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def telegram_settings(settings: Settings, api: FakeTelegramAPI, **overrides: Any) -> Settings:
    return settings.model_copy(
        update={"telegram_bot_token": api.token, "telegram_api_url": api.url, **overrides}
    )


def webhook_settings(settings: Settings, api: FakeTelegramAPI, secret: str) -> Settings:
    """Telegram is told the public HTTPS address; our server listens on loopback behind it."""
    port = free_port()
    return telegram_settings(
        settings,
        api,
        webhook_url="https://binhyen.example.vn/telegram/webhook",
        webhook_secret=secret,
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )


def local_webhook_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.webhook_port}{settings.webhook_path}"


@asynccontextmanager
async def bot_running(settings: Settings) -> AsyncIterator[BotApp]:
    # The test session has migrated the database already.
    async with running_bot(settings, migrate=False) as app:
        yield app


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, callback_data) of the inline keyboard under a sent message."""
    markup = message.get("reply_markup") or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


def button_data(message: dict[str, Any], label: str) -> str:
    for text, data in buttons(message):
        if text == label:
            return data
    raise AssertionError(f"no button {label!r} under {message.get('text')!r}: {buttons(message)}")
