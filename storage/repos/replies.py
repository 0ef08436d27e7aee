"""A turn's replies in the outbox: queued born claimed by the process answering, which sends
them at once (`queue_message` says what the claim means)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.direct import Direct
from storage.models import Conversation, OutboxMessage, OutboxStatus, Priority
from storage.repos import conversations

_OUTBOX = OutboxMessage.__table__
_COLUMNS = [
    "channel",
    "chat_id",
    "payload",
    "priority",
    "is_group_chat",
    "status",
    "claimed_until",
    "attempts",
]
# Columns whose Python-side defaults the joined INSERT below runs itself.
_DEFAULTED = [_OUTBOX.c.next_attempt_at, _OUTBOX.c.created_at]
_QUEUE_REPLY = Direct(lambda _dialect: insert(_OUTBOX).returning(_OUTBOX.c.id), columns=_COLUMNS)
# PostgreSQL saves the turn's conversation in a WITH of the reply's INSERT: one round trip, and
# RETURNING says whether the conversation was still at its version (the row saved, or none).
_SAVE_AND_QUEUE = Direct(lambda _dialect: _saved_with_reply())


def _saved_with_reply() -> Any:
    saved = conversations.save_statement().returning(literal_column("1")).cte("saved")
    count = select(func.count()).select_from(saved).scalar_subquery()
    # The reply's values named here, not as the compiler's column keys: those would name the
    # conversation's columns of the same names too; and its times given (`_DEFAULTED`), as
    # SQLAlchemy runs no Python-side default for an INSERT with a WITH.
    named = [_OUTBOX.c[key] for key in _COLUMNS] + _DEFAULTED
    reply = {column.key: bindparam(column.key, type_=column.type) for column in named}
    return insert(_OUTBOX).values(reply).returning(_OUTBOX.c.id, count).add_cte(saved)


async def save_and_queue_reply(
    session: AsyncSession, conversation: Conversation, **reply: Any
) -> int:
    """The turn's conversation saved (`save_conversation`) and its first reply queued
    (`queue_reply`); on PostgreSQL in one statement."""
    values = conversations.saving(conversation)
    if values is None or session.bind.dialect.name != "postgresql":
        await conversations.save_conversation(session, conversation)
        return await queue_reply(session, **reply)
    # The model's own defaults, as SQLAlchemy runs them (a no-argument callable, wrapped).
    defaulted = {column.key: column.default.arg(None) for column in _DEFAULTED}
    outcome = await _SAVE_AND_QUEUE.run(session, {**values, **_reply_values(**reply), **defaulted})
    reply_id, rowcount = outcome.rows[0]
    conversations.saved(session, conversation, rowcount)
    return int(reply_id)


async def queue_reply(
    session: AsyncSession,
    *,
    channel: str,
    chat_id: str,
    payload: dict[str, Any],
    is_group_chat: bool,
    claimed_until: datetime,
) -> int:
    """Queue a reply born claimed by the process answering (see `queue_message`); its id.

    Core, not the ORM: every update queues one, and nothing reads the row back as an object."""
    values = _reply_values(
        channel=channel,
        chat_id=chat_id,
        payload=payload,
        is_group_chat=is_group_chat,
        claimed_until=claimed_until,
    )
    return int((await _QUEUE_REPLY.run(session, values)).scalar())


def _reply_values(
    *,
    channel: str,
    chat_id: str,
    payload: dict[str, Any],
    is_group_chat: bool,
    claimed_until: datetime,
) -> dict[str, Any]:
    return {
        "channel": channel,
        "chat_id": chat_id,
        "payload": payload,
        "priority": int(Priority.REPLY),
        "is_group_chat": is_group_chat,
        "status": OutboxStatus.SENDING,
        "claimed_until": claimed_until,
        "attempts": 1,
    }
