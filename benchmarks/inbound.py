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
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.engine import make_url

from benchmarks.counts import print_counts
from benchmarks.peer import SECRET, WEBHOOK_CONNECTIONS, peer_process
from bot.config import Settings, generate_secret_key, load_settings
from bot.runtime.app import running_bot, startup_frozen
from storage.db import is_sqlite
from storage.migrate import upgrade_async
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram_harness import free_port, local_webhook_url

BURST = 1000
# Updates per second offered for the latency runs: well below saturation, and the target's.
STEADY_RATES = (50, 150)
STEADY_SECONDS = 6
TARGET_RATIO, TARGET_P99_MS = 0.8, 50  # of the bare bot's burst; at 150 updates/s offered
UPDATES = BURST + sum(rate * STEADY_SECONDS for rate in STEADY_RATES)  # in one run
PAIRS = 3  # bare bot then Bình Yên, for each row


@dataclass
class Result:
    name: str
    updates_per_second: float
    latencies: dict[int, tuple[float, float]]  # offered rate -> (p50, p99) in ms
    # The bot process's CPU time per update over the whole run: steadier than throughput on a
    # machine shared with other work.
    cpu_ms: float = float("nan")

    def line(self) -> str:
        steady = "".join(
            f"   at {rate}/s: p50 {p50:6.1f} p99 {p99:6.1f} ms"
            for rate, (p50, p99) in self.latencies.items()
        )
        return (
            f"{self.name:<30} {self.updates_per_second:5.0f} updates/s"
            f"  CPU {self.cpu_ms:4.1f} ms/update{steady}"
        )

    @classmethod
    def of(cls, name: str, throughput: float, latencies: list[list[float]]) -> Result:
        percentiles = {
            rate: (_percentile(values, 50), _percentile(values, 99))
            for rate, values in zip(STEADY_RATES, latencies, strict=True)
        }
        return cls(name, throughput, percentiles)


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
) -> tuple[float, list[list[float]]]:
    loop = asyncio.get_running_loop()
    # Burst: every user says "menu" once, all at the same time.
    users = range(first_user, first_user + BURST)
    updates = [api.user_message("menu", user_id=u) for u in users]
    started = loop.time()
    await asyncio.gather(*(offer(update) for update in updates))
    arrivals = await _replies_to(api, BURST)
    throughput = BURST / (max(arrivals[u] for u in users) - started)

    # Steady: one update every 1/rate seconds, each from a new user; each rate in turn.
    latencies, answered, user = [], BURST, first_user + BURST
    for rate in STEADY_RATES:
        count = rate * STEADY_SECONDS
        steady_users = range(user, user + count)
        offered: dict[int, float] = {}

        async def one(index: int, user: int, rate: int = rate, offered: dict = offered) -> None:
            await asyncio.sleep(index / rate)
            update = api.user_message("menu", user_id=user)
            offered[user] = loop.time()
            await offer(update)

        await asyncio.gather(*(one(i, u) for i, u in enumerate(steady_users)))
        answered, user = answered + count, user + count
        arrivals = await _replies_to(api, answered)
        latencies.append([arrivals[u] - offered[u] for u in steady_users])
    return throughput, latencies


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
        cpu = time.process_time()
        async with running_bot(bot_settings, migrate=False):
            webhook = local_webhook_url(bot_settings) if mode == "webhook" else None
            with startup_frozen():  # as `python -m bot run` serves
                throughput, latencies = await peer.measure(webhook)
        cpu = time.process_time() - cpu
    name = f"Bình Yên, {mode} ({_backend(settings.database_url)})"
    return replace(Result.of(name, throughput, latencies), cpu_ms=cpu * 1000 / UPDATES)


async def bench_bare() -> tuple[Result, float]:
    """The bare PTB bot (benchmarks/bare_ptb.py) in its own process, same fake, same load;
    with its peak RSS in MB."""
    async with peer_process("telegram") as peer:
        bare = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.bare_ptb",
            peer.url,
            peer.token,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert bare.stdin and bare.stdout
        try:
            await bare.stdout.readline()  # {"ready": true}
            throughput, latencies = await peer.measure(None)
        finally:
            bare.stdin.close()
            stopped = await bare.stdout.readline()
            await bare.wait()
    report = json.loads(stopped) if stopped.strip() else {}
    bare = Result.of("bare PTB bot, polling (no DB)", throughput, latencies)
    cpu_ms = report.get("cpu_seconds", float("nan")) * 1000 / UPDATES
    return replace(bare, cpu_ms=cpu_ms), report.get("peak_rss_mb", float("nan"))


def peak_rss_mb() -> float:
    """This process's peak RSS so far: the bot's, as the fakes and the load run elsewhere."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


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
        rates = " and ".join(str(rate) for rate in STEADY_RATES)
        print(
            f'Inbound path through the fake Bot API: throughput = {BURST} "menu" from '
            f"{BURST} new users at once (webhook: {WEBHOOK_CONNECTIONS} connections, as "
            f"Telegram); latency = {rates} updates/s offered for {STEADY_SECONDS} s each, "
            "update offered -> reply received"
        )
        print(
            f"target: >= {TARGET_RATIO}x the bare PTB bot's throughput (polling, SQLite), "
            f"p99 <= {TARGET_P99_MS} ms at {STEADY_RATES[-1]} updates/s"
        )
        print(
            f"Each row: the bare bot, then Bình Yên, {PAIRS} times; its ratio and p99 are the "
            "medians of the pairs: this machine's pace has moved by a third from one minute to "
            "the next"
        )
        first = True
        for url in urls:
            for mode in ("polling", "webhook"):
                ratios, p99s = [], []
                for _ in range(PAIRS):
                    bare, bare_rss = await bench_bare()
                    # Linux keeps a process's peak RSS across exec: a bare bot started once
                    # this process has grown reports this process's size, not its own.
                    print(bare.line(), f"  peak RSS {bare_rss:.0f} MB" if first else "")
                    first = False
                    settings = await _fresh_settings(url)
                    started = time.perf_counter()
                    result = await bench_channel(settings, mode)
                    ratios.append(result.updates_per_second / bare.updates_per_second)
                    p99s.append(result.latencies[STEADY_RATES[-1]][1])
                    took = time.perf_counter() - started
                    print(result.line(), f"  {ratios[-1]:.2f}x the bare bot", end="")
                    print(f"  ({took:.0f} s, peak RSS so far {peak_rss_mb():.0f} MB)")
                ratio, p99 = statistics.median(ratios), statistics.median(p99s)
                verdict = "meets" if ratio >= TARGET_RATIO and p99 <= TARGET_P99_MS else "MISSES"
                print(
                    f"=> {mode}, {_backend(url)}: {ratio:.2f}x the bare bot "
                    f"({', '.join(f'{r:.2f}' for r in ratios)}), p99 at {STEADY_RATES[-1]}/s "
                    f"{p99:.0f} ms: {verdict} the target"
                )
        await print_counts(urls)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
