"""The aggregate queries behind a periodic report: tips, pledges, meetings and tasks, campaign
runs and broadcasts, for a commune, one of its villages or one of its groups.

Each answers one question with rows of plain values; `bot.reports.data` adds them up. Nothing
here reads a tip's text or its reporter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Commune,
    Group,
    Household,
    HouseholdStatus,
    Meeting,
    MeetingMinutes,
    MeetingStatus,
    MeetingTask,
    Pledge,
    Province,
    TaskStatus,
    Tip,
    TipCategory,
    TipEvent,
    TipEventKind,
    TipStatus,
    Village,
)
from storage.models.calendar import Broadcast, CalendarRun


def _tips_in(
    commune_code: str, village_id: int | None, group_id: int | None, start: datetime, end: datetime
) -> list[Any]:
    where = [Tip.commune_code == commune_code, Tip.created_at >= start, Tip.created_at < end]
    if group_id is not None:
        where.append(Tip.group_id == group_id)
    elif village_id is not None:
        where.append(Tip.village_id == village_id)
    return where


def _groups_in(
    query: Select[Any], commune_code: str, village_id: int | None, group_id: int | None
) -> Select[Any]:
    query = query.where(Village.commune_code == commune_code)
    if group_id is not None:
        return query.where(Group.id == group_id)
    if village_id is not None:
        return query.where(Village.id == village_id)
    return query


async def category_rows(
    session: AsyncSession, commune_code: str
) -> Sequence[Row[tuple[str, str, str | None]]]:
    """(key, Vietnamese label, commune or None) of the national and the commune's categories,
    in their order."""
    return (
        await session.execute(
            select(TipCategory.key, TipCategory.label_vi, TipCategory.commune_code)
            .where(
                or_(TipCategory.commune_code.is_(None), TipCategory.commune_code == commune_code)
            )
            .order_by(TipCategory.position, TipCategory.id)
        )
    ).all()


async def tip_counts(
    session: AsyncSession,
    commune_code: str,
    *,
    village_id: int | None,
    group_id: int | None,
    start: datetime,
    end: datetime,
) -> Sequence[Row[Any]]:
    """Per category, village and status: tips, satisfied, answered feedback, forwarded."""
    forwarded = (
        select(TipEvent.id)
        .where(
            TipEvent.tip_id == Tip.id,
            TipEvent.kind == TipEventKind.STATUS,
            TipEvent.status == TipStatus.FORWARDED,
        )
        .exists()
    )
    return (
        await session.execute(
            select(
                Tip.category_key,
                Tip.village_id,
                Tip.status,
                func.count(),
                func.count(case((Tip.satisfied.is_(True), 1))),
                func.count(Tip.satisfied),
                func.count(case((or_(Tip.status == TipStatus.FORWARDED, forwarded), 1))),
            )
            .where(*_tips_in(commune_code, village_id, group_id, start, end))
            .group_by(Tip.category_key, Tip.village_id, Tip.status)
        )
    ).all()


async def tip_times(
    session: AsyncSession,
    commune_code: str,
    *,
    village_id: int | None,
    group_id: int | None,
    start: datetime,
    end: datetime,
) -> Sequence[Row[Any]]:
    """(received, acknowledged, urgent, category, status) of each tip of the period."""
    return (
        await session.execute(
            select(
                Tip.created_at, Tip.acknowledged_at, Tip.urgent, Tip.category_key, Tip.status
            ).where(*_tips_in(commune_code, village_id, group_id, start, end))
        )
    ).all()


async def tip_annex_rows(
    session: AsyncSession,
    commune_code: str,
    *,
    village_id: int | None,
    group_id: int | None,
    start: datetime,
    end: datetime,
) -> Sequence[Row[Any]]:
    """(code, received, village, category, status, acknowledged, closed) in order received."""
    return (
        await session.execute(
            select(
                Tip.code,
                Tip.created_at,
                Tip.village_id,
                Tip.category_key,
                Tip.status,
                Tip.acknowledged_at,
                Tip.closed_at,
            )
            .where(*_tips_in(commune_code, village_id, group_id, start, end))
            .order_by(Tip.created_at, Tip.id)
        )
    ).all()


async def pledged_by_village(
    session: AsyncSession,
    commune_code: str,
    *,
    village_id: int | None,
    group_id: int | None,
    year: int,
    cutoff: datetime,
) -> Sequence[Row[tuple[int, int, int]]]:
    """(village id, resident households, households whose pledge was in force at `cutoff`)."""
    in_force = (
        select(Pledge.id)
        .where(
            Pledge.household_id == Household.id,
            Pledge.year == year,
            Pledge.at < cutoff,
            or_(Pledge.withdrawn_at.is_(None), Pledge.withdrawn_at >= cutoff),
        )
        .exists()
    )
    resident = (Household.status == HouseholdStatus.ACTIVE) & Household.confirmed.is_(True)
    query = (
        select(Village.id, func.count(Household.id), func.count(case((in_force, 1))))
        .select_from(Group)
        .join(Village, Village.id == Group.village_id)
        .outerjoin(Household, (Household.group_id == Group.id) & resident)
        .group_by(Village.id)
    )
    return (await session.execute(_groups_in(query, commune_code, village_id, group_id))).all()


async def groups_of_unit(
    session: AsyncSession, commune_code: str, *, village_id: int | None, group_id: int | None
) -> Sequence[Row[tuple[int, str, int, str]]]:
    """(group id, group name, village id, village name) of the unit's groups."""
    query = select(Group.id, Group.name, Village.id, Village.name).join(
        Village, Village.id == Group.village_id
    )
    return (await session.execute(_groups_in(query, commune_code, village_id, group_id))).all()


async def meetings_held(
    session: AsyncSession,
    commune_code: str,
    *,
    village_id: int | None,
    group_id: int | None,
    start: datetime,
    end: datetime,
) -> Sequence[Row[Any]]:
    """Per group and meeting quarter: (group, year, quarter, meetings, present, households)."""
    query = (
        select(
            Meeting.group_id,
            Meeting.year,
            Meeting.quarter,
            func.count(),
            func.coalesce(func.sum(MeetingMinutes.households_present), 0),
            func.coalesce(func.sum(MeetingMinutes.households_total), 0),
        )
        .join(MeetingMinutes, MeetingMinutes.meeting_id == Meeting.id)
        .join(Group, Group.id == Meeting.group_id)
        .join(Village, Village.id == Group.village_id)
        .where(
            Meeting.status == MeetingStatus.HELD,
            MeetingMinutes.held_at >= start,
            MeetingMinutes.held_at < end,
        )
        .group_by(Meeting.group_id, Meeting.year, Meeting.quarter)
    )
    return (await session.execute(_groups_in(query, commune_code, village_id, group_id))).all()


async def tasks_opened_and_done(
    session: AsyncSession,
    commune_code: str,
    *,
    village_id: int | None,
    group_id: int | None,
    start: datetime,
    end: datetime,
) -> tuple[int, int]:
    """Meeting tasks given, and tasks done, in the period."""
    opened = (MeetingTask.created_at >= start) & (MeetingTask.created_at < end)
    done = (
        (MeetingTask.status == TaskStatus.DONE)
        & (MeetingTask.done_at >= start)
        & (MeetingTask.done_at < end)
    )
    query = (
        select(func.count(case((opened, 1))), func.count(case((done, 1))))
        .join(Group, Group.id == MeetingTask.group_id)
        .join(Village, Village.id == Group.village_id)
        .where(or_(opened, (MeetingTask.done_at >= start) & (MeetingTask.done_at < end)))
    )
    row = (await session.execute(_groups_in(query, commune_code, village_id, group_id))).one()
    return int(row[0]), int(row[1])


async def calendar_runs(
    session: AsyncSession, commune_code: str, *, first: Any, last: Any
) -> Sequence[Row[Any]]:
    """(event, status, recipients) of the commune's reminder runs with occurrences in the period."""
    return (
        await session.execute(
            select(CalendarRun.event_id, CalendarRun.status, CalendarRun.recipients).where(
                CalendarRun.commune_code == commune_code,
                CalendarRun.occurrence >= first,
                CalendarRun.occurrence <= last,
            )
        )
    ).all()


async def broadcast_totals(
    session: AsyncSession, commune_code: str, *, start: datetime, end: datetime
) -> tuple[int, int]:
    """Announcements the commune started in the period, and the recipients they had."""
    row = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Broadcast.total), 0)).where(
                Broadcast.commune_code == commune_code,
                Broadcast.created_at >= start,
                Broadcast.created_at < end,
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def village_names(session: AsyncSession, commune_code: str) -> list[tuple[int, str]]:
    """(id, name) of the commune's villages."""
    rows = await session.execute(
        select(Village.id, Village.name).where(Village.commune_code == commune_code)
    )
    return [(vid, name) for vid, name in rows]


async def unit_names(
    session: AsyncSession, commune_code: str, village_id: int | None, group_id: int | None
) -> tuple[Commune | None, str, str, str]:
    """(the commune row, its province's name, the village's name, the group's name)."""
    commune = await session.get(Commune, commune_code)
    province = await session.get(Province, commune.province_code) if commune else None
    village = await session.get(Village, village_id) if village_id is not None else None
    group = await session.get(Group, group_id) if group_id is not None else None
    return (
        commune,
        province.name if province else "",
        village.name if village else "",
        group.name if group else "",
    )
