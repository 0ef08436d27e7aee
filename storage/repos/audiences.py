"""Who a campaign message reaches: the chats of an audience of a commune (bot.calendar.audience
parses the spec and keeps one recipient per chat).

Persons who opted out of campaign messages are left out, blocked accounts and erased persons too.
"""

from __future__ import annotations

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

AccountRow = tuple[str, str, str]  # channel, chat id, language


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


def _members(groups: Select) -> Select:
    return (
        select(Membership.person_id)
        .join(Person, Person.id == Membership.person_id)
        .where(
            Membership.group_id.in_(groups),
            Membership.status == MembershipStatus.CONFIRMED,
            Person.erased_at.is_(None),
        )
    )


async def _account_rows(session: AsyncSession, person_ids: Select) -> list[AccountRow]:
    rows = await session.execute(_accounts(person_ids).order_by(ChannelAccount.id))
    return [(channel, chat_id, language) for channel, chat_id, language in rows]


async def group_chats_of(
    session: AsyncSession, commune_code: str, kind: str, arg: str
) -> list[tuple[str, str]]:
    """(channel, chat id) of the registered group chats of the unit's groups."""
    rows = await session.execute(
        select(GroupChat.channel, GroupChat.chat_id)
        .where(GroupChat.group_id.in_(_groups_of(commune_code, kind, arg)))
        .order_by(GroupChat.group_id)
    )
    return [(channel, chat_id) for channel, chat_id in rows]


async def member_accounts(
    session: AsyncSession, commune_code: str, kind: str, arg: str
) -> list[AccountRow]:
    """The private chats of the confirmed members of the unit's groups."""
    return await _account_rows(session, _members(_groups_of(commune_code, kind, arg)))


async def unpledged_member_accounts(
    session: AsyncSession, commune_code: str, *, year: int
) -> list[AccountRow]:
    """The private chats of members whose household has no pledge in force for `year`."""
    pledged = select(Pledge.household_id).where(Pledge.year == year, Pledge.withdrawn_at.is_(None))
    unpledged = (
        _members(_groups_of(commune_code, "all", ""))
        .join(Household, Household.id == Membership.household_id)
        .where(Household.id.not_in(pledged))
    )
    return await _account_rows(session, unpledged)


async def leader_accounts(session: AsyncSession, commune_code: str) -> list[AccountRow]:
    """The private chats of the commune's group leaders, deputies and village heads."""
    groups = _groups_of(commune_code, "all", "")
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
    return await _account_rows(session, select(RoleAssignment.person_id).where(condition))


async def police_accounts(session: AsyncSession, commune_code: str) -> list[AccountRow]:
    """The private chats of the commune's police officers."""
    condition = and_(
        RoleAssignment.role == Role.COMMUNE_POLICE,
        RoleAssignment.scope_kind == ScopeKind.COMMUNE,
        RoleAssignment.scope_id == commune_code,
    )
    return await _account_rows(session, select(RoleAssignment.person_id).where(condition))


def _as_text(ids: Select) -> Select:
    column = ids.selected_columns[0]
    return ids.with_only_columns(cast(column, String))
