"""Queries for the documents a commune files: its header and signer settings, and whether it
has anything recorded before a period (for comparisons)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.base import utcnow
from storage.models import (
    Group,
    Household,
    Meeting,
    MeetingMinutes,
    Pledge,
    ReportSettings,
    Tip,
    Village,
)

SETTING_FIELDS = ("body", "superior", "number_suffix", "signer_title", "signer_name")


async def report_settings(session: AsyncSession, commune_code: str) -> ReportSettings | None:
    return await session.get(ReportSettings, commune_code)


async def save_report_settings(
    session: AsyncSession, commune_code: str, **values: Any
) -> ReportSettings:
    """Sets the given fields (None leaves one as it is); `recipients` is a list of lines."""
    row = await session.get(ReportSettings, commune_code)
    if row is None:
        row = ReportSettings(commune_code=commune_code, recipients=[])
        for name in SETTING_FIELDS:
            setattr(row, name, "")
        session.add(row)
    for name in (*SETTING_FIELDS, "recipients"):
        value = values.get(name)
        if value is not None:
            setattr(row, name, list(value) if name == "recipients" else value.strip())
    row.updated_at = utcnow()
    await session.flush()
    return row


async def recorded_before(session: AsyncSession, commune_code: str, start: datetime) -> bool:
    """Whether the commune has any tip, minutes or pledge from before `start`."""
    tip = select(Tip.id).where(Tip.commune_code == commune_code, Tip.created_at < start)
    minutes = (
        select(MeetingMinutes.meeting_id)
        .join(Meeting, Meeting.id == MeetingMinutes.meeting_id)
        .join(Group, Group.id == Meeting.group_id)
        .join(Village, Village.id == Group.village_id)
        .where(Village.commune_code == commune_code, MeetingMinutes.held_at < start)
    )
    pledge = (
        select(Pledge.id)
        .join(Household, Household.id == Pledge.household_id)
        .join(Group, Group.id == Household.group_id)
        .join(Village, Village.id == Group.village_id)
        .where(Village.commune_code == commune_code, Pledge.at < start)
    )
    for query in (tip, minutes, pledge):
        if await session.scalar(query.limit(1)) is not None:
            return True
    return False
