"""Queries of key checking and rotation: the stored check value, and the values of one
encrypted column in batches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.models import SecretKeyCheck


async def key_check(session: AsyncSession) -> SecretKeyCheck | None:
    return await session.get(SecretKeyCheck, 1)


async def save_key_check(session: AsyncSession, value: bytes, now: datetime) -> None:
    """Stores the check value, or replaces it."""
    row = await session.get(SecretKeyCheck, 1)
    if row is None:
        session.add(SecretKeyCheck(id=1, value_encrypted=value, updated_at=now))
    else:
        row.value_encrypted, row.updated_at = value, now
    await session.flush()


async def any_value(session: AsyncSession, column: InstrumentedAttribute[Any]) -> Any:
    """One stored value of the column, or None when it holds none."""
    return await session.scalar(select(column).where(column.is_not(None)).limit(1))


async def values_after(
    session: AsyncSession, column: InstrumentedAttribute[Any], after: Any, limit: int
) -> list[tuple[Any, Any]]:
    """(primary key, value) of the next `limit` rows holding a value, by primary key."""
    primary_key = inspect(column.class_).primary_key[0]
    query = select(primary_key, column).where(column.is_not(None)).order_by(primary_key)
    if after is not None:
        query = query.where(primary_key > after)
    return [(key, value) for key, value in await session.execute(query.limit(limit))]


async def rewrite_value(
    session: AsyncSession, column: InstrumentedAttribute[Any], key: Any, value: Any
) -> None:
    model = column.class_
    primary_key = inspect(model).primary_key[0]
    await session.execute(update(model).where(primary_key == key).values({column: value}))
