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


async def account_by_id(session: AsyncSession, account_id: int | None) -> ChannelAccount | None:
    return await session.get(ChannelAccount, account_id) if account_id is not None else None


async def reachable_accounts(session: AsyncSession, person_ids: list[int]) -> list[ChannelAccount]:
    """Where to write to these persons: every messenger account they linked and did not block."""
    if not person_ids:
        return []
    return list(
        await session.scalars(
            select(ChannelAccount).where(
                ChannelAccount.person_id.in_(person_ids), ChannelAccount.blocked_at.is_(None)
            )
        )
    )


async def other_accounts(
    session: AsyncSession, *, person_id: int, except_id: int
) -> list[ChannelAccount]:
    """The person's messenger accounts but one (the one writing now)."""
    return list(
        await session.scalars(
            select(ChannelAccount).where(
                ChannelAccount.person_id == person_id, ChannelAccount.id != except_id
            )
        )
    )


async def move_accounts(session: AsyncSession, *, from_person: int, to_person: int) -> None:
    """Every messenger account of one person becomes another's."""
    await session.execute(
        update(ChannelAccount)
        .where(ChannelAccount.person_id == from_person)
        .values(person_id=to_person)
    )


async def unlink_accounts(session: AsyncSession, account_ids: list[int]) -> None:
    """These accounts belong to nobody any more."""
    await session.execute(
        update(ChannelAccount).where(ChannelAccount.id.in_(account_ids)).values(person_id=None)
    )


async def account_keys_of(session: AsyncSession, person_id: int) -> list[tuple[int, str, str]]:
    """(id, channel, external user id) of each messenger account of the person."""
    rows = await session.execute(
        select(ChannelAccount.id, ChannelAccount.channel, ChannelAccount.external_user_id).where(
            ChannelAccount.person_id == person_id
        )
    )
    return [(account_id, channel, user_id) for account_id, channel, user_id in rows]
