"""Conversation state rows, keyed explicitly by channel, chat and user."""

from __future__ import annotations

from sqlalchemy import select, update
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


async def private_conversation(
    session: AsyncSession, *, channel: str, chat_id: str, user_id: str
) -> Conversation:
    """The conversation of a person's private chat with the bot, created if new."""
    conversation = await session.scalar(
        select(Conversation).where(
            Conversation.channel == channel,
            Conversation.chat_id == chat_id,
            Conversation.user_id == user_id,
        )
    )
    if conversation is None:
        conversation = Conversation(
            channel=channel, chat_id=chat_id, user_id=user_id, data={}, history=[]
        )
        session.add(conversation)
    return conversation
