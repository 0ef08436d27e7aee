"""What the database holds for one commune, indexed the way the files name things.

Files name villages, groups and addresses as people type them, so every index is by folded
text (no diacritics, no case): "to 1" finds "Tổ 1". Two stored names that fold alike are both
kept; the exact spelling wins, then a confirmed household, then the oldest row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.organisation.report import OrgFileError
from bot.text_match import fold
from storage.models import Commune, Group, Household, Person, ScopeKind, Village
from storage.repos.org import (
    commune_by_code,
    groups_by_creation,
    households_by_creation,
    persons_of_commune,
    roles_in_commune,
    villages_by_creation,
)

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
    commune = await commune_by_code(session, code)
    if commune is None:
        raise OrgFileError(
            f"commune {code!r} is not in the official list of communes "
            "(the 5-digit code of the 2025 list, e.g. 30073 for Xã Thanh Mỹ, Đồng Tháp)"
        )
    state = CommuneState(commune=commune)
    villages: dict[int, VillageNode] = {}
    for village in await villages_by_creation(session, code):
        villages[village.id] = VillageNode(row=village)
        state.add_village(villages[village.id])
    groups: dict[int, GroupNode] = {}
    for group in await groups_by_creation(session, code):
        groups[group.id] = GroupNode(row=group, village=villages[group.village_id])
        villages[group.village_id].add_group(groups[group.id])
    for household in await households_by_creation(session, code):
        groups[household.group_id].add_household(household)
    scope = {"village_ids": list(villages), "group_ids": list(groups)}
    state.persons = await persons_of_commune(session, code, **scope)
    for role in await roles_in_commune(session, code, **scope):
        state.roles.setdefault(role.person_id, []).append(
            (role.role, role.scope_kind, role.scope_id)
        )
    return state
