"""Queries for the minutes: the group's last secretary (proposed again), and who said they
would be absent, with their reasons (the minutes' attendance)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Household,
    HouseholdStatus,
    Meeting,
    MeetingMinutes,
    MeetingRsvp,
    Person,
    RsvpAnswer,
)


async def last_secretary(session: AsyncSession, group_id: int) -> str:
    """The secretary the group's latest minutes named, or ""."""
    name = await session.scalar(
        select(MeetingMinutes.secretary_name)
        .join(Meeting, Meeting.id == MeetingMinutes.meeting_id)
        .where(Meeting.group_id == group_id, MeetingMinutes.secretary_name != "")
        .order_by(MeetingMinutes.held_at.desc())
        .limit(1)
    )
    return name or ""


async def absences(session: AsyncSession, meeting_id: int) -> list[tuple[str, int | None, str]]:
    """(name, household id, reason) of those who answered "absent", in answer order."""
    rows = await session.execute(
        select(Person.full_name, Person.household_id, MeetingRsvp.reason)
        .join(Person, Person.id == MeetingRsvp.person_id)
        .where(MeetingRsvp.meeting_id == meeting_id, MeetingRsvp.answer == RsvpAnswer.ABSENT)
        .order_by(MeetingRsvp.answered_at, MeetingRsvp.id)
    )
    return [(name, household, reason or "") for name, household, reason in rows]


async def addresses(session: AsyncSession, household_ids: list[int]) -> dict[int, str]:
    if not household_ids:
        return {}
    rows = await session.execute(
        select(Household.id, Household.address).where(Household.id.in_(household_ids))
    )
    return {key: value for key, value in rows}


async def group_households(session: AsyncSession, group_id: int) -> dict[int, str]:
    """The group's resident households, id → address, in list order."""
    rows = await session.execute(
        select(Household.id, Household.address)
        .where(
            Household.group_id == group_id,
            Household.status == HouseholdStatus.ACTIVE,
            Household.confirmed.is_(True),
        )
        .order_by(Household.id)
    )
    return {key: value for key, value in rows}
