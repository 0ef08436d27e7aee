"""Queueing many outbox rows at once: one INSERT per batch, duplicates ignored.

Each row has a unique dedupe key, so a re-run, a second process or a resumed crash inserts
nothing twice (ON CONFLICT DO NOTHING on PostgreSQL, INSERT OR IGNORE on SQLite).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, OutboxStatus

BATCH = 1000


def insert_ignoring_duplicates(session: AsyncSession, table, conflict: list[str]):  # type: ignore[no-untyped-def]
    if session.bind.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=conflict)
    return sqlite.insert(table).on_conflict_do_nothing()


async def queue_many(
    session: AsyncSession,
    rows: Iterable[tuple[str, str, bool, dict[str, Any], str]],
    *,
    priority: int,
    not_before: datetime,
    now: datetime,
) -> int:
    """Queue (channel, chat id, is group chat, payload, dedupe key) rows; returns how many
    rows were offered (those already queued are skipped by the database)."""
    statement = insert_ignoring_duplicates(session, OutboxMessage.__table__, ["dedupe_key"])
    batch: list[dict[str, Any]] = []
    offered = 0
    for channel, chat_id, is_group, payload, key in rows:
        batch.append(
            {
                "channel": channel,
                "chat_id": chat_id,
                "is_group_chat": is_group,
                "payload": payload,
                "priority": priority,
                "status": OutboxStatus.PENDING,
                "dedupe_key": key,
                "attempts": 0,
                "next_attempt_at": not_before,
                "created_at": now,
            }
        )
        if len(batch) >= BATCH:
            await session.execute(statement, batch)
            offered += len(batch)
            batch = []
    if batch:
        await session.execute(statement, batch)
        offered += len(batch)
    return offered
