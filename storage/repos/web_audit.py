"""The audit log of one commune, for its admins: what its people did, and what was done to its
people (roles given by the bot, erasures), its tips and the commune itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import AuditEntry, Person, RoleAssignment, ScopeKind, Tip


async def commune_audit(
    session: AsyncSession,
    commune_code: str,
    *,
    action: str | None = None,
    since: datetime | None = None,
    limit: int = 200,
) -> list[tuple[AuditEntry, str | None]]:
    """Newest first, with the actor's name (None: the bot or an operator at the command line)."""
    commune_staff = select(RoleAssignment.person_id).where(
        RoleAssignment.scope_kind == ScopeKind.COMMUNE, RoleAssignment.scope_id == commune_code
    )
    commune_tips = select(Tip.code).where(Tip.commune_code == commune_code)
    resident = aliased(Person)
    commune_people = select(cast(resident.id, String)).where(resident.commune_code == commune_code)
    query = (
        select(AuditEntry, Person.full_name)
        .outerjoin(Person, Person.id == AuditEntry.actor_person_id)
        .where(
            or_(
                Person.commune_code == commune_code,
                AuditEntry.actor_person_id.in_(commune_staff),
                and_(AuditEntry.subject_kind == "tip", AuditEntry.subject_id.in_(commune_tips)),
                and_(
                    AuditEntry.subject_kind == "person",
                    AuditEntry.subject_id.in_(commune_people),
                ),
                and_(AuditEntry.subject_kind == "commune", AuditEntry.subject_id == commune_code),
            )
        )
    )
    if action:
        query = query.where(AuditEntry.action == action)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    rows = await session.execute(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    )
    return [(entry, name) for entry, name in rows.all()]
