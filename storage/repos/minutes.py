"""Queries for meeting minutes and what hangs on them: tasks, photos of the paper minutes,
dated corrections, and the minutes a book or a quarter's summary lists."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Meeting,
    MeetingMinutes,
    MeetingPhoto,
    MeetingStatus,
    MeetingTask,
    MinutesCorrection,
    TaskStatus,
)


# --- minutes ------------------------------------------------------------------------------
async def minutes_of(session: AsyncSession, meeting_id: int) -> MeetingMinutes | None:
    return await session.get(MeetingMinutes, meeting_id)


def add_minutes(session: AsyncSession, minutes: MeetingMinutes) -> MeetingMinutes:
    session.add(minutes)
    return minutes


async def recently_recorded(session: AsyncSession, group_id: int, limit: int) -> list[Meeting]:
    """The group's meetings with minutes, latest held first."""
    return list(
        await session.scalars(
            select(Meeting)
            .join(MeetingMinutes, MeetingMinutes.meeting_id == Meeting.id)
            .where(Meeting.group_id == group_id)
            .order_by(MeetingMinutes.held_at.desc())
            .limit(limit)
        )
    )


async def held_in_year(session: AsyncSession, group_id: int, year: int) -> list[Meeting]:
    """The group's meetings held that year with minutes, in the order they were held."""
    return list(
        await session.scalars(
            select(Meeting)
            .join(MeetingMinutes, MeetingMinutes.meeting_id == Meeting.id)
            .where(
                Meeting.group_id == group_id,
                Meeting.year == year,
                Meeting.status == MeetingStatus.HELD,
            )
            .order_by(MeetingMinutes.held_at)
        )
    )


async def last_minutes_in_quarter(
    session: AsyncSession, group_id: int, year: int, quarter: int
) -> MeetingMinutes | None:
    return await session.scalar(
        select(MeetingMinutes)
        .join(Meeting, Meeting.id == MeetingMinutes.meeting_id)
        .where(
            Meeting.group_id == group_id,
            Meeting.year == year,
            Meeting.quarter == quarter,
            Meeting.status == MeetingStatus.HELD,
        )
        .order_by(MeetingMinutes.held_at.desc())
        .limit(1)
    )


# --- photos and corrections ---------------------------------------------------------------
async def photo_count(session: AsyncSession, meeting_id: int) -> int:
    return (
        await session.scalar(
            select(func.count(MeetingPhoto.id)).where(MeetingPhoto.meeting_id == meeting_id)
        )
    ) or 0


def add_photo(
    session: AsyncSession,
    meeting_id: int,
    *,
    channel: str,
    file_ref: str,
    by: int | None,
    now: datetime,
) -> None:
    session.add(
        MeetingPhoto(
            meeting_id=meeting_id, channel=channel, file_ref=file_ref, added_by=by, added_at=now
        )
    )


async def corrections_of(session: AsyncSession, meeting_id: int) -> list[MinutesCorrection]:
    return list(
        await session.scalars(
            select(MinutesCorrection)
            .where(MinutesCorrection.meeting_id == meeting_id)
            .order_by(MinutesCorrection.at, MinutesCorrection.id)
        )
    )


def add_correction(
    session: AsyncSession, meeting_id: int, text: str, *, by: int | None, now: datetime
) -> None:
    session.add(MinutesCorrection(meeting_id=meeting_id, text=text, by_person_id=by, at=now))


# --- tasks --------------------------------------------------------------------------------
async def tasks_of_meeting(session: AsyncSession, meeting_id: int) -> list[MeetingTask]:
    return list(
        await session.scalars(
            select(MeetingTask).where(MeetingTask.meeting_id == meeting_id).order_by(MeetingTask.id)
        )
    )


async def task_by_id(
    session: AsyncSession, task_id: int, *, for_update: bool = False
) -> MeetingTask | None:
    return await session.get(MeetingTask, task_id, with_for_update=for_update)


def add_task(session: AsyncSession, task: MeetingTask) -> MeetingTask:
    session.add(task)
    return task


async def delete_tasks_except(session: AsyncSession, meeting_id: int, kept: set[int]) -> None:
    """Remove the meeting's tasks the minutes no longer list."""
    await session.execute(
        delete(MeetingTask).where(MeetingTask.meeting_id == meeting_id, MeetingTask.id.not_in(kept))
    )


async def open_tasks(
    session: AsyncSession,
    *,
    group_ids: list[int] | None = None,
    owner: int | None = None,
) -> list[MeetingTask]:
    """Open tasks of these groups, or of this owner; by due date, undated last."""
    query = select(MeetingTask).where(MeetingTask.status == TaskStatus.OPEN)
    if group_ids is not None:
        query = query.where(MeetingTask.group_id.in_(group_ids))
    if owner is not None:
        query = query.where(MeetingTask.owner_person_id == owner)
    return list(
        await session.scalars(query.order_by(MeetingTask.due_date.is_(None), MeetingTask.due_date))
    )


async def open_task_count(session: AsyncSession, group_id: int) -> int:
    return (
        await session.scalar(
            select(func.count(MeetingTask.id)).where(
                MeetingTask.group_id == group_id, MeetingTask.status == TaskStatus.OPEN
            )
        )
    ) or 0


async def owned_tasks_due_by(session: AsyncSession, day: date) -> list[MeetingTask]:
    """Open tasks with an owner and a due date on or before `day`."""
    return list(
        await session.scalars(
            select(MeetingTask)
            .where(
                MeetingTask.status == TaskStatus.OPEN,
                MeetingTask.owner_person_id.is_not(None),
                MeetingTask.due_date.is_not(None),
                MeetingTask.due_date <= day,
            )
            .order_by(MeetingTask.id)
        )
    )
