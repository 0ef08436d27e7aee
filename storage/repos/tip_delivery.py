"""Queries behind a tip card's way to police: tips not yet received, their cards' outbox rows,
guarded moves of a tip's delivery, and messages to police that failed for good."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, OutboxStatus, Priority, Tip, TipCard


async def undelivered_tip_ids(session: AsyncSession) -> list[int]:
    """Tips whose card no police chat has accepted yet."""
    return list(
        await session.scalars(
            select(Tip.id).where(Tip.delivered_at.is_(None), Tip.purged_at.is_(None))
        )
    )


async def card_rows(session: AsyncSession, tip_id: int) -> list[Any]:
    """Each card of the tip with its outbox row's channel, status, times, error and level."""
    rows = await session.execute(
        select(
            OutboxMessage.channel,
            OutboxMessage.status,
            OutboxMessage.sent_at,
            OutboxMessage.last_error,
            OutboxMessage.created_at,
            TipCard.delivery_level,
        )
        .join(TipCard, TipCard.outbox_id == OutboxMessage.id)
        .where(TipCard.tip_id == tip_id)
    )
    return list(rows.all())


async def channels_resting_for_quota(
    session: AsyncSession, channels: Collection[str], now: datetime
) -> set[str]:
    """Channels with a message waiting after the messenger refused for its quota (a 429)."""
    if not channels:
        return set()
    return set(
        await session.scalars(
            select(OutboxMessage.channel)
            .where(
                OutboxMessage.channel.in_(list(channels)),
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at > now,
                OutboxMessage.last_error.like("%429%"),
            )
            .distinct()
        )
    )


async def mark_delivered(session: AsyncSession, tip_id: int, at: datetime) -> bool:
    """False when another process marked it first."""
    marked = await session.execute(
        update(Tip)
        .where(Tip.id == tip_id, Tip.delivered_at.is_(None))
        .values(delivered_at=at)
        .execution_options(synchronize_session=False)
    )
    return marked.rowcount == 1  # type: ignore[attr-defined]


async def move_delivery_level(
    session: AsyncSession, tip_id: int, *, from_level: int, now: datetime
) -> bool:
    """Raise an undelivered tip's level by one; False when another process got there first."""
    moved = await session.execute(
        update(Tip)
        .where(Tip.id == tip_id, Tip.delivery_level == from_level, Tip.delivered_at.is_(None))
        .values(delivery_level=from_level + 1, delivery_level_at=now)
        .execution_options(synchronize_session=False)
    )
    return moved.rowcount == 1  # type: ignore[attr-defined]


async def chats_with_card(session: AsyncSession, tip_id: int) -> set[tuple[str, str]]:
    rows = await session.execute(
        select(TipCard.channel, TipCard.chat_id).where(TipCard.tip_id == tip_id)
    )
    return {(channel, chat_id) for channel, chat_id in rows.all()}


async def failed_police_messages(
    session: AsyncSession, *, since: datetime
) -> list[tuple[int, str, str | None, Tip]]:
    """(outbox id, channel, error, tip) of tip messages to a police chat that failed for good
    since `since`, each with the tips of that chat, newest tip first."""
    rows = await session.execute(
        select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.last_error, Tip)
        .join(
            TipCard,
            (TipCard.channel == OutboxMessage.channel) & (TipCard.chat_id == OutboxMessage.chat_id),
        )
        .join(Tip, Tip.id == TipCard.tip_id)
        .where(
            OutboxMessage.status == OutboxStatus.FAILED,
            OutboxMessage.priority == Priority.TIP,
            OutboxMessage.created_at >= since,
            OutboxMessage.created_at >= Tip.created_at,
        )
        .order_by(OutboxMessage.id, Tip.created_at.desc())
    )
    return [(row_id, channel, error, tip) for row_id, channel, error, tip in rows.all()]


async def tips_with_failed_card(session: AsyncSession, tip_ids: Collection[int]) -> set[int]:
    return set(
        await session.scalars(
            select(TipCard.tip_id)
            .join(OutboxMessage, OutboxMessage.id == TipCard.outbox_id)
            .where(TipCard.tip_id.in_(list(tip_ids)), OutboxMessage.status == OutboxStatus.FAILED)
        )
    )
