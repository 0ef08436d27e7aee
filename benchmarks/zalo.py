"""Zalo inbound path: update → engine → reply, through our Zalo client and the fake Zalo Bot API.

As for Telegram (benchmarks/inbound.py), in polling and in webhook mode:
- throughput: a burst of updates from many users, until every reply has reached the fake API;
- latency: updates offered at a steady rate, from offering an update to its reply arriving.

Zalo's getUpdates hands out one update per call and asks for at most about one call a second,
so real polling carries about one update a second: production runs on the webhook. Here the
poll interval and the overall send pace are lifted, because what is measured is our processing.
The fake and the load run in a process of their own (benchmarks/peer.py); `measure` runs there.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from benchmarks.inbound import (
    BURST,
    STEADY_SECONDS,
    TARGET_P99_MS,
    WEBHOOK_CONNECTIONS,
    Result,
    _backend,
    _fresh_settings,
    _percentile,
)
from benchmarks.peer import SECRET, peer_process
from bot.config import Settings
from bot.runtime.app import running_bot
from tests.fakes.zalo_api import FakeZaloAPI
from tests.telegram_harness import free_port
from tests.zalo_harness import local_zalo_webhook_url

STEADY_RATE = 50  # updates per second offered for the latency run: below saturation
TARGET_RATE = 300


def _first_replies(api: FakeZaloAPI) -> dict[str, float]:
    arrivals: dict[str, float] = {}
    for call in api.requests:
        if call.method == "sendMessage" and call.status == 200:
            arrivals.setdefault(call.params["chat_id"], call.time)
    return arrivals


async def _replies_to(api: FakeZaloAPI, total: int) -> dict[str, float]:
    await api.wait_for_call(
        "sendMessage",
        count=total,
        timeout=max(60.0, total / 10),
        predicate=lambda c: c.status == 200,
    )
    return _first_replies(api)


async def measure(
    api: FakeZaloAPI, offer: Callable[[dict], Awaitable[None]], first_user: int
) -> tuple[float, list[float]]:
    loop = asyncio.get_running_loop()
    users = [f"z{n}" for n in range(first_user, first_user + BURST)]
    updates = [api.text_message("menu", user_id=u) for u in users]
    started = loop.time()
    await asyncio.gather(*(offer(update) for update in updates))
    arrivals = await _replies_to(api, BURST)
    throughput = BURST / (max(arrivals[u] for u in users) - started)

    count = STEADY_RATE * STEADY_SECONDS
    steady = [f"z{n}" for n in range(first_user + BURST, first_user + BURST + count)]
    offered: dict[str, float] = {}

    async def one(index: int, user: str) -> None:
        await asyncio.sleep(index / STEADY_RATE)
        update = api.text_message("menu", user_id=user)
        offered[user] = loop.time()
        await offer(update)

    await asyncio.gather(*(one(i, u) for i, u in enumerate(steady)))
    arrivals = await _replies_to(api, BURST + count)
    return throughput, [arrivals[u] - offered[u] for u in steady]


async def bench_zalo(settings: Settings, mode: str) -> Result:
    async with peer_process("zalo") as peer:
        overrides: dict[str, object] = {
            "zalo_bot_token": peer.token,
            "zalo_api_url": peer.url,
            "zalo_poll_interval": 0.0,
            "zalo_global_rate": 100_000.0,
        }
        if mode == "webhook":
            overrides |= {
                "zalo_webhook_url": "https://binhyen.example.vn/zalo/webhook",
                "zalo_webhook_secret": SECRET,
                "webhook_listen": "127.0.0.1",
                "webhook_port": free_port(),
            }
        bot_settings = settings.model_copy(update=overrides)
        cpu = time.process_time()
        async with running_bot(bot_settings, migrate=False):
            webhook = local_zalo_webhook_url(bot_settings) if mode == "webhook" else None
            throughput, latencies = await peer.measure(webhook)
        cpu = time.process_time() - cpu
    percentiles = (_percentile(latencies, 50), _percentile(latencies, 99))
    name = f"zalo {mode} ({_backend(settings.database_url)})"
    updates = BURST + STEADY_RATE * STEADY_SECONDS
    return Result(name, throughput, {STEADY_RATE: percentiles}, cpu * 1000 / updates)


async def main() -> int:
    import logging

    logging.basicConfig(level=logging.WARNING)
    urls = []
    with tempfile.TemporaryDirectory() as workdir:
        urls.append(f"sqlite+aiosqlite:///{Path(workdir) / 'bench.db'}")
        if os.environ.get("TEST_DATABASE_URL"):
            urls.append(os.environ["TEST_DATABASE_URL"])
        print(
            f"Zalo inbound path through our client and the fake Zalo Bot API: throughput = "
            f"{BURST} updates from {BURST} users at once (polling: one update per getUpdates, "
            f"the 1 s poll interval lifted; webhook: {WEBHOOK_CONNECTIONS} connections); "
            f"latency = {STEADY_RATE} updates/s for {STEADY_SECONDS} s"
        )
        print(f"target: >= {TARGET_RATE} updates/s, p99 <= {TARGET_P99_MS} ms (webhook)")
        for url in urls:
            for mode in ("polling", "webhook"):
                settings = await _fresh_settings(url)
                started = time.perf_counter()
                result = await bench_zalo(settings, mode)
                p99 = result.latencies[STEADY_RATE][1]
                meets = result.updates_per_second >= TARGET_RATE and p99 <= TARGET_P99_MS
                verdict = "meets" if meets else "MISSES"
                took = time.perf_counter() - started
                print(result.line(), f"  {verdict} the target  ({took:.0f} s)")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(asyncio.run(main()))
