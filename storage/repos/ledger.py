"""The processed-update ledger that turns duplicate deliveries into no-ops."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.direct import Direct
from storage.models import ProcessedUpdate
from storage.repos.outbox import insert_ignoring_duplicates_in

_RECORD = Direct(
    lambda dialect: insert_ignoring_duplicates_in(
        dialect, ProcessedUpdate.__table__, ["channel", "update_key"]
    ),
    columns=["channel", "update_key", "processed_at"],
)


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
    result = await _RECORD.run(
        session, {"channel": channel, "update_key": update_key, "processed_at": at}
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
