"""The numbers of a periodic report, added up from the aggregate queries of
`storage.repos.report_numbers` into the dataclasses of `bot.reports.numbers`.

Nothing here reads a tip's text or its reporter.
"""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.pledges.coverage import Counts, Unit, UnitKind, coverage, natural_key
from bot.reports.layout import Letterhead, bare_place
from bot.reports.numbers import (
    NO_VILLAGE,
    OPEN_TIP_DAYS,
    AckRule,
    CampaignNumbers,
    GroupMeetings,
    MeetingNumbers,
    PledgeNumbers,
    Report,
    TipNumbers,
    TipRow,
)
from bot.reports.periods import Period
from storage.models import CLOSED_STATUSES, TipStatus
from storage.models.calendar import RunStatus
from storage.repos import report_numbers as q
from storage.repos.reports import recorded_before, report_settings


def _narrowed(unit: Unit) -> dict[str, int | None]:
    """The village or group a unit narrows the commune to, as the queries take it."""
    return {
        "village_id": unit.village_id if unit.kind is UnitKind.VILLAGE else None,
        "group_id": unit.group_id if unit.kind is UnitKind.GROUP else None,
    }


async def category_labels(session: AsyncSession, commune_code: str) -> dict[str, str]:
    """Key → Vietnamese label, the commune's own rows over the national defaults."""
    labels: dict[str, str] = {}
    for key, label, commune in await q.category_rows(session, commune_code):
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
    where = {**_narrowed(unit), "start": start, "end": end}
    numbers = TipNumbers()
    rows = await q.tip_counts(session, unit.commune_code, **where)
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
    as_of = min(now, end)
    waits: list[float] = []
    for created, acknowledged, urgent, category, status in await q.tip_times(
        session, unit.commune_code, **where
    ):
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
    rows = await q.tip_annex_rows(
        session, unit.commune_code, **_narrowed(unit), start=start, end=end
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
    numbers = PledgeNumbers(year=year, coverage=report, deadline=deadline)
    for village_id, households, pledged in await q.pledged_by_village(
        session, unit.commune_code, **_narrowed(unit), year=year, cutoff=cutoff
    ):
        numbers.by_deadline[village_id] = Counts(pledged=pledged, resident=households)
    return numbers


async def meeting_numbers(
    session: AsyncSession, unit: Unit, period: Period, tz: ZoneInfo
) -> MeetingNumbers:
    start, end = period.bounds(tz)
    numbers = MeetingNumbers(quarters=period.quarters(), whole_quarters=period.whole_quarters())
    groups: dict[int, GroupMeetings] = {}
    for group_id, group, village_id, village in await q.groups_of_unit(
        session, unit.commune_code, **_narrowed(unit)
    ):
        groups[group_id] = GroupMeetings(group_id, group, village_id, village)
    where = {**_narrowed(unit), "start": start, "end": end}
    for group_id, year, number, count, present, total in await q.meetings_held(
        session, unit.commune_code, **where
    ):
        entry = groups[group_id]
        entry.held_by_quarter[(year, number)] = entry.held_by_quarter.get((year, number), 0) + count
        entry.present += present
        entry.total += total
    numbers.tasks_opened, numbers.tasks_done = await q.tasks_opened_and_done(
        session, unit.commune_code, **where
    )
    numbers.groups = sorted(
        groups.values(), key=lambda g: (natural_key(g.village), natural_key(g.group))
    )
    return numbers


async def campaign_numbers(
    session: AsyncSession, unit: Unit, period: Period, tz: ZoneInfo
) -> CampaignNumbers:
    runs = await q.calendar_runs(session, unit.commune_code, first=period.first, last=period.last)
    queued = [
        (event, recipients) for event, status, recipients in runs if status == RunStatus.QUEUED
    ]
    start, end = period.bounds(tz)
    broadcasts, reach = await q.broadcast_totals(session, unit.commune_code, start=start, end=end)
    return CampaignNumbers(
        events=len({event for event, _ in queued}),
        reminders=len(queued),
        reminder_messages=sum(recipients or 0 for _, recipients in queued),
        missed=sum(1 for _, status, _ in runs if status == RunStatus.MISSED),
        broadcasts=broadcasts,
        broadcast_reach=reach,
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


async def place_names(session: AsyncSession, unit: Unit) -> tuple[str, str, str, str | None]:
    """(the unit's own name, the commune's, the province's, the commune's unit word)."""
    commune, province, village, group = await q.unit_names(
        session, unit.commune_code, unit.village_id, unit.group_id
    )
    commune_name = commune.name if commune else unit.commune_code
    place = commune_name
    if unit.village_id is not None:
        place = f"{village}, {commune_name}"
    if unit.group_id is not None:
        place = f"{group}, {place}"
    return place, commune_name, province, commune.unit_word if commune else None


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
    place, commune, province, unit_word = await place_names(session, unit)
    village_rows = await q.village_names(session, unit.commune_code)
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
        unit_word=unit_word,
        has_previous=await recorded_before(session, unit.commune_code, period.bounds(tz)[0]),
    )
