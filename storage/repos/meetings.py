"""Queries for meetings: the meetings themselves, answers to them, the group's households
and who hosts, the group's rule; also the minutes' last secretary and absences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    HostingSkip,
    Household,
    HouseholdStatus,
    Meeting,
    MeetingMinutes,
    MeetingRsvp,
    MeetingRule,
    MeetingStatus,
    Person,
    RsvpAnswer,
)


# --- meetings -----------------------------------------------------------------------------
async def meeting_by_id(session: AsyncSession, meeting_id: int) -> Meeting | None:
    return await session.get(Meeting, meeting_id)


async def next_scheduled(
    session: AsyncSession, group_id: int, *, since: datetime
) -> Meeting | None:
    """The group's first scheduled meeting at or after `since`."""
    return await session.scalar(
        select(Meeting)
        .where(
            Meeting.group_id == group_id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.scheduled_at > since,
        )
        .order_by(Meeting.scheduled_at)
        .limit(1)
    )


async def scheduled_until(session: AsyncSession, group_id: int, until: datetime) -> list[Meeting]:
    """The group's scheduled meetings up to `until`, latest first (minutes to record)."""
    return list(
        await session.scalars(
            select(Meeting)
            .where(
                Meeting.group_id == group_id,
                Meeting.status == MeetingStatus.SCHEDULED,
                Meeting.scheduled_at <= until,
            )
            .order_by(Meeting.scheduled_at.desc())
        )
    )


async def scheduled_between(
    session: AsyncSession, after: datetime, until: datetime, *, unconfirmed_host: bool = False
) -> list[Meeting]:
    """Scheduled meetings of every group after `after` up to `until`; with `unconfirmed_host`,
    only those whose host household has not confirmed."""
    query = select(Meeting).where(
        Meeting.status == MeetingStatus.SCHEDULED,
        Meeting.scheduled_at > after,
        Meeting.scheduled_at <= until,
    )
    if unconfirmed_host:
        query = query.where(
            Meeting.host_household_id.is_not(None), Meeting.host_confirmed_at.is_(None)
        )
    return list(await session.scalars(query.order_by(Meeting.id)))


async def groups_met_in(session: AsyncSession, year: int, quarter: int) -> set[int]:
    """Groups with a meeting held in that quarter."""
    return set(
        await session.scalars(
            select(Meeting.group_id).where(
                Meeting.year == year,
                Meeting.quarter == quarter,
                Meeting.status == MeetingStatus.HELD,
            )
        )
    )


async def quarters_with_meetings(session: AsyncSession, group_id: int) -> set[tuple[int, int]]:
    """Quarters that have a meeting held or still scheduled."""
    rows = await session.execute(
        select(Meeting.year, Meeting.quarter).where(
            Meeting.group_id == group_id, Meeting.status != MeetingStatus.CANCELLED
        )
    )
    return {(year, quarter) for year, quarter in rows}


def add_meeting(session: AsyncSession, meeting: Meeting) -> Meeting:
    session.add(meeting)
    return meeting


# --- answers ------------------------------------------------------------------------------
async def rsvp_of(session: AsyncSession, meeting_id: int, person_id: int) -> MeetingRsvp | None:
    return await session.scalar(
        select(MeetingRsvp).where(
            MeetingRsvp.meeting_id == meeting_id, MeetingRsvp.person_id == person_id
        )
    )


async def rsvps_of(session: AsyncSession, meeting_id: int) -> dict[int, MeetingRsvp]:
    """Person id → their answer to the meeting."""
    rows = await session.scalars(select(MeetingRsvp).where(MeetingRsvp.meeting_id == meeting_id))
    return {rsvp.person_id: rsvp for rsvp in rows}


async def save_rsvp(
    session: AsyncSession,
    meeting_id: int,
    person_id: int,
    answer: RsvpAnswer,
    *,
    reason: str | None,
    now: datetime,
) -> None:
    """One answer per person and meeting: a new one replaces the last."""
    rsvp = await rsvp_of(session, meeting_id, person_id)
    if rsvp is None:
        rsvp = MeetingRsvp(meeting_id=meeting_id, person_id=person_id)
        session.add(rsvp)
    rsvp.answer, rsvp.reason, rsvp.answered_at = answer, reason, now
    await session.flush()


async def delete_rsvps(session: AsyncSession, meeting_id: int) -> None:
    await session.execute(delete(MeetingRsvp).where(MeetingRsvp.meeting_id == meeting_id))


async def absent_persons(session: AsyncSession, meeting_id: int) -> set[int]:
    """Who said they will be absent."""
    return set(
        await session.scalars(
            select(MeetingRsvp.person_id).where(
                MeetingRsvp.meeting_id == meeting_id, MeetingRsvp.answer == RsvpAnswer.ABSENT
            )
        )
    )


async def absences(session: AsyncSession, meeting_id: int) -> list[tuple[str, int | None, str]]:
    """(name, household id, reason) of those who answered "absent", in answer order."""
    rows = await session.execute(
        select(Person.full_name, Person.household_id, MeetingRsvp.reason)
        .join(Person, Person.id == MeetingRsvp.person_id)
        .where(MeetingRsvp.meeting_id == meeting_id, MeetingRsvp.answer == RsvpAnswer.ABSENT)
        .order_by(MeetingRsvp.answered_at, MeetingRsvp.id)
    )
    return [(name, household, reason or "") for name, household, reason in rows]


# --- households and hosting ---------------------------------------------------------------
def _resident(group_id: int):  # type: ignore[no-untyped-def]
    return (
        Household.group_id == group_id,
        Household.status == HouseholdStatus.ACTIVE,
        Household.confirmed.is_(True),
    )


async def household_by_id(session: AsyncSession, household_id: int | None) -> Household | None:
    return await session.get(Household, household_id) if household_id else None


async def households_of(session: AsyncSession, group_id: int) -> list[Household]:
    """Every household of the group, whatever its status, in list (id) order."""
    return list(
        await session.scalars(
            select(Household).where(Household.group_id == group_id).order_by(Household.id)
        )
    )


async def resident_households(session: AsyncSession, group_id: int) -> list[Household]:
    """The group's active, confirmed households, in list (id) order."""
    return list(
        await session.scalars(select(Household).where(*_resident(group_id)).order_by(Household.id))
    )


async def resident_household_count(session: AsyncSession, group_id: int) -> int:
    return (await session.scalar(select(func.count(Household.id)).where(*_resident(group_id)))) or 0


async def group_households(session: AsyncSession, group_id: int) -> dict[int, str]:
    """The group's resident households, id → address, in list order."""
    return {h.id: h.address for h in await resident_households(session, group_id)}


async def host_candidates(session: AsyncSession, group_id: int) -> list[Household]:
    """Households that can host: active, confirmed, not skipped; in list (id) order."""
    skipped = select(HostingSkip.household_id)
    return list(
        await session.scalars(
            select(Household)
            .where(*_resident(group_id), Household.id.not_in(skipped))
            .order_by(Household.id)
        )
    )


async def skipped_households(session: AsyncSession) -> set[int]:
    """Households that asked not to host."""
    return set(await session.scalars(select(HostingSkip.household_id)))


async def toggle_hosting_skip(
    session: AsyncSession, household_id: int, *, by: int | None, now: datetime
) -> bool:
    """Pass over the household in the rotation, or take it back; True when now passed over."""
    existing = await session.get(HostingSkip, household_id)
    if existing is None:
        session.add(HostingSkip(household_id=household_id, created_by=by, created_at=now))
    else:
        await session.delete(existing)
    await session.flush()
    return existing is None


async def hosting_history(
    session: AsyncSession, group_id: int
) -> list[tuple[int, datetime, int | None, datetime | None, int | None]]:
    """(meeting id, scheduled at, planned host, held at, actual host) of the group's meetings
    that were not cancelled."""
    rows = await session.execute(
        select(
            Meeting.id,
            Meeting.scheduled_at,
            Meeting.host_household_id,
            MeetingMinutes.held_at,
            MeetingMinutes.host_household_id,
        )
        .outerjoin(MeetingMinutes, MeetingMinutes.meeting_id == Meeting.id)
        .where(Meeting.group_id == group_id, Meeting.status != MeetingStatus.CANCELLED)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


# --- the group's rule and the minutes' hints ----------------------------------------------
async def rule_row(session: AsyncSession, group_id: int) -> MeetingRule | None:
    return await session.get(MeetingRule, group_id)


async def rule_row_to_write(session: AsyncSession, group_id: int) -> MeetingRule:
    """The group's rule row, added when it has none yet."""
    row = await session.get(MeetingRule, group_id)
    if row is None:
        row = MeetingRule(group_id=group_id)
        session.add(row)
    return row


async def last_named_next_meeting(session: AsyncSession, group_id: int) -> datetime | None:
    """The "next meeting" the group's latest minutes named, if any did."""
    return await session.scalar(
        select(MeetingMinutes.next_meeting_at)
        .join(Meeting, Meeting.id == MeetingMinutes.meeting_id)
        .where(Meeting.group_id == group_id, MeetingMinutes.next_meeting_at.is_not(None))
        .order_by(MeetingMinutes.held_at.desc())
        .limit(1)
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
