"""PostgreSQL advisory locks: one holder per key across every process on the database."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def try_advisory_lock(connection: AsyncConnection, key: int) -> bool:
    """Takes the session-level lock `key` on this connection, if nobody holds it."""
    got = await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
    await connection.commit()
    return bool(got)


async def advisory_unlock(connection: AsyncConnection, key: int) -> None:
    await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    await connection.commit()
