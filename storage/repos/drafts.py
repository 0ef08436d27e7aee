"""Drafts of flows people left: kept per conversation and flow until they run out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation, ConversationDraft


async def save_draft(
    session: AsyncSession,
    *,
    conversation_id: int,
    flow: str,
    data: dict[str, Any],
    prompt: dict[str, Any],
    history: list[Any],
    now: datetime,
    keep_until: datetime,
) -> None:
    """Keep (or replace) the draft of `flow`; drafts of anyone that ran out go at the same time."""
    await session.execute(delete(ConversationDraft).where(ConversationDraft.keep_until < now))
    await drop_draft(session, conversation_id=conversation_id, flow=flow)
    session.add(
        ConversationDraft(
            conversation_id=conversation_id,
            flow=flow,
            data=data,
            prompt=prompt,
            history=history,
            saved_at=now,
            keep_until=keep_until,
        )
    )
    await session.flush()


async def find_draft(
    session: AsyncSession, *, conversation_id: int, flow: str, now: datetime
) -> ConversationDraft | None:
    return await session.scalar(
        select(ConversationDraft).where(
            ConversationDraft.conversation_id == conversation_id,
            ConversationDraft.flow == flow,
            ConversationDraft.keep_until >= now,
        )
    )


async def drop_draft(session: AsyncSession, *, conversation_id: int, flow: str) -> None:
    await session.execute(
        delete(ConversationDraft).where(
            ConversationDraft.conversation_id == conversation_id, ConversationDraft.flow == flow
        )
    )


async def drop_drafts_of_user(session: AsyncSession, *, channel: str, user_id: str) -> None:
    """Everything a messenger account left unfinished (its person erased their data)."""
    conversations = select(Conversation.id).where(
        Conversation.channel == channel, Conversation.user_id == user_id
    )
    await session.execute(
        delete(ConversationDraft).where(ConversationDraft.conversation_id.in_(conversations))
    )
