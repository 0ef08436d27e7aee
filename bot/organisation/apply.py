"""Checking the files against the database, then applying them: all or nothing.

Everything is checked first, against what is stored and against the rest of the files, and
only if no row or entry is rejected is anything written. Planning never changes a stored row:
it collects new rows and (row, attribute, value) updates, which `_Plan.apply` carries out
inside the caller's single transaction. Values are only assigned when they differ, so
importing the same files again writes nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import HOUSEHOLD_PHONE, PERSON_PHONE, DecryptionError, FieldCipher
from bot.organisation.households import HouseholdRow, HouseholdSheet, read_households
from bot.organisation.report import OrgFileError, Rejection, Report, Tally
from bot.organisation.state import CommuneState, GroupNode, RoleKey, VillageNode, load_state
from bot.organisation.structure import PersonSpec, RoleSpec, Structure, read_structure
from bot.text_match import fold
from storage.db import Database
from storage.models import (
    AuditEntry,
    Group,
    Household,
    HouseholdStatus,
    Person,
    RoleAssignment,
    ScopeKind,
    Village,
)

STRUCTURE_SUFFIXES = (".yaml", ".yml")
HOUSEHOLD_SUFFIXES = (".csv", ".xlsx", ".xls")
# A role's scope while planning: the village or group row (maybe not yet stored), or the code.
Target = Village | Group | str
_HOUSEHOLD_FIELDS = {
    "address": "address spelling",
    "head_name": "head",
    "members": "members",
    "status": "status",
    "phone_encrypted": "phone",
    "confirmed": "confirmed (a resident had added it)",
}


@dataclass
class ImportFiles:
    """What one `org import` reads: a structure file, a households file, or both."""

    commune_code: str
    structure: Structure | None = None
    sheet: HouseholdSheet | None = None


def read_files(path: Path, commune_code: str | None = None) -> ImportFiles:
    """Read and check the file named on the command line, and the households file it names."""
    suffix = path.suffix.lower()
    if suffix in STRUCTURE_SUFFIXES:
        structure = read_structure(path)
        if commune_code and commune_code != structure.commune_code:
            raise OrgFileError(
                f"{path.name} is for commune {structure.commune_code}, not {commune_code}"
            )
        files = ImportFiles(commune_code=structure.commune_code, structure=structure)
        if structure.households_file is not None:
            files.sheet = read_households(structure.households_file)
        return files
    if suffix in HOUSEHOLD_SUFFIXES:
        if not commune_code:
            raise OrgFileError(
                f"{path.name}: say which commune it is for: --commune CODE (e.g. 30073)"
            )
        return ImportFiles(commune_code=commune_code, sheet=read_households(path))
    raise OrgFileError(f"{path.name}: expected a .yaml structure file, or a .xlsx or .csv list")


async def import_path(
    db: Database, cipher: FieldCipher, path: Path, commune_code: str | None = None
) -> Report:
    """`org import FILE`: read the file (and the households file it names), then check and
    apply everything in one transaction."""
    try:
        files = await asyncio.to_thread(read_files, path, commune_code)
    except OrgFileError as exc:
        return Report(error=str(exc))
    try:
        async with db.transaction() as session:
            return await import_files(session, cipher, files)
    except IntegrityError:
        # Checked against what was stored when the import began: only a concurrent change
        # (another import of the same commune) can get here. The transaction was rolled back.
        return Report(
            error="the commune's data changed while importing (another import at the same "
            "time?); nothing was written: run the import again"
        )


async def import_files(session: AsyncSession, cipher: FieldCipher, files: ImportFiles) -> Report:
    """Check the files against the commune's data; apply them if nothing was rejected."""
    report = Report()
    try:
        state = await load_state(session, files.commune_code)
        report.commune = f"{state.commune.code} ({state.commune.name})"
        report.commune_code = state.commune.code
        plan = _Plan(state, cipher, report)
        plan.check(files)
    except OrgFileError as exc:
        report.error = str(exc)
        return report
    if report.ok and report.changed:
        await plan.apply(session)
    return report


@dataclass(eq=False)
class _NewPerson:
    spec: PersonSpec
    household: Household | None
    row: Person | None = None  # made when applied


@dataclass
class _Plan:
    state: CommuneState
    cipher: FieldCipher
    report: Report
    new_villages: list[VillageNode] = field(default_factory=list)
    new_groups: list[GroupNode] = field(default_factory=list)
    new_households: list[tuple[GroupNode, Household]] = field(default_factory=list)
    new_persons: list[_NewPerson] = field(default_factory=list)
    new_roles: list[tuple[Person | _NewPerson, RoleSpec, Target]] = field(default_factory=list)
    # (row, attribute, value); a value that is a row stands for its id, known once stored.
    updates: list[tuple[object, str, object]] = field(default_factory=list)
    _listed: set[int] = field(default_factory=set)  # id() of units the structure file lists

    # Checking -------------------------------------------------------------------------------

    def check(self, files: ImportFiles) -> None:
        if files.structure is not None:
            for rejection in files.structure.rejections:
                self.report.reject(rejection)
            self._commune(files.structure)
            self._units(files.structure)
        if files.sheet is not None:
            self._households(files.sheet)
        if files.structure is not None:
            self._people(files.structure)

    def _commune(self, structure: Structure) -> None:
        commune = self.state.commune
        if structure.commune_name and not _same_commune(structure.commune_name, commune.name):
            reason = f"name {structure.commune_name!r} but code {commune.code} is {commune.name}"
            self.report.reject(Rejection(structure.source, "commune", reason))
        if structure.has_duty_phone and structure.duty_phone != commune.duty_phone:
            self.updates.append((commune, "duty_phone", structure.duty_phone))
            self.report.commune_changes.append("duty phone")
        if structure.has_data_controller and structure.data_controller != commune.data_controller:
            self.updates.append((commune, "data_controller", structure.data_controller))
            self.report.commune_changes.append("data controller")
        if structure.has_police_chat:
            chat = structure.police_chat
            wanted = (chat.channel, chat.chat_id) if chat else (None, None)
            if wanted != (commune.police_chat_channel, commune.police_chat_id):
                self.updates.append((commune, "police_chat_channel", wanted[0]))
                self.updates.append((commune, "police_chat_id", wanted[1]))
                self.report.commune_changes.append("police desk chat")

    def _units(self, structure: Structure) -> None:
        if structure.villages is None:
            return
        for spec in structure.villages:
            village = self._village(spec.name, structure.source, listed=True)
            for name in spec.groups:
                self._group(village, name, structure.source, listed=True)
        for village in self.state.all_villages():
            if id(village) not in self._listed:
                self.report.notes.append(
                    f"village {village.row.name!r} is not in {structure.source}; kept as it is"
                )
                continue
            for group in village.all_groups():
                if id(group) not in self._listed:
                    self.report.notes.append(
                        f"group {group.row.name!r} of {village.row.name} is not in "
                        f"{structure.source}; kept as it is"
                    )

    def _village(self, name: str, origin: str, *, listed: bool = False) -> VillageNode:
        """The village of that name, planned as new if there is none; the structure file
        (listed=True) also sets its spelling."""
        node = self.state.village(name)
        if node is None:
            node = VillageNode(row=Village(commune_code=self.state.commune.code, name=name))
            self.state.add_village(node)
            self.new_villages.append(node)
            self.report.villages.created += 1
            self.report.changes.append(f"created village {name!r} ({origin})")
        elif listed and id(node) not in self._listed:
            self._spelling(node.row, name, self.report.villages, "village")
        if listed:
            self._listed.add(id(node))
        return node

    def _group(
        self, village: VillageNode, name: str, origin: str, *, listed: bool = False
    ) -> GroupNode:
        node = village.group(name)
        if node is None:
            node = GroupNode(row=Group(name=name), village=village)
            village.add_group(node)
            self.new_groups.append(node)
            self.report.groups.created += 1
            self.report.changes.append(f"created group {name!r} in {village.row.name} ({origin})")
        elif listed and id(node) not in self._listed:
            self._spelling(node.row, name, self.report.groups, "group")
        if listed:
            self._listed.add(id(node))
        return node

    def _spelling(self, row: Village | Group, name: str, tally: Tally, what: str) -> None:
        if row.id is None:
            return  # created by this import: already counted
        if row.name == name:
            tally.unchanged += 1
            return
        self.updates.append((row, "name", name))
        tally.updated += 1
        self.report.changes.append(f"renamed {what} {row.name!r} to {name!r}")

    # Households ---------------------------------------------------------------------------

    def _households(self, sheet: HouseholdSheet) -> None:
        self.report.empty_rows += sheet.empty_rows
        for rejection in sheet.rejections:
            self.report.reject(rejection)
        if sheet.ignored_columns:
            ignored = ", ".join(repr(c) for c in sheet.ignored_columns)
            self.report.notes.append(f"{sheet.source}: columns not used: {ignored}")
        matched: set[int] = set()
        for row in sheet.rows:
            origin = f"{sheet.source} row {row.row}"
            group = self._group(self._village(row.village, origin), row.group, origin)
            household = group.household(row.address)
            if household is None:
                self._new_household(group, row)
                self.report.rows.append(f"row {row.row}: created")
            else:
                matched.add(household.id)
                self._update_household(sheet, household, row)
        self._note_unlisted_households(sheet, matched)

    def _new_household(self, group: GroupNode, row: HouseholdRow) -> None:
        household = Household(
            address=row.address,
            head_name=row.head,
            members=row.members,
            status=row.status or HouseholdStatus.ACTIVE,
            phone_encrypted=self.cipher.encrypt_optional(row.phone, HOUSEHOLD_PHONE),
            confirmed=True,
        )
        group.add_household(household)
        self.new_households.append((group, household))
        self.report.households.created += 1

    def _update_household(
        self, sheet: HouseholdSheet, stored: Household, row: HouseholdRow
    ) -> None:
        wanted: dict[str, object] = {
            "address": row.address,
            "head_name": row.head,
            "members": row.members,
        }
        if row.status is not None:
            wanted["status"] = row.status
        if not stored.confirmed:
            wanted["confirmed"] = True
        changed = [name for name, value in wanted.items() if getattr(stored, name) != value]
        if sheet.has_phone and self._household_phone(stored) != row.phone:
            changed.append("phone_encrypted")
            wanted["phone_encrypted"] = self.cipher.encrypt_optional(row.phone, HOUSEHOLD_PHONE)
        if not changed:
            self.report.households.unchanged += 1
            self.report.rows.append(f"row {row.row}: unchanged")
            return
        self.updates += [(stored, name, wanted[name]) for name in changed]
        self.report.households.updated += 1
        fields = ", ".join(_HOUSEHOLD_FIELDS[name] for name in changed)
        self.report.rows.append(f"row {row.row}: updated {fields}")
        self.report.changes.append(
            f"{sheet.source} row {row.row}: updated {fields} ({row.group}, {row.village}, "
            f"{row.address})"
        )

    def _note_unlisted_households(self, sheet: HouseholdSheet, matched: set[int]) -> None:
        unlisted = [
            h
            for group in self.state.all_groups()
            for h in group.all_households()
            if h.id is not None and h.confirmed and h.id not in matched
        ]
        if unlisted:
            self.report.notes.append(
                f"{len(unlisted)} households of the commune are not in {sheet.source}; kept as "
                "they are (to record a move, list them with Tình trạng 'đã chuyển đi')"
            )

    def _household_phone(self, household: Household) -> str | None:
        return self._decrypt(household.phone_encrypted, HOUSEHOLD_PHONE)

    def _decrypt(self, blob: bytes | None, purpose: str) -> str | None:
        try:
            return self.cipher.decrypt_optional(blob, purpose)
        except DecryptionError:
            raise OrgFileError(
                "stored phone numbers cannot be decrypted: BOT_SECRET_KEY is not the key "
                "this database was written with"
            ) from None

    # People -------------------------------------------------------------------------------

    def _people(self, structure: Structure) -> None:
        claimed: dict[object, str] = {}
        for spec in structure.people:
            self._person(structure.source, spec, claimed)

    def _person(self, source: str, spec: PersonSpec, claimed: dict[object, str]) -> None:
        rejected_before = len(self.report.rejections)
        household = self._household_of(source, spec)
        targets = [self._target(source, spec, role) for role in spec.roles]
        person = self._match(source, spec, household)
        if len(self.report.rejections) > rejected_before:
            return
        key: object = id(person) if person is not None else ("new", fold(spec.name), spec.phone)
        if key in claimed:
            reason = "listed twice (add each one's phone number to tell namesakes apart)"
            self.report.reject(Rejection(source, spec.label, reason))
            return
        claimed[key] = spec.name
        roles = _distinct(spec.roles, targets)
        if person is None:
            self._new_person(spec, household, roles)
        else:
            self._update_person(spec, person, household, roles)

    def _household_of(self, source: str, spec: PersonSpec) -> Household | None:
        ref = spec.household
        if ref is None:
            return None
        found = [
            (group, household)
            for group, household in self.state.households_at(ref.address)
            if (not ref.group or fold(group.row.name) == fold(ref.group))
            and (not ref.village or fold(group.village.row.name) == fold(ref.village))
        ]
        if len(found) == 1:
            return found[0][1]
        where = ", ".join(part for part in (ref.group, ref.village) if part)
        address = f"{ref.address!r}" + (f" in {where}" if where else "")
        if not found:
            reason = f"no household at {address} (it must be in the households file or stored)"
        else:
            reason = (
                f"{len(found)} households are at {address}; say which: "
                "household: {address: …, group: …, village: …}"
            )
        self.report.reject(Rejection(source, spec.label, reason))
        return None

    def _target(self, source: str, spec: PersonSpec, role: RoleSpec) -> Target | None:
        """The village, group or commune a role is for; None (and a rejection) if unknown."""
        if role.scope_kind == ScopeKind.COMMUNE:
            return self.state.commune.code
        village = self.state.village(role.village) if role.village else None
        if role.village and village is None:
            return self._no_scope(source, spec, role, f"no village {role.village!r}")
        if role.scope_kind == ScopeKind.VILLAGE:
            return village.row if village else None
        assert role.group is not None
        groups = [village.group(role.group)] if village else self.state.groups_named(role.group)
        groups = [group for group in groups if group is not None]
        if len(groups) == 1:
            return groups[0].row
        if not groups:
            return self._no_scope(source, spec, role, f"no group {role.group!r}")
        return self._no_scope(
            source, spec, role, f"{len(groups)} villages have a group {role.group!r}; add village"
        )

    def _no_scope(self, source: str, spec: PersonSpec, role: RoleSpec, reason: str) -> None:
        self.report.reject(Rejection(source, spec.label, f"role {role.role}: {reason}"))
        return None

    def _match(self, source: str, spec: PersonSpec, household: Household | None) -> Person | None:
        """The stored person a listing means: same name (folded), then same phone (or none
        stored) when a phone is given, then same household when names still repeat.
        None: a new person."""
        pool = list(self.state.persons_named(spec.name))
        if spec.phone:
            same_phone = [p for p in pool if self._person_phone(p) == spec.phone]
            without_phone = [p for p in pool if p.phone_encrypted is None]
            if pool and not same_phone and not without_phone:
                self.report.notes.append(
                    f"{spec.label}: another person of this name has another phone number; "
                    "this one is a new person"
                )
            pool = same_phone or without_phone
        if len(pool) > 1 and household is not None and household.id is not None:
            pool = [p for p in pool if p.household_id == household.id]
        if len(pool) <= 1:
            return pool[0] if pool else None
        reason = (
            f"{len(pool)} persons of the commune have this name; add the phone number "
            "(or household) of the one meant"
        )
        self.report.reject(Rejection(source, spec.label, reason))
        return None

    def _person_phone(self, person: Person) -> str | None:
        return self._decrypt(person.phone_encrypted, PERSON_PHONE)

    def _new_person(
        self, spec: PersonSpec, household: Household | None, roles: list[tuple[RoleSpec, Target]]
    ) -> None:
        new = _NewPerson(spec=spec, household=household)
        self.new_persons.append(new)
        self.new_roles += [(new, role, target) for role, target in roles]
        self.report.people.created += 1
        self.report.roles_added += len(roles)
        self.report.changes.append(f"{spec.label}: created, {_roles_words(roles)}")

    def _update_person(
        self,
        spec: PersonSpec,
        person: Person,
        household: Household | None,
        roles: list[tuple[RoleSpec, Target]],
    ) -> None:
        changed: list[str] = []
        if person.full_name != spec.name:
            self.updates.append((person, "full_name", spec.name))
            changed.append("name spelling")
        if spec.phone and self._person_phone(person) != spec.phone:
            self.updates.append(
                (person, "phone_encrypted", self.cipher.encrypt(spec.phone, PERSON_PHONE))
            )
            changed.append("phone")
        if household is not None and (household.id is None or person.household_id != household.id):
            self.updates.append((person, "household_id", household))
            changed.append("household")
        if person.commune_code is None:
            self.updates.append((person, "commune_code", self.state.commune.code))
            changed.append("commune")
        stored = self.state.roles.get(person.id, [])
        added = [(role, t) for role, t in roles if _role_key(role, t) not in stored]
        self.new_roles += [(person, role, target) for role, target in added]
        self.report.roles_added += len(added)
        if added:
            changed.append(_roles_words(added))
        self._note_unlisted_roles(spec, stored, [_role_key(role, t) for role, t in roles])
        if not changed:
            self.report.people.unchanged += 1
            return
        self.report.people.updated += 1
        self.report.changes.append(f"{spec.label}: updated {', '.join(changed)}")

    def _note_unlisted_roles(
        self, spec: PersonSpec, stored: list[RoleKey], listed: list[RoleKey | None]
    ) -> None:
        """An import never takes a role away (the bot may have given it through an invite);
        it says which stored roles the file no longer lists, so staff can decide."""
        for role, kind, scope_id in stored:
            if (role, kind, scope_id) not in listed:
                self.report.notes.append(
                    f"{spec.label}: keeps role {role} of {self.state.scope_name(kind, scope_id)}, "
                    "which the file does not list (an import never removes roles)"
                )

    # Applying -----------------------------------------------------------------------------

    async def apply(self, session: AsyncSession) -> None:
        """Write the plan: parents first, so that children know their ids."""
        session.add_all([node.row for node in self.new_villages])
        await session.flush()
        for group in self.new_groups:
            group.row.village_id = group.village.row.id
        session.add_all([group.row for group in self.new_groups])
        await session.flush()
        for group, household in self.new_households:
            household.group_id = group.row.id
        session.add_all([household for _, household in self.new_households])
        await session.flush()
        for new in self.new_persons:
            new.row = self._person_row(new)
        session.add_all([new.row for new in self.new_persons if new.row is not None])
        await session.flush()
        for row, attribute, value in self.updates:
            setattr(row, attribute, _stored_value(value))
        session.add_all(self._role_rows())
        session.add(self._audit_entry())
        await session.flush()

    def _person_row(self, new: _NewPerson) -> Person:
        return Person(
            full_name=new.spec.name,
            phone_encrypted=self.cipher.encrypt_optional(new.spec.phone, PERSON_PHONE),
            household_id=new.household.id if new.household is not None else None,
            commune_code=self.state.commune.code,
        )

    def _role_rows(self) -> list[RoleAssignment]:
        rows = []
        for owner, role, target in self.new_roles:
            person = owner.row if isinstance(owner, _NewPerson) else owner
            assert person is not None and person.id is not None
            rows.append(
                RoleAssignment(
                    person_id=person.id,
                    role=role.role,
                    scope_kind=role.scope_kind,
                    scope_id=_scope_id(target),
                )
            )
        return rows

    def _audit_entry(self) -> AuditEntry:
        """Imports change personal data in bulk: the audit log says when, and how much."""
        r = self.report
        detail = (
            f"households +{r.households.created} ~{r.households.updated}; "
            f"villages +{r.villages.created} ~{r.villages.updated}; "
            f"groups +{r.groups.created} ~{r.groups.updated}; "
            f"people +{r.people.created} ~{r.people.updated}; roles +{r.roles_added}"
        )
        return AuditEntry(
            action="org_import",
            subject_kind="commune",
            subject_id=self.state.commune.code,
            detail=detail,
        )


def _same_commune(written: str, official: str) -> bool:
    """'Thanh Mỹ' and 'xa thanh my' both name 'Xã Thanh Mỹ'."""
    written, official = fold(written), fold(official)
    return written == official or official.endswith(f" {written}")


def _scope_id(target: Target) -> str:
    return target if isinstance(target, str) else str(target.id)


def _role_key(role: RoleSpec, target: Target) -> RoleKey | None:
    """The stored form of a role; None while its village or group is not stored yet."""
    if not isinstance(target, str) and target.id is None:
        return None
    return role.role.value, role.scope_kind.value, _scope_id(target)


def _stored_value(value: object) -> object:
    return value.id if isinstance(value, Household | Village | Group) else value


def _distinct(
    roles: tuple[RoleSpec, ...], targets: list[Target | None]
) -> list[tuple[RoleSpec, Target]]:
    """Each role once: "Tổ 1" and "to 1, Ấp Mỹ Thạnh" may well be the same group."""
    seen: set[tuple[str, int]] = set()
    distinct = []
    for role, target in zip(roles, targets, strict=True):
        if target is not None and (role.role.value, id(target)) not in seen:
            seen.add((role.role.value, id(target)))
            distinct.append((role, target))
    return distinct


def _roles_words(roles: list[tuple[RoleSpec, Target]]) -> str:
    if not roles:
        return "no role"
    return "role " + ", ".join(f"{role.role} ({_target_name(t)})" for role, t in roles)


def _target_name(target: Target) -> str:
    return "the commune" if isinstance(target, str) else target.name
