"""Where roles are held: a person's grants, and the places (groups, villages) they cover."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Group, RoleAssignment, Village


async def grants_of(session: AsyncSession, person_id: int) -> list[tuple[str, str, str]]:
    """(role, scope kind, scope id) of every role the person holds."""
    rows = await session.execute(
        select(RoleAssignment.role, RoleAssignment.scope_kind, RoleAssignment.scope_id).where(
            RoleAssignment.person_id == person_id
        )
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def commune_and_village_of_group(
    session: AsyncSession, group_id: int
) -> tuple[str, int] | None:
    row = (
        await session.execute(
            select(Village.commune_code, Village.id)
            .join(Group, Group.village_id == Village.id)
            .where(Group.id == group_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def commune_of_village(session: AsyncSession, village_id: int) -> str | None:
    return await session.scalar(select(Village.commune_code).where(Village.id == village_id))


async def groups_within(
    session: AsyncSession,
    *,
    group_ids: Sequence[int] = (),
    village_ids: Sequence[int] = (),
    commune_codes: Sequence[str] = (),
) -> list[Group]:
    """Groups that are one of, or lie in one of, the places given; by village, then name."""
    conditions = []
    if group_ids:
        conditions.append(Group.id.in_(group_ids))
    if village_ids:
        conditions.append(Group.village_id.in_(village_ids))
    if commune_codes:
        conditions.append(Village.commune_code.in_(commune_codes))
    if not conditions:
        return []
    rows = await session.scalars(
        select(Group)
        .join(Village, Village.id == Group.village_id)
        .where(or_(*conditions))
        .order_by(Village.name, Group.name)
    )
    return list(rows)
