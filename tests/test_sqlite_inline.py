"""SQLite on the event loop (storage/sqlite_inline.py): nothing goes through a thread, unless
another process holds the database; then the statement waits in a thread, the loop runs on,
and the transaction goes through once the lock is free."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from benchmarks.counts import counting
from storage.db import Database
from storage.sqlite_inline import InlineConnection


@pytest.fixture
async def db(tmp_path: Path) -> Any:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")
    async with database.transaction() as session:
        await session.execute(text("CREATE TABLE notes (body TEXT)"))
    yield database
    await database.close()


async def test_a_transaction_makes_no_thread_round_trip(db: Database) -> None:
    with counting() as tally:
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO notes VALUES ('a')"))
            assert await session.scalar(text("SELECT count(*) FROM notes")) == 1
    assert tally.thread_trips == 0
    assert tally.transactions == 1


async def test_a_locked_database_is_waited_for_in_a_thread(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = threading.Event()
    original = InlineConnection._waiting

    def noting(self: InlineConnection, *args: Any) -> Any:
        waiting.set()
        return original(self, *args)

    monkeypatch.setattr(InlineConnection, "_waiting", noting)
    other = sqlite3.connect(tmp_path / "inline.db", isolation_level=None)  # another process
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO notes VALUES ('theirs')")

    async def ours() -> None:
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO notes VALUES ('ours')"))

    task = asyncio.create_task(ours())
    assert await asyncio.to_thread(waiting.wait, 60)  # ours found the lock taken, waits in a thread
    assert not task.done()
    other.execute("COMMIT")
    await task
    other.close()

    async with db.transaction() as session:
        rows = (await session.execute(text("SELECT body FROM notes ORDER BY rowid"))).scalars()
        assert list(rows) == ["theirs", "ours"]
