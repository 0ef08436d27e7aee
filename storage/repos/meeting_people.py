"""Queries for who a meeting concerns: the group's names, its leaders, its members (the
invitees), a household's people, the groups a person belongs to, the group's chat."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Commune,
    Group,
    GroupChat,
    Household,
    Membership,
    MembershipStatus,
    Person,
    Province,
    Role,
    RoleAssignment,
    ScopeKind,
    Village,
)

_LEADING = (Role.GROUP_LEADER, Role.GROUP_DEPUTY)


async def province_name(session: AsyncSession, code: str) -> str:
    """The province's name, or "" when the code names none."""
    province = await session.get(Province, code) if code else None
    return province.name if province else ""


async def group_names(session: AsyncSession, group_id: int) -> tuple[str, str, str, str]:
    """(group, village, commune, province code) names for headings and notices."""
    row = (
        await session.execute(
            select(Group.name, Village.name, Commune.name, Commune.province_code)
            .join(Village, Village.id == Group.village_id)
            .join(Commune, Commune.code == Village.commune_code)
            .where(Group.id == group_id)
        )
    ).first()
    return (row[0], row[1], row[2], row[3]) if row else ("", "", "", "")


async def names_of_groups(
    session: AsyncSession, group_ids: list[int]
) -> list[tuple[int, str, str]]:
    """(group id, group name, village name) of these groups, by village then group name."""
    rows = await session.execute(
        select(Group.id, Group.name, Village.name)
        .join(Village, Village.id == Group.village_id)
        .where(Group.id.in_(group_ids))
        .order_by(Village.name, Group.name)
    )
    return [(group_id, group, village) for group_id, group, village in rows]


async def all_group_ids(session: AsyncSession) -> list[int]:
    return list(await session.scalars(select(Group.id).order_by(Group.id)))


async def commune_of_group(session: AsyncSession, group_id: int) -> str | None:
    return await session.scalar(
        select(Village.commune_code)
        .join(Group, Group.village_id == Village.id)
        .where(Group.id == group_id)
    )


async def group_leaders(session: AsyncSession, group_id: int) -> list[int]:
    """The group's leader and deputies."""
    return sorted(
        set(
            await session.scalars(
                select(RoleAssignment.person_id).where(
                    RoleAssignment.scope_kind == ScopeKind.GROUP,
                    RoleAssignment.scope_id == str(group_id),
                    RoleAssignment.role.in_(_LEADING),
                )
            )
        )
    )


async def invitees(session: AsyncSession, group_id: int) -> dict[int, str]:
    """Everyone a meeting of the group is for: confirmed members, the leader and deputies;
    person id → name, by name."""
    members = await session.execute(
        select(Person.id, Person.full_name)
        .join(Membership, Membership.person_id == Person.id)
        .where(
            Membership.group_id == group_id,
            Membership.status == MembershipStatus.CONFIRMED,
            Person.erased_at.is_(None),
        )
    )
    people = dict(members.all())
    leaders = await group_leaders(session, group_id)
    if leaders:
        rows = await session.execute(
            select(Person.id, Person.full_name).where(
                Person.id.in_(leaders), Person.erased_at.is_(None)
            )
        )
        people.update(dict(rows.all()))
    return dict(sorted(people.items(), key=lambda item: (item[1], item[0])))


async def members_with_addresses(session: AsyncSession, group_id: int) -> list[tuple[str, str]]:
    """(name, household address or "") of the group's confirmed members, by name."""
    rows = await session.execute(
        select(Person.full_name, Household.address)
        .join(Membership, Membership.person_id == Person.id)
        .outerjoin(Household, Household.id == Membership.household_id)
        .where(
            Membership.group_id == group_id,
            Membership.status == MembershipStatus.CONFIRMED,
            Person.erased_at.is_(None),
        )
        .order_by(Person.full_name)
    )
    return [(name, address or "") for name, address in rows]


async def household_members(session: AsyncSession, household_id: int) -> list[int]:
    return list(
        await session.scalars(
            select(Person.id).where(Person.household_id == household_id, Person.erased_at.is_(None))
        )
    )


async def groups_of_member(session: AsyncSession, person_id: int) -> list[int]:
    """The groups a person is a confirmed member of, or leads."""
    rows = await session.scalars(
        select(Membership.group_id).where(
            Membership.person_id == person_id, Membership.status == MembershipStatus.CONFIRMED
        )
    )
    led = await session.scalars(
        select(RoleAssignment.scope_id).where(
            RoleAssignment.person_id == person_id,
            RoleAssignment.scope_kind == ScopeKind.GROUP,
            RoleAssignment.role.in_(_LEADING),
        )
    )
    return sorted(set(rows) | {int(group_id) for group_id in led})


async def group_chat_of(session: AsyncSession, group_id: int) -> GroupChat | None:
    return await session.get(GroupChat, group_id)
