"""Pledge coverage of a group, village or commune: counts, missing households, the report's
lines, and who the drive reminds. A unit is named by its commune code and, for a village or a
group, its id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    ChannelAccount,
    Group,
    Household,
    HouseholdStatus,
    Person,
    Pledge,
    PledgeDelegate,
    PledgeText,
    Role,
    RoleAssignment,
    ScopeKind,
    Village,
)


def _in_unit(query, commune_code: str, village_id: int | None, group_id: int | None):  # type: ignore[no-untyped-def]
    query = query.where(Village.commune_code == commune_code)
    if village_id is not None:
        query = query.where(Village.id == village_id)
    if group_id is not None:
        query = query.where(Group.id == group_id)
    return query


def _resident():  # type: ignore[no-untyped-def]
    return (Household.status == HouseholdStatus.ACTIVE) & Household.confirmed.is_(True)


def _has_pledged(year: int):  # type: ignore[no-untyped-def]
    """Whether the household of the row has a pledge in force for the year: a correlated
    EXISTS, one probe of the pledges' (household, year) index per household, whatever the
    planner believes about the tables' sizes (fresh lists are not analysed yet)."""
    return (
        select(Pledge.id)
        .where(
            Pledge.household_id == Household.id,
            Pledge.year == year,
            Pledge.withdrawn_at.is_(None),
        )
        .exists()
    )


async def coverage_by_group(
    session: AsyncSession,
    *,
    commune_code: str,
    village_id: int | None,
    group_id: int | None,
    year: int,
) -> list[tuple[int, str, int, str, int, int]]:
    """(village id, village name, group id, group name, resident, pledged) of every group of
    the unit, groups without households too."""
    query = (
        select(
            Village.id,
            Village.name,
            Group.id,
            Group.name,
            func.count(Household.id),
            func.count(case((_has_pledged(year), 1))),
        )
        .select_from(Group)
        .join(Village, Village.id == Group.village_id)
        .outerjoin(Household, (Household.group_id == Group.id) & _resident())
        .group_by(Village.id, Village.name, Group.id, Group.name)
    )
    rows = await session.execute(_in_unit(query, commune_code, village_id, group_id))
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def unpledged_households(
    session: AsyncSession,
    *,
    commune_code: str,
    village_id: int | None,
    group_id: int | None,
    year: int,
) -> list[tuple[int, str, str, str, str]]:
    """(household id, village, group, address, head) of the unit's resident households
    without a pledge for the year."""
    query = (
        select(Household.id, Village.name, Group.name, Household.address, Household.head_name)
        .select_from(Household)
        .join(Group, Group.id == Household.group_id)
        .join(Village, Village.id == Group.village_id)
        # NOT EXISTS inside a CASE: PostgreSQL keeps it a per-row index probe; as a plain
        # anti-join, planned on a fresh list's missing statistics, it took seconds.
        .where(_resident(), case((_has_pledged(year), 0), else_=1) == 1)
    )
    rows = await session.execute(_in_unit(query, commune_code, village_id, group_id))
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def confirmed_households(
    session: AsyncSession, *, commune_code: str, village_id: int | None, group_id: int | None
) -> list[tuple[int, int, str, str, str, str, str]]:
    """(household id, village id, village, group, address, head, status) of every confirmed
    household of the unit, moved away or not."""
    query = (
        select(
            Household.id,
            Village.id,
            Village.name,
            Group.name,
            Household.address,
            Household.head_name,
            Household.status,
        )
        .select_from(Household)
        .join(Group, Group.id == Household.group_id)
        .join(Village, Village.id == Group.village_id)
        .where(Household.confirmed.is_(True))
    )
    rows = await session.execute(_in_unit(query, commune_code, village_id, group_id))
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def pledges_of_year(
    session: AsyncSession,
    *,
    commune_code: str,
    village_id: int | None,
    group_id: int | None,
    year: int,
) -> list[tuple[Any, ...]]:
    """(household id, at, withdrawn at, confirmer's name, assisted how, channel, text version,
    withdrawal reason) of every pledge of the year in the unit, withdrawn ones too, oldest
    first."""
    confirmer = aliased(Person)
    query = (
        select(
            Pledge.household_id,
            Pledge.at,
            Pledge.withdrawn_at,
            confirmer.full_name,
            case((Pledge.assisted.is_(True), Pledge.assisted_how), else_=None),
            Pledge.channel,
            PledgeText.version,
            Pledge.withdraw_reason,
        )
        .join(confirmer, confirmer.id == Pledge.confirmed_by)
        .join(PledgeText, PledgeText.id == Pledge.text_id)
        .join(Household, Household.id == Pledge.household_id)
        .join(Group, Group.id == Household.group_id)
        .join(Village, Village.id == Group.village_id)
        .where(Pledge.year == year)
        .order_by(Pledge.at)
    )
    rows = await session.execute(_in_unit(query, commune_code, village_id, group_id))
    return [tuple(row) for row in rows]


def _unpledged():  # type: ignore[no-untyped-def]
    """Resident households without a pledge in force (with the outer join below)."""
    return _resident() & Pledge.id.is_(None)


def _pledge_join(year: int):  # type: ignore[no-untyped-def]
    return (
        (Pledge.household_id == Household.id)
        & (Pledge.year == year)
        & Pledge.withdrawn_at.is_(None)
    )


async def signers_of_unpledged(
    session: AsyncSession, year: int
) -> list[tuple[int, str, str, str, str]]:
    """(household id, address, channel, chat id, language) for the head of every household
    without a pledge in force, and for the members the head lets sign; who no longer lives
    there, withdrew consent or blocked the bot is not among them."""
    columns = (
        Household.id,
        Household.address,
        ChannelAccount.channel,
        ChannelAccount.chat_id,
        ChannelAccount.language,
    )
    living = (
        (Person.household_id == Household.id)
        & Person.erased_at.is_(None)
        & Person.consent_version.is_not(None)
    )
    heads = (
        select(*columns)
        .select_from(Household)
        .outerjoin(Pledge, _pledge_join(year))
        .join(Person, living)
        .join(
            RoleAssignment,
            (RoleAssignment.person_id == Person.id)
            & (RoleAssignment.role == Role.HOUSEHOLD_HEAD)
            & (RoleAssignment.scope_kind == ScopeKind.GROUP)
            & (RoleAssignment.scope_id == cast(Household.group_id, String)),
        )
        .join(ChannelAccount, ChannelAccount.person_id == Person.id)
        .where(_unpledged(), ChannelAccount.blocked_at.is_(None))
    )
    delegates = (
        select(*columns)
        .select_from(Household)
        .outerjoin(Pledge, _pledge_join(year))
        .join(PledgeDelegate, PledgeDelegate.household_id == Household.id)
        .join(Person, living & (Person.id == PledgeDelegate.person_id))
        .join(ChannelAccount, ChannelAccount.person_id == Person.id)
        .where(_unpledged(), ChannelAccount.blocked_at.is_(None))
    )
    rows = await session.execute(heads.union(delegates))
    return sorted(tuple(row) for row in rows)  # type: ignore[misc]


async def group_leader_accounts(session: AsyncSession) -> list[tuple[str, ChannelAccount]]:
    """(group id as stored in the role's scope, account) of every group leader and deputy who
    can be written to, by group and account."""
    rows = await session.execute(
        select(RoleAssignment.scope_id, ChannelAccount)
        .join(ChannelAccount, ChannelAccount.person_id == RoleAssignment.person_id)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(
            RoleAssignment.role.in_([Role.GROUP_LEADER, Role.GROUP_DEPUTY]),
            RoleAssignment.scope_kind == ScopeKind.GROUP,
            ChannelAccount.blocked_at.is_(None),
            Person.erased_at.is_(None),
        )
        .order_by(RoleAssignment.scope_id, ChannelAccount.id)
    )
    return [(scope_id, account) for scope_id, account in rows]


async def communes_with_households(session: AsyncSession) -> list[str]:
    """The codes of the communes that have resident households, in order."""
    return list(
        await session.scalars(
            select(Village.commune_code)
            .join(Group, Group.village_id == Village.id)
            .join(Household, Household.group_id == Group.id)
            .where(_resident())
            .distinct()
            .order_by(Village.commune_code)
        )
    )
