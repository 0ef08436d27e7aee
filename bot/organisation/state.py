"""What the database holds for one commune, indexed the way the files name things.

Files name villages, groups and addresses as people type them, so every index is by folded
text (no diacritics, no case): "to 1" finds "Tổ 1". Two stored names that fold alike are both
kept; the exact spelling wins, then a confirmed household, then the oldest row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.organisation.report import OrgFileError
from bot.text_match import fold
from storage.models import Commune, Group, Household, Person, RoleAssignment, ScopeKind, Village

RoleKey = tuple[str, str, str]  # role, scope kind, scope id (as stored)
T = TypeVar("T")


def pick(
    rows: list[T],
    text: str,
    spelling: Callable[[T], str],
    prefer: Callable[[T], bool] | None = None,
) -> T | None:
    """Of the rows whose name folds like `text`: the one spelled exactly so, else a preferred
    one, else the first (the oldest)."""
    for row in rows:
        if spelling(row) == text:
            return row
    if prefer is not None:
        for row in rows:
            if prefer(row):
                return row
    return rows[0] if rows else None


@dataclass(eq=False)
class GroupNode:
    row: Group  # not yet in the database while row.id is None
    village: VillageNode
    households: dict[str, list[Household]] = field(default_factory=dict)

    def household(self, address: str) -> Household | None:
        candidates = self.households.get(fold(address), [])
        return pick(candidates, address, lambda h: h.address, lambda h: bool(h.confirmed))

    def add_household(self, household: Household) -> None:
        self.households.setdefault(fold(household.address), []).append(household)

    def all_households(self) -> Iterator[Household]:
        for rows in self.households.values():
            yield from rows


@dataclass(eq=False)
class VillageNode:
    row: Village  # not yet in the database while row.id is None
    groups: dict[str, list[GroupNode]] = field(default_factory=dict)

    def group(self, name: str) -> GroupNode | None:
        return pick(self.groups.get(fold(name), []), name, lambda g: g.row.name)

    def add_group(self, node: GroupNode) -> None:
        self.groups.setdefault(fold(node.row.name), []).append(node)

    def all_groups(self) -> list[GroupNode]:
        return [node for nodes in self.groups.values() for node in nodes]


@dataclass
class CommuneState:
    commune: Commune
    villages: dict[str, list[VillageNode]] = field(default_factory=dict)
    persons: list[Person] = field(default_factory=list)
    # Every role scoped in this commune, by person id, oldest first.
    roles: dict[int, list[RoleKey]] = field(default_factory=dict)
    _by_name: dict[str, list[Person]] = field(default_factory=dict)

    def village(self, name: str) -> VillageNode | None:
        return pick(self.villages.get(fold(name), []), name, lambda v: v.row.name)

    def add_village(self, node: VillageNode) -> None:
        self.villages.setdefault(fold(node.row.name), []).append(node)

    def all_villages(self) -> list[VillageNode]:
        return [node for nodes in self.villages.values() for node in nodes]

    def all_groups(self) -> list[GroupNode]:
        return [group for village in self.all_villages() for group in village.all_groups()]

    def groups_named(self, name: str) -> list[GroupNode]:
        """A group named in a file without its village: every village's group of that name."""
        found = (village.group(name) for village in self.all_villages())
        return [group for group in found if group is not None]

    def households_at(self, address: str) -> list[tuple[GroupNode, Household]]:
        found = ((group, group.household(address)) for group in self.all_groups())
        return [(group, household) for group, household in found if household is not None]

    def scope_name(self, kind: str, scope_id: str) -> str:
        """'Tổ 1, Ấp Mỹ Thạnh' for a stored role scope: how reports and exports name it."""
        if kind == ScopeKind.COMMUNE:
            return "the commune"
        for village in self.all_villages():
            if kind == ScopeKind.VILLAGE and str(village.row.id) == scope_id:
                return village.row.name
            for group in village.all_groups():
                if kind == ScopeKind.GROUP and str(group.row.id) == scope_id:
                    return f"{group.row.name}, {village.row.name}"
        return f"{kind} {scope_id}"

    def persons_named(self, name: str) -> list[Person]:
        if not self._by_name and self.persons:
            for person in self.persons:
                self._by_name.setdefault(fold(person.full_name), []).append(person)
        return self._by_name.get(fold(name), [])


async def load_state(session: AsyncSession, code: str) -> CommuneState:
    """Villages, groups, households, persons and roles of the commune, in creation order."""
    commune = await session.get(Commune, code)
    if commune is None:
        raise OrgFileError(
            f"commune {code!r} is not in the official list of communes "
            "(the 5-digit code of the 2025 list, e.g. 30073 for Xã Thanh Mỹ, Đồng Tháp)"
        )
    state = CommuneState(commune=commune)
    villages = await session.scalars(
        select(Village).where(Village.commune_code == code).order_by(Village.id)
    )
    by_id: dict[int, VillageNode] = {}
    for village in villages:
        by_id[village.id] = VillageNode(row=village)
        state.add_village(by_id[village.id])
    groups = await _groups(session, code, by_id)
    await _households(session, code, groups)
    in_commune = _scoped_here(code, list(by_id), list(groups))
    await _persons_and_roles(session, state, in_commune)
    return state


async def _groups(
    session: AsyncSession, code: str, villages: dict[int, VillageNode]
) -> dict[int, GroupNode]:
    rows = await session.scalars(
        select(Group)
        .join(Village, Village.id == Group.village_id)
        .where(Village.commune_code == code)
        .order_by(Group.id)
    )
    groups: dict[int, GroupNode] = {}
    for group in rows:
        groups[group.id] = GroupNode(row=group, village=villages[group.village_id])
        villages[group.village_id].add_group(groups[group.id])
    return groups


async def _households(session: AsyncSession, code: str, groups: dict[int, GroupNode]) -> None:
    rows = await session.scalars(
        select(Household)
        .join(Group, Group.id == Household.group_id)
        .join(Village, Village.id == Group.village_id)
        .where(Village.commune_code == code)
        .order_by(Household.id)
    )
    for household in rows:
        groups[household.group_id].add_household(household)


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


async def _persons_and_roles(
    session: AsyncSession, state: CommuneState, in_commune: ColumnElement[bool]
) -> None:
    """The commune's persons: those of its commune code and those with a role in it."""
    with_role = select(RoleAssignment.person_id).where(in_commune)
    persons = await session.scalars(
        select(Person)
        .where(
            Person.erased_at.is_(None),
            or_(Person.commune_code == state.commune.code, Person.id.in_(with_role)),
        )
        .order_by(Person.id)
    )
    state.persons = list(persons)
    roles = await session.scalars(
        select(RoleAssignment).where(in_commune).order_by(RoleAssignment.id)
    )
    for role in roles:
        state.roles.setdefault(role.person_id, []).append(
            (role.role, role.scope_kind, role.scope_id)
        )
