"""Inbound path: update → engine → reply, through the real PTB Application and the fake Bot API.

For polling and for the webhook it measures
- throughput: a burst of updates from many users, until every reply has reached the fake API;
- latency: updates offered at a steady rate, time from offering an update to its reply arriving.

Telegram allows about 30 messages a second per bot; the bot's overall pace is raised here (and
the fake enforces nothing), because what is measured is our processing, not Telegram's limit.
The fake and the load run in a process of their own (benchmarks/peer.py); `measure` runs there.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from benchmarks.peer import SECRET, WEBHOOK_CONNECTIONS, peer_process
from bot.config import Settings, generate_secret_key, load_settings
from bot.runtime.app import running_bot
from storage.db import is_sqlite
from storage.migrate import upgrade_async
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram_harness import free_port, local_webhook_url

BURST = 1000
STEADY_RATE = 50  # updates per second offered for the latency run: below saturation
STEADY_SECONDS = 6
TARGET_RATE, TARGET_P99_MS = 300, 50


@dataclass
class Result:
    name: str
    updates_per_second: float
    p50_ms: float
    p99_ms: float

    def line(self) -> str:
        return (
            f"{self.name:<28} {self.updates_per_second:8.0f} updates/s"
            f"   p50 {self.p50_ms:6.1f} ms   p99 {self.p99_ms:6.1f} ms"
        )


def _first_replies(api: FakeTelegramAPI) -> dict[int, float]:
    """When the first reply reached each chat (one pass over the fake's log)."""
    arrivals: dict[int, float] = {}
    for call in api.requests:
        if call.method == "sendMessage" and call.status == 200:
            arrivals.setdefault(call.params["chat_id"], call.time)
    return arrivals


async def _replies_to(api: FakeTelegramAPI, total: int) -> dict[int, float]:
    # Generous (10 updates/s would be a tenth of what we measure), yet no five-minute hang.
    await api.wait_for_call(
        "sendMessage",
        count=total,
        timeout=max(60.0, total / 10),
        predicate=lambda c: c.status == 200,
    )
    return _first_replies(api)


async def measure(
    api: FakeTelegramAPI, offer: Callable[[dict], Awaitable[None]], first_user: int
) -> tuple[float, list[float]]:
    loop = asyncio.get_running_loop()
    # Burst: every user says "menu" once, all at the same time.
    users = range(first_user, first_user + BURST)
    updates = [api.user_message("menu", user_id=u) for u in users]
    started = loop.time()
    await asyncio.gather(*(offer(update) for update in updates))
    arrivals = await _replies_to(api, BURST)
    throughput = BURST / (max(arrivals[u] for u in users) - started)

    # Steady: one update every 1/rate seconds, each from a new user.
    count = STEADY_RATE * STEADY_SECONDS
    steady_users = range(first_user + BURST, first_user + BURST + count)
    offered: dict[int, float] = {}

    async def one(index: int, user: int) -> None:
        await asyncio.sleep(index / STEADY_RATE)
        update = api.user_message("menu", user_id=user)
        offered[user] = loop.time()
        await offer(update)

    await asyncio.gather(*(one(i, u) for i, u in enumerate(steady_users)))
    arrivals = await _replies_to(api, BURST + count)
    return throughput, [arrivals[u] - offered[u] for u in steady_users]


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000


async def bench_channel(settings: Settings, mode: str) -> Result:
    async with peer_process("telegram") as peer:
        overrides = {
            "telegram_bot_token": peer.token,
            "telegram_api_url": peer.url,
            "telegram_global_rate": 100_000.0,
        }
        if mode == "webhook":
            overrides |= {
                "webhook_url": "https://binhyen.example.vn/telegram/webhook",
                "webhook_secret": SECRET,
                "webhook_listen": "127.0.0.1",
                "webhook_port": free_port(),
            }
        bot_settings = settings.model_copy(update=overrides)
        async with running_bot(bot_settings, migrate=False):
            webhook = local_webhook_url(bot_settings) if mode == "webhook" else None
            throughput, latencies = await peer.measure(webhook)
    return Result(
        f"{mode} ({_backend(settings.database_url)})",
        throughput,
        _percentile(latencies, 50),
        _percentile(latencies, 99),
    )


def _backend(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


def _remove_sqlite(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)


async def _fresh_settings(url: str) -> Settings:
    """An empty, migrated database for one run.

    Each run's fake Bot API numbers its updates from 1 again, so a database kept from the
    previous run would hold those update ids in its processed-update ledger already, and the
    engine would drop every update as a redelivery: no reply ever, and the wait for them hangs.
    """
    if url.startswith("postgresql"):
        from tests.conftest import _reset_postgres

        await asyncio.to_thread(_reset_postgres, url)
    elif is_sqlite(url):
        await asyncio.to_thread(_remove_sqlite, url)
    await upgrade_async(url)
    return load_settings(_env_file=None, database_url=url, bot_secret_key=generate_secret_key())


async def main() -> int:
    import logging

    logging.basicConfig(level=logging.WARNING)
    urls = []
    with tempfile.TemporaryDirectory() as workdir:
        urls.append(f"sqlite+aiosqlite:///{Path(workdir) / 'bench.db'}")
        if os.environ.get("TEST_DATABASE_URL"):
            urls.append(os.environ["TEST_DATABASE_URL"])
        print(
            f"Inbound path through PTB and the fake Bot API: throughput = {BURST} updates from "
            f"{BURST} users at once (webhook: {WEBHOOK_CONNECTIONS} connections, as Telegram); "
            f"latency = {STEADY_RATE} updates/s for {STEADY_SECONDS} s, "
            "update offered -> reply received"
        )
        print(f"target: >= {TARGET_RATE} updates/s, p99 <= {TARGET_P99_MS} ms")
        for url in urls:
            for mode in ("polling", "webhook"):
                settings = await _fresh_settings(url)
                started = time.perf_counter()
                result = await bench_channel(settings, mode)
                verdict = (
                    "meets"
                    if result.updates_per_second >= TARGET_RATE and result.p99_ms <= TARGET_P99_MS
                    else "MISSES"
                )
                took = time.perf_counter() - started
                print(result.line(), f"  {verdict} the target  ({took:.0f} s)")
    return 0
