"""Coverage: pledged households out of resident households, for a group, a village or a commune.

Resident households are the confirmed households of the unit that did not move away; a pledge
counts when it is for the year asked and not withdrawn. One aggregate query per report, grouped
by group; everything above a group is summed from those rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import POLICY, Action, Actor, Scope, group_scope
from bot.i18n import Translator
from storage.models import ScopeKind
from storage.repos.org import commune_by_code, group_by_id
from storage.repos.places import village_by_id
from storage.repos.pledge_coverage import coverage_by_group, unpledged_households

MAX_MISSING_LINES = 30
_DIGITS = re.compile(r"(\d+)")


class UnitKind(StrEnum):
    GROUP = "group"
    VILLAGE = "village"
    COMMUNE = "commune"


@dataclass(frozen=True)
class Unit:
    kind: UnitKind
    commune_code: str
    village_id: int | None = None
    group_id: int | None = None

    @property
    def scope(self) -> Scope:
        return Scope(self.commune_code, self.village_id, self.group_id)

    @property
    def key(self) -> str:
        """Stable text for button data and file names: "commune:30073", "group:12"."""
        ident = {
            UnitKind.COMMUNE: self.commune_code,
            UnitKind.VILLAGE: self.village_id,
            UnitKind.GROUP: self.group_id,
        }
        return f"{self.kind}:{ident[self.kind]}"


@dataclass
class Counts:
    pledged: int = 0
    resident: int = 0

    @property
    def missing(self) -> int:
        return self.resident - self.pledged

    @property
    def percent(self) -> int:
        """Rounded down: 100 % only when every household pledged."""
        return self.pledged * 100 // self.resident if self.resident else 0

    def add(self, other: Counts) -> None:
        self.pledged += other.pledged
        self.resident += other.resident


@dataclass
class GroupCoverage:
    group_id: int
    name: str
    counts: Counts


@dataclass
class VillageCoverage:
    village_id: int
    name: str
    counts: Counts = field(default_factory=Counts)
    groups: list[GroupCoverage] = field(default_factory=list)


@dataclass
class Coverage:
    unit: Unit
    year: int
    villages: list[VillageCoverage]

    @property
    def counts(self) -> Counts:
        total = Counts()
        for village in self.villages:
            total.add(village.counts)
        return total


@dataclass(frozen=True)
class MissingHousehold:
    household_id: int
    village: str
    group: str
    address: str
    head_name: str


@lru_cache(maxsize=4096)  # village and group names come back on every household's line
def natural_key(text: str) -> tuple[object, ...]:
    """ "Tổ 2" before "Tổ 10", "5 đường" before "12 đường"."""
    return tuple(int(part) if part.isdigit() else part.casefold() for part in _DIGITS.split(text))


async def unit_of_group(session: AsyncSession, group_id: int) -> Unit | None:
    scope = await group_scope(session, group_id)
    if scope is None:
        return None
    return Unit(UnitKind.GROUP, scope.commune_code, scope.village_id, group_id)


async def units_in_reach(session: AsyncSession, actor: Actor) -> list[Unit]:
    """The groups, villages and communes whose coverage this person may see, broadest first,
    from their roles as stored."""
    units: set[Unit] = set()
    for grant in actor.grants:
        if grant.role not in POLICY[Action.VIEW_COVERAGE]:
            continue
        if grant.scope_kind == ScopeKind.COMMUNE:
            units.add(Unit(UnitKind.COMMUNE, grant.scope_id))
        elif grant.scope_kind == ScopeKind.VILLAGE:
            village = await village_by_id(session, int(grant.scope_id))
            if village is not None:
                units.add(Unit(UnitKind.VILLAGE, village.commune_code, village.id))
        elif grant.scope_kind == ScopeKind.GROUP:
            unit = await unit_of_group(session, int(grant.scope_id))
            if unit is not None:
                units.add(unit)
    order = {UnitKind.COMMUNE: 0, UnitKind.VILLAGE: 1, UnitKind.GROUP: 2}
    return sorted(units, key=lambda u: (order[u.kind], u.commune_code, u.village_id or 0, u.key))


async def unit_from_key(session: AsyncSession, key: str) -> Unit | None:
    """The unit a button names, looked up again in the database (the caller re-authorises)."""
    kind, _, ident = key.partition(":")
    if kind == UnitKind.COMMUNE:
        commune = await commune_by_code(session, ident)
        return Unit(UnitKind.COMMUNE, commune.code) if commune else None
    if not ident.isdigit():
        return None
    if kind == UnitKind.VILLAGE:
        village = await village_by_id(session, int(ident))
        return Unit(UnitKind.VILLAGE, village.commune_code, village.id) if village else None
    if kind == UnitKind.GROUP:
        return await unit_of_group(session, int(ident))
    return None


async def unit_name(session: AsyncSession, unit: Unit) -> str:
    """ "Tổ 1, Ấp Mỹ Thạnh", "Ấp Mỹ Thạnh, Xã Thanh Mỹ" or "Xã Thanh Mỹ"."""
    commune = await commune_by_code(session, unit.commune_code)
    commune_name = commune.name if commune else unit.commune_code
    if unit.kind == UnitKind.COMMUNE:
        return commune_name
    village = await village_by_id(session, unit.village_id)
    village_name = village.name if village else ""
    if unit.kind == UnitKind.VILLAGE:
        return f"{village_name}, {commune_name}"
    group = await group_by_id(session, unit.group_id)
    return f"{group.name if group else ''}, {village_name}"


def unit_filter(unit: Unit) -> dict[str, Any]:
    """The unit as the coverage queries take it (storage.repos.pledge_coverage)."""
    return {
        "commune_code": unit.commune_code,
        "village_id": unit.village_id if unit.kind == UnitKind.VILLAGE else None,
        "group_id": unit.group_id if unit.kind == UnitKind.GROUP else None,
    }


async def coverage(session: AsyncSession, unit: Unit, year: int) -> Coverage:
    """Pledged and resident households of every group of the unit (groups without households
    too), in natural order of village and group names."""
    rows = await coverage_by_group(session, **unit_filter(unit), year=year)
    villages: dict[int, VillageCoverage] = {}
    for village_id, village_name, group_id, group_name, resident, pledged in rows:
        village = villages.setdefault(village_id, VillageCoverage(village_id, village_name))
        counts = Counts(pledged=pledged, resident=resident)
        village.groups.append(GroupCoverage(group_id, group_name, counts))
        village.counts.add(counts)
    if unit.kind == UnitKind.VILLAGE and unit.village_id not in villages:
        village = await village_by_id(session, unit.village_id)  # a village without groups yet
        if village is not None:
            villages[village.id] = VillageCoverage(village.id, village.name)
    for village in villages.values():
        village.groups.sort(key=lambda g: natural_key(g.name))
    ordered = sorted(villages.values(), key=lambda v: natural_key(v.name))
    return Coverage(unit=unit, year=year, villages=ordered)


async def missing_households(
    session: AsyncSession, unit: Unit, year: int
) -> list[MissingHousehold]:
    """The resident households of the unit without a pledge for the year."""
    rows = await unpledged_households(session, **unit_filter(unit), year=year)
    missing = [MissingHousehold(*row) for row in rows]
    return sorted(missing, key=_household_order)


def _household_order(m: MissingHousehold) -> tuple[object, ...]:
    return natural_key(m.village), natural_key(m.group), natural_key(m.address)


# --- as text ------------------------------------------------------------------------------


def counts_text(t: Translator, counts: Counts) -> str:
    return t.gettext(
        "{pledged}/{resident} households ({percent}%)",
        pledged=counts.pledged,
        resident=counts.resident,
        percent=counts.percent,
    )


def summary_text(t: Translator, report: Coverage, place: str) -> str:
    """The headline, then one line per village (a commune) or per group (a village)."""
    total = report.counts
    lines = [
        t.gettext(
            "Household safety pledges, {place}, {year}: {pledged} of {resident} resident "
            "households ({percent}%).",
            place=place,
            year=report.year,
            pledged=total.pledged,
            resident=total.resident,
            percent=total.percent,
        )
    ]
    if report.unit.kind == UnitKind.COMMUNE:
        lines += [f"• {v.name}: {counts_text(t, v.counts)}" for v in report.villages]
    elif report.unit.kind == UnitKind.VILLAGE:
        lines += [
            f"• {g.name}: {counts_text(t, g.counts)}" for v in report.villages for g in v.groups
        ]
    return "\n".join(lines)


def missing_text(
    t: Translator, missing: list[MissingHousehold], *, with_group: bool, limit: int
) -> str:
    """Who has not pledged yet, at most `limit` lines."""
    if not missing:
        return t.gettext("Every resident household has pledged.")
    lines = [t.gettext("Not pledged yet ({count}):", count=len(missing))]
    for household in missing[:limit]:
        where = f"{household.group}: " if with_group else ""
        lines.append(f"• {where}{household.address} ({household.head_name})")
    if len(missing) > limit:
        lines.append(t.gettext("… and {n} more households.", n=len(missing) - limit))
    return "\n".join(lines)
