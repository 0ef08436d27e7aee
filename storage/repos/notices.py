"""The buttons of notices a chat was sent lately, for their typed forms."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage


async def recent_notice_choices(
    session: AsyncSession,
    *,
    channel: str,
    chat_id: str,
    since: datetime,
    key_prefix: str,
    limit: int = 30,
) -> list[list[tuple[str, str]]]:
    """(key, label) of the buttons starting with `key_prefix`, per message, newest first."""
    payloads = await session.scalars(
        select(OutboxMessage.payload)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.created_at >= since,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    found = []
    for payload in payloads:
        buttons = [
            (key, label)
            for key, label in (payload or {}).get("choices", ())
            if key.startswith(key_prefix)
        ]
        if buttons:
            found.append(buttons)
    return found
