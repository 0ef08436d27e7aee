"""Queries behind /healthz and /metrics: what waits in the outbox, tips not yet acknowledged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, OutboxStatus, Tip, TipStatus, ZaloUsage


@dataclass(frozen=True)
class Backlog:
    count: int
    oldest: datetime | None  # when the longest-waiting one became due


async def ping(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))


async def outbox_due(session: AsyncSession, *, now: datetime) -> dict[str, Backlog]:
    """Per channel: messages due now (pending, or claimed by a process whose lease ran out)."""
    due = and_(
        OutboxMessage.next_attempt_at <= now,
        or_(
            OutboxMessage.status == OutboxStatus.PENDING,
            and_(
                OutboxMessage.status == OutboxStatus.SENDING,
                OutboxMessage.claimed_until < now,
            ),
        ),
    )
    rows = await session.execute(
        select(OutboxMessage.channel, func.count(), func.min(OutboxMessage.next_attempt_at))
        .where(due)
        .group_by(OutboxMessage.channel)
    )
    return {channel: Backlog(count, oldest) for channel, count, oldest in rows}


async def tips_waiting_acknowledgement(session: AsyncSession) -> Backlog:
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(Tip.created_at)).where(Tip.status == TipStatus.NEW)
        )
    ).one()
    return Backlog(count, oldest)


async def zalo_messages_counted(session: AsyncSession, *, month: str) -> int:
    return int(await session.scalar(select(ZaloUsage.sent).where(ZaloUsage.month == month)) or 0)
