"""The numbers of a periodic report, computed with aggregate queries: tips, household pledges,
group meetings and tasks, for a commune, a village or a group and a period.

Pure data (dataclasses of numbers and names); the documents are written from it by
`bot.reports.docx` and `bot.reports.xlsx`. Nothing here reads a tip's text or its reporter.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.pledges.coverage import Counts, Coverage, Unit, UnitKind, coverage, natural_key
from bot.reports.layout import Letterhead, bare_place
from bot.reports.periods import Period
from storage.models import (
    CLOSED_STATUSES,
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
from storage.repos.reports import recorded_before, report_settings

NO_VILLAGE = "Chưa rõ thôn/ấp"
OPEN_TIP_DAYS = 7  # an open tip older than this is listed as overdue


@dataclass(frozen=True)
class AckRule:
    """Minutes within which a tip is to be acknowledged (settings.tip_ack_minutes…)."""

    minutes: int = 30
    minutes_urgent: int = 5

    def deadline(self, urgent: bool) -> timedelta:
        return timedelta(minutes=self.minutes_urgent if urgent else self.minutes)


@dataclass
class TipNumbers:
    received: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_village: dict[str, int] = field(default_factory=dict)
    by_village_category: dict[tuple[str, str], int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    acknowledged: int = 0
    acknowledged_in_time: int = 0
    median_ack_minutes: float | None = None
    forwarded: int = 0
    resolved: int = 0
    closed: int = 0
    feedback: int = 0  # reporters who answered "satisfied?"
    satisfied: int = 0
    open: int = 0
    open_unacknowledged_overdue: int = 0
    open_older_than_days: int = 0
    per_month: dict[tuple[int, int], dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class TipRow:
    """One tip in the annex: no text, no place, no reporter."""

    code: str
    received_at: datetime
    village: str
    category: str
    status: str
    ack_minutes: float | None
    closed_at: datetime | None
    category_key: str = ""


@dataclass
class GroupMeetings:
    group_id: int
    group: str
    village_id: int
    village: str
    held_by_quarter: dict[tuple[int, int], int] = field(default_factory=dict)
    present: int = 0
    total: int = 0

    @property
    def held(self) -> int:
        return sum(self.held_by_quarter.values())


@dataclass
class MeetingNumbers:
    quarters: list[tuple[int, int]]  # every quarter the period touches (tables, charts)
    # The quarters the period covers whole: only these are checked against the quarterly
    # rule, so that the safe-area year (1/11–31/10) is not judged on Nov–Dec alone.
    whole_quarters: list[tuple[int, int]] = field(default_factory=list)
    groups: list[GroupMeetings] = field(default_factory=list)
    tasks_opened: int = 0
    tasks_done: int = 0

    @property
    def held(self) -> int:
        return sum(g.held for g in self.groups)

    @property
    def due(self) -> int:
        """Group × whole-quarter pairs: one meeting each by the quarterly rule."""
        return len(self.groups) * len(self.whole_quarters)

    @property
    def met(self) -> int:
        return sum(1 for g in self.groups for q in self.whole_quarters if g.held_by_quarter.get(q))

    @property
    def present(self) -> int:
        return sum(g.present for g in self.groups)

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups)

    def held_per_quarter(self) -> dict[tuple[int, int], int]:
        return {q: sum(g.held_by_quarter.get(q, 0) for g in self.groups) for q in self.quarters}


@dataclass
class PledgeNumbers:
    year: int
    coverage: Coverage
    deadline: date  # 31 March of the year
    by_deadline: dict[int, Counts] = field(default_factory=dict)  # village id → counts

    @property
    def by_deadline_total(self) -> Counts:
        total = Counts()
        for counts in self.by_deadline.values():
            total.add(counts)
        return total


@dataclass
class CampaignNumbers:
    """The campaign calendar and announcements in the period, commune-wide (they are sent to
    a commune's groups, not to one village)."""

    events: int  # distinct calendar events reminded of
    reminders: int  # reminder occurrences queued
    reminder_messages: int  # messages those reminders went out as
    missed: int  # occurrences the bot was down for beyond the grace window
    broadcasts: int
    broadcast_reach: int


@dataclass
class Report:
    unit: Unit
    place: str
    commune: str
    province: str
    period: Period
    generated_at: datetime
    timezone: ZoneInfo
    categories: dict[str, str]  # key → Vietnamese label, in the commune's order
    villages: list[tuple[int, str]]
    tips: TipNumbers | None  # None: this reader may not see tip counts
    previous_tips: TipNumbers | None
    tip_rows: list[TipRow] | None  # None: this reader may not see the annex of tips
    pledges: PledgeNumbers
    meetings: MeetingNumbers
    previous_meetings: MeetingNumbers
    campaigns: CampaignNumbers | None = None
    # False when nothing was recorded before the period began (the bot came later): the
    # previous period's zeros are then no data, not a real comparison.
    has_previous: bool = True
    letterhead: Letterhead = field(default_factory=Letterhead)


def percent(part: int, whole: int) -> float | None:
    return part * 100 / whole if whole else None


def _tips_in(unit: Unit, start: datetime, end: datetime) -> list:  # type: ignore[type-arg]
    where = [Tip.commune_code == unit.commune_code, Tip.created_at >= start, Tip.created_at < end]
    if unit.kind is UnitKind.VILLAGE:
        where.append(Tip.village_id == unit.village_id)
    elif unit.kind is UnitKind.GROUP:
        where.append(Tip.group_id == unit.group_id)
    return where


def _groups_in(query, unit: Unit):  # type: ignore[no-untyped-def]
    query = query.where(Village.commune_code == unit.commune_code)
    if unit.kind is UnitKind.VILLAGE:
        query = query.where(Village.id == unit.village_id)
    elif unit.kind is UnitKind.GROUP:
        query = query.where(Group.id == unit.group_id)
    return query


async def category_labels(session: AsyncSession, commune_code: str) -> dict[str, str]:
    """Key → Vietnamese label, the commune's own rows over the national defaults."""
    rows = await session.execute(
        select(TipCategory.key, TipCategory.label_vi, TipCategory.commune_code)
        .where(or_(TipCategory.commune_code.is_(None), TipCategory.commune_code == commune_code))
        .order_by(TipCategory.position, TipCategory.id)
    )
    labels: dict[str, str] = {}
    for key, label, commune in rows:
        if commune is not None or key not in labels:
            labels[key] = label
    return labels


async def tip_numbers(
    session: AsyncSession,
    unit: Unit,
    period: Period,
    tz: ZoneInfo,
    *,
    villages: dict[int, str],
    ack: AckRule,
    now: datetime,
) -> TipNumbers:
    start, end = period.bounds(tz)
    where = _tips_in(unit, start, end)
    forwarded = (
        select(TipEvent.id)
        .where(
            TipEvent.tip_id == Tip.id,
            TipEvent.kind == TipEventKind.STATUS,
            TipEvent.status == TipStatus.FORWARDED,
        )
        .exists()
    )
    rows = await session.execute(
        select(
            Tip.category_key,
            Tip.village_id,
            Tip.status,
            func.count(),
            func.count(case((Tip.satisfied.is_(True), 1))),
            func.count(Tip.satisfied),
            func.count(case((or_(Tip.status == TipStatus.FORWARDED, forwarded), 1))),
        )
        .where(*where)
        .group_by(Tip.category_key, Tip.village_id, Tip.status)
    )
    numbers = TipNumbers()
    for category, village_id, status, count, satisfied, feedback, sent_on in rows:
        village = villages.get(village_id, NO_VILLAGE) if village_id else NO_VILLAGE
        numbers.received += count
        numbers.by_category[category] = numbers.by_category.get(category, 0) + count
        numbers.by_village[village] = numbers.by_village.get(village, 0) + count
        cell = (village, category)
        numbers.by_village_category[cell] = numbers.by_village_category.get(cell, 0) + count
        numbers.by_status[status] = numbers.by_status.get(status, 0) + count
        numbers.satisfied += satisfied
        numbers.feedback += feedback
        numbers.forwarded += sent_on
        if status == TipStatus.RESOLVED:
            numbers.resolved += count
        if status in CLOSED_STATUSES:
            numbers.closed += count
    # The clock needs each tip's times: a narrow read of four columns.
    timed = await session.execute(
        select(Tip.created_at, Tip.acknowledged_at, Tip.urgent, Tip.category_key, Tip.status).where(
            *where
        )
    )
    as_of = min(now, end)
    waits: list[float] = []
    for created, acknowledged, urgent, category, status in timed:
        local = created.astimezone(tz)
        month = numbers.per_month.setdefault((local.year, local.month), {})
        month[category] = month.get(category, 0) + 1
        if acknowledged is not None:
            wait = acknowledged - created
            waits.append(wait.total_seconds() / 60)
            numbers.acknowledged += 1
            numbers.acknowledged_in_time += wait <= ack.deadline(bool(urgent))
        if status not in CLOSED_STATUSES:
            numbers.open += 1
            if acknowledged is None and as_of - created > ack.deadline(bool(urgent)):
                numbers.open_unacknowledged_overdue += 1
            if as_of - created > timedelta(days=OPEN_TIP_DAYS):
                numbers.open_older_than_days += 1
    numbers.median_ack_minutes = statistics.median(waits) if waits else None
    return numbers


async def tip_rows(
    session: AsyncSession,
    unit: Unit,
    period: Period,
    tz: ZoneInfo,
    *,
    villages: dict[int, str],
    categories: dict[str, str],
) -> list[TipRow]:
    start, end = period.bounds(tz)
    rows = await session.execute(
        select(
            Tip.code,
            Tip.created_at,
            Tip.village_id,
            Tip.category_key,
            Tip.status,
            Tip.acknowledged_at,
            Tip.closed_at,
        )
        .where(*_tips_in(unit, start, end))
        .order_by(Tip.created_at, Tip.id)
    )
    return [
        TipRow(
            code=code,
            received_at=created,
            village=villages.get(village_id, NO_VILLAGE) if village_id else NO_VILLAGE,
            category=categories.get(category, category),
            category_key=category,
            status=status,
            ack_minutes=(acked - created).total_seconds() / 60 if acked else None,
            closed_at=closed,
        )
        for code, created, village_id, category, status, acked, closed in rows
    ]


async def pledge_numbers(
    session: AsyncSession, unit: Unit, year: int, tz: ZoneInfo, now: datetime
) -> PledgeNumbers:
    """Coverage now (bot.pledges.coverage), and the pledges in force at the end of 31 March."""
    report = await coverage(session, unit, year)
    deadline = date(year, 3, 31)
    cutoff = min(now, datetime.combine(deadline + timedelta(days=1), time(), tz).astimezone(UTC))
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
    numbers = PledgeNumbers(year=year, coverage=report, deadline=deadline)
    for village_id, households, pledged in await session.execute(_groups_in(query, unit)):
        numbers.by_deadline[village_id] = Counts(pledged=pledged, resident=households)
    return numbers


async def meeting_numbers(
    session: AsyncSession, unit: Unit, period: Period, tz: ZoneInfo
) -> MeetingNumbers:
    start, end = period.bounds(tz)
    numbers = MeetingNumbers(quarters=period.quarters(), whole_quarters=period.whole_quarters())
    groups: dict[int, GroupMeetings] = {}
    base = select(Group.id, Group.name, Village.id, Village.name).join(
        Village, Village.id == Group.village_id
    )
    for group_id, group, village_id, village in await session.execute(_groups_in(base, unit)):
        groups[group_id] = GroupMeetings(group_id, group, village_id, village)
    held = (
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
    for group_id, year, number, count, present, total in await session.execute(
        _groups_in(held, unit)
    ):
        entry = groups[group_id]
        entry.held_by_quarter[(year, number)] = entry.held_by_quarter.get((year, number), 0) + count
        entry.present += present
        entry.total += total
    tasks = (
        select(
            func.count(
                case(((MeetingTask.created_at >= start) & (MeetingTask.created_at < end), 1))
            ),
            func.count(
                case(
                    (
                        (MeetingTask.status == TaskStatus.DONE)
                        & (MeetingTask.done_at >= start)
                        & (MeetingTask.done_at < end),
                        1,
                    )
                )
            ),
        )
        .join(Group, Group.id == MeetingTask.group_id)
        .join(Village, Village.id == Group.village_id)
        .where(
            or_(
                (MeetingTask.created_at >= start) & (MeetingTask.created_at < end),
                (MeetingTask.done_at >= start) & (MeetingTask.done_at < end),
            )
        )
    )
    opened, done = (await session.execute(_groups_in(tasks, unit))).one()
    numbers.tasks_opened, numbers.tasks_done = opened, done
    numbers.groups = sorted(
        groups.values(), key=lambda g: (natural_key(g.village), natural_key(g.group))
    )
    return numbers


async def campaign_numbers(
    session: AsyncSession, unit: Unit, period: Period, tz: ZoneInfo
) -> CampaignNumbers:
    from storage.models.calendar import Broadcast, CalendarRun, RunStatus

    runs = (
        await session.execute(
            select(CalendarRun.event_id, CalendarRun.status, CalendarRun.recipients).where(
                CalendarRun.commune_code == unit.commune_code,
                CalendarRun.occurrence >= period.first,
                CalendarRun.occurrence <= period.last,
            )
        )
    ).all()
    queued = [
        (event, recipients) for event, status, recipients in runs if status == RunStatus.QUEUED
    ]
    start, end = period.bounds(tz)
    broadcasts = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Broadcast.total), 0)).where(
                Broadcast.commune_code == unit.commune_code,
                Broadcast.created_at >= start,
                Broadcast.created_at < end,
            )
        )
    ).one()
    return CampaignNumbers(
        events=len({event for event, _ in queued}),
        reminders=len(queued),
        reminder_messages=sum(recipients or 0 for _, recipients in queued),
        missed=sum(1 for _, status, _ in runs if status == RunStatus.MISSED),
        broadcasts=int(broadcasts[0]),
        broadcast_reach=int(broadcasts[1]),
    )


async def letterhead_of(session: AsyncSession, commune_code: str, commune: str) -> Letterhead:
    """The commune's header and signer settings; blanks where it has set nothing."""
    row = await report_settings(session, commune_code)
    place = bare_place(commune)
    if row is None:
        return Letterhead(place=place)
    return Letterhead(
        body=row.body,
        superior=row.superior,
        number_suffix=row.number_suffix,
        signer_title=row.signer_title,
        signer_name=row.signer_name,
        recipients=tuple(row.recipients or ()),
        place=place,
    )


async def place_names(session: AsyncSession, unit: Unit) -> tuple[str, str, str]:
    """(the unit's own name, the commune's, the province's)."""
    commune = await session.get(Commune, unit.commune_code)
    commune_name = commune.name if commune else unit.commune_code
    province = await session.get(Province, commune.province_code) if commune else None
    place = commune_name
    if unit.village_id is not None:
        village = await session.get(Village, unit.village_id)
        place = f"{village.name if village else ''}, {commune_name}"
    if unit.group_id is not None:
        group = await session.get(Group, unit.group_id)
        place = f"{group.name if group else ''}, {place}"
    return place, commune_name, province.name if province else ""


async def build_report(
    session: AsyncSession,
    unit: Unit,
    period: Period,
    *,
    tz: ZoneInfo,
    now: datetime,
    ack: AckRule,
    with_tips: bool,
    with_tip_rows: bool,
) -> Report:
    """Every number of the report and of the previous period of the same kind."""
    place, commune, province = await place_names(session, unit)
    village_rows = (
        await session.execute(
            select(Village.id, Village.name).where(Village.commune_code == unit.commune_code)
        )
    ).all()
    villages = dict(village_rows)
    shown = [
        (vid, name)
        for vid, name in village_rows
        if unit.village_id is None or vid == unit.village_id
    ]
    shown.sort(key=lambda v: natural_key(v[1]))
    categories = await category_labels(session, unit.commune_code)
    tips = previous_tips = None
    if with_tips:
        tips = await tip_numbers(session, unit, period, tz, villages=villages, ack=ack, now=now)
        previous_tips = await tip_numbers(
            session, unit, period.previous(), tz, villages=villages, ack=ack, now=now
        )
    rows = None
    if with_tips and with_tip_rows:
        rows = await tip_rows(session, unit, period, tz, villages=villages, categories=categories)
    return Report(
        unit=unit,
        place=place,
        commune=commune,
        province=province,
        period=period,
        generated_at=now,
        timezone=tz,
        categories=categories,
        villages=shown,
        tips=tips,
        previous_tips=previous_tips,
        tip_rows=rows,
        pledges=await pledge_numbers(session, unit, period.year, tz, now),
        meetings=await meeting_numbers(session, unit, period, tz),
        previous_meetings=await meeting_numbers(session, unit, period.previous(), tz),
        campaigns=await campaign_numbers(session, unit, period, tz),
        letterhead=await letterhead_of(session, unit.commune_code, commune),
        has_previous=await recorded_before(session, unit.commune_code, period.bounds(tz)[0]),
    )
