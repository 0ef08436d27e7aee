"""Two bot processes in webhook mode on one PostgreSQL database, behind "one proxy" (this test):
1,000 updates from 1,000 residents posted to the two processes alternately, one in ten posted to
both at once (a redelivery landing on the other process). Every update is handled once and every
resident gets exactly one reply; no outbox message is sent twice. Skipped without
TEST_DATABASE_URL (SQLite allows one process)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.config import Settings
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus, ProcessedUpdate
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram_harness import free_port

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)"
)
ROOT = Path(__file__).resolve().parent.parent
SECRET = "two-processes-secret"
UPDATES, FIRST_USER = 1000, 100_000
READY = "web server listening on port"


class BotProcess:
    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process, self.port = process, port
        self.log: list[str] = []
        self.ready = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            line = raw.decode(errors="replace")
            self.log.append(line)
            if READY in line:
                self.ready.set()
        self.ready.set()  # it ended: the test sees why in the log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram/webhook"


@asynccontextmanager
async def bot_process(
    api: FakeTelegramAPI, settings: Settings, workdir: Path
) -> AsyncIterator[BotProcess]:
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL",)},
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": settings.database_url,
        "BOT_SECRET_KEY": settings.bot_secret_key or "",
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": api.url,
        "ZALO_BOT_TOKEN": "",
        "WEBHOOK_URL": "https://binhyen.example.vn/telegram/webhook",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "TELEGRAM_GLOBAL_RATE": "1000",
        "TELEGRAM_PRIVATE_CHAT_INTERVAL": "0",
        "MEDIA_DIR": str(workdir / "media"),
        "LOG_LEVEL": "INFO",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=workdir,
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    bot = BotProcess(process, port)
    try:
        await asyncio.wait_for(bot.ready.wait(), timeout=60)
        assert process.returncode is None, "".join(bot.log)
        yield bot
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=60)
        await bot.reader


async def test_two_webhook_processes_handle_each_update_once_and_reply_once(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    async with FakeTelegramAPI() as api, AsyncExitStack() as stack:
        bots = []
        for name in ("first", "second"):
            (tmp_path / name).mkdir()
            bots.append(
                await stack.enter_async_context(bot_process(api, settings, tmp_path / name))
            )
        updates = [
            api.user_message("menu", user_id=FIRST_USER + n, first_name=f"R{n}")
            for n in range(UPDATES)
        ]
        statuses: list[int] = []
        in_flight = asyncio.Semaphore(16)

        async def post(
            http: aiohttp.ClientSession, bot: BotProcess, update: dict[str, Any]
        ) -> None:
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with http.post(bot.url, json=update, headers=headers) as response:
                statuses.append(response.status)

        async def deliver(http: aiohttp.ClientSession, n: int, update: dict[str, Any]) -> None:
            async with in_flight:
                if n % 10 == 0:  # delivered to both processes at once
                    await asyncio.gather(*(post(http, bot, update) for bot in bots))
                else:
                    await post(http, bots[n % 2], update)

        async with aiohttp.ClientSession() as http:
            await asyncio.gather(*(deliver(http, n, u) for n, u in enumerate(updates)))
        await api._wait(lambda: len(api.sent_messages()) >= UPDATES, 60.0, "every reply")
        replies = Counter(params["chat_id"] for params in api.sent_messages())

    assert statuses.count(200) == len(statuses) == UPDATES + UPDATES // 10
    assert len(replies) == UPDATES and set(replies.values()) == {1}
    async with db.transaction() as session:
        handled = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
        outbox = dict(
            (
                await session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                )
            ).all()
        )
    assert handled == UPDATES
    assert outbox == {OutboxStatus.SENT: UPDATES}
    for bot in bots:
        assert bot.process.returncode == 0, "".join(bot.log)
        assert "Traceback" not in "".join(bot.log)
