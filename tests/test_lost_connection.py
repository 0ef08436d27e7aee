"""A PostgreSQL connection lost under the bot (the server restarted, a firewall dropped it):
the next update is answered as usual, on a fresh connection, and not with an apology."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.runtime.dialog.engine import DialogEngine
from storage import db as storage_db
from storage.db import Database
from storage.models import ChannelAccount
from tests.conftest import POSTGRES_URL
from tests.conversation import Chat

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's pool: SQLite's file")


async def _drop_connections(url: str) -> int:
    """What a restart of the server does to the bot's connections: ends every one of them."""
    parsed = make_url(url).set(drivername="postgresql")
    admin = await asyncpg.connect(parsed.render_as_string(hide_password=False))
    try:
        return await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()


async def _open_connections(db: Database, count: int) -> None:
    """Leave `count` connections in the pool, as a busy bot does."""
    sessions = [db.sessions() for _ in range(count)]
    for session in sessions:
        await session.connection()
    for session in sessions:
        await session.close()


async def test_an_update_after_the_connections_were_lost_is_answered(
    engine: DialogEngine, db: Database
) -> None:
    chat = Chat(engine, user_id="31")
    await chat.says("menu")
    await _open_connections(db, 6)  # more than the engine's tries: each one is lost
    assert await _drop_connections(db.url) >= 6
    await chat.says("menu")
    chat.does_not_see("Xin lỗi")
    chat.sees("Báo tin")


async def test_an_idle_connection_is_checked_before_use(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with db.transaction() as session:
        await session.scalar(select(ChannelAccount.id))
    monkeypatch.setattr(storage_db, "CHECK_IDLE_AFTER", 0.0)
    assert await _drop_connections(db.url) >= 1
    async with db.transaction() as session:  # no error: the lost one was replaced
        assert await session.scalar(select(ChannelAccount.id)) is None
