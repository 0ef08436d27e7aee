"""Planning an import's people: each listed person matched to a stored one (name, then phone,
then household) or new, with the roles the structure file gives them. An import never takes a
role away; it notes the stored roles the file no longer lists."""

from __future__ import annotations

from dataclasses import dataclass

from bot.crypto import PERSON_PHONE, FieldCipher
from bot.organisation.report import Rejection, Report
from bot.organisation.state import CommuneState, RoleKey
from bot.organisation.structure import PersonSpec, RoleSpec, Structure
from bot.text_match import fold
from storage.models import Group, Household, Person, ScopeKind, Village

# A role's scope while planning: the village or group row (maybe not yet stored), or the code.
Target = Village | Group | str


@dataclass(eq=False)
class NewPerson:
    spec: PersonSpec
    household: Household | None
    row: Person | None = None  # made when applied


class PeoplePlanning:
    """The people part of `bot.organisation.apply._Plan`."""

    state: CommuneState
    cipher: FieldCipher
    report: Report
    new_persons: list[NewPerson]
    new_roles: list[tuple[Person | NewPerson, RoleSpec, Target]]
    updates: list[tuple[object, str, object]]

    def _decrypt(self, blob: bytes | None, purpose: str) -> str | None: ...

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
        new = NewPerson(spec=spec, household=household)
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
        added = [(role, t) for role, t in roles if role_key(role, t) not in stored]
        self.new_roles += [(person, role, target) for role, target in added]
        self.report.roles_added += len(added)
        if added:
            changed.append(_roles_words(added))
        self._note_unlisted_roles(spec, stored, [role_key(role, t) for role, t in roles])
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


def scope_id(target: Target) -> str:
    return target if isinstance(target, str) else str(target.id)


def role_key(role: RoleSpec, target: Target) -> RoleKey | None:
    """The stored form of a role; None while its village or group is not stored yet."""
    if not isinstance(target, str) and target.id is None:
        return None
    return role.role.value, role.scope_kind.value, scope_id(target)


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
