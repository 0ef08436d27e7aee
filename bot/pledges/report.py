"""The coverage spreadsheet: a summary sheet (per group, per village, the total), then one sheet
per village listing its households with their pledge status and date.

Households that moved away are listed as such and counted nowhere; a household whose pledge was
withdrawn (and not made again) is listed with the withdrawal. The numbers of the summary are the
ones `coverage` computes, so the chat, the spreadsheet and the command line agree.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator
from bot.pledges.coverage import (
    Coverage,
    Unit,
    coverage,
    natural_key,
    unit_filter,
    unit_name,
)
from bot.pledges.service import HOW_NAMES
from bot.reports.sheets import DATE, RATE, print_setup
from bot.reports.texts import rate_value
from storage.models import HouseholdStatus
from storage.repos.pledge_coverage import confirmed_households, pledges_of_year

SUMMARY_SHEET = N_("Summary")
SHEET_NAME_LIMIT = 31  # Excel's
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

STATUS_PLEDGED = N_("Pledged")
STATUS_MISSING = N_("Not pledged")
STATUS_WITHDRAWN = N_("Withdrawn")
STATUS_MOVED = N_("Moved away (not counted)")
HOUSEHOLD_HEADERS = (
    N_("Group"),
    N_("Address"),
    N_("Household head"),
    N_("Status"),
    N_("Date"),
    N_("Confirmed by"),
    N_("Signed by the leader"),
    N_("Text version"),
    N_("Reason for withdrawal"),
)
HOUSEHOLD_WIDTHS = (12, 30, 24, 24, 12, 24, 16, 10, 30)
SUMMARY_WIDTHS = (28, 18, 20, 20, 14)
SUMMARY_HEADER_ROW = 4  # under the title, the date and a blank line
SUMMARY_HEADERS = (
    N_("Village"),
    N_("Group"),
    N_("Households pledged"),
    N_("Resident households"),
    N_("Coverage (%)"),
)


@dataclass(frozen=True)
class HouseholdLine:
    village_id: int
    village: str
    group: str
    address: str
    head_name: str
    moved_away: bool
    # The pledge of the year not withdrawn; else the last withdrawn one, if any.
    at: datetime | None = None
    withdrawn_at: datetime | None = None
    confirmed_by: str | None = None
    assisted_how: str | None = None
    channel: str | None = None
    version: int | None = None
    reason: str | None = None


async def household_lines(session: AsyncSession, unit: Unit, year: int) -> list[HouseholdLine]:
    """Every confirmed household of the unit with its pledge of the year (or withdrawal)."""
    households = await confirmed_households(session, **unit_filter(unit))
    pledges = await _pledges_of_year(session, unit, year)
    lines = [
        HouseholdLine(
            village_id,
            village,
            group,
            address,
            head,
            status == HouseholdStatus.MOVED_AWAY,
            *pledges.get(household_id, ()),
        )
        for household_id, village_id, village, group, address, head, status in households
    ]
    lines.sort(key=lambda h: (natural_key(h.village), natural_key(h.group), natural_key(h.address)))
    return lines


PledgeValues = tuple[datetime, datetime | None, str, str | None, str, int, str | None]


async def _pledges_of_year(session: AsyncSession, unit: Unit, year: int) -> dict[int, PledgeValues]:
    """Household id → its pledge's values in HouseholdLine's order (from `at`); a pledge in
    force wins over withdrawn ones, the latest withdrawn one over earlier ones."""
    found: dict[int, PledgeValues] = {}
    for household_id, *values in await pledges_of_year(session, **unit_filter(unit), year=year):
        kept = found.get(household_id)
        if kept is None or kept[1] is not None:  # none yet, or only a withdrawn one
            found[household_id] = tuple(values)  # type: ignore[assignment]
    return found


def status_of(line: HouseholdLine) -> str:
    if line.moved_away:
        return STATUS_MOVED
    if line.at is not None and line.withdrawn_at is None:
        return STATUS_PLEDGED
    if line.withdrawn_at is not None:
        return STATUS_WITHDRAWN
    return STATUS_MISSING


async def write_coverage_workbook(
    session: AsyncSession, t: Translator, unit: Unit, year: int, path: Path, *, now: datetime
) -> Coverage:
    """Write the spreadsheet of the unit (a commune, a village or a group) to `path`; returns
    the coverage its summary shows."""
    report = await coverage(session, unit, year)
    lines = await household_lines(session, unit, year)
    place = await unit_name(session, unit)
    await asyncio.to_thread(_write, path, t, report, lines, place, now)
    return report


def _write(
    path: Path,
    t: Translator,
    report: Coverage,
    lines: list[HouseholdLine],
    place: str,
    now: datetime,
) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(sheet, names) -> None:  # type: ignore[no-untyped-def]
        cells = []
        for name in names:
            cell = WriteOnlyCell(sheet, value=t.gettext(name))
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)

    names: set[str] = set()
    summary = workbook.create_sheet(_sheet_name(t.gettext(SUMMARY_SHEET), names))
    for letter, width in zip("ABCDE", SUMMARY_WIDTHS, strict=True):
        summary.column_dimensions[letter].width = width
    # Write-only sheets take their settings before the first row.
    print_setup(summary, header_row=SUMMARY_HEADER_ROW, widths=list(SUMMARY_WIDTHS))
    title = WriteOnlyCell(
        summary,
        value=t.gettext("Household safety pledges, {place}, {year}", place=place, year=report.year),
    )
    title.font = Font(bold=True, size=13)
    summary.append([title])
    made = now.astimezone(t.timezone)
    made_at = f"{made.day}/{made.month}/{made:%Y %H:%M}"  # 6/12/2026 13:48
    summary.append([t.gettext("Made on {date}", date=made_at)])
    summary.append([])
    header(summary, SUMMARY_HEADERS)
    for village in report.villages:
        for group in village.groups:
            summary.append(_summary_row(summary, village.name, group.name, group.counts))
        total = _summary_row(summary, village.name, t.gettext("All groups"), village.counts)
        summary.append(total)
    summary.append(_summary_row(summary, t.gettext("Total"), "", report.counts))

    by_village: dict[int, list[HouseholdLine]] = {}
    for line in lines:
        by_village.setdefault(line.village_id, []).append(line)
    for village in report.villages:
        sheet = workbook.create_sheet(_sheet_name(village.name, names))
        for letter, width in zip("ABCDEFGHI", HOUSEHOLD_WIDTHS, strict=True):
            sheet.column_dimensions[letter].width = width
        print_setup(sheet, header_row=1, widths=list(HOUSEHOLD_WIDTHS))
        header(sheet, HOUSEHOLD_HEADERS)
        for line in by_village.get(village.village_id, []):
            sheet.append(_household_row(sheet, t, line, WriteOnlyCell))
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def _summary_row(sheet, village: str, group: str, counts) -> list[object]:  # type: ignore[no-untyped-def]
    """The share with one decimal, as the report's .docx shows it ("84,6%")."""
    from openpyxl.cell import WriteOnlyCell

    rate = WriteOnlyCell(sheet, value=rate_value(counts.pledged, counts.resident) or 0)
    rate.number_format = RATE
    return [village, group, counts.pledged, counts.resident, rate]


def _household_row(sheet, t: Translator, line: HouseholdLine, cell_type) -> list[object]:  # type: ignore[no-untyped-def]
    moment = line.withdrawn_at or line.at
    when: object = None
    if moment is not None:
        when = cell_type(sheet, value=_local_date(moment, t))
        when.number_format = DATE
    how = t.gettext(HOW_NAMES[line.assisted_how]) if line.assisted_how in HOW_NAMES else None
    # Empty cells as None: openpyxl writes nothing for them, "" would be a cell each.
    return [
        line.group,
        line.address,
        line.head_name,
        t.gettext(status_of(line)),
        when,
        line.confirmed_by,
        how,
        line.version,
        line.reason,
    ]


def _local_date(moment: datetime, t: Translator) -> date:
    return moment.astimezone(t.timezone).date()


def _sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name: no []:*?/\\, at most 31 characters."""
    base = _SHEET_FORBIDDEN.sub(" ", name).strip(" '")[:SHEET_NAME_LIMIT] or "Sheet"
    candidate, n = base, 2
    while candidate.casefold() in taken:
        suffix = f" ({n})"
        candidate = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
        n += 1
    taken.add(candidate.casefold())
    return candidate
