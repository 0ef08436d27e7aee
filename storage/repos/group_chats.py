"""A group's registered chat (one per group): where its announcements and meeting notices go."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import GroupChat


async def group_chat_of(session: AsyncSession, group_id: int) -> GroupChat | None:
    return await session.get(GroupChat, group_id)


async def save_group_chat(
    session: AsyncSession,
    group_id: int,
    *,
    channel: str,
    chat_id: str,
    registered_by: int | None,
    now: datetime,
) -> tuple[str, str] | None:
    """Make this chat the group's; returns the (channel, chat) it had before, if any."""
    row = await session.get(GroupChat, group_id)
    previous = (row.channel, row.chat_id) if row else None
    if row is None:
        row = GroupChat(group_id=group_id)
        session.add(row)
    row.channel, row.chat_id = channel, chat_id
    row.registered_by, row.registered_at = registered_by, now
    await session.flush()
    return previous
