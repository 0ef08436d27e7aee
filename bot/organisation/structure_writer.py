"""Writing a commune's structure file (`org export`): the same YAML that `org import` reads
(bot.organisation.structure), codes and phone numbers quoted so they stay text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.organisation.structure import PersonSpec, RoleSpec, Structure


class _Flow(dict[str, Any]):
    """A mapping written on one line: {role: group_leader, group: Tổ 1}."""


class _Quoted(str):
    """Text written in quotes: codes and phone numbers, which unquoted may read as numbers."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _Flow, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, True)
)
_Dumper.add_representer(
    _Quoted, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data, '"')
)

EXPORT_HEADER = """\
# The structure of commune {code}, written by `python -m bot org export`. Edit it, then
# import it again: python -m bot org import {name}   (the format: docs/ORG_FILES.md)
# It holds phone numbers: keep it where only commune staff can read it.
"""


def write_structure(path: Path, structure: Structure) -> None:
    data: dict[str, Any] = {"commune": _commune_data(structure)}
    if structure.households_file is not None:
        data["households_file"] = structure.households_file.name
    data["villages"] = [
        {"name": village.name, "groups": list(village.groups)}
        for village in structure.villages or []
    ]
    data["people"] = [_person_data(person) for person in structure.people]
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    header = EXPORT_HEADER.format(code=structure.commune_code, name=path.name)
    path.write_text(header + text, encoding="utf-8")


def _commune_data(structure: Structure) -> dict[str, Any]:
    chat = structure.police_chat
    duty_phone = structure.duty_phone
    return {
        "code": _Quoted(structure.commune_code),
        "name": structure.commune_name,
        "duty_phone": _Quoted(duty_phone) if duty_phone else None,
        "data_controller": structure.data_controller,
        "unit_word": structure.unit_word,
        "police_chat": _Flow(channel=chat.channel, chat_id=_Quoted(chat.chat_id)) if chat else None,
    }


def _person_data(person: PersonSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"name": person.name}
    if person.phone:
        data["phone"] = _Quoted(person.phone)
    if person.household is not None:
        ref = person.household
        data["household"] = (
            ref.address
            if ref.group is None
            else _Flow(address=ref.address, group=ref.group, village=ref.village)
        )
    data["roles"] = [_role_data(role) for role in person.roles]
    return data


def _role_data(role: RoleSpec) -> _Flow:
    data = _Flow(role=role.role.value)
    if role.group:
        data["group"] = role.group
    if role.village:
        data["village"] = role.village
    return data
