"""The administrative units as people and pledges name them: communes, villages, groups."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Group, Village


async def village_by_id(session: AsyncSession, village_id: int | None) -> Village | None:
    return await session.get(Village, village_id) if village_id is not None else None


async def group_and_village_names(session: AsyncSession, group_id: int) -> tuple[str, str] | None:
    """(group name, village name) of a group, or None when there is no such group."""
    row = (
        await session.execute(
            select(Group.name, Village.name)
            .join(Village, Village.id == Group.village_id)
            .where(Group.id == group_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def village_names(session: AsyncSession, village_ids: Collection[int]) -> dict[int, str]:
    """Village id → name, for these villages."""
    if not village_ids:
        return {}
    rows = await session.scalars(select(Village).where(Village.id.in_(set(village_ids))))
    return {village.id: village.name for village in rows}
