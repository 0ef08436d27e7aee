"""What the console's announcements page reads: the commune's latest announcements, and the
chat the author's final report goes to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Broadcast, ChannelAccount


async def recent_broadcasts(
    session: AsyncSession, commune_code: str, *, limit: int
) -> list[Broadcast]:
    """The commune's announcements, newest first."""
    rows = await session.scalars(
        select(Broadcast)
        .where(Broadcast.commune_code == commune_code)
        .order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
        .limit(limit)
    )
    return list(rows)


async def latest_reachable_account(session: AsyncSession, person_id: int) -> ChannelAccount | None:
    """The person's unblocked messenger account seen last (the first linked on a tie)."""
    return await session.scalar(
        select(ChannelAccount)
        .where(ChannelAccount.person_id == person_id, ChannelAccount.blocked_at.is_(None))
        .order_by(ChannelAccount.last_seen_at.desc(), ChannelAccount.id)
        .limit(1)
    )
