"""Where an invite made at the command line leads: the commune, and the village or group typed
by name (diacritics and case ignored), by a run of its words, or by id; checked against the
role's scope. Also used by other commands that name a village or group (`meetings book`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.text_match import fold
from storage.models import Commune, Group, Role, ScopeKind, Village
from storage.repos.org import commune_by_code, groups_with_villages, villages_of

GROUP_ROLES = frozenset({Role.RESIDENT, Role.HOUSEHOLD_HEAD, Role.GROUP_LEADER, Role.GROUP_DEPUTY})
VILLAGE_ROLES = frozenset({Role.VILLAGE_HEAD, Role.SECURITY_TEAM})
COMMUNE_ROLES = frozenset({Role.COMMUNE_POLICE, Role.COMMUNE_ADMIN})
T = TypeVar("T")


class InviteCliError(Exception):
    """One line for the terminal; the command exits with code 2."""


@dataclass(frozen=True)
class CreateRequest:
    commune: str
    role: str
    village: str | None = None
    group: str | None = None
    days: int | None = None
    max_uses: int | None = None
    out: Path | None = None
    person: str | None = None  # a personal invite: only this person of the commune may use it


@dataclass(frozen=True)
class Target:
    """Where an invite leads: the scope it is stored with, and the place as people say it."""

    commune: Commune
    scope_kind: ScopeKind
    scope_id: str
    place: str


async def resolve_target(session: AsyncSession, request: CreateRequest) -> Target:
    """The commune, village or group the invite leads to, checked against the role's scope."""
    commune = await commune_by_code(session, request.commune.strip())
    if commune is None:
        raise InviteCliError(f"No commune with the code {request.commune!r} in the official list.")
    role = request.role
    if role in COMMUNE_ROLES:
        if request.village or request.group:
            raise InviteCliError(
                f"{role} is a commune role: give only --commune, not --village or --group."
            )
        return Target(commune, ScopeKind.COMMUNE, commune.code, commune.name)

    village = await find_village(session, commune, request.village) if request.village else None
    if role in VILLAGE_ROLES:
        if request.group:
            raise InviteCliError(f"{role} is a village role: give --village, not --group.")
        if village is None:
            raise InviteCliError(f"{role} is a village role: --village is needed.")
        place = ", ".join((village.name, commune.name))
        return Target(commune, ScopeKind.VILLAGE, str(village.id), place)

    if not request.group:
        raise InviteCliError(f"{role} is a group role: --group is needed.")
    group, group_village = await find_group(session, commune, village, request.group)
    place = ", ".join((group.name, group_village.name, commune.name))
    return Target(commune, ScopeKind.GROUP, str(group.id), place)


async def find_village(session: AsyncSession, commune: Commune, typed: str) -> Village:
    villages = await villages_of(session, commune.code)
    found = _match(typed, villages, key=lambda v: (v.id, v.name))
    if len(found) == 1:
        return found[0]
    if not found:
        known = "; ".join(v.name for v in villages) or "none yet"
        raise InviteCliError(f"No village {typed!r} in {commune.name}. Its villages: {known}.")
    listed = "; ".join(f"{v.name} (id {v.id})" for v in found)
    raise InviteCliError(
        f"{typed!r} matches several villages of {commune.name}: {listed}. Give its id."
    )


async def find_group(
    session: AsyncSession, commune: Commune, village: Village | None, typed: str
) -> tuple[Group, Village]:
    rows = await groups_with_villages(
        session, commune.code, village_id=village.id if village is not None else None
    )
    found = _match(typed, rows, key=lambda row: (row[0].id, row[0].name))
    where = f"{village.name}, {commune.name}" if village else commune.name
    if len(found) == 1:
        return found[0]
    if not found:
        known = "; ".join(f"{g.name} ({v.name})" for g, v in rows) or "none yet"
        raise InviteCliError(f"No group {typed!r} in {where}. Its groups: {known}.")
    listed = "; ".join(f"{g.name} ({v.name}, id {g.id})" for g, v in found)
    raise InviteCliError(
        f"{typed!r} matches several groups of {where}: {listed}. Give --village or the group's id."
    )


def _match(typed: str, items: Sequence[T], *, key: Callable[[T], tuple[int, str]]) -> list[T]:
    """By id when a number was typed; else by the whole name, else by a run of its words,
    without regard to diacritics and case."""
    typed = typed.strip()
    if typed.isdigit():
        return [item for item in items if key(item)[0] == int(typed)]
    folded = fold(typed)
    if not folded:
        return []
    whole = [item for item in items if fold(key(item)[1]) == folded]
    if whole:
        return whole
    return [item for item in items if f" {folded} " in f" {fold(key(item)[1])} "]
