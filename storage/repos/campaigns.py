"""Campaign messages (announcements, reminders, notices) that wait while a messenger's budget
is short, and those whose event is over before they could go."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, OutboxStatus
from storage.repos.outbox import SPENT_PAYLOAD


async def due_campaigns(
    session: AsyncSession, *, channel: str, lowest: int, now: datetime
) -> list[tuple[int, dict[str, Any]]]:
    """(id, payload) of the messages due on `channel` at priority `lowest` or below."""
    rows = await session.execute(
        select(OutboxMessage.id, OutboxMessage.payload).where(
            OutboxMessage.channel == channel,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.priority >= lowest,
            OutboxMessage.next_attempt_at <= now,
        )
    )
    return [(row_id, payload) for row_id, payload in rows.all()]


async def fail_unsent(session: AsyncSession, *, ids: list[int], reason: str) -> None:
    """Give these messages up, keeping no text of them."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(
            status=OutboxStatus.FAILED,
            last_error=reason,
            claimed_until=None,
            payload=SPENT_PAYLOAD,
        )
        .execution_options(synchronize_session=False)
    )


async def hold_campaigns(
    session: AsyncSession,
    *,
    channel: str,
    lowest: int,
    now: datetime,
    until: datetime,
    reason: str,
) -> int:
    """Move the due messages at priority `lowest` or below to `until`; returns how many."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.priority >= lowest,
            OutboxMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=until, last_error=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
