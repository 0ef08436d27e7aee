"""A turn's replies in the outbox: queued born claimed by the process answering, which sends
them at once (`queue_message` says what the claim means)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.direct import Direct
from storage.models import OutboxMessage, OutboxStatus, Priority

_OUTBOX = OutboxMessage.__table__
_QUEUE_REPLY = Direct(
    lambda _dialect: insert(_OUTBOX).returning(_OUTBOX.c.id),
    columns=[
        "channel",
        "chat_id",
        "payload",
        "priority",
        "is_group_chat",
        "status",
        "claimed_until",
        "attempts",
    ],
)


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
    values = {
        "channel": channel,
        "chat_id": chat_id,
        "payload": payload,
        "priority": int(Priority.REPLY),
        "is_group_chat": is_group_chat,
        "status": OutboxStatus.SENDING,
        "claimed_until": claimed_until,
        "attempts": 1,
    }
    return int((await _QUEUE_REPLY.run(session, values)).scalar())
