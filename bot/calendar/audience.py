"""Who gets a campaign message: an audience spec resolved to chats, one row per chat.

| audience       | chats                                                                  |
|----------------|------------------------------------------------------------------------|
| `all`          | every registered group chat of the commune and every confirmed member |
| `members`      | every confirmed member (private chats)                                 |
| `group_chats`  | the groups' registered group chats                                     |
| `leaders`      | group leaders and deputies, village heads                              |
| `police`       | the commune's police officers                                          |
| `unpledged`    | members of households without a pledge for the year                    |
| `village:<id>` | group chats and members of one village                                 |
| `group:<id>`   | group chat and members of one group                                    |

Persons who opted out of campaign messages are left out; blocked accounts too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repos import audiences

KINDS = ("all", "members", "group_chats", "leaders", "police", "unpledged", "village", "group")


@dataclass(frozen=True)
class Recipient:
    channel: str
    chat_id: str
    is_group: bool
    language: str


def check_audience(spec: str) -> str:
    kind, _, arg = spec.partition(":")
    if kind not in KINDS or (kind in ("village", "group")) != arg.isdigit():
        raise ValueError(
            f"unknown audience {spec!r}: one of all, members, group_chats, leaders, "
            "police, unpledged, village:<id>, group:<id>"
        )
    return spec


async def resolve(
    session: AsyncSession, commune_code: str, spec: str, *, today: date | None = None
) -> list[Recipient]:
    kind, _, arg = spec.partition(":")
    found: dict[tuple[str, str], Recipient] = {}

    def add(rows, is_group: bool) -> None:  # type: ignore[no-untyped-def]
        for channel, chat_id, language in rows:
            found.setdefault((channel, chat_id), Recipient(channel, chat_id, is_group, language))

    if kind in ("all", "group_chats", "village", "group"):
        chats = await audiences.group_chats_of(session, commune_code, kind, arg)
        add(((channel, chat_id, "vi") for channel, chat_id in chats), True)
    if kind in ("all", "members", "village", "group"):
        add(await audiences.member_accounts(session, commune_code, kind, arg), False)
    elif kind == "unpledged":
        year = (today or date.today()).year
        add(await audiences.unpledged_member_accounts(session, commune_code, year=year), False)
    elif kind == "leaders":
        add(await audiences.leader_accounts(session, commune_code), False)
    elif kind == "police":
        add(await audiences.police_accounts(session, commune_code), False)
    return list(found.values())
