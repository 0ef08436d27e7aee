"""The web console over HTTP for tests: the real application (mounted as `bot.runtime.app`
mounts it) behind aiohttp's test server, a sign-in link asked for in the chat, and reading forms."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.runtime.webhook import build_web_app
from bot.web.app import PREFIX, ConsoleConfig, build_console
from storage.base import utcnow
from storage.db import Database
from tests.conversation import Chat

LINK = re.compile(r"https?://\S+?(/console/login/[A-Za-z0-9_-]+)")
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


class Clock:
    """The console's clock, moved by the test (link expiry, idle sessions)."""

    def __init__(self) -> None:
        self.offset = None

    def __call__(self) -> datetime:
        return utcnow() + self.offset if self.offset else utcnow()


@asynccontextmanager
async def console_client(
    db: Database,
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
    woken: list[str] | None = None,
) -> AsyncIterator[TestClient]:
    root = build_web_app({})
    config = ConsoleConfig(
        db=db,
        settings=settings,
        clock=clock,
        wake=(woken.append if woken is not None else (lambda _channel: None)),
    )
    root.add_subapp(PREFIX, build_console(config))
    async with TestClient(TestServer(root)) as client:
        yield client


async def link_for(chat: Chat) -> str:
    """The path of the sign-in link the bot sends in the chat for /web."""
    replies = await chat.says("/web")
    found = [LINK.search(m.text) for m in replies]
    paths = [match.group(1) for match in found if match]
    assert paths, [m.text for m in replies]
    return paths[-1]


async def press_sign_in(
    client: TestClient, path: str, *, before_pressing: Callable[[], None] | None = None
) -> ClientResponse:
    """Opens the sign-in page of the link at `path` and presses its button, as a browser does."""
    page = await client.get(path)
    assert page.status == 200
    token = csrf_of(await page.text())
    if before_pressing is not None:
        before_pressing()
    return await client.post(path, data={"csrf": token}, allow_redirects=False)


async def sign_in(client: TestClient, chat: Chat) -> str:
    """Signs in with a fresh link; returns the page the console lands on."""
    response = await press_sign_in(client, await link_for(chat))
    assert response.status == 303, await response.text()
    landed = await client.get(response.headers["Location"])
    assert landed.status == 200, await landed.text()
    return await landed.text()


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no form with a CSRF token on the page"
    return found.group(1)
