"""The audit log: writing an entry (ids and action names, never the data), and reading a
commune's: who was given a role, linked or unlinked an account, viewed a reporter's identity,
erased their data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Person, Tip


def audit(
    session: AsyncSession,
    *,
    actor: int | None,
    action: str,
    subject_kind: str,
    subject_id: object,
    at: datetime,
    detail: str | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor_person_id=actor,
            action=action,
            subject_kind=subject_kind,
            subject_id=str(subject_id),
            detail=detail,
            at=at,
        )
    )


TRUST_ACTIONS = (
    "role.grant",
    "role.claim",
    "invite.personal",
    "account.link",
    "account.link_refused",
    "account.unlink",
    "tip.read_identity",
    "person.erase",
    "person.withdraw_consent",
)


async def commune_log(
    session: AsyncSession, commune_codes: list[str], *, limit: int = 30
) -> list[AuditEntry]:
    """The latest trust-relevant entries about persons and tips of these communes."""
    about_person = and_(
        AuditEntry.subject_kind == "person",
        AuditEntry.subject_id.in_(
            select(cast(Person.id, String)).where(Person.commune_code.in_(commune_codes))
        ),
    )
    about_tip = and_(
        AuditEntry.subject_kind == "tip",
        AuditEntry.subject_id.in_(select(Tip.code).where(Tip.commune_code.in_(commune_codes))),
    )
    rows = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action.in_(TRUST_ACTIONS), or_(about_person, about_tip))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(rows)
