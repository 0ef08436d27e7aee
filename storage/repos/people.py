"""Persons, their households, memberships and roles, as joining and deciding need them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ConsentRecord,
    Household,
    HouseholdStatus,
    Membership,
    MembershipStatus,
    Person,
    ReminderOptOut,
    RoleAssignment,
    ScopeKind,
)


async def person_by_id(session: AsyncSession, person_id: int | None) -> Person | None:
    return await session.get(Person, person_id) if person_id is not None else None


async def household_by_id(session: AsyncSession, household_id: int | None) -> Household | None:
    return await session.get(Household, household_id) if household_id is not None else None


async def resident_households(session: AsyncSession, group_id: int) -> list[Household]:
    """The group's confirmed households that did not move away, by address."""
    return list(
        await session.scalars(
            select(Household)
            .where(
                Household.group_id == group_id,
                Household.status == HouseholdStatus.ACTIVE,
                Household.confirmed.is_(True),
            )
            .order_by(Household.address)
        )
    )


async def household_at(session: AsyncSession, *, group_id: int, address: str) -> Household | None:
    """The group's household with exactly this address, confirmed or not."""
    return await session.scalar(
        select(Household).where(Household.group_id == group_id, Household.address == address)
    )


async def drop_household(session: AsyncSession, household: Household) -> None:
    await session.delete(household)


async def membership_to_decide(session: AsyncSession, membership_id: int) -> Membership | None:
    """The request, locked until the decision is stored (two leaders pressing at once)."""
    return await session.get(Membership, membership_id, with_for_update=True)


async def pending_memberships(session: AsyncSession, group_ids: list[int]) -> list[Membership]:
    """Requests waiting for a decision in these groups, oldest first."""
    if not group_ids:
        return []
    return list(
        await session.scalars(
            select(Membership)
            .where(
                Membership.group_id.in_(group_ids), Membership.status == MembershipStatus.PENDING
            )
            .order_by(Membership.created_at)
        )
    )


async def roles_around_group(
    session: AsyncSession, *, group_id: int, village_id: int, commune_code: str
) -> list[tuple[int, str]]:
    """(person id, role) of every role held in the group, its village or its commune."""
    rows = await session.execute(
        select(RoleAssignment.person_id, RoleAssignment.role).where(
            or_(
                (RoleAssignment.scope_kind == ScopeKind.GROUP)
                & (RoleAssignment.scope_id == str(group_id)),
                (RoleAssignment.scope_kind == ScopeKind.VILLAGE)
                & (RoleAssignment.scope_id == str(village_id)),
                (RoleAssignment.scope_kind == ScopeKind.COMMUNE)
                & (RoleAssignment.scope_id == commune_code),
            )
        )
    )
    return [(person_id, role) for person_id, role in rows]


async def holds_role(
    session: AsyncSession, person_id: int, role: str, scope_kind: str, scope_id: str
) -> bool:
    found = await session.scalar(
        select(RoleAssignment.id).where(
            RoleAssignment.person_id == person_id,
            RoleAssignment.role == role,
            RoleAssignment.scope_kind == scope_kind,
            RoleAssignment.scope_id == scope_id,
        )
    )
    return found is not None


async def move_consents(session: AsyncSession, *, from_person: int, to_person: int) -> None:
    """The consent records of one person become another's (the same human, listed twice)."""
    await session.execute(
        update(ConsentRecord)
        .where(ConsentRecord.person_id == from_person)
        .values(person_id=to_person)
    )


async def reminder_opt_out(session: AsyncSession, person_id: int) -> ReminderOptOut | None:
    """The person's "no campaign reminders" wish, if they made it."""
    return await session.get(ReminderOptOut, person_id)


async def drop_reminder_opt_out(session: AsyncSession, person_id: int) -> None:
    row = await reminder_opt_out(session, person_id)
    if row is not None:
        await session.delete(row)


async def keep_reminder_opt_out(session: AsyncSession, person_id: int, *, at: datetime) -> None:
    if await reminder_opt_out(session, person_id) is None:
        session.add(ReminderOptOut(person_id=person_id, at=at))
