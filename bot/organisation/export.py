"""Writing a commune's lists back in the import format, so that staff can edit and re-import.

An export imported again changes nothing: households are written as stored (confirmed ones
only: a household a resident added is not on the commune's list until its leader confirms
it), people with their roles in this commune, and references precise enough to match.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from bot.crypto import HOUSEHOLD_PHONE, PERSON_PHONE, FieldCipher
from bot.organisation.households import HouseholdRow, write_households
from bot.organisation.state import CommuneState, GroupNode, RoleKey, VillageNode, load_state
from bot.organisation.structure import (
    HouseholdRef,
    PersonSpec,
    PoliceChat,
    RoleSpec,
    Structure,
    VillageSpec,
)
from bot.organisation.structure_writer import write_structure
from bot.text_match import fold
from storage.db import Database
from storage.models import AuditEntry, Household, HouseholdStatus, Person, Role, ScopeKind

FORMATS = ("csv", "xlsx")


async def export_commune(
    db: Database, cipher: FieldCipher, code: str, out_dir: Path, fmt: str = "csv"
) -> list[Path]:
    """Write commune_CODE.yaml and households_CODE.csv (or .xlsx) into out_dir."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    structure_path = out_dir / f"commune_{code}.yaml"
    households_path = out_dir / f"households_{code}.{fmt}"
    async with db.transaction() as session:
        state = await load_state(session, code)
        rows, units = _household_rows(state, cipher)
        structure = _structure(state, cipher, units, households_path)
        # The files hold phone numbers in clear: the audit log records who exported what.
        session.add(
            AuditEntry(
                action="org_export",
                subject_kind="commune",
                subject_id=code,
                detail=f"{len(rows)} households, {len(structure.people)} persons, {fmt}",
            )
        )
        await asyncio.to_thread(_write, structure_path, structure, households_path, rows)
    return [structure_path, households_path]


def _write(
    structure_path: Path, structure: Structure, households_path: Path, rows: list[HouseholdRow]
) -> None:
    structure_path.parent.mkdir(parents=True, exist_ok=True)
    write_structure(structure_path, structure)
    write_households(households_path, rows)
    for path in (structure_path, households_path):
        path.chmod(0o600)


def _household_rows(
    state: CommuneState, cipher: FieldCipher
) -> tuple[list[HouseholdRow], dict[int, GroupNode]]:
    """The confirmed households in village, group and list order; and each one's group."""
    rows: list[HouseholdRow] = []
    units: dict[int, GroupNode] = {}
    for village in _villages(state):
        for group in _groups(village):
            households = sorted(group.all_households(), key=lambda h: h.id)
            for household in households:
                if household.confirmed:
                    rows.append(_row(village, group, household, cipher))
                    units[household.id] = group
    return rows, units


def _row(
    village: VillageNode, group: GroupNode, household: Household, cipher: FieldCipher
) -> HouseholdRow:
    return HouseholdRow(
        row=0,
        village=village.row.name,
        group=group.row.name,
        address=household.address,
        head=household.head_name,
        phone=cipher.decrypt_optional(household.phone_encrypted, HOUSEHOLD_PHONE),
        members=household.members,
        status=HouseholdStatus(household.status),
    )


def _villages(state: CommuneState) -> list[VillageNode]:
    return sorted(state.all_villages(), key=lambda v: v.row.id)


def _groups(village: VillageNode) -> list[GroupNode]:
    return sorted(village.all_groups(), key=lambda g: g.row.id)


def _structure(
    state: CommuneState,
    cipher: FieldCipher,
    units: dict[int, GroupNode],
    households_path: Path,
) -> Structure:
    commune = state.commune
    chat = (
        PoliceChat(commune.police_chat_channel, commune.police_chat_id)
        if commune.police_chat_channel and commune.police_chat_id
        else None
    )
    households = {h.id: h for g in units.values() for h in g.all_households()}
    addresses = Counter(fold(households[i].address) for i in units)
    scopes = _scopes(state)
    return Structure(
        source="",
        commune_code=commune.code,
        commune_name=commune.name,
        duty_phone=commune.duty_phone,
        data_controller=commune.data_controller,
        unit_word=commune.unit_word,
        police_chat=chat,
        households_file=households_path,
        villages=[
            VillageSpec(v.row.name, tuple(g.row.name for g in _groups(v))) for v in _villages(state)
        ],
        people=[
            _person(person, state, cipher, scopes, households, units, addresses)
            for person in state.persons
        ],
    )


def _scopes(state: CommuneState) -> dict[tuple[str, str], RoleSpec]:
    """A role spec without its role, for each stored scope of this commune."""
    scopes = {(ScopeKind.COMMUNE.value, state.commune.code): RoleSpec(role=Role.RESIDENT)}
    for village in _villages(state):
        scopes[ScopeKind.VILLAGE.value, str(village.row.id)] = RoleSpec(
            role=Role.RESIDENT, village=village.row.name
        )
        for group in _groups(village):
            scopes[ScopeKind.GROUP.value, str(group.row.id)] = RoleSpec(
                role=Role.RESIDENT, group=group.row.name, village=village.row.name
            )
    return scopes


def _person(
    person: Person,
    state: CommuneState,
    cipher: FieldCipher,
    scopes: dict[tuple[str, str], RoleSpec],
    households: dict[int, Household],
    units: dict[int, GroupNode],
    addresses: Counter[str],
) -> PersonSpec:
    ref = None
    if person.household_id in units:
        household, group = households[person.household_id], units[person.household_id]
        unique = addresses[fold(household.address)] == 1
        ref = HouseholdRef(
            address=household.address,
            group=None if unique else group.row.name,
            village=None if unique else group.village.row.name,
        )
    return PersonSpec(
        name=person.full_name,
        phone=cipher.decrypt_optional(person.phone_encrypted, PERSON_PHONE),
        household=ref,
        roles=tuple(_roles(state.roles.get(person.id, []), scopes)),
    )


def _roles(stored: list[RoleKey], scopes: dict[tuple[str, str], RoleSpec]) -> list[RoleSpec]:
    roles = []
    for role, kind, scope_id in stored:
        scope = scopes.get((kind, scope_id))
        if scope is not None:
            roles.append(RoleSpec(role=Role(role), group=scope.group, village=scope.village))
    return roles
