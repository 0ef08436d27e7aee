"""The other side of the wire for the inbound benchmarks: the fake messenger API and the load.

They run in a process of their own, as Telegram's and Zalo's servers run on machines of their
own: the targets are for the bot's process, and sharing it mixed the fake's work (and memory)
into the bot's numbers.

The two processes speak JSON lines over the peer's stdin and stdout:
  peer -> {"url": ..., "token": ...}             the fake API listens
  bot  -> {"webhook": URL or null}               the bot runs: offer the load
  peer -> {"throughput": ..., "latencies": [...]} measured
  bot  -> end of input                           the bot has stopped: the fake may go

Run as `python -m benchmarks.peer telegram|zalo`; `... tips` plays the residents of
benchmarks/tips.py the same way. For the fan-out benchmark,
`python -m benchmarks.peer fanout RATE` is a fake Bot API answering 429 above RATE messages a
second, which times the delivery of what the bot sends:
  peer -> {"url": ..., "token": ...}
  bot  -> {"chats": [...], "expect": N}          the chats that exist, the messages to wait for
  peer -> {"ready": true}
  bot  -> {"go": true}                           the clock starts; the bot queues and sends
  peer -> {"seconds": ..., "first": ..., "sent": ..., "rate_limited": ...}
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

# Telegram opens at most `max_connections` (default 40) simultaneous webhook requests per bot.
WEBHOOK_CONNECTIONS = 40
SECRET = "bench-secret-0123"

Offer = Callable[[dict], Awaitable[None]]


@dataclass
class Peer:
    process: asyncio.subprocess.Process
    url: str
    token: str

    async def measure(self, webhook_url: str | None) -> tuple[float, list[float]]:
        """Have the peer offer its load (to `webhook_url`, or by polling) and report."""
        result = await self.ask({"webhook": webhook_url})
        return result["throughput"], result["latencies"]

    async def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send one line, return the peer's answer."""
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError("the benchmark peer died; its error is above")
        return json.loads(line)


@asynccontextmanager
async def peer_process(*args: str) -> AsyncIterator[Peer]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.peer",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdin and process.stdout
    try:
        hello = json.loads(await process.stdout.readline())
        yield Peer(process, hello["url"], hello["token"])
    finally:
        process.stdin.close()
        await process.wait()


async def read_line() -> dict[str, Any] | None:
    line = await asyncio.to_thread(sys.stdin.readline)
    return json.loads(line) if line.strip() else None


def say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _telegram_offer(api: Any, http: aiohttp.ClientSession, webhook: str | None) -> Offer:
    async def post(update: dict) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with http.post(webhook or "", json=update, headers=headers) as response:
            assert response.status == 200, response.status

    async def push(update: dict) -> None:
        api.push_update(update)

    return post if webhook else push


def _zalo_offer(api: Any, http: aiohttp.ClientSession, webhook: str | None) -> Offer:
    async def post(update: dict) -> None:
        api.add_chat(update["message"]["chat"]["id"])
        headers = {"X-Bot-Api-Secret-Token": SECRET}
        body = {"ok": True, "result": update}
        async with http.post(webhook or "", json=body, headers=headers) as response:
            assert response.status == 200, response.status

    async def push(update: dict) -> None:
        api.push_update(update)

    return post if webhook else push


async def serve(messenger: str) -> None:
    if messenger == "telegram":
        from benchmarks.inbound import measure
        from tests.fakes.telegram_api import FakeTelegramAPI

        fake: Any = FakeTelegramAPI()
        make_offer = _telegram_offer
    else:
        from benchmarks.zalo import measure  # type: ignore[assignment]
        from tests.fakes.zalo_api import FakeZaloAPI

        fake = FakeZaloAPI(max_poll_wait=1.0)
        make_offer = _zalo_offer
    async with fake as api:
        say({"url": api.url, "token": api.token})
        go = await read_line()
        if go is None:
            return
        connector = aiohttp.TCPConnector(limit=WEBHOOK_CONNECTIONS)
        async with aiohttp.ClientSession(connector=connector) as http:
            offer = make_offer(api, http, go["webhook"])
            throughput, latencies = await measure(api, offer, first_user=10_000)
        say({"throughput": throughput, "latencies": latencies})
        await read_line()  # the bot stops while the fake still answers it


async def serve_fanout(rate: float) -> None:
    from tests.fakes.telegram_api import FakeTelegramAPI

    class Counting(FakeTelegramAPI):
        """Counts messages as they are accepted (scanning the log on each would be quadratic)."""

        def __init__(self) -> None:
            super().__init__(global_rate=rate)
            self.count, self.expected, self.first, self.last = 0, 0, 0.0, 0.0
            self.all_in = asyncio.Event()

        def send(self, method: str, params: dict[str, Any]) -> Any:
            result = super().send(method, params)
            self.count += 1
            self.last = asyncio.get_running_loop().time()
            self.first = self.first or self.last
            if self.count >= self.expected:
                self.all_in.set()
            return result

    async with Counting() as api:
        say({"url": api.url, "token": api.token})
        setup = await read_line()
        if setup is None:
            return
        api.known_chats.update(setup["chats"])
        api.expected = setup["expect"]
        # The fake keeps every request it answered; full collections over that growing heap
        # stalled it for long enough that a second's worth of requests piled up and, handled
        # at once, exceeded its own limit. Telegram's servers do not pause so.
        gc.disable()
        say({"ready": True})
        await read_line()
        started = asyncio.get_running_loop().time()
        await asyncio.wait_for(api.all_in.wait(), 1800)
        say(
            {
                "seconds": api.last - started,
                "first": api.first - started,
                "sent": api.count,
                "rate_limited": api.rate_limited,
            }
        )
        await read_line()


if __name__ == "__main__":
    if sys.argv[1] == "fanout":
        asyncio.run(serve_fanout(float(sys.argv[2])))
    elif sys.argv[1] == "tips":
        from benchmarks.tips import serve_peer

        asyncio.run(serve_peer())
    else:
        asyncio.run(serve(sys.argv[1]))
