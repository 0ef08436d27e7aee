"""Engine and session factory for SQLite (embedded default) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import QueuePool

from bot.places import Places
from storage.group_commit import GroupedTransactions
from storage.sqlite_inline import WAIT_FOR_LOCK_MS, InlineConnection, inline_creator

POSTGRES_POOL_SIZE = 20
# A PostgreSQL connection idle this long is checked before use (the server may have restarted,
# or a firewall dropped it); one in steady use is not: a check is three round trips (BEGIN,
# an empty query, ROLLBACK), as many as the statements of a known user's update.
CHECK_IDLE_AFTER = 10.0  # seconds


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the engine; for SQLite also the file's folder, WAL mode and write transactions."""
    if not is_sqlite(url):
        # Connections are opened as needed and up to this many kept: with SQLAlchemy's 5, the
        # updates handled together on a webhook (Telegram posts on up to 40 connections) went
        # past it, and every connection past it was opened and closed again for one
        # transaction (PostgreSQL webhook benchmark 159-176 -> 284-286 updates/s with 20).
        # None past it either: a burst's overflow connections were opened, their statements
        # prepared again, and closed at its end, a twentieth of the bot's CPU in a burst;
        # the twenty-first transaction waits for one of the twenty instead, on the loop.
        # Two processes at 20 stay well under PostgreSQL's 100 connections.
        kwargs.setdefault("pool_size", POSTGRES_POOL_SIZE)
        kwargs.setdefault("max_overflow", 0)
        engine = create_async_engine(url, **kwargs)
        _check_when_idle(engine)
        return engine

    parsed = make_url(url)
    database = parsed.database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    if database and not parsed.query:
        # The file's connection without aiosqlite's thread (storage/sqlite_inline.py).
        kwargs.setdefault("async_creator", inline_creator(database))
    # One connection: SQLite has one writer anyway, and waiting for the pool is an asyncio wait,
    # where waiting for SQLite's lock would be a busy-sleep inside the driver thread.
    kwargs.setdefault("pool_size", 1)
    kwargs.setdefault("max_overflow", 0)
    kwargs.setdefault("pool_timeout", 60)
    # Every transaction is ours and ends in COMMIT or ROLLBACK; the pool's extra ROLLBACK
    # on check-in would be one more round trip to the driver thread per transaction.
    kwargs.setdefault("pool_reset_on_return", None)
    engine = create_async_engine(url, **kwargs)
    _configure_sqlite(engine)
    return engine


def _check_when_idle(engine: AsyncEngine) -> None:
    """SQLAlchemy's pre-ping, only for a connection idle a while or older than a lost one.

    The pre-ping on every checkout was three round trips per transaction, a tenth of the
    bot's CPU per update on PostgreSQL. A connection lost in use fails its transaction, pinged
    or not; the engine runs the update again (the inbox, if that fails too), and every
    connection opened before then is checked before its next use, as SQLAlchemy's pool does
    when it sees a disconnect."""
    lost_at = [0.0]

    @event.listens_for(engine.sync_engine.pool, "connect")
    def _on_connect(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked"] = record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "invalidate")
    def _on_invalidate(_dbapi_connection: Any, _record: Any, _exception: Any) -> None:
        lost_at[0] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        now = time.monotonic()
        idle = now - record.info.get("idle_since", now)
        if idle < CHECK_IDLE_AFTER and record.info.get("checked", 0.0) > lost_at[0]:
            return
        try:
            dbapi_connection.ping()
        except Exception as lost:
            # The pool closes it and checks out another (a fresh one if all are gone).
            raise exc.DisconnectionError("a pooled connection was lost") from lost
        record.info["checked"] = now


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE below is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        if not isinstance(dbapi_connection.driver_connection, InlineConnection):
            cursor.execute(f"PRAGMA busy_timeout={WAIT_FOR_LOCK_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
        # writes fails with "database is locked" when another process wrote in between.
        driver = connection.connection.driver_connection
        if isinstance(driver, InlineConnection) and driver.begin_now():
            return  # on the loop, without a statement's machinery: every update begins one
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


class Database:
    """The engine and its session factory, owned by the application and closed with it."""

    def __init__(self, url: str, *, group_commit: bool | None = None, **engine_kwargs: Any) -> None:
        """`group_commit`: updates handled at the same time share a transaction (`grouped`);
        by default on PostgreSQL, where a transaction costs two round trips to the server."""
        self.url = url
        self._sqlite = is_sqlite(url)
        self.engine = create_engine(url, **engine_kwargs)
        self.sessions = create_session_factory(self.engine)
        if group_commit is None:
            group_commit = not self._sqlite
        self._groups = GroupedTransactions(self.sessions) if group_commit else None
        # SQLite's one connection: the line for it is kept here, where a transaction that
        # frees others may go first (the pool's own line is first come, first served).
        one = isinstance(self.engine.pool, QueuePool) and self.engine.pool.size() == 1
        self._line = Places(1) if one else None

    @asynccontextmanager
    async def transaction(self, *, first: bool = False) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits when the block ends, rolls back if it raises.

        `first`: short, and what it settles frees others (a send's mark frees its place in
        flight): on SQLite it takes the connection before the updates waiting for it."""
        if self._line is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self._line.held(urgent=first):
            session = self.sessions()
            try:
                async with session.begin():
                    yield session
            finally:
                # Not AsyncSession's own exit, which closes in a task of its own, shielded from
                # cancellation (a fifth of an empty transaction): closing here gives back a
                # connection that needs no reset (pool_reset_on_return), with no I/O to cancel.
                await session.close()

    @asynccontextmanager
    async def autocommit(self, *, first: bool = False) -> AsyncIterator[AsyncSession]:
        """For statements that need no transaction around them, each kept as it runs (a batch
        written in one statement, or statements that may each be kept alone).

        On PostgreSQL without BEGIN and COMMIT, each their own round trip: storing an update
        in the inbox, or marking a reply sent, is one round trip instead of three. On SQLite
        a transaction (`transaction(first=...)`), which costs no round trip there."""
        if self._sqlite:
            async with self.transaction(first=first) as session:
                yield session
            return
        async with self.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            session = self.sessions(bind=connection)
            try:
                yield session
            finally:
                await session.close()

    def grouped(self) -> AbstractAsyncContextManager[AsyncSession]:
        """An update's handling: in a transaction shared with the others handled meanwhile,
        where group commit is on (storage/group_commit.py; it may raise GroupRolledBack, and
        the update is then handled again on its own), else in one of its own."""
        if self._groups is None:
            return self.transaction()
        return self._groups.transaction()

    async def close(self) -> None:
        await self.engine.dispose()
