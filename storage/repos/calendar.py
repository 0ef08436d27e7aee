"""Queries of the campaign calendar: a commune's event rows and settings, and the ledger of
reminders queued or missed (calendar_runs)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CalendarEvent, CalendarSettings, Village
from storage.models.calendar import CalendarRun
from storage.repos.outbox import insert_ignoring_duplicates


async def event_rows(session: AsyncSession, commune_code: str) -> list[CalendarEvent]:
    """The commune's own rows: its events and its changes to national ones."""
    return list(
        await session.scalars(
            select(CalendarEvent).where(CalendarEvent.commune_code == commune_code)
        )
    )


async def event_row(session: AsyncSession, commune_code: str, key: str) -> CalendarEvent | None:
    return await session.scalar(
        select(CalendarEvent).where(
            CalendarEvent.commune_code == commune_code, CalendarEvent.key == key
        )
    )


async def calendar_settings(session: AsyncSession, commune_code: str) -> CalendarSettings | None:
    return await session.get(CalendarSettings, commune_code)


async def communes_with_villages(session: AsyncSession, only: str | None = None) -> list[str]:
    """Codes of the communes that have villages (`only`: that one, if it has)."""
    query = select(Village.commune_code).distinct().order_by(Village.commune_code)
    if only:
        query = query.where(Village.commune_code == only)
    return list(await session.scalars(query))


async def claim_run(
    session: AsyncSession,
    *,
    commune_code: str,
    event_id: str,
    occurrence: date,
    lead: str,
    status: str,
    now: datetime,
) -> int | None:
    """Insert the ledger row; None when it was there already (queued, or missed, before)."""
    statement = insert_ignoring_duplicates(
        session, CalendarRun.__table__, ["commune_code", "event_id", "occurrence", "lead"]
    ).values(
        commune_code=commune_code,
        event_id=event_id,
        occurrence=occurrence,
        lead=lead,
        status=status,
        recipients=0,
        at=now,
    )
    return await session.scalar(statement.returning(CalendarRun.id))


async def set_run_recipients(session: AsyncSession, run_id: int, recipients: int) -> None:
    await session.execute(
        update(CalendarRun).where(CalendarRun.id == run_id).values(recipients=recipients)
    )
