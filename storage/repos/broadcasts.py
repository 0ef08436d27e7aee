"""Queries of announcements (broadcasts): the row, its messages' progress in the outbox (rows
keyed `bc:<id>:…`), and marking one done."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Broadcast, BroadcastStatus, OutboxMessage, OutboxStatus
from storage.repos.outbox import dedupe_key

_STILL_TO_GO = (OutboxStatus.PENDING, OutboxStatus.SENDING)


def recipient_key(broadcast_id: int, channel: str, chat_id: str) -> str:
    """The outbox key of one recipient's message of an announcement."""
    return dedupe_key("bc", broadcast_id, channel, chat_id)


def finished_key(broadcast_id: int) -> str:
    """The outbox key of the author's final report."""
    return dedupe_key("bcdone", broadcast_id)


def _messages_of(broadcast_id: int):  # type: ignore[no-untyped-def]
    return OutboxMessage.dedupe_key.like(dedupe_key("bc", broadcast_id) + ":%")


async def add_broadcast(session: AsyncSession, broadcast: Broadcast) -> Broadcast:
    session.add(broadcast)
    await session.flush()
    return broadcast


async def broadcast_by_id(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)


async def message_counts(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """The announcement's outbox messages by status."""
    rows = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(_messages_of(broadcast_id))
        .group_by(OutboxMessage.status)
    )
    return {status: count for status, count in rows}


async def waiting_errors(session: AsyncSession, broadcast_id: int) -> list[str | None]:
    """The last errors of the announcement's messages still to go (why they wait)."""
    return list(
        await session.scalars(
            select(OutboxMessage.last_error)
            .where(
                _messages_of(broadcast_id),
                OutboxMessage.status.in_(_STILL_TO_GO),
                OutboxMessage.last_error.is_not(None),
            )
            .distinct()
        )
    )


async def sending_broadcast_ids(session: AsyncSession) -> list[int]:
    return list(
        await session.scalars(
            select(Broadcast.id).where(Broadcast.status == BroadcastStatus.SENDING)
        )
    )


async def mark_broadcast_done(session: AsyncSession, broadcast_id: int, now: datetime) -> bool:
    """Whether this call marked it done (False: another process did, or it was not sending)."""
    claimed = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.SENDING)
        .values(status=BroadcastStatus.DONE, finished_at=now)
    )
    return claimed.rowcount == 1


async def latest_by_author(session: AsyncSession, person_id: int, *, limit: int) -> list[Broadcast]:
    """The person's latest announcements, newest first."""
    return list(
        await session.scalars(
            select(Broadcast)
            .where(Broadcast.author_person_id == person_id)
            .order_by(Broadcast.id.desc())
            .limit(limit)
        )
    )
