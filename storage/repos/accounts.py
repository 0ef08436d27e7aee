"""Messenger accounts and the persons and roles behind them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelAccount


async def get_account(
    session: AsyncSession, *, channel: str, external_user_id: str
) -> ChannelAccount | None:
    return await session.scalar(
        select(ChannelAccount).where(
            ChannelAccount.channel == channel,
            ChannelAccount.external_user_id == external_user_id,
        )
    )


async def mark_blocked(session: AsyncSession, *, channel: str, chat_id: str, at: datetime) -> None:
    await session.execute(
        update(ChannelAccount)
        .where(ChannelAccount.channel == channel, ChannelAccount.chat_id == chat_id)
        .values(blocked_at=at)
    )


async def move_account_chat(
    session: AsyncSession, *, channel: str, old_chat_id: str, new_chat_id: str
) -> None:
    await session.execute(
        update(ChannelAccount)
        .where(ChannelAccount.channel == channel, ChannelAccount.chat_id == old_chat_id)
        .values(chat_id=new_chat_id)
    )


async def chat_language(session: AsyncSession, *, channel: str, chat_id: str) -> str | None:
    """The language of an account whose private chat this is; None for a group's."""
    return await session.scalar(
        select(ChannelAccount.language)
        .where(ChannelAccount.channel == channel, ChannelAccount.chat_id == chat_id)
        .limit(1)
    )
