"""Queries behind "my tips": the accounts holding a person's encrypted tip lists, and counts."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelAccount, Tip, TipAttachment


async def lock_account(session: AsyncSession, *, account_id: int) -> ChannelAccount:
    """The account, reloaded and locked until the transaction ends (PostgreSQL; SQLite has
    one writer anyway)."""
    account = await session.scalar(
        select(ChannelAccount)
        .where(ChannelAccount.id == account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert account is not None
    return account


async def accounts_of_person(session: AsyncSession, *, person_id: int) -> list[ChannelAccount]:
    return list(
        await session.scalars(select(ChannelAccount).where(ChannelAccount.person_id == person_id))
    )


async def count_tips_since(session: AsyncSession, *, ids: Collection[int], since: datetime) -> int:
    if not ids:
        return 0
    count = await session.scalar(
        select(func.count(Tip.id)).where(Tip.id.in_(list(ids)), Tip.created_at >= since)
    )
    return count or 0


async def latest_tips(session: AsyncSession, *, ids: Collection[int], limit: int) -> list[Tip]:
    """Of these tips (a reporter's own), the most recent ones not purged."""
    if not ids:
        return []
    return list(
        await session.scalars(
            select(Tip)
            .where(Tip.id.in_(list(ids)), Tip.purged_at.is_(None))
            .order_by(Tip.created_at.desc(), Tip.id.desc())
            .limit(limit)
        )
    )


async def count_attachments(session: AsyncSession, *, tip_id: int) -> int:
    count = await session.scalar(
        select(func.count(TipAttachment.id)).where(TipAttachment.tip_id == tip_id)
    )
    return count or 0
