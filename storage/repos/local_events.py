"""Queries for a commune's own calendar events (added by its police in the chat)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CalendarEvent


async def local_event_to_write(session: AsyncSession, commune: str, key: str) -> CalendarEvent:
    """The commune's event under this key, added when there is none yet."""
    row = await session.scalar(
        select(CalendarEvent).where(CalendarEvent.commune_code == commune, CalendarEvent.key == key)
    )
    if row is None:
        row = CalendarEvent(commune_code=commune, key=key)
        session.add(row)
    return row
