"""A small commune for tests: Xã Thanh Mỹ with two villages, three groups, a few households,
two group leaders, a police officer; and a police officer of another commune.

People who already joined get an account on the test channel whose user id is their key here
("leader1", "leader3", "police", "police_y"), and have agreed to the current consent text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from bot.messages import OutboundMessage
from bot.people.consent import CONSENT_VERSION
from bot.people.invites import create_invite
from storage.base import utcnow
from storage.db import Database
from storage.models import (
    ChannelAccount,
    Commune,
    Group,
    Household,
    Invite,
    OutboxMessage,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
    Village,
)

THANH_MY = "30073"
CHANNEL = "test"


@dataclass
class Org:
    commune: str
    other_commune: str
    villages: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    households: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)


async def small_commune(db: Database) -> Org:
    async with db.transaction() as session:
        other = await session.scalar(
            select(Commune.code).where(Commune.code != THANH_MY).order_by(Commune.code).limit(1)
        )
        org = Org(commune=THANH_MY, other_commune=other or "")
        for village_name, groups in (
            ("Ấp Mỹ Thạnh", ("Tổ 1", "Tổ 2")),
            ("Ấp Mỹ Phú", ("Tổ 3",)),
        ):
            village = Village(commune_code=THANH_MY, name=village_name)
            session.add(village)
            await session.flush()
            org.villages[village_name] = village.id
            for group_name in groups:
                group = Group(village_id=village.id, name=group_name)
                session.add(group)
                await session.flush()
                org.groups[group_name] = group.id
        for address, head, group_name in (
            ("12 đường Cây Dương", "Nguyễn Văn Hùng", "Tổ 1"),
            ("15 đường Cây Dương", "Trần Thị Lan", "Tổ 1"),
            ("21 đường Cây Dương", "Lê Văn Tư", "Tổ 1"),
            ("45 đường Mỹ Phú", "Huỳnh Văn Năm", "Tổ 3"),
        ):
            household = Household(
                group_id=org.groups[group_name], address=address, head_name=head, members=3
            )
            session.add(household)
            await session.flush()
            org.households[address] = household.id
        for key, name, role, scope_kind, scope_id, commune in (
            ("leader1", "Nguyễn Văn Hùng", Role.GROUP_LEADER, ScopeKind.GROUP, "Tổ 1", THANH_MY),
            ("leader3", "Huỳnh Văn Năm", Role.GROUP_LEADER, ScopeKind.GROUP, "Tổ 3", THANH_MY),
            ("police", "Lâm Quốc Bảo", Role.COMMUNE_POLICE, ScopeKind.COMMUNE, THANH_MY, THANH_MY),
            ("police_y", "Đỗ Văn Khoa", Role.COMMUNE_POLICE, ScopeKind.COMMUNE, other, other),
        ):
            person = Person(full_name=name, commune_code=commune, consent_version=CONSENT_VERSION)
            session.add(person)
            await session.flush()
            org.people[key] = person.id
            scope = str(org.groups[scope_id]) if scope_kind == ScopeKind.GROUP else scope_id
            session.add(
                RoleAssignment(
                    person_id=person.id, role=role, scope_kind=scope_kind, scope_id=scope
                )
            )
            session.add(
                ChannelAccount(
                    channel=CHANNEL, external_user_id=key, chat_id=key, person_id=person.id
                )
            )
    return org


async def invite_for(
    db: Database,
    org: Org,
    *,
    role: str = Role.RESIDENT,
    group: str | None = "Tổ 1",
    village: str | None = None,
    valid_for: timedelta | None = None,
    max_uses: int | None = None,
) -> Invite:
    if group:
        scope_kind, scope_id = ScopeKind.GROUP, str(org.groups[group])
    elif village:
        scope_kind, scope_id = ScopeKind.VILLAGE, str(org.villages[village])
    else:
        scope_kind, scope_id = ScopeKind.COMMUNE, org.commune
    async with db.transaction() as session:
        return await create_invite(
            session,
            commune_code=org.commune,
            role=role,
            scope_kind=scope_kind,
            scope_id=scope_id,
            now=utcnow(),
            valid_for=valid_for,
            max_uses=max_uses,
        )


async def notices_to(db: Database, chat_id: str) -> list[OutboundMessage]:
    """What the bot queued for this chat outside a reply (notifications), oldest first."""
    async with db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.claimed_until.is_(None))
            .order_by(OutboxMessage.id)
        )
        return [OutboundMessage.from_payload(row.payload) for row in rows]
