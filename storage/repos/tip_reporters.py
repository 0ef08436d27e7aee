"""Queries behind the identity vault: a tip's sealed reporter row, and where its reporter
wrote from last."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelAccount, Conversation, TipReporter


async def vault_of(session: AsyncSession, tip_id: int) -> TipReporter | None:
    return await session.get(TipReporter, tip_id)


async def person_of_account(session: AsyncSession, channel: str, user_id: str) -> int | None:
    return await session.scalar(
        select(ChannelAccount.person_id).where(
            ChannelAccount.channel == channel, ChannelAccount.external_user_id == user_id
        )
    )


async def accounts_last_used(
    session: AsyncSession, person_id: int
) -> list[tuple[ChannelAccount, datetime | None]]:
    """The person's unblocked accounts, each with when it last moved a conversation."""
    last_used = (
        select(
            Conversation.channel,
            Conversation.user_id,
            func.max(Conversation.updated_at).label("at"),
        )
        .group_by(Conversation.channel, Conversation.user_id)
        .subquery()
    )
    rows = await session.execute(
        select(ChannelAccount, last_used.c.at)
        .outerjoin(
            last_used,
            (last_used.c.channel == ChannelAccount.channel)
            & (last_used.c.user_id == ChannelAccount.external_user_id),
        )
        .where(ChannelAccount.person_id == person_id, ChannelAccount.blocked_at.is_(None))
    )
    return [(account, at) for account, at in rows.all()]
