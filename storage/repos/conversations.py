"""Conversation state rows, keyed explicitly by channel, chat and user."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation


async def move_chat(
    session: AsyncSession, *, channel: str, old_chat_id: str, new_chat_id: str
) -> None:
    """A Telegram group became a supergroup: its conversations follow it."""
    await session.execute(
        update(Conversation)
        .where(Conversation.channel == channel, Conversation.chat_id == old_chat_id)
        .values(chat_id=new_chat_id)
    )
