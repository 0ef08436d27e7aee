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

from sqlalchemy import Select, String, and_, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ChannelAccount,
    Group,
    GroupChat,
    Household,
    Membership,
    MembershipStatus,
    Person,
    Pledge,
    ReminderOptOut,
    Role,
    RoleAssignment,
    ScopeKind,
    Village,
)

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


def _groups_of(commune_code: str, kind: str, arg: str) -> Select:
    query = select(Group.id).join(Village, Village.id == Group.village_id)
    query = query.where(Village.commune_code == commune_code)
    if kind == "village":
        query = query.where(Village.id == int(arg))
    elif kind == "group":
        query = query.where(Group.id == int(arg))
    return query


def _accounts(person_ids: Select) -> Select:
    return select(ChannelAccount.channel, ChannelAccount.chat_id, ChannelAccount.language).where(
        ChannelAccount.person_id.in_(person_ids),
        ChannelAccount.blocked_at.is_(None),
        ChannelAccount.person_id.not_in(select(ReminderOptOut.person_id)),
    )


async def resolve(
    session: AsyncSession, commune_code: str, spec: str, *, today: date | None = None
) -> list[Recipient]:
    kind, _, arg = spec.partition(":")
    groups = _groups_of(commune_code, kind, arg)
    found: dict[tuple[str, str], Recipient] = {}

    def add(rows, is_group: bool) -> None:  # type: ignore[no-untyped-def]
        for channel, chat_id, language in rows:
            found.setdefault((channel, chat_id), Recipient(channel, chat_id, is_group, language))

    if kind in ("all", "group_chats", "village", "group"):
        rows = await session.execute(
            select(GroupChat.channel, GroupChat.chat_id, GroupChat.group_id)
            .where(GroupChat.group_id.in_(groups))
            .order_by(GroupChat.group_id)
        )
        add(((c, chat, "vi") for c, chat, _ in rows), True)
    members = (
        select(Membership.person_id)
        .join(Person, Person.id == Membership.person_id)
        .where(
            Membership.group_id.in_(groups),
            Membership.status == MembershipStatus.CONFIRMED,
            Person.erased_at.is_(None),
        )
    )
    if kind in ("all", "members", "village", "group"):
        add(await session.execute(_accounts(members).order_by(ChannelAccount.id)), False)
    elif kind == "unpledged":
        year = (today or date.today()).year
        pledged = select(Pledge.household_id).where(
            Pledge.year == year, Pledge.withdrawn_at.is_(None)
        )
        unpledged = members.join(Household, Household.id == Membership.household_id).where(
            Household.id.not_in(pledged)
        )
        add(await session.execute(_accounts(unpledged).order_by(ChannelAccount.id)), False)
    elif kind in ("leaders", "police"):
        if kind == "leaders":
            villages = select(Village.id).where(Village.commune_code == commune_code)
            condition = or_(
                and_(
                    RoleAssignment.role.in_([Role.GROUP_LEADER, Role.GROUP_DEPUTY]),
                    RoleAssignment.scope_kind == ScopeKind.GROUP,
                    RoleAssignment.scope_id.in_(_as_text(groups)),
                ),
                and_(
                    RoleAssignment.role == Role.VILLAGE_HEAD,
                    RoleAssignment.scope_kind == ScopeKind.VILLAGE,
                    RoleAssignment.scope_id.in_(_as_text(villages)),
                ),
            )
        else:
            condition = and_(
                RoleAssignment.role == Role.COMMUNE_POLICE,
                RoleAssignment.scope_kind == ScopeKind.COMMUNE,
                RoleAssignment.scope_id == commune_code,
            )
        people = select(RoleAssignment.person_id).where(condition)
        add(await session.execute(_accounts(people).order_by(ChannelAccount.id)), False)
    return list(found.values())


def _as_text(ids: Select) -> Select:
    column = ids.selected_columns[0]
    return ids.with_only_columns(cast(column, String))
