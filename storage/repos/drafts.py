"""Drafts of flows people left: kept per conversation and flow until they run out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation, ConversationDraft

_FIND = select(ConversationDraft).where(  # built once: storage/prepared.py says why
    ConversationDraft.conversation_id == bindparam("conversation_id"),
    ConversationDraft.flow == bindparam("flow"),
    ConversationDraft.keep_until >= bindparam("now"),
)


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
    # Asked as a flow starts, with the conversation changed and not yet saved: no autoflush,
    # or the conversation would be written here and again at the end of the turn.
    with session.no_autoflush:
        return await session.scalar(
            _FIND,
            {"conversation_id": conversation_id, "flow": flow, "now": now},
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
