"""What the console reads to let a person in: the communes behind their grants, the villages
they head, the commune's villages, and the officer the demo signs in as."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Commune, Person, Role, RoleAssignment, ScopeKind, Village


async def communes_of_villages(session: AsyncSession, village_ids: Collection[int]) -> set[str]:
    """The codes of the communes these villages lie in."""
    if not village_ids:
        return set()
    rows = await session.scalars(
        select(Village.commune_code).where(Village.id.in_(list(village_ids)))
    )
    return set(rows)


async def communes_by_codes(session: AsyncSession, codes: Collection[str]) -> list[Commune]:
    return list(await session.scalars(select(Commune).where(Commune.code.in_(list(codes)))))


async def headed_villages(session: AsyncSession, person_id: int) -> list[int]:
    """The ids of the existing villages this person is village head of."""
    rows = await session.scalars(
        select(RoleAssignment.scope_id).where(
            RoleAssignment.person_id == person_id,
            RoleAssignment.role == Role.VILLAGE_HEAD,
            RoleAssignment.scope_kind == ScopeKind.VILLAGE,
        )
    )
    ids = [int(each) for each in rows]
    if not ids:
        return []
    return list(await session.scalars(select(Village.id).where(Village.id.in_(ids))))


async def village_ids_of(session: AsyncSession, commune_code: str) -> set[int]:
    rows = await session.scalars(select(Village.id).where(Village.commune_code == commune_code))
    return set(rows)


async def first_commune_officer(session: AsyncSession, commune_code: str) -> Person | None:
    """The commune's police officer with the lowest id (the demo's sign-in)."""
    return await session.scalar(
        select(Person)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(
            RoleAssignment.role == Role.COMMUNE_POLICE,
            RoleAssignment.scope_kind == ScopeKind.COMMUNE,
            RoleAssignment.scope_id == commune_code,
        )
        .order_by(Person.id)
        .limit(1)
    )
