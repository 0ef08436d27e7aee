"""The processed-update ledger that turns duplicate deliveries into no-ops."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


@dataclass(frozen=True)
class Entry:
    """What an update's handling enters first: the update in the ledger (`update_key`; none
    for an event without one) and its inbox row taken out (`inbox_id`, if it came from there)."""

    channel: str
    update_key: str
    at: datetime
    inbox_id: int | None = None


def entering() -> Any:
    """PostgreSQL's INSERT of an entry, its values named as `Entry`'s, RETURNING a row only if
    the update was not in the ledger yet: for a WITH (storage/repos/senders.py)."""
    table = ProcessedUpdate.__table__
    return (
        insert_ignoring_duplicates_in("postgresql", table, ["channel", "update_key"])
        .values(
            channel=bindparam("channel", type_=table.c.channel.type),
            update_key=bindparam("update_key", type_=table.c.update_key.type),
            processed_at=bindparam("at", type_=table.c.processed_at.type),
        )
        .returning(table.c.channel)
    )


def clearing() -> Any:
    """PostgreSQL's DELETE of an entry's inbox row, for a WITH."""
    return delete(_INBOX).where(_INBOX.c.id == bindparam("inbox_id", type_=_INBOX.c.id.type))


async def was_processed(session: AsyncSession, *, channel: str, update_key: str) -> bool:
    found = await session.get(ProcessedUpdate, (channel, update_key))
    return found is not None


async def enter(session: AsyncSession, entry: Entry) -> bool:
    """The update entered in the ledger and its inbox row taken out; False, with nothing
    entered, if it was in the ledger already (a redelivery: the caller rolls back)."""
    if entry.update_key and not await record_processed(
        session, channel=entry.channel, update_key=entry.update_key, at=entry.at
    ):
        return False
    if entry.inbox_id is not None:
        await remove_updates(session, update_ids=[entry.inbox_id])
    return True


async def record_processed(
    session: AsyncSession, *, channel: str, update_key: str, at: datetime
) -> bool:
    """Add the update to the ledger; False if it is there already (a redelivery).

    One INSERT … ON CONFLICT DO NOTHING: a concurrent duplicate waits for the first
    transaction and then finds the row, without aborting ours.
    """
    values = {"channel": channel, "update_key": update_key, "processed_at": at}
    result = await _RECORD.run(session, values)
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
