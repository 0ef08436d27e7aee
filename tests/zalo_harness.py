"""The real bot (our Zalo client and all) running against the fake Zalo Bot API over HTTP.

In webhook mode a user's message is POSTed to the bot's own server and answered only once it
is handled and its replies sent, so `ZaloUser.says` returns exactly the replies to it; messages
the bot writes on its own (notices) come from the outbox worker: wait for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import aiohttp

from bot.config import Settings
from tests.fakes.zalo_api import FakeZaloAPI
from tests.telegram_harness import free_port
from tests.text_pages import check_text_page

SECRET = "zalo-secret-for-tests"


def zalo_settings(settings: Settings, api: FakeZaloAPI, **overrides: Any) -> Settings:
    return settings.model_copy(
        update={
            "zalo_bot_token": api.token,
            "zalo_api_url": api.url,
            "zalo_poll_interval": 0.02,  # the fake does not mind; Zalo asks for 1 s (default)
            "zalo_global_rate": 1000.0,
            "zalo_private_chat_interval": 0.0,
            "zalo_group_per_minute": 6000,
            **overrides,
        }
    )


def zalo_webhook_settings(settings: Settings, api: FakeZaloAPI, **overrides: Any) -> Settings:
    """Zalo is told the public HTTPS address; our server listens on loopback behind it."""
    return zalo_settings(
        settings,
        api,
        zalo_webhook_url="https://binhyen.example.vn/zalo/webhook",
        zalo_webhook_secret=SECRET,
        webhook_listen="127.0.0.1",
        webhook_port=free_port(),
        **overrides,
    )


def local_zalo_webhook_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.webhook_port}{settings.zalo_webhook_path}"


@dataclass
class ZaloUser:
    """Someone writing to the bot on Zalo, through the webhook."""

    api: FakeZaloAPI
    settings: Settings
    user_id: str
    name: str = "Lan"
    chat_id: str | None = None  # a group's id; None for the private chat
    read: int = field(default=0)

    @property
    def chat(self) -> str:
        return self.chat_id or self.user_id

    def _who(self) -> dict[str, Any]:
        who: dict[str, Any] = {"user_id": self.user_id, "display_name": self.name}
        if self.chat_id is not None:
            who |= {"chat_id": self.chat_id, "chat_type": "GROUP"}
        return who

    async def deliver(self, update: dict[str, Any]) -> list[str]:
        status = await self.api.post_webhook(update, local_zalo_webhook_url(self.settings))
        assert status == 200, status
        return self.unread()

    async def says(self, text: str) -> list[str]:
        return await self.deliver(self.api.text_message(text, **self._who()))

    async def sends_photo(self, url: str, caption: str = "") -> list[str]:
        return await self.deliver(self.api.image_message(url, caption, **self._who()))

    async def sends_sticker(self) -> list[str]:
        return await self.deliver(self.api.sticker_message(**self._who()))

    def unread(self) -> list[str]:
        texts = self.api.texts(self.chat)
        new, self.read = texts[self.read :], len(texts)
        for text in new:
            check_text_page(text)
        return new

    async def receives(self, count: int = 1, timeout: float = 5.0) -> list[str]:  # noqa: ASYNC109
        """The next `count` messages the bot writes here on its own (from the outbox)."""
        await self.api.wait_for_messages(self.chat, self.read + count, timeout=timeout)
        return self.unread()


async def fetch_photo(settings: Settings, url: str) -> bytes:
    """What Zalo gets when it fetches a photo URL the bot gave it: the CDN's (the fake's), or
    our own server's, reached on loopback behind the public address."""
    public = urlparse(settings.zalo_webhook_url or "")
    if public.netloc and url.startswith(f"{public.scheme}://{public.netloc}/"):
        url = url.replace(
            f"{public.scheme}://{public.netloc}", f"http://127.0.0.1:{settings.webhook_port}", 1
        )
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200, (response.status, url)
        return await response.read()


def last(texts: list[str]) -> str:
    assert texts, "no reply"
    return texts[-1]


def joined(texts: list[str]) -> str:
    return "\n---\n".join(texts)


def number_of(message: str, label: str) -> str:
    """The number a text-only message gives `label` ("2. Xã Thanh Mỹ, Tỉnh …" → "2")."""
    for line in message.splitlines():
        number, dot, rest = line.partition(". ")
        if dot and number.isdigit() and rest.startswith(label):
            return number
    raise AssertionError(f"no choice {label!r} in:\n{message}")
