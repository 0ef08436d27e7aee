"""Invitations and one-time codes: finding them by code, counting a use, revoking."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Invite, Role, ScopeKind


async def invite_by_code(session: AsyncSession, code: str) -> Invite | None:
    return await session.scalar(select(Invite).where(Invite.code == code))


async def invite_by_id(session: AsyncSession, invite_id: int | None) -> Invite | None:
    return await session.get(Invite, invite_id) if invite_id else None


async def invite_code_exists(session: AsyncSession, code: str) -> bool:
    return await session.scalar(select(Invite.id).where(Invite.code == code)) is not None


async def count_invite_use(session: AsyncSession, invite: Invite) -> bool:
    """One more use of the invite, if it is not revoked or used up, decided by the database:
    two people racing for a single-use invite cannot both win."""
    statement = update(Invite).where(Invite.id == invite.id, Invite.revoked_at.is_(None))
    if invite.max_uses is not None:
        statement = statement.where(Invite.uses < invite.max_uses)
    result = await session.execute(
        statement.values(uses=Invite.uses + 1).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.refresh(invite, ["uses"])
    return True


async def revoke_invite(session: AsyncSession, code: str, now: datetime) -> bool:
    """Revokes the invite with this code; False when there is none not revoked already."""
    result = await session.execute(
        update(Invite)
        .where(Invite.code == code, Invite.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def lasting_group_invite(
    session: AsyncSession, group_id: int, *, valid_until: datetime
) -> Invite | None:
    """The group's newest open resident invitation made by one of its leaders that works for
    everyone until `valid_until` at least."""
    return await session.scalar(
        select(Invite)
        .where(
            Invite.role == Role.RESIDENT,
            Invite.scope_kind == ScopeKind.GROUP,
            Invite.scope_id == str(group_id),
            Invite.created_by.is_not(None),
            Invite.revoked_at.is_(None),
            Invite.max_uses.is_(None),
            Invite.expires_at >= valid_until,
        )
        .order_by(Invite.created_at.desc(), Invite.id.desc())
        .limit(1)
    )


# --- one-time codes: tables with `code`, `created_at`, `expires_at`, `used_at` --------------


async def code_taken(session: AsyncSession, model: type[Any], code: str) -> bool:
    return await session.scalar(select(model.id).where(model.code == code)) is not None


async def row_of_code(session: AsyncSession, model: type[Any], code: str) -> Any | None:
    return await session.scalar(select(model).where(model.code == code))


async def mark_code_used(
    session: AsyncSession, model: type[Any], row_id: int, now: datetime
) -> bool:
    """Marks the code used, decided by the database: two people racing with one code cannot
    both win."""
    result = await session.execute(
        update(model)
        .where(model.id == row_id, model.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def claim_link_code(
    session: AsyncSession, model: type[Any], row_id: int, *, account_id: int, now: datetime
) -> bool:
    """The second messenger account claims a linking code, if no other claimed it first."""
    result = await session.execute(
        update(model)
        .where(model.id == row_id, model.claimed_by.is_(None))
        .values(claimed_by=account_id, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def code_row_by_id(session: AsyncSession, model: type[Any], row_id: int | None) -> Any | None:
    return await session.get(model, row_id) if row_id is not None else None
