"""SQLite without a thread hop per call: the sqlite3 connection behind SQLAlchemy's aiosqlite
dialect (through `async_creator`), its calls run on the event loop's thread.

aiosqlite runs every call (cursor, execute, fetch, close, commit) in a thread of its own and
awaits the answer: about 40 round trips between threads for one update, more time than SQLite
spends on the statements themselves, which take microseconds on a local file in WAL mode.

The loop runs other tasks between statements; a single long statement (a yearly report's
query) holds it for its duration. Nothing may wait on the loop, so the busy timeout is zero: a
statement that finds the database locked by another process (BEGIN IMMEDIATE, mostly) is run
again in a worker thread that waits for the lock as aiosqlite did. Statements, transactions and
commits are exactly those SQLAlchemy asks for: durability is unchanged.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable
from typing import Any

YIELD_EVERY = 0.001  # seconds of statements after which the loop gets a turn
WAIT_FOR_LOCK_MS = 10_000  # what a statement waits for another process's write, in a thread
_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


class InlineCursor:
    """The aiosqlite cursor's interface over a sqlite3 cursor, without the thread."""

    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection
        self._cursor = connection._conn.cursor()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> InlineCursor:
        await self._connection._run(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> InlineCursor:
        await self._connection._run(self._cursor.executemany, sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _RunNow:
    """What the dialect puts on aiosqlite's queue (setting the isolation level): run at once."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:
            future.set_exception(exc)


class InlineConnection:
    """The part of aiosqlite's Connection that SQLAlchemy's dialect uses."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._connection = conn  # the dialect checks it is still open
        self._tx = _RunNow()
        self._yielded = time.monotonic()

    async def _run(self, call: Callable[..., Any], *args: Any) -> Any:
        # A transaction of many statements does not hold the loop for all of them (a poll due
        # now, a reply to send, go in between): the loop gets a turn once the statements ran
        # for a millisecond. Not a turn for every statement: that was a tenth of an update.
        if time.monotonic() - self._yielded > YIELD_EVERY:
            await asyncio.sleep(0)
            self._yielded = time.monotonic()
        try:
            return call(*args)
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) not in _BUSY:
                raise
        # Another process holds the write lock: wait for it off the loop, as aiosqlite did.
        return await asyncio.to_thread(self._waiting, call, *args)

    def _waiting(self, call: Callable[..., Any], *args: Any) -> Any:
        self._conn.execute(f"PRAGMA busy_timeout={WAIT_FOR_LOCK_MS}")
        try:
            return call(*args)
        finally:
            self._conn.execute("PRAGMA busy_timeout=0")

    def begin_now(self) -> bool:
        """BEGIN IMMEDIATE at once; False when another process holds the write lock (the
        caller then begins as any statement runs: waiting for the lock in a thread)."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) not in _BUSY:
                raise
            return False
        return True

    def cursor(self) -> InlineCursor:
        return InlineCursor(self)

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        await self._run(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._conn.close()
            self._connection = None  # type: ignore[assignment]

    def stop(self) -> None:
        if self._connection is not None:
            self._conn.close()
            self._connection = None  # type: ignore[assignment]

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level


def inline_creator(path: str) -> Callable[[], Any]:
    """SQLAlchemy's `async_creator` for the database file at `path`."""

    async def connect() -> InlineConnection:
        def opened() -> sqlite3.Connection:
            # Opening may wait for another process (the journal mode): done in a thread.
            conn = sqlite3.connect(
                path, timeout=WAIT_FOR_LOCK_MS / 1000, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=0")
            return conn

        return InlineConnection(await asyncio.to_thread(opened))

    return connect
