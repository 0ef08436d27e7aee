"""What the console's tip desk reads: a commune's tips by filter, a tip's history, its officers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    CLOSED_STATUSES,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
    Tip,
    TipAttachment,
    TipEvent,
    Village,
)


@dataclass(frozen=True)
class DeskFilter:
    status: str | None = None  # a status, "open" (default) or "all"
    category_key: str | None = None
    village_id: int | None = None
    officer_id: int | None = None
    created_before: datetime | None = None
    code: str | None = None


async def desk_tips(
    session: AsyncSession, commune_code: str, wanted: DeskFilter, *, limit: int = 200
) -> list[Tip]:
    """The commune's tips matching `wanted`: open ones first, longest waiting first."""
    query = select(Tip).where(Tip.commune_code == commune_code, Tip.purged_at.is_(None))
    if wanted.code:
        query = query.where(Tip.code == wanted.code)
    elif wanted.status in (None, "", "open"):
        query = query.where(Tip.status.not_in(list(CLOSED_STATUSES)))
    elif wanted.status != "all":
        query = query.where(Tip.status == wanted.status)
    if wanted.category_key:
        query = query.where(Tip.category_key == wanted.category_key)
    if wanted.village_id:
        query = query.where(Tip.village_id == wanted.village_id)
    if wanted.officer_id:
        query = query.where(Tip.assigned_person_id == wanted.officer_id)
    if wanted.created_before is not None:
        query = query.where(Tip.created_at < wanted.created_before)
    rows = list(await session.scalars(query.order_by(Tip.created_at.asc(), Tip.id).limit(limit)))
    # Open before closed; within each, the one waiting longest on top.
    return sorted(rows, key=lambda tip: tip.status in CLOSED_STATUSES)


async def tip_in_commune(session: AsyncSession, commune_code: str, code: str) -> Tip | None:
    return await session.scalar(
        select(Tip).where(Tip.code == code, Tip.commune_code == commune_code)
    )


async def tip_history(session: AsyncSession, tip_id: int) -> list[tuple[TipEvent, str | None]]:
    """Every event of the tip, oldest first, with the acting officer's name (None: the
    reporter or the bot)."""
    rows = await session.execute(
        select(TipEvent, Person.full_name)
        .outerjoin(Person, Person.id == TipEvent.actor_person_id)
        .where(TipEvent.tip_id == tip_id)
        .order_by(TipEvent.at, TipEvent.id)
    )
    return [(event, name) for event, name in rows.all()]


async def attachments_of(session: AsyncSession, tip_id: int) -> list[TipAttachment]:
    rows = await session.scalars(
        select(TipAttachment).where(TipAttachment.tip_id == tip_id).order_by(TipAttachment.id)
    )
    return list(rows)


async def officers_of(session: AsyncSession, commune_code: str) -> list[Person]:
    """The commune's police officers, by name."""
    rows = await session.scalars(
        select(Person)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(
            RoleAssignment.role == Role.COMMUNE_POLICE,
            RoleAssignment.scope_kind == ScopeKind.COMMUNE,
            RoleAssignment.scope_id == commune_code,
        )
        .order_by(Person.full_name)
        .distinct()
    )
    return list(rows)


async def villages_of(session: AsyncSession, commune_code: str) -> list[Village]:
    rows = await session.scalars(
        select(Village).where(Village.commune_code == commune_code).order_by(Village.name)
    )
    return list(rows)
