"""Planning an import's households file: each row a new household, an update of a stored
one or unchanged; stored households the file leaves out are noted, never removed."""

from __future__ import annotations

from bot.crypto import HOUSEHOLD_PHONE, FieldCipher
from bot.i18n import N_
from bot.organisation.households import HouseholdRow, HouseholdSheet
from bot.organisation.report import Report, Text, said
from bot.organisation.state import CommuneState, GroupNode, VillageNode
from storage.models import Household, HouseholdStatus

_HOUSEHOLD_FIELDS = {
    "address": N_("address spelling"),
    "head_name": N_("head"),
    "members": N_("members"),
    "status": N_("status"),
    "phone_encrypted": N_("phone"),
    "confirmed": N_("confirmed (a resident had added it)"),
}


class HouseholdPlanning:
    """The households part of `bot.organisation.apply._Plan`."""

    state: CommuneState
    cipher: FieldCipher
    report: Report
    new_households: list[tuple[GroupNode, Household]]
    updates: list[tuple[object, str, object]]

    def _village(self, name: str, origin: Text, *, listed: bool = False) -> VillageNode: ...

    def _group(
        self, village: VillageNode, name: str, origin: Text, *, listed: bool = False
    ) -> GroupNode: ...

    def _decrypt(self, blob: bytes | None, purpose: str) -> str | None: ...

    def _households(self, sheet: HouseholdSheet) -> None:
        self.report.empty_rows += sheet.empty_rows
        for rejection in sheet.rejections:
            self.report.reject(rejection)
        if sheet.ignored_columns:
            ignored = ", ".join(repr(c) for c in sheet.ignored_columns)
            note = said(
                N_("{source}: columns not used: {columns}"), source=sheet.source, columns=ignored
            )
            self.report.notes.append(note)
        matched: set[int] = set()
        for row in sheet.rows:
            origin = said(N_("{source} row {number}"), source=sheet.source, number=row.row)
            group = self._group(self._village(row.village, origin), row.group, origin)
            household = group.household(row.address)
            if household is None:
                self._new_household(group, row)
                self.report.rows.append(said(N_("row {number}: created"), number=row.row))
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
            self.report.rows.append(said(N_("row {number}: unchanged"), number=row.row))
            return
        self.updates += [(stored, name, wanted[name]) for name in changed]
        self.report.households.updated += 1
        fields = tuple(said(_HOUSEHOLD_FIELDS[name]) for name in changed)
        self.report.rows.append(
            said(N_("row {number}: updated {fields}"), number=row.row, fields=fields)
        )
        self.report.changes.append(
            said(
                N_("{source} row {number}: updated {fields} ({group}, {village}, {address})"),
                source=sheet.source,
                number=row.row,
                fields=fields,
                group=row.group,
                village=row.village,
                address=row.address,
            )
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
                said(
                    N_(
                        "{count} households of the commune are not in {source}; kept as they "
                        "are (to record a move, list them with Tình trạng 'đã chuyển đi')"
                    ),
                    count=len(unlisted),
                    source=sheet.source,
                )
            )

    def _household_phone(self, household: Household) -> str | None:
        return self._decrypt(household.phone_encrypted, HOUSEHOLD_PHONE)
