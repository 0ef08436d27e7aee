"""The invites an operator lists at the command line."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Invite


async def invites_of_commune(session: AsyncSession, commune_code: str) -> list[Invite]:
    """Every invite of the commune, newest first."""
    return list(
        await session.scalars(
            select(Invite)
            .where(Invite.commune_code == commune_code)
            .order_by(Invite.created_at.desc(), Invite.id.desc())
        )
    )
