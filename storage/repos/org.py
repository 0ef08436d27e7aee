"""Looking up the administrative units."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.text_match import fold
from storage.models import (
    Commune,
    Group,
    Household,
    Person,
    Province,
    Role,
    RoleAssignment,
    ScopeKind,
    Village,
)


async def find_communes(
    session: AsyncSession, query: str, *, limit: int = 8
) -> list[tuple[Commune, Province]]:
    """Communes whose name contains the typed words, diacritics and case ignored.

    A name typed exactly, with its diacritics ("Thanh Mỹ"), picks that commune alone; typed
    without them ("thanh my"), every commune of that name (Thanh Mỹ, Thạnh Mỹ) comes first.
    """
    folded = fold(query)
    if len(folded) < 2:
        return []
    rows = (
        await session.execute(
            select(Commune, Province)
            .join(Province, Province.code == Commune.province_code)
            .where(Commune.name_folded.contains(folded, autoescape=True))
            .order_by(Commune.name_folded, Province.name_folded)
            .limit(200)
        )
    ).all()
    pairs = [(commune, province) for commune, province in rows]
    typed = " ".join(query.casefold().split())
    exactly = [p for p in pairs if _bare_name(p[0].name).casefold() == typed]
    if len(exactly) == 1:
        return exactly
    same_name = [p for p in pairs if fold(_bare_name(p[0].name)) == folded]
    return (same_name or pairs)[:limit]


def _bare_name(name: str) -> str:
    """'Xã Thanh Mỹ' -> 'Thanh Mỹ'."""
    for kind in ("Xã ", "Phường ", "Đặc khu "):
        if name.startswith(kind):
            return name.removeprefix(kind)
    return name


async def commune_by_code(session: AsyncSession, code: str | None) -> Commune | None:
    return await session.get(Commune, code) if code else None


async def commune_name(session: AsyncSession, code: str) -> str:
    """'Xã Thanh Mỹ'; the code itself for a commune not in the list."""
    commune = await session.get(Commune, code)
    return commune.name if commune else code


async def province_by_code(session: AsyncSession, code: str) -> Province | None:
    return await session.get(Province, code)


async def village_by_id(session: AsyncSession, village_id: int) -> Village | None:
    return await session.get(Village, village_id)


async def group_by_id(session: AsyncSession, group_id: int | None) -> Group | None:
    return await session.get(Group, group_id) if group_id is not None else None


async def villages_of(session: AsyncSession, commune_code: str) -> list[Village]:
    """The commune's villages by name."""
    return list(
        await session.scalars(
            select(Village).where(Village.commune_code == commune_code).order_by(Village.name)
        )
    )


async def villages_by_creation(session: AsyncSession, commune_code: str) -> list[Village]:
    return list(
        await session.scalars(
            select(Village).where(Village.commune_code == commune_code).order_by(Village.id)
        )
    )


async def groups_by_creation(session: AsyncSession, commune_code: str) -> list[Group]:
    return list(
        await session.scalars(
            select(Group)
            .join(Village, Village.id == Group.village_id)
            .where(Village.commune_code == commune_code)
            .order_by(Group.id)
        )
    )


async def households_by_creation(session: AsyncSession, commune_code: str) -> list[Household]:
    return list(
        await session.scalars(
            select(Household)
            .join(Group, Group.id == Household.group_id)
            .join(Village, Village.id == Group.village_id)
            .where(Village.commune_code == commune_code)
            .order_by(Household.id)
        )
    )


def _scoped_here(code: str, village_ids: list[int], group_ids: list[int]) -> ColumnElement[bool]:
    """Role assignments whose scope is this commune, one of its villages or groups."""
    return or_(
        and_(RoleAssignment.scope_kind == ScopeKind.COMMUNE, RoleAssignment.scope_id == code),
        and_(
            RoleAssignment.scope_kind == ScopeKind.VILLAGE,
            RoleAssignment.scope_id.in_([str(i) for i in village_ids]),
        ),
        and_(
            RoleAssignment.scope_kind == ScopeKind.GROUP,
            RoleAssignment.scope_id.in_([str(i) for i in group_ids]),
        ),
    )


async def persons_of_commune(
    session: AsyncSession, code: str, *, village_ids: list[int], group_ids: list[int]
) -> list[Person]:
    """Persons not erased who belong to the commune or hold a role in it, oldest first."""
    with_role = select(RoleAssignment.person_id).where(_scoped_here(code, village_ids, group_ids))
    return list(
        await session.scalars(
            select(Person)
            .where(
                Person.erased_at.is_(None),
                or_(Person.commune_code == code, Person.id.in_(with_role)),
            )
            .order_by(Person.id)
        )
    )


async def roles_in_commune(
    session: AsyncSession, code: str, *, village_ids: list[int], group_ids: list[int]
) -> list[RoleAssignment]:
    """Every role scoped in the commune, its villages or its groups, oldest first."""
    return list(
        await session.scalars(
            select(RoleAssignment)
            .where(_scoped_here(code, village_ids, group_ids))
            .order_by(RoleAssignment.id)
        )
    )


async def village_named(
    session: AsyncSession, commune_code: str, name_or_id: str
) -> Village | None:
    """The commune's village of that exact name, or of that id when digits are given."""
    match = Village.name == name_or_id
    if name_or_id.isdigit():
        match = match | (Village.id == int(name_or_id))
    return await session.scalar(select(Village).where(Village.commune_code == commune_code, match))


async def groups_with_villages(
    session: AsyncSession, commune_code: str, *, village_id: int | None = None
) -> list[tuple[Group, Village]]:
    """The commune's groups (of one village, if given) with their village, by names."""
    query = (
        select(Group, Village)
        .join(Village, Village.id == Group.village_id)
        .where(Village.commune_code == commune_code)
        .order_by(Village.name, Group.name)
    )
    if village_id is not None:
        query = query.where(Village.id == village_id)
    return [(group, village) for group, village in await session.execute(query)]


async def scope_names(session: AsyncSession, scope_kind: str, scope_id: str) -> tuple[str, ...]:
    """The names of a stored scope and of the units above it, smallest first: ('Tổ 1', 'Ấp
    Mỹ Thạnh', 'Xã Thanh Mỹ'); empty when there is no such unit."""
    if scope_kind == ScopeKind.COMMUNE:
        name = await session.scalar(select(Commune.name).where(Commune.code == scope_id))
        return (name,) if name else ()
    if not scope_id.isdigit():
        return ()
    if scope_kind == ScopeKind.VILLAGE:
        query = select(Village.name, Commune.name).where(Village.id == int(scope_id))
    else:
        query = (
            select(Group.name, Village.name, Commune.name)
            .join(Village, Village.id == Group.village_id)
            .where(Group.id == int(scope_id))
        )
    row = (await session.execute(query.join(Commune, Commune.code == Village.commune_code))).first()
    return tuple(row) if row else ()


async def has_villages(session: AsyncSession, commune_code: str) -> bool:
    query = select(Village.id).where(Village.commune_code == commune_code).limit(1)
    return await session.scalar(query) is not None


async def people_in_households(
    session: AsyncSession, commune_code: str
) -> list[tuple[int, int, int]]:
    """(person, household, group) of the commune's people who live in a listed household."""
    rows = await session.execute(
        select(Person.id, Household.id, Household.group_id)
        .join(Household, Household.id == Person.household_id)
        .where(Person.commune_code == commune_code)
    )
    return [(person, household, group) for person, household, group in rows]


async def communes_administered_by(session: AsyncSession, person_id: int) -> list[str]:
    """Codes of the communes where the person is commune admin."""
    return list(
        await session.scalars(
            select(RoleAssignment.scope_id).where(
                RoleAssignment.person_id == person_id,
                RoleAssignment.role == Role.COMMUNE_ADMIN,
                RoleAssignment.scope_kind == ScopeKind.COMMUNE,
            )
        )
    )


async def full_names(session: AsyncSession, person_ids: Collection[int]) -> dict[int, str]:
    """Person id → full name, for those ids that are persons."""
    rows = await session.execute(
        select(Person.id, Person.full_name).where(Person.id.in_(list(person_ids)))
    )
    return {person_id: name for person_id, name in rows}
