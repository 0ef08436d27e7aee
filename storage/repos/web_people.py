"""What the console's people page reads: who holds which role in a commune, and its invites."""

from __future__ import annotations

from sqlalchemy import and_, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import String

from storage.models import Group, Invite, Person, Role, RoleAssignment, ScopeKind, Village

STAFF_ROLES = (
    Role.GROUP_LEADER,
    Role.GROUP_DEPUTY,
    Role.VILLAGE_HEAD,
    Role.SECURITY_TEAM,
    Role.COMMUNE_POLICE,
    Role.COMMUNE_ADMIN,
)


def _in_commune(commune_code: str):  # type: ignore[no-untyped-def]
    """A role assignment (or invite) scoped to the commune, one of its villages or groups."""
    villages = select(cast(Village.id, String)).where(Village.commune_code == commune_code)
    groups = (
        select(cast(Group.id, String))
        .join(Village, Village.id == Group.village_id)
        .where(Village.commune_code == commune_code)
    )
    return or_(
        and_(
            RoleAssignment.scope_kind == ScopeKind.COMMUNE, RoleAssignment.scope_id == commune_code
        ),
        and_(RoleAssignment.scope_kind == ScopeKind.VILLAGE, RoleAssignment.scope_id.in_(villages)),
        and_(RoleAssignment.scope_kind == ScopeKind.GROUP, RoleAssignment.scope_id.in_(groups)),
    )


async def role_holders(
    session: AsyncSession, commune_code: str
) -> list[tuple[RoleAssignment, str]]:
    """The commune's leaders, village heads, police and admins, with their names."""
    rows = await session.execute(
        select(RoleAssignment, Person.full_name)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(RoleAssignment.role.in_(STAFF_ROLES), _in_commune(commune_code))
        .order_by(RoleAssignment.role, Person.full_name)
    )
    return [(assignment, name) for assignment, name in rows.all()]


async def role_in_commune(
    session: AsyncSession, commune_code: str, assignment_id: int
) -> RoleAssignment | None:
    return await session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.id == assignment_id,
            RoleAssignment.role.in_(STAFF_ROLES),
            _in_commune(commune_code),
        )
    )


async def invites_of(session: AsyncSession, commune_code: str, *, limit: int = 50) -> list[Invite]:
    rows = await session.scalars(
        select(Invite)
        .where(Invite.commune_code == commune_code, Invite.role.in_(STAFF_ROLES))
        .order_by(Invite.created_at.desc(), Invite.id.desc())
        .limit(limit)
    )
    return list(rows)


async def invite_in_commune(session: AsyncSession, commune_code: str, code: str) -> Invite | None:
    return await session.scalar(
        select(Invite).where(Invite.commune_code == commune_code, Invite.code == code)
    )
