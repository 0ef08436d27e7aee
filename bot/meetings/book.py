"""The meeting book (sổ sinh hoạt tổ): a group's minutes of one year as a .docx in the customary
layout (the national heading, then commune / village / group, one section per meeting), and as
an .xlsx register; and the quarter summary for the village head and commune police.

Written in Vietnamese by default: the book goes up to the commune as it is.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.meetings.minutes import MinutesView, rate_text, stored_view
from bot.meetings.schedule import quarter_label
from bot.meetings.service import date_text, group_names, when_text
from storage.models import (
    Group,
    Meeting,
    MeetingMinutes,
    MeetingStatus,
    MeetingTask,
    Province,
    TaskStatus,
    Village,
)

FORMATS = ("docx", "xlsx")


@dataclass
class BookEntry:
    meeting: Meeting
    view: MinutesView


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
    province = await session.get(Province, province_code) if province_code else None
    book = Book(group, village, commune, province.name if province else "", year)
    meetings = await session.scalars(
        select(Meeting)
        .join(MeetingMinutes, MeetingMinutes.meeting_id == Meeting.id)
        .where(
            Meeting.group_id == group_id,
            Meeting.year == year,
            Meeting.status == MeetingStatus.HELD,
        )
        .order_by(MeetingMinutes.held_at)
    )
    for meeting in meetings:
        view = await stored_view(session, meeting, t)
        if view is not None:
            book.entries.append(BookEntry(meeting, view))
    return book


def book_path(out_dir: Path, book: Book, group_id: int, fmt: str) -> Path:
    return out_dir / f"so-hop-to-{group_id}-{book.year}.{fmt}"


async def write_book(book: Book, t: Translator, path: Path, fmt: str) -> Path:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    writer = _write_docx if fmt == "docx" else _write_xlsx
    await asyncio.to_thread(writer, book, t, path)
    return path


# --- .docx -----------------------------------------------------------------------------------
def _write_docx(book: Book, t: Translator, path: Path) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"  # type: ignore[union-attr]
    style.font.size = Pt(13)  # type: ignore[union-attr]

    def centred(text: str, *, bold: bool = False, size: int | None = None) -> None:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)

    centred(t.gettext("SOCIALIST REPUBLIC OF VIETNAM"), bold=True)
    centred(t.gettext("Independence - Freedom - Happiness"), bold=True)
    centred("———————")
    centred(t.gettext("MEETING BOOK OF {group}", group=book.group.upper()), bold=True, size=16)
    centred(", ".join(part for part in (book.village, book.commune, book.province) if part))
    centred(t.gettext("Year {year}", year=book.year))
    if not book.entries:
        document.add_paragraph(t.gettext("No meeting was recorded this year."))
    for number, entry in enumerate(book.entries, 1):
        view = entry.view
        document.add_page_break()
        heading = document.add_heading(level=1)
        heading.add_run(
            t.gettext(
                "Meeting {n} — quarter {quarter}",
                n=number,
                quarter=quarter_label(entry.meeting.year, entry.meeting.quarter),
            )
        )
        for label, value in _fields(t, view):
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{label}: ").bold = True
            paragraph.add_run(value)
        if view.tasks:
            document.add_paragraph().add_run(t.gettext("Decisions and tasks")).bold = True
            table = document.add_table(rows=1, cols=4)
            table.style = "Table Grid"
            for cell, text in zip(
                table.rows[0].cells,
                (t.gettext("Task"), t.gettext("Owner"), t.gettext("Due"), t.gettext("Status")),
                strict=True,
            ):
                cell.text = text
            for task in view.tasks:
                cells = table.add_row().cells
                cells[0].text = task.text
                cells[1].text = task.owner
                cells[2].text = f"{task.due:%d/%m/%Y}" if task.due else ""
                cells[3].text = t.gettext("completed") if task.done else t.gettext("not done yet")
        for at, text in view.corrections:
            paragraph = document.add_paragraph()
            paragraph.add_run(
                t.gettext("Correction of {date}", date=date_text(t, at)) + ": "
            ).bold = True
            paragraph.add_run(text)
        signature = document.add_paragraph()
        signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        signature.add_run(t.gettext("Chair: {name}", name=view.chair or "")).italic = True
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))


def _fields(t: Translator, view: MinutesView) -> list[tuple[str, str]]:
    nothing = t.gettext("none")
    return [
        (t.gettext("Time"), when_text(t, view.held_at)),
        (t.gettext("Host household"), view.host),
        (t.gettext("Place"), view.place or "—"),
        (t.gettext("Households present"), rate_text(view)),
        (t.gettext("Guests"), ", ".join(view.guests) or nothing),
        (t.gettext("Topics"), "; ".join(view.topics) or nothing),
        (t.gettext("Situation reported"), view.situation or nothing),
        (t.gettext("Mediation cases"), view.mediation or nothing),
        (t.gettext("Residents' proposals"), view.proposals or nothing),
        (t.gettext("Decisions"), view.decisions or nothing),
        (
            t.gettext("Next meeting"),
            when_text(t, view.next_at) if view.next_at else t.gettext("not decided yet"),
        ),
        (t.gettext("Photos of the paper minutes"), str(view.photos)),
    ]


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
            ]
        )
        sheet.cell(row=sheet.max_row, column=3).number_format = "dd/mm/yyyy hh:mm"
        sheet.cell(row=sheet.max_row, column=8).number_format = "0%"
        if view.next_at:
            sheet.cell(row=sheet.max_row, column=13).number_format = "dd/mm/yyyy hh:mm"
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
                tasks.cell(row=tasks.max_row, column=4).number_format = "dd/mm/yyyy"
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
    groups = (
        await session.execute(
            select(Group.id, Group.name, Village.name)
            .join(Village, Village.id == Group.village_id)
            .where(Group.id.in_(group_ids))
            .order_by(Village.name, Group.name)
        )
    ).all()
    for group_id, group, village in groups:
        minutes = await session.scalar(
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
        open_tasks = (
            await session.scalar(
                select(func.count(MeetingTask.id)).where(
                    MeetingTask.group_id == group_id, MeetingTask.status == TaskStatus.OPEN
                )
            )
        ) or 0
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
