"""The processed-update ledger that turns duplicate deliveries into no-ops."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.direct import Direct
from storage.models import InboxUpdate, ProcessedUpdate
from storage.repos.inbox import remove_updates
from storage.repos.outbox import insert_ignoring_duplicates_in

_COLUMNS = ["channel", "update_key", "processed_at"]
_RECORD = Direct(
    lambda dialect: insert_ignoring_duplicates_in(
        dialect, ProcessedUpdate.__table__, ["channel", "update_key"]
    ),
    columns=_COLUMNS,
)
_INBOX = InboxUpdate.__table__
# PostgreSQL runs a DELETE in a WITH of the INSERT: one round trip to the server for both.
_RECORD_AND_CLEAR = Direct(
    lambda dialect: insert_ignoring_duplicates_in(
        dialect, ProcessedUpdate.__table__, ["channel", "update_key"]
    ).add_cte(delete(_INBOX).where(_INBOX.c.id == bindparam("inbox_id")).cte("cleared")),
    columns=_COLUMNS,
)


async def was_processed(session: AsyncSession, *, channel: str, update_key: str) -> bool:
    found = await session.get(ProcessedUpdate, (channel, update_key))
    return found is not None


async def record_processed(
    session: AsyncSession,
    *,
    channel: str,
    update_key: str,
    at: datetime,
    clearing: int | None = None,
) -> bool:
    """Add the update to the ledger; False if it is there already (a redelivery). `clearing`:
    the update's inbox row, removed in the same transaction (the caller rolls back a
    redelivery's).

    One INSERT … ON CONFLICT DO NOTHING: a concurrent duplicate waits for the first
    transaction and then finds the row, without aborting ours.
    """
    values = {"channel": channel, "update_key": update_key, "processed_at": at}
    if clearing is not None and session.bind.dialect.name == "postgresql":
        result = await _RECORD_AND_CLEAR.run(session, {**values, "inbox_id": clearing})
        return bool(result.rowcount)
    result = await _RECORD.run(session, values)
    if clearing is not None:
        await remove_updates(session, update_ids=[clearing])
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
