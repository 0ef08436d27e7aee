"""One poller per bot token: Telegram and Zalo give each update to one `getUpdates` caller, so a
second process polling the same token steals half the updates (and Telegram answers it 409).

On PostgreSQL a session-level advisory lock on a connection held while polling; on SQLite an
exclusive lock on a file next to the database. Both are released by the operating system or the
server when the process dies, so a restart right after a crash is never refused.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import ConfigError
from storage.db import Database, is_sqlite
from storage.repos.locks import advisory_unlock, try_advisory_lock

VARIABLE = {"telegram": "TELEGRAM_BOT_TOKEN", "zalo": "ZALO_BOT_TOKEN"}


def poller_refused(channel: str) -> ConfigError:
    webhook = "WEBHOOK_URL" if channel == "telegram" else "ZALO_WEBHOOK_URL"
    return ConfigError(
        f"{VARIABLE.get(channel, channel)}: another process already polls {channel} for this "
        f"token on this database; polling allows one (set {webhook} to run several processes)"
    )


def lock_key(channel: str, token: str) -> int:
    """A signed 64-bit advisory lock key; the token itself never reaches the database."""
    digest = hashlib.sha256(f"binhyen-poller:{channel}:{token}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@asynccontextmanager
async def single_poller(db: Database, channel: str, token: str) -> AsyncIterator[None]:
    """Hold the poller lock for `channel` and `token`, or raise a one-line ConfigError."""
    if is_sqlite(db.url):
        with _file_lock(db.url, channel, lock_key(channel, token)):
            yield
        return
    key = lock_key(channel, token)
    async with db.engine.connect() as connection:
        if not await try_advisory_lock(connection, key):
            raise poller_refused(channel)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # a lost connection released it already
                await advisory_unlock(connection, key)


@contextlib.contextmanager
def _file_lock(url: str, channel: str, key: int):  # type: ignore[no-untyped-def]
    database = make_url(url).database
    if not database or database == ":memory:":
        yield
        return
    path = Path(f"{database}.{channel}-{key & 0xFFFFFFFF:08x}.poller.lock")
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise poller_refused(channel) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
