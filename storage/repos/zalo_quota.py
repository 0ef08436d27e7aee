"""The month's count of messages sent to Zalo, shared by every process that sends, and who is
told when the plan runs short."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Role, RoleAssignment, ZaloUsage
from storage.repos.outbox import insert_ignoring_duplicates


async def add_sent(session: AsyncSession, *, month: str, count: int, now: datetime) -> ZaloUsage:
    """Add `count` to the month's row (made on first use) and return it, locked for the rest
    of the transaction: two processes adding at once are both counted."""
    await session.execute(
        insert_ignoring_duplicates(session, ZaloUsage.__table__, ["month"]).values(
            month=month, sent=0, updated_at=now
        )
    )
    await session.execute(
        update(ZaloUsage)
        .where(ZaloUsage.month == month)
        .values(sent=ZaloUsage.sent + count, updated_at=now)
    )
    row = await session.get(ZaloUsage, month, populate_existing=True, with_for_update=True)
    assert row is not None
    return row


async def commune_admin_ids(session: AsyncSession) -> list[int]:
    """Everyone who administers a commune: the plan is the whole server's."""
    return list(
        await session.scalars(
            select(RoleAssignment.person_id)
            .where(RoleAssignment.role == Role.COMMUNE_ADMIN)
            .distinct()
        )
    )
