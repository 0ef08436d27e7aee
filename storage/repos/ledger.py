"""The processed-update ledger that turns duplicate deliveries into no-ops."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate


async def was_processed(session: AsyncSession, *, channel: str, update_key: str) -> bool:
    found = await session.get(ProcessedUpdate, (channel, update_key))
    return found is not None


async def record_processed(
    session: AsyncSession, *, channel: str, update_key: str, at: datetime
) -> bool:
    """Add the update to the ledger; False if it is there already (a redelivery).

    One INSERT … ON CONFLICT DO NOTHING: a concurrent duplicate waits for the first
    transaction and then finds the row, without aborting ours.
    """
    insert = sqlite_insert if session.bind.dialect.name == "sqlite" else postgresql_insert
    result = await session.execute(
        insert(ProcessedUpdate)
        .values(channel=channel, update_key=update_key, processed_at=at)
        .on_conflict_do_nothing()
    )
    return bool(result.rowcount)


async def forget_processed_before(session: AsyncSession, *, before: datetime) -> int:
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
    )
    return result.rowcount or 0


async def latest_update_key(session: AsyncSession, *, channel: str) -> str | None:
    row = await session.execute(
        select(ProcessedUpdate.update_key)
        .where(ProcessedUpdate.channel == channel)
        .order_by(ProcessedUpdate.processed_at.desc())
        .limit(1)
    )
    return row.scalar_one_or_none()
