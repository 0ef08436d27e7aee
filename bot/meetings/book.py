"""The meeting book (sổ sinh hoạt tổ): a group's minutes of one year, as a .docx of biên bản
(bot.meetings.book_docx) and as an .xlsx register that prints; and the quarter summary for the
village head and commune police.

Written in Vietnamese by default: the book goes up to the commune as it is.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.meetings.minutes import MinutesView
from bot.meetings.minutes_draft import stored_view
from bot.meetings.schedule import quarter_label
from bot.meetings.service import date_text
from bot.reports.sheets import DATE, DATE_TIME, finish_sheet
from storage.models import Meeting
from storage.repos.meeting_people import group_names, names_of_groups, province_name
from storage.repos.meetings import absences, group_households
from storage.repos.minutes import held_in_year, last_minutes_in_quarter, open_task_count

FORMATS = ("docx", "xlsx")


@dataclass
class BookEntry:
    meeting: Meeting
    view: MinutesView
    present: list[str] = field(default_factory=list)  # addresses, when ticked one by one
    absent: list[str] = field(default_factory=list)  # households or people, with reasons


@dataclass
class Book:
    group: str
    village: str
    commune: str
    province: str
    year: int
    entries: list[BookEntry] = field(default_factory=list)


async def load_book(session: AsyncSession, group_id: int, year: int, t: Translator) -> Book:
    group, village, commune, province_code = await group_names(session, group_id)
    book = Book(group, village, commune, await province_name(session, province_code), year)
    meetings = await held_in_year(session, group_id, year)
    households = await group_households(session, group_id)
    for meeting in meetings:
        view = await stored_view(session, meeting, t)
        if view is not None:
            entry = BookEntry(meeting, view)
            await attendance(session, entry, households, t)
            book.entries.append(entry)
    return book


async def attendance(
    session: AsyncSession, entry: BookEntry, households: dict[int, str], t: Translator
) -> None:
    """Who was present (when ticked) and who was absent, with the reasons members gave when
    they answered "Vắng"."""
    said: dict[int | None, list[str]] = {}
    for name, household, reason in await absences(session, entry.meeting.id):
        text = t.gettext("{name}: {reason}", name=name, reason=reason) if reason else name
        said.setdefault(household, []).append(text)
    ticked = entry.view.present_ids
    if ticked:
        entry.present = [households.get(h) or str(h) for h in ticked]
        for household, address in households.items():
            if household not in ticked:
                why = said.pop(household, [])
                entry.absent.append(f"{address} ({'; '.join(why)})" if why else address)
    for texts in said.values():
        entry.absent += texts


def book_path(out_dir: Path, book: Book, group_id: int, fmt: str) -> Path:
    return out_dir / f"so-hop-to-{group_id}-{book.year}.{fmt}"


async def write_book(book: Book, t: Translator, path: Path, fmt: str) -> Path:
    from bot.meetings.book_docx import write_book_docx

    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    writer = write_book_docx if fmt == "docx" else _write_xlsx
    await asyncio.to_thread(writer, book, t, path)
    return path


# --- .xlsx -----------------------------------------------------------------------------------
def _write_xlsx(book: Book, t: Translator, path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = t.gettext("Meetings")[:31]
    sheet.append([f"{book.group}, {book.village}, {book.commune} — {book.year}"])
    sheet.append(
        [
            t.gettext("No."),
            t.gettext("Quarter"),
            t.gettext("Time"),
            t.gettext("Host household"),
            t.gettext("Place"),
            t.gettext("Households present"),
            t.gettext("Households in total"),
            t.gettext("Attendance rate"),
            t.gettext("Guests"),
            t.gettext("Topics"),
            t.gettext("Tasks"),
            t.gettext("Open tasks"),
            t.gettext("Next meeting"),
            t.gettext("Ended at"),
            t.gettext("Secretary"),
        ]
    )
    tasks = workbook.create_sheet(t.gettext("Tasks")[:31])
    tasks.append(
        [
            t.gettext("Meeting"),
            t.gettext("Task"),
            t.gettext("Owner"),
            t.gettext("Due"),
            t.gettext("Status"),
        ]
    )
    for number, entry in enumerate(book.entries, 1):
        view = entry.view
        local = view.held_at.astimezone(t.timezone).replace(tzinfo=None)
        sheet.append(
            [
                number,
                quarter_label(entry.meeting.year, entry.meeting.quarter),
                local,
                view.host,
                view.place,
                view.present,
                view.total,
                round(view.rate, 3) if view.rate is not None else None,
                ", ".join(view.guests),
                "; ".join(view.topics),
                len(view.tasks),
                sum(1 for task in view.tasks if not task.done),
                view.next_at.astimezone(t.timezone).replace(tzinfo=None) if view.next_at else None,
                view.ended_at.astimezone(t.timezone).replace(tzinfo=None)
                if view.ended_at
                else None,
                view.secretary,
            ]
        )
        sheet.cell(row=sheet.max_row, column=3).number_format = DATE_TIME
        sheet.cell(row=sheet.max_row, column=8).number_format = "0%"
        for column in (13, 14):
            sheet.cell(row=sheet.max_row, column=column).number_format = DATE_TIME
        for task in view.tasks:
            tasks.append(
                [
                    f"{local:%d/%m/%Y}",
                    task.text,
                    task.owner,
                    task.due,
                    t.gettext("completed") if task.done else t.gettext("not done yet"),
                ]
            )
            if task.due:
                tasks.cell(row=tasks.max_row, column=4).number_format = DATE
    finish_sheet(sheet, header_row=2)
    finish_sheet(tasks)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(str(path))


# --- the quarter summary ---------------------------------------------------------------------
@dataclass
class GroupQuarter:
    group: str
    village: str
    met_at: datetime | None
    present: int = 0
    total: int = 0
    open_tasks: int = 0


async def quarter_summary(
    session: AsyncSession, group_ids: list[int], year: int, quarter: int
) -> list[GroupQuarter]:
    rows: list[GroupQuarter] = []
    for group_id, group, village in await names_of_groups(session, group_ids):
        minutes = await last_minutes_in_quarter(session, group_id, year, quarter)
        open_tasks = await open_task_count(session, group_id)
        rows.append(
            GroupQuarter(
                group,
                village,
                minutes.held_at if minutes else None,
                minutes.households_present if minutes else 0,
                minutes.households_total if minutes else 0,
                open_tasks,
            )
        )
    return rows


def summary_text(t: Translator, rows: list[GroupQuarter], year: int, quarter: int) -> str:
    met = [row for row in rows if row.met_at is not None]
    present = sum(row.present for row in met)
    total = sum(row.total for row in met)
    lines = [
        t.gettext(
            "Group meetings, quarter {quarter}: {met} of {groups} groups met.",
            quarter=quarter_label(year, quarter),
            met=len(met),
            groups=len(rows),
        )
    ]
    if total:
        lines.append(
            t.gettext(
                "Attendance: {present}/{total} households ({rate}).",
                present=present,
                total=total,
                rate=f"{present / total:.0%}",
            )
        )
    lines.append(t.gettext("Open tasks: {n}", n=sum(row.open_tasks for row in rows)))
    lines.append("")
    for row in rows:
        if row.met_at is None:
            state = t.gettext("no meeting recorded")
        else:
            share = f"{row.present}/{row.total}" + (
                f" ({row.present / row.total:.0%})" if row.total else ""
            )
            state = t.gettext(
                "met {date}, {share} households", date=date_text(t, row.met_at), share=share
            )
        tasks = t.gettext(", open tasks: {n}", n=row.open_tasks) if row.open_tasks else ""
        lines.append(f"• {row.group}, {row.village}: {state}{tasks}")
    return "\n".join(lines)
