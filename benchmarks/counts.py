"""What one update costs: SQL statements, transactions, and round trips to another thread
(aiosqlite's, and the loop's executor: aiohttp looks up netrc and proxies there for each request
when trusting the environment) or, on PostgreSQL, to the server (each BEGIN, statement, COMMIT
and check of a connection), for the common updates, the whole inbound path counted (stored in
the inbox, handled, replies sent and settled, cleared from the inbox).

The updates go through the running bot one at a time, so nothing else is counted with them; the
fake Bot API runs in this process (it touches no database).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import aiosqlite.core
import asyncpg.connection
import asyncpg.prepared_stmt
from sqlalchemy import event
from sqlalchemy.engine import Engine

import storage.direct
from bot.runtime.app import BotApp, running_bot
from storage.direct import run_asyncpg, run_inline
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram_harness import telegram_settings


@dataclass
class Tally:
    statements: int = 0
    transactions: int = 0
    thread_trips: int = 0
    server_trips: int = 0  # PostgreSQL's

    def line(self, name: str) -> str:
        trips = f"{self.thread_trips:3d} thread round trips"
        if self.server_trips:
            trips += f", {self.server_trips:3d} to the server"
        return (
            f"  {name:<34} {self.statements:3d} statements  {self.transactions:2d} transactions"
            f"  {trips}"
        )


@contextlib.contextmanager
def counting() -> Iterator[Tally]:
    """Counts every statement, commit and thread hop while the block runs."""
    tally = Tally()

    def statement(*_args: Any, **_kwargs: Any) -> None:
        tally.statements += 1

    def commit(*_args: Any) -> None:
        tally.transactions += 1

    original = aiosqlite.core.Connection._execute

    async def hop(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        tally.thread_trips += 1
        return await original(self, fn, *args, **kwargs)

    in_executor = asyncio.BaseEventLoop.run_in_executor

    def executor_hop(self, executor, func, *args):  # type: ignore[no-untyped-def]
        tally.thread_trips += 1
        return in_executor(self, executor, func, *args)

    async def direct(*args: Any) -> Any:  # storage/direct.py: on the driver's connection
        tally.statements += 1
        return await run_inline(*args)

    async def direct_asyncpg(*args: Any) -> Any:
        tally.statements += 1
        return await run_asyncpg(*args)

    event.listen(Engine, "before_cursor_execute", statement)
    storage.direct.run_inline = direct  # type: ignore[assignment]
    storage.direct.run_asyncpg = direct_asyncpg  # type: ignore[assignment]
    event.listen(Engine, "commit", commit)
    aiosqlite.core.Connection._execute = hop  # type: ignore[method-assign]
    asyncio.BaseEventLoop.run_in_executor = executor_hop  # type: ignore[method-assign]
    with _server_trips(tally):
        try:
            yield tally
        finally:
            storage.direct.run_inline = run_inline
            storage.direct.run_asyncpg = run_asyncpg
            asyncio.BaseEventLoop.run_in_executor = in_executor  # type: ignore[method-assign]
            aiosqlite.core.Connection._execute = original  # type: ignore[method-assign]
            event.remove(Engine, "before_cursor_execute", statement)
            event.remove(Engine, "commit", commit)


# asyncpg's calls that wait for the server once each (a statement asyncpg has not prepared on
# that connection yet waits twice: that is counted too, by `_prepare`).
_ONE_TRIP = {
    asyncpg.connection.Connection: (
        "execute",
        "executemany",
        "fetch",
        "fetchrow",
        "fetchval",
        "_prepare",
    ),
    asyncpg.prepared_stmt.PreparedStatement: ("fetch", "fetchrow", "fetchval", "executemany"),
}


@contextlib.contextmanager
def _server_trips(tally: Tally) -> Iterator[None]:
    """Counts asyncpg's round trips to PostgreSQL (its calls nest: only the outermost counts)."""
    depth = [0]
    saved = [(cls, name, getattr(cls, name)) for cls, names in _ONE_TRIP.items() for name in names]

    def counted(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def call(*args: Any, **kwargs: Any) -> Any:
            tally.server_trips += depth[0] == 0
            depth[0] += 1
            try:
                return await method(*args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    for cls, name, method in saved:
        setattr(cls, name, counted(method))
    try:
        yield
    finally:
        for cls, name, method in saved:
            setattr(cls, name, method)


async def count_one(app: BotApp, update: dict[str, Any]) -> Tally:
    """One update's whole way through: returns once it is handled and cleared."""
    assert app.telegram is not None
    with counting() as tally:
        await app.telegram.process_webhook_update(update)
    return tally


def _first_button(api: FakeTelegramAPI, chat_id: int) -> str:
    return api.sent_messages(chat_id)[-1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]


async def common_updates(url: str) -> list[tuple[str, Tally]]:
    from benchmarks.inbound import _fresh_settings

    base = await _fresh_settings(url)
    async with FakeTelegramAPI() as api:
        settings = telegram_settings(base, api, telegram_global_rate=100_000.0)
        async with running_bot(settings, migrate=False) as app:
            one: Callable[[dict[str, Any]], Awaitable[Tally]] = lambda u: count_one(app, u)  # noqa: E731
            await one(api.user_message("menu", user_id=501))  # warm: caches, first statements
            new_user = await one(api.user_message("menu", user_id=502))
            press = await one(api.callback_query(_first_button(api, 502), user_id=502))
            await one(api.user_message("/baotin", user_id=503))
            tip_step = await one(api.user_message("Thanh Mỹ", user_id=503))
            category = await one(api.user_message("Trộm cắp", user_id=503))
    return [
        ('a new user\'s "menu"', new_user),
        ("a menu button pressed", press),
        ("a tip step (the commune typed)", tip_step),
        ("a tip step (the category typed)", category),
    ]


async def print_counts(urls: list[str]) -> None:
    for url in urls:
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"Per update, the whole inbound path ({backend}):")
        for name, tally in await common_updates(url):
            print(tally.line(name))


if __name__ == "__main__":  # the counts alone: python -m benchmarks.counts
    import os
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as workdir:
        urls = [f"sqlite+aiosqlite:///{Path(workdir) / 'counts.db'}"]
        if os.environ.get("TEST_DATABASE_URL"):
            urls.append(os.environ["TEST_DATABASE_URL"])
        asyncio.run(print_counts(urls))
