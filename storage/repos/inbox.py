"""The inbox: updates stored as they arrive, before the messenger is told they were received."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.direct import Direct
from storage.models import InboxUpdate, ProcessedUpdate
from storage.prepared import Prepared
from storage.repos.outbox import insert_ignoring_duplicates

_INBOX = InboxUpdate.__table__
_STORE = Prepared(
    lambda session: insert_ignoring_duplicates(
        session, _INBOX, ["channel", "update_key"]
    ).returning(_INBOX.c.id, _INBOX.c.update_key)
)
_REMOVE = Direct(lambda _dialect: delete(_INBOX).where(_INBOX.c.id == bindparam("id")))


async def store_updates(
    session: AsyncSession,
    *,
    channel: str,
    updates: Sequence[tuple[str, str, dict[str, Any]]],
    at: datetime,
) -> list[tuple[str, int, str, dict[str, Any]]]:
    """Add (update key, chat key, payload) rows; returns (update key, id, chat key, payload) of
    those new to the inbox, in arrival order. One already waiting there (a redelivery), or twice
    in `updates`, is added once."""
    if not updates:
        return []
    # One statement for the whole batch (a poll brings up to a hundred); RETURNING gives the
    # rows actually added, in no promised order: matched back by key.
    rows = await session.execute(
        _STORE.of(session),
        [
            {
                "channel": channel,
                "update_key": update_key,
                "chat_key": chat_key,
                "payload": payload,
                "received_at": at,
            }
            for update_key, chat_key, payload in updates
        ],
    )
    added = {key: row_id for row_id, key in rows}
    stored = []
    for update_key, chat_key, payload in updates:
        if (new_id := added.pop(update_key, None)) is not None:
            stored.append((update_key, new_id, chat_key, payload))
    return stored


async def waiting_updates(
    session: AsyncSession, *, channel: str, received_before: datetime | None = None
) -> list[tuple[int, str, dict[str, Any]]]:
    """What was received and not yet handled, in arrival order."""
    query = select(InboxUpdate.id, InboxUpdate.chat_key, InboxUpdate.payload).where(
        InboxUpdate.channel == channel
    )
    if received_before is not None:
        query = query.where(InboxUpdate.received_at < received_before)
    rows = await session.execute(query.order_by(InboxUpdate.id))
    return [(row.id, row.chat_key, row.payload) for row in rows]


async def remove_updates(session: AsyncSession, *, update_ids: Sequence[int]) -> None:
    await _REMOVE.run(session, [{"id": update_id} for update_id in update_ids])


async def forget_processed_key(
    session: AsyncSession, *, channel: str, update_key: str, before: datetime
) -> None:
    """A key made from an update's content (no id of its own) deduplicates only within a
    window: the same content arriving later is a new message."""
    await session.execute(
        delete(ProcessedUpdate).where(
            ProcessedUpdate.channel == channel,
            ProcessedUpdate.update_key == update_key,
            ProcessedUpdate.processed_at < before,
        )
    )
