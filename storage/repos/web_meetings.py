"""What the console's meetings page reads: the meetings of some groups in a year, and the
minutes recorded of them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Household, Meeting, MeetingMinutes


async def meetings_of(
    session: AsyncSession, group_ids: list[int], year: int
) -> list[tuple[Meeting, str | None]]:
    """The groups' meetings of the year by date, with the host household's address."""
    if not group_ids:
        return []
    rows = await session.execute(
        select(Meeting, Household.address)
        .outerjoin(Household, Household.id == Meeting.host_household_id)
        .where(Meeting.group_id.in_(group_ids), Meeting.year == year)
        .order_by(Meeting.scheduled_at, Meeting.id)
    )
    return [(meeting, address) for meeting, address in rows.all()]


async def minutes_of(session: AsyncSession, meeting_ids: list[int]) -> dict[int, MeetingMinutes]:
    if not meeting_ids:
        return {}
    rows = await session.scalars(
        select(MeetingMinutes).where(MeetingMinutes.meeting_id.in_(meeting_ids))
    )
    return {row.meeting_id: row for row in rows}
