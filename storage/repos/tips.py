"""Queries about tips: finding one, its attachments, cards, history and categories, the police
accounts of a commune, and the open tips police work through."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    CLOSED_STATUSES,
    AuditEntry,
    ChannelAccount,
    Commune,
    Group,
    Household,
    Membership,
    OutboxMessage,
    Person,
    RoleAssignment,
    ScopeKind,
    Tip,
    TipAttachment,
    TipCard,
    TipCategory,
    TipEvent,
    TipStatus,
    Village,
)


async def tip_by_id(session: AsyncSession, tip_id: int) -> Tip | None:
    return await session.get(Tip, tip_id)


async def tip_by_code(
    session: AsyncSession, code: str, *, commune_code: str | None = None
) -> Tip | None:
    """The tip of that (normalised) code, within one commune when `commune_code` is given."""
    query = select(Tip).where(Tip.code == code)
    if commune_code is not None:
        query = query.where(Tip.commune_code == commune_code)
    return await session.scalar(query)


async def code_taken(session: AsyncSession, code: str) -> bool:
    return await session.scalar(select(Tip.id).where(Tip.code == code)) is not None


async def categories_near(session: AsyncSession, commune_code: str | None) -> list[TipCategory]:
    """The commune's own category rows and the national defaults, hidden ones included."""
    return list(
        await session.scalars(
            select(TipCategory).where(
                (TipCategory.commune_code == commune_code) | TipCategory.commune_code.is_(None)
            )
        )
    )


async def attachments_of(session: AsyncSession, tip_id: int) -> list[TipAttachment]:
    return list(
        await session.scalars(
            select(TipAttachment).where(TipAttachment.tip_id == tip_id).order_by(TipAttachment.id)
        )
    )


async def cards_of(session: AsyncSession, tip_id: int) -> list[TipCard]:
    return list(await session.scalars(select(TipCard).where(TipCard.tip_id == tip_id)))


async def chat_language(session: AsyncSession, channel: str, chat_id: str) -> str | None:
    """The language of the account that chat belongs to (a private chat), if any."""
    return await session.scalar(
        select(ChannelAccount.language).where(
            ChannelAccount.channel == channel, ChannelAccount.chat_id == chat_id
        )
    )


async def accounts_with_role(
    session: AsyncSession, commune_code: str, role: str
) -> list[ChannelAccount]:
    """The unblocked accounts of everyone holding `role` over the whole commune."""
    rows = await session.scalars(
        select(ChannelAccount)
        .join(RoleAssignment, RoleAssignment.person_id == ChannelAccount.person_id)
        .where(
            RoleAssignment.role == role,
            RoleAssignment.scope_kind == ScopeKind.COMMUNE,
            RoleAssignment.scope_id == commune_code,
            ChannelAccount.blocked_at.is_(None),
        )
        .order_by(ChannelAccount.id)
    )
    return list(rows)


async def holds_commune_role(
    session: AsyncSession, person_id: int, role: str, commune_code: str
) -> bool:
    found = await session.scalar(
        select(RoleAssignment.id).where(
            RoleAssignment.person_id == person_id,
            RoleAssignment.role == role,
            RoleAssignment.scope_kind == ScopeKind.COMMUNE,
            RoleAssignment.scope_id == commune_code,
        )
    )
    return found is not None


async def group_and_village(
    session: AsyncSession, group_id: int | None, village_id: int | None
) -> tuple[Group | None, Village | None]:
    group = await session.get(Group, group_id) if group_id is not None else None
    village = await session.get(Village, village_id) if village_id is not None else None
    return group, village


async def villages_of(session: AsyncSession, commune_code: str) -> list[Village]:
    return list(
        await session.scalars(
            select(Village).where(Village.commune_code == commune_code).order_by(Village.name)
        )
    )


async def village_by_id(session: AsyncSession, village_id: int) -> Village | None:
    return await session.get(Village, village_id)


async def communes_named(session: AsyncSession, codes: Collection[str]) -> dict[str, str]:
    """Commune code → its name, for those codes."""
    rows = await session.scalars(select(Commune).where(Commune.code.in_(list(codes))))
    return {commune.code: commune.name for commune in rows}


async def open_tips_of(
    session: AsyncSession,
    commune_code: str,
    *,
    status: str | None = None,
    category_key: str | None = None,
    village_id: int | None = None,
    created_before: datetime | None = None,
    oldest_first: bool = False,
) -> list[Tip]:
    """The commune's tips that are not closed, newest first unless asked otherwise."""
    query = select(Tip).where(
        Tip.commune_code == commune_code, Tip.status.not_in(list(CLOSED_STATUSES))
    )
    if status is not None:
        query = query.where(Tip.status == status)
    if category_key is not None:
        query = query.where(Tip.category_key == category_key)
    if village_id is not None:
        query = query.where(Tip.village_id == village_id)
    if created_before is not None:
        query = query.where(Tip.created_at < created_before)
    order = Tip.created_at.asc() if oldest_first else Tip.created_at.desc()
    return list(await session.scalars(query.order_by(order, Tip.id)))


async def communes_with_open_tips(session: AsyncSession) -> set[str]:
    return set(
        await session.scalars(
            select(Tip.commune_code).where(Tip.status.not_in(list(CLOSED_STATUSES))).distinct()
        )
    )


async def keys_queued_like(session: AsyncSession, pattern: str) -> list[str]:
    """The dedupe keys of outbox rows matching a LIKE pattern (a day's digests already queued)."""
    rows = await session.scalars(
        select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like(pattern))
    )
    return [key for key in rows if key]


async def overdue_tips(
    session: AsyncSession, *, now: datetime, below_level: int
) -> list[tuple[int, int]]:
    """(tip id, escalation level) of tips nobody acknowledged by their deadline, oldest first."""
    rows = await session.execute(
        select(Tip.id, Tip.escalation_level)
        .where(
            Tip.status == TipStatus.NEW,
            Tip.next_escalation_at <= now,
            Tip.escalation_level < below_level,
            Tip.purged_at.is_(None),
        )
        .order_by(Tip.next_escalation_at)
    )
    return [(tip_id, level) for tip_id, level in rows.all()]


async def move_escalation(
    session: AsyncSession,
    tip_id: int,
    *,
    from_level: int,
    deadline: datetime | None,
) -> bool:
    """Raise a still unacknowledged tip one level; False when another process (or an
    acknowledgement) got there first."""
    moved = await session.execute(
        update(Tip)
        .where(Tip.id == tip_id, Tip.escalation_level == from_level, Tip.status == TipStatus.NEW)
        .values(escalation_level=from_level + 1, next_escalation_at=deadline)
        .execution_options(synchronize_session=False)
    )
    return moved.rowcount == 1  # type: ignore[attr-defined]


async def events_of(session: AsyncSession, tip_id: int) -> list[TipEvent]:
    """The tip's history, oldest first."""
    return list(
        await session.scalars(
            select(TipEvent).where(TipEvent.tip_id == tip_id).order_by(TipEvent.at, TipEvent.id)
        )
    )


async def audit_of_tip(session: AsyncSession, code: str) -> list[AuditEntry]:
    """The audit log's entries about the tip of that code, oldest first."""
    return list(
        await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.subject_kind == "tip", AuditEntry.subject_id == code)
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    )


async def names_of(session: AsyncSession, person_ids: Collection[int | None]) -> dict[int, str]:
    """Person id → full name, for the ids given."""
    ids = [i for i in person_ids if i is not None]
    if not ids:
        return {}
    rows = await session.execute(select(Person.id, Person.full_name).where(Person.id.in_(ids)))
    return {person_id: name for person_id, name in rows.all()}


async def persons_named(session: AsyncSession, full_name: str) -> list[Person]:
    """Everyone listed under exactly that name (an officer named on the command line)."""
    return list(await session.scalars(select(Person).where(Person.full_name == full_name)))


async def villages_of_grants(
    session: AsyncSession, *, village_ids: Collection[int], group_ids: Collection[int]
) -> list[Village]:
    """These villages and those of these groups, by name."""
    ids = set(village_ids)
    if group_ids:
        ids |= set(
            await session.scalars(select(Group.village_id).where(Group.id.in_(list(group_ids))))
        )
    if not ids:
        return []
    return list(
        await session.scalars(select(Village).where(Village.id.in_(ids)).order_by(Village.name))
    )


async def tips_by_category(
    session: AsyncSession, commune_code: str, *, since: datetime, village_id: int | None = None
) -> list[tuple[str, int]]:
    """(category key, how many tips) of the commune (or one village of it) since `since`."""
    query = select(Tip.category_key, func.count()).where(
        Tip.commune_code == commune_code, Tip.created_at >= since
    )
    if village_id is not None:
        query = query.where(Tip.village_id == village_id)
    rows = await session.execute(query.group_by(Tip.category_key))
    return [(key, n) for key, n in rows.all()]


async def member_village(session: AsyncSession, person: Person | None) -> Village | None:
    """The village of the member's household, else of the group they asked to join."""
    if person is None:
        return None
    group_id = None
    if person.household_id is not None:
        group_id = await session.scalar(
            select(Household.group_id).where(Household.id == person.household_id)
        )
    if group_id is None:
        group_id = await session.scalar(
            select(Membership.group_id)
            .where(Membership.person_id == person.id)
            .order_by(Membership.id.desc())
            .limit(1)
        )
    if group_id is None:
        return None
    group = await session.get(Group, group_id)
    return await session.get(Village, group.village_id) if group else None
