"""Who holds a staff role without a messenger account yet, and their personal invites."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelAccount, Invite, Person, RoleAssignment


async def unclaimed_staff(
    session: AsyncSession, *, commune_code: str, roles: frozenset[str]
) -> list[Person]:
    """Persons of the commune holding one of `roles` that no messenger account belongs to."""
    has_account = exists().where(ChannelAccount.person_id == Person.id)
    holds_role = exists().where(
        RoleAssignment.person_id == Person.id, RoleAssignment.role.in_(roles)
    )
    return list(
        await session.scalars(
            select(Person)
            .where(
                Person.commune_code == commune_code,
                Person.erased_at.is_(None),
                holds_role,
                ~has_account,
            )
            .order_by(Person.full_name, Person.id)
        )
    )


async def staff_grants(
    session: AsyncSession, person_id: int, *, roles: frozenset[str]
) -> list[RoleAssignment]:
    """The person's roles among `roles`, the first one first (it names the invite)."""
    return list(
        await session.scalars(
            select(RoleAssignment)
            .where(RoleAssignment.person_id == person_id, RoleAssignment.role.in_(roles))
            .order_by(RoleAssignment.id)
        )
    )


async def open_personal_invite(
    session: AsyncSession, person_id: int, *, now: datetime
) -> Invite | None:
    """A personal invite of this person that still works (unused, unrevoked, not expired)."""
    return await session.scalar(
        select(Invite)
        .where(
            Invite.person_id == person_id,
            Invite.revoked_at.is_(None),
            Invite.expires_at > now,
            Invite.uses < Invite.max_uses,
        )
        .order_by(Invite.id.desc())
        .limit(1)
    )


async def commune_admins(session: AsyncSession, commune_code: str) -> list[int]:
    """The persons who administer this commune."""
    return list(
        await session.scalars(
            select(RoleAssignment.person_id).where(
                RoleAssignment.role == "commune_admin",
                RoleAssignment.scope_kind == "commune",
                RoleAssignment.scope_id == commune_code,
            )
        )
    )


async def people_of(session: AsyncSession, *, commune_code: str) -> list[Person]:
    """The persons of a commune that were not erased."""
    return list(
        await session.scalars(
            select(Person).where(Person.commune_code == commune_code, Person.erased_at.is_(None))
        )
    )


async def unclaimed_in_commune(
    session: AsyncSession, *, commune_code: str, exclude: int
) -> list[Person]:
    """Persons of the commune's list no messenger account belongs to (nor erased)."""
    has_account = exists().where(ChannelAccount.person_id == Person.id)
    return list(
        await session.scalars(
            select(Person).where(
                Person.commune_code == commune_code,
                Person.erased_at.is_(None),
                Person.id != exclude,
                ~has_account,
            )
        )
    )
