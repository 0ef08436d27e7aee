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

from bot.crypto import PERSON_PHONE, DecryptionError, FieldCipher
from bot.i18n import N_
from bot.organisation.households import HouseholdSheet, read_households
from bot.organisation.plan_households import HouseholdPlanning
from bot.organisation.plan_people import NewPerson, PeoplePlanning, Target, scope_id
from bot.organisation.report import OrgFileError, Rejection, Report, Tally, Text, said
from bot.organisation.state import CommuneState, GroupNode, VillageNode, load_state
from bot.organisation.structure import RoleSpec, Structure, read_structure
from bot.text_match import fold
from bot.vocabulary import unit_word_in_names
from storage.db import Database
from storage.models import (
    AuditEntry,
    Group,
    Household,
    Person,
    RoleAssignment,
    Village,
)

STRUCTURE_SUFFIXES = (".yaml", ".yml")
HOUSEHOLD_SUFFIXES = (".csv", ".xlsx", ".xls")


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


@dataclass
class _Plan(HouseholdPlanning, PeoplePlanning):
    state: CommuneState
    cipher: FieldCipher
    report: Report
    new_villages: list[VillageNode] = field(default_factory=list)
    new_groups: list[GroupNode] = field(default_factory=list)
    new_households: list[tuple[GroupNode, Household]] = field(default_factory=list)
    new_persons: list[NewPerson] = field(default_factory=list)
    new_roles: list[tuple[Person | NewPerson, RoleSpec, Target]] = field(default_factory=list)
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
            self._unit_word(files.structure)

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

    def _unit_word(self, structure: Structure) -> None:
        """The structure file's unit word, else the one its village names begin with."""
        commune = self.state.commune
        names = [village.name for village in structure.villages or []]
        word = structure.unit_word or unit_word_in_names(names)
        if word is not None and word != commune.unit_word:
            self.updates.append((commune, "unit_word", word))
            self.report.commune_changes.append("unit word")

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

    def _village(self, name: str, origin: Text, *, listed: bool = False) -> VillageNode:
        """The village of that name, planned as new if there is none; the structure file
        (listed=True) also sets its spelling."""
        node = self.state.village(name)
        if node is None:
            node = VillageNode(row=Village(commune_code=self.state.commune.code, name=name))
            self.state.add_village(node)
            self.new_villages.append(node)
            self.report.villages.created += 1
            self.report.changes.append(
                said(N_("created village {name!r} ({origin})"), name=name, origin=origin)
            )
        elif listed and id(node) not in self._listed:
            self._spelling(node.row, name, self.report.villages, "village")
        if listed:
            self._listed.add(id(node))
        return node

    def _group(
        self, village: VillageNode, name: str, origin: Text, *, listed: bool = False
    ) -> GroupNode:
        node = village.group(name)
        if node is None:
            node = GroupNode(row=Group(name=name), village=village)
            village.add_group(node)
            self.new_groups.append(node)
            self.report.groups.created += 1
            self.report.changes.append(
                said(
                    N_("created group {name!r} in {village} ({origin})"),
                    name=name,
                    village=village.row.name,
                    origin=origin,
                )
            )
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

    def _decrypt(self, blob: bytes | None, purpose: str) -> str | None:
        try:
            return self.cipher.decrypt_optional(blob, purpose)
        except DecryptionError:
            raise OrgFileError(
                "stored phone numbers cannot be decrypted: BOT_SECRET_KEY is not the key "
                "this database was written with"
            ) from None

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

    def _person_row(self, new: NewPerson) -> Person:
        return Person(
            full_name=new.spec.name,
            phone_encrypted=self.cipher.encrypt_optional(new.spec.phone, PERSON_PHONE),
            household_id=new.household.id if new.household is not None else None,
            commune_code=self.state.commune.code,
        )

    def _role_rows(self) -> list[RoleAssignment]:
        rows = []
        for owner, role, target in self.new_roles:
            person = owner.row if isinstance(owner, NewPerson) else owner
            assert person is not None and person.id is not None
            rows.append(
                RoleAssignment(
                    person_id=person.id,
                    role=role.role,
                    scope_kind=role.scope_kind,
                    scope_id=scope_id(target),
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


def _stored_value(value: object) -> object:
    return value.id if isinstance(value, Household | Village | Group) else value
