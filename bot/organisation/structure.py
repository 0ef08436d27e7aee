"""The structure file (YAML): the commune's duty phone and police desk chat, its villages and
groups, and the people with a role in them.

Reading checks the file's own shape and values strictly (an unknown key is usually a typo
that would otherwise be silently ignored) and never touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.messengers import DECLARED
from bot.organisation.report import OrgFileError, Rejection
from bot.organisation.values import InvalidValue, clean_text, normalise_phone
from bot.text_match import fold
from bot.vocabulary import UNIT_WORDS, known_unit_word
from storage.models import Role, ScopeKind

# A police chat is a group chat: on a messenger whose bot can sit in groups.
POLICE_CHAT_CHANNELS = DECLARED.names(lambda messenger: messenger.groups)
# Which scopes make sense for each role; a role outside them is almost always a missing key.
ALLOWED_SCOPES: dict[Role, tuple[ScopeKind, ...]] = {
    Role.RESIDENT: (ScopeKind.GROUP,),
    Role.HOUSEHOLD_HEAD: (ScopeKind.GROUP,),
    Role.GROUP_LEADER: (ScopeKind.GROUP,),
    Role.GROUP_DEPUTY: (ScopeKind.GROUP,),
    Role.VILLAGE_HEAD: (ScopeKind.VILLAGE,),
    Role.SECURITY_TEAM: (ScopeKind.GROUP, ScopeKind.VILLAGE, ScopeKind.COMMUNE),
    Role.COMMUNE_POLICE: (ScopeKind.COMMUNE, ScopeKind.VILLAGE),
    Role.COMMUNE_ADMIN: (ScopeKind.COMMUNE,),
}
_TOP_KEYS = {"commune", "households_file", "villages", "people"}
_COMMUNE_KEYS = {"code", "name", "duty_phone", "police_chat", "data_controller", "unit_word"}
_PERSON_KEYS = {"name", "phone", "household", "roles"}
_ROLE_KEYS = {"role", "group", "village", "commune"}


@dataclass(frozen=True)
class PoliceChat:
    channel: str
    chat_id: str


@dataclass(frozen=True)
class VillageSpec:
    name: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class HouseholdRef:
    """Where a person lives: an address, with its group and village when it is not unique."""

    address: str
    group: str | None = None
    village: str | None = None


@dataclass(frozen=True)
class RoleSpec:
    role: Role
    group: str | None = None
    village: str | None = None

    @property
    def scope_kind(self) -> ScopeKind:
        if self.group:
            return ScopeKind.GROUP
        return ScopeKind.VILLAGE if self.village else ScopeKind.COMMUNE


@dataclass(frozen=True)
class PersonSpec:
    name: str
    phone: str | None = None  # normalised; None: not given (a stored phone is kept)
    household: HouseholdRef | None = None  # None: not given (a stored household is kept)
    roles: tuple[RoleSpec, ...] = ()

    @property
    def label(self) -> str:
        return f"person {self.name!r}"


@dataclass
class Structure:
    source: str
    commune_code: str
    commune_name: str | None = None  # for people reading the file; checked against the code
    # None with has_…: the key was given empty, which clears the stored value.
    duty_phone: str | None = None
    has_duty_phone: bool = False
    police_chat: PoliceChat | None = None
    has_police_chat: bool = False
    data_controller: str | None = None
    has_data_controller: bool = False
    unit_word: str | None = None  # "ấp": what the commune calls its villages (bot.vocabulary)
    households_file: Path | None = None
    villages: list[VillageSpec] | None = None  # None: no `villages:` key
    people: list[PersonSpec] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def read_structure(path: Path) -> Structure:
    if not path.is_file():
        raise OrgFileError(f"{path}: no such file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise OrgFileError(f"{path.name}: not a readable YAML file: {exc}") from None
    if not isinstance(data, dict):
        raise OrgFileError(f"{path.name}: expected keys commune, villages, people")
    return _Reader(path).read(data)


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.source = path.name
        self.rejections: list[Rejection] = []

    def read(self, data: dict[str, Any]) -> Structure:
        self._unknown_keys("the file", data, _TOP_KEYS)
        commune = data.get("commune")
        if not isinstance(commune, dict) or "code" not in commune:
            raise OrgFileError(f'{self.source}: missing `commune: {{code: "…"}}`')
        structure = Structure(
            source=self.source,
            commune_code=self._code(commune["code"]),
            commune_name=clean_text(commune.get("name")) or None,
        )
        self._commune(structure, commune)
        if data.get("households_file"):
            structure.households_file = self.path.parent / str(data["households_file"])
        if "villages" in data:
            structure.villages = self._villages(data["villages"])
        structure.people = self._people(data.get("people"), structure.commune_code)
        structure.rejections = self.rejections
        return structure

    def _list(self, where: str, key: str, value: object) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self._reject(where, f"{key}: expected a list ([…] or lines starting with -)")
            return []
        return value

    def _reject(self, where: str, reason: str) -> None:
        self.rejections.append(Rejection(self.source, where, reason))

    def _unknown_keys(self, where: str, data: dict[str, Any], known: set[str]) -> bool:
        unknown = sorted(str(key) for key in data if key not in known)
        if unknown:
            expected = ", ".join(sorted(known))
            self._reject(where, f"unknown key {', '.join(unknown)} (expected: {expected})")
        return bool(unknown)

    def _code(self, value: object) -> str:
        # An unquoted 30073 is read as a number; one with a leading zero (00004) would not
        # survive that, hence the quotes in the examples.
        if isinstance(value, int) and 10000 <= value <= 99999:
            return str(value)
        if not isinstance(value, str) or not value.strip():
            raise OrgFileError(f'{self.source}: write the commune code in quotes: code: "00004"')
        return value.strip()

    def _commune(self, structure: Structure, commune: dict[str, Any]) -> None:
        self._unknown_keys("commune", commune, _COMMUNE_KEYS)
        if "duty_phone" in commune:
            structure.has_duty_phone = True
            structure.duty_phone = self._duty_phone(commune["duty_phone"])
        if "data_controller" in commune:
            structure.has_data_controller = True
            structure.data_controller = self._data_controller(commune["data_controller"])
        if "police_chat" in commune:
            structure.has_police_chat = True
            structure.police_chat = self._police_chat(commune["police_chat"])
        if commune.get("unit_word"):
            structure.unit_word = self._unit_word(commune["unit_word"])

    def _unit_word(self, value: object) -> str | None:
        """'ấp', 'Tổ dân phố', 'ban': one of the words communes call their villages."""
        word = known_unit_word(clean_text(value))
        if word is None:
            self._reject("commune unit_word", f"expected one of {', '.join(UNIT_WORDS)}")
        return word

    def _data_controller(self, value: object) -> str | None:
        """The legal body named in the data notice, e.g. "Công an xã Thanh Mỹ"."""
        if value is None or value == "":
            return None
        text = clean_text(value)
        if not isinstance(value, str) or len(text) > 200:
            self._reject("commune data_controller", "expected a name of at most 200 characters")
            return None
        return text

    def _duty_phone(self, value: object) -> str | None:
        """Stored as written ("0277 3800 113"): it is shown to residents as it is."""
        if value is None or value == "":
            return None
        text = clean_text(value)
        if not isinstance(value, str):
            self._reject("commune duty_phone", "write the phone number in quotes")
            return None
        try:
            normalise_phone(text)
        except InvalidValue as exc:
            self._reject("commune duty_phone", str(exc))
        if len(text) > 20:
            self._reject("commune duty_phone", "longer than 20 characters")
        return text

    def _police_chat(self, value: object) -> PoliceChat | None:
        if value is None:
            return None
        where = "commune police_chat"
        if not isinstance(value, dict) or self._unknown_keys(where, value, {"channel", "chat_id"}):
            self._reject(where, 'expected {channel: telegram, chat_id: "-100…"}')
            return None
        channel = clean_text(value.get("channel")).lower()
        chat_id = clean_text(value.get("chat_id"))
        if channel not in POLICE_CHAT_CHANNELS:
            self._reject(where, f"channel must be one of {', '.join(POLICE_CHAT_CHANNELS)}")
        if not chat_id or len(chat_id) > 64:
            self._reject(where, "chat_id is missing or longer than 64 characters")
        return PoliceChat(channel, chat_id)

    def _villages(self, value: object) -> list[VillageSpec]:
        if value is None:
            return []
        if not isinstance(value, list):
            self._reject("villages", "expected a list of {name: …, groups: […]}")
            return []
        villages: list[VillageSpec] = []
        seen: set[str] = set()
        for entry in value:
            village = self._village(entry)
            if village is None:
                continue
            if fold(village.name) in seen:
                self._reject(f"village {village.name!r}", "listed twice")
                continue
            seen.add(fold(village.name))
            villages.append(village)
        return villages

    def _village(self, entry: object) -> VillageSpec | None:
        if not isinstance(entry, dict) or not clean_text(entry.get("name")):
            self._reject("villages", f"entry {entry!r} has no name")
            return None
        name = clean_text(entry["name"])
        where = f"village {name!r}"
        if self._unknown_keys(where, entry, {"name", "groups"}):
            return None
        groups: list[str] = []
        for group in self._list(where, "groups", entry.get("groups")):
            group_name = clean_text(group.get("name") if isinstance(group, dict) else group)
            if not group_name:
                self._reject(where, f"group {group!r} has no name")
            elif fold(group_name) in {fold(g) for g in groups}:
                self._reject(where, f"group {group_name!r} is listed twice")
            elif len(group_name) > 120 or len(name) > 120:
                self._reject(where, "names are limited to 120 letters")
            else:
                groups.append(group_name)
        return VillageSpec(name, tuple(groups))

    def _people(self, value: object, commune_code: str) -> list[PersonSpec]:
        if value is None:
            return []
        if not isinstance(value, list):
            self._reject("people", "expected a list of {name: …, roles: […]}")
            return []
        people = [self._person(entry, commune_code) for entry in value]
        return [person for person in people if person is not None]

    def _person(self, entry: object, commune_code: str) -> PersonSpec | None:
        if not isinstance(entry, dict) or not clean_text(entry.get("name")):
            self._reject("people", f"entry {entry!r} has no name")
            return None
        name = clean_text(entry["name"])
        where = f"person {name!r}"
        problems = len(self.rejections)
        self._unknown_keys(where, entry, _PERSON_KEYS)
        if len(name) > 120:
            self._reject(where, "the name is longer than 120 letters")
        phone = self._person_phone(where, entry.get("phone"))
        household = self._household_ref(where, entry.get("household"))
        roles = tuple(
            role
            for spec in self._list(where, "roles", entry.get("roles"))
            if (role := self._role(where, spec, commune_code)) is not None
        )
        if len(self.rejections) > problems:
            return None
        return PersonSpec(name=name, phone=phone, household=household, roles=roles)

    def _person_phone(self, where: str, value: object) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            self._reject(where, "write the phone number in quotes")
            return None
        try:
            return normalise_phone(value)
        except InvalidValue as exc:
            self._reject(where, str(exc))
            return None

    def _household_ref(self, where: str, value: object) -> HouseholdRef | None:
        if value is None:
            return None
        if isinstance(value, str | int):
            return HouseholdRef(address=clean_text(value))
        if isinstance(value, dict) and clean_text(value.get("address")):
            if self._unknown_keys(where, value, {"address", "group", "village"}):
                return None
            return HouseholdRef(
                address=clean_text(value["address"]),
                group=clean_text(value.get("group")) or None,
                village=clean_text(value.get("village")) or None,
            )
        self._reject(where, "household: expected an address, or {address: …, group: …, village: …}")
        return None

    def _role(self, where: str, spec: object, commune_code: str) -> RoleSpec | None:
        if not isinstance(spec, dict) or "role" not in spec:
            self._reject(where, f"role {spec!r}: expected {{role: …, group: …, village: …}}")
            return None
        if self._unknown_keys(where, spec, _ROLE_KEYS):
            return None
        try:
            role = Role(clean_text(spec["role"]))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            self._reject(where, f"unknown role {spec['role']!r} (known: {known})")
            return None
        commune = spec.get("commune")
        if commune is not None and clean_text(commune) != commune_code:
            self._reject(where, f"role {role}: commune {commune!r} is not this file's commune")
            return None
        result = RoleSpec(
            role=role,
            group=clean_text(spec.get("group")) or None,
            village=clean_text(spec.get("village")) or None,
        )
        if result.scope_kind not in ALLOWED_SCOPES[role]:
            allowed = " or ".join(_SCOPE_WORDS[kind] for kind in ALLOWED_SCOPES[role])
            self._reject(where, f"role {role} is given for {allowed}")
            return None
        return result


_SCOPE_WORDS = {
    ScopeKind.GROUP: "a group (group: …)",
    ScopeKind.VILLAGE: "a village (village: … without group)",
    ScopeKind.COMMUNE: "the whole commune (no group, no village)",
}
