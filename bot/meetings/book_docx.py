"""The meeting book as a .docx: a cover with the year's meetings, then each meeting's minutes
as a real biên bản in the layout of Decree 30/2020/NĐ-CP (bot.reports.layout), on its own
pages so that each can be printed, signed and filed: the motto, "BIÊN BẢN HỌP TỔ …", when it
started, where (the host household's address), chair, secretary, who was present and who
was absent and why, content, residents' opinions, conclusions, the closing formula with the
end time, and the chair's and secretary's signatures.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.i18n import Translator
from bot.meetings.schedule import quarter_label
from bot.meetings.service import date_text, when_text
from bot.reports.layout import (
    BLANK,
    add_line,
    bare_place,
    body_text,
    date_line,
    grid,
    header_block,
    keep_on_one_page,
    setup_document,
    signer_block,
    title_block,
)
from bot.reports.texts import running_place

if TYPE_CHECKING:
    from bot.meetings.book import Book, BookEntry


def long_date(t: Translator, day: date) -> str:
    """ "ngày 11 tháng 01 năm 2026" in Vietnamese (Decree 30's zeros), "11/01/2026" else."""
    if t.locale == "vi":
        return date_line("", day).split(", ", 1)[1]
    return f"{day:%d/%m/%Y}"


def clock_words(t: Translator, moment: datetime) -> str:
    hour, minute = moment.astimezone(t.timezone).strftime("%H %M").split()
    return t.gettext("{hour} h {minute} min", hour=hour, minute=minute)


def dated(t: Translator, place: str, day: date) -> str:
    if t.locale == "vi":
        return date_line(place, day)
    return f"{place or BLANK}, {day:%d/%m/%Y}"


def group_title(group: str) -> str:
    """ "Tổ 1" → "TỔ 1"; a group named otherwise ("Xóm Dưới") is "TỔ XÓM DƯỚI"."""
    upper = group.upper()
    return upper if upper.startswith("TỔ") else f"TỔ {upper}"


def write_book_docx(book: Book, t: Translator, path: Path) -> None:
    from docx import Document
    from docx.enum.text import WD_BREAK

    document = Document()
    setup_document(document)
    motto = (
        t.gettext("SOCIALIST REPUBLIC OF VIETNAM"),
        t.gettext("Independence - Freedom - Happiness"),
    )
    header_block(document, left=[book.commune, book.village], number="", dated="", motto=motto)
    title_block(
        document,
        t.gettext("MEETING BOOK OF {group}", group=group_title(book.group)),
        ", ".join(part for part in (book.village, book.commune, book.province) if part),
    )
    add_line(document, t.gettext("Year {year}", year=book.year), bold=True, space_after=12)
    if not book.entries:
        body_text(document, t.gettext("No meeting was recorded this year."))
    else:
        grid(
            document,
            [t.gettext("No."), t.gettext("Quarter"), t.gettext("Time"), t.gettext("Place")],
            [
                [
                    str(number),
                    quarter_label(entry.meeting.year, entry.meeting.quarter),
                    when_text(t, entry.view.held_at),
                    entry.view.place or BLANK,
                ]
                for number, entry in enumerate(book.entries, 1)
            ],
            (15, 25, 55, 69),
        )
    for entry in book.entries:
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        write_minutes(document, book, entry, t, motto)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))


def write_minutes(
    document: Any, book: Book, entry: BookEntry, t: Translator, motto: tuple[str, str]
) -> None:
    """One meeting's biên bản."""
    view = entry.view
    held = view.held_at.astimezone(t.timezone)
    nothing = t.gettext("none")
    header_block(
        document,
        left=[book.village, book.group],
        number="",
        dated=dated(t, bare_place(book.commune), held.date()),
        motto=motto,
    )
    title_block(
        document,
        t.gettext("MINUTES OF THE MEETING OF {group}", group=group_title(book.group)),
        t.gettext(
            "Regular meeting, quarter {quarter}",
            quarter=quarter_label(entry.meeting.year, entry.meeting.quarter),
        ),
    )
    where = view.place or BLANK
    if view.host_name:
        where = t.gettext("the home of {head}, {place}", head=view.host_name, place=where)
    body_text(
        document,
        t.gettext(
            "Today, at {time}, {date}, at {place}, {group} ({village}) held its regular meeting.",
            time=clock_words(t, view.held_at),
            date=long_date(t, held.date()),
            place=where,
            group=book.group,
            village=running_place(f"{book.village}, {book.commune}"),
        ),
    )
    document.add_heading(t.gettext("I. PARTICIPANTS"), level=1)
    for label, value in (
        (t.gettext("Chair"), view.chair or BLANK),
        (t.gettext("Secretary"), view.secretary or BLANK),
        (t.gettext("Guests"), ", ".join(view.guests) or nothing),
        (
            t.gettext("Households present"),
            t.gettext("{present} of {total} households", present=view.present, total=view.total),
        ),
    ):
        labelled(document, label, value)
    if entry.present:
        labelled(document, t.gettext("Present"), "; ".join(entry.present))
    absent = entry.absent or ([] if view.present >= view.total else [BLANK])
    labelled(
        document,
        t.gettext("Absent ({n} households)", n=max(view.total - view.present, 0)),
        "; ".join(absent) if absent else nothing,
    )
    document.add_heading(t.gettext("II. CONTENT"), level=1)
    labelled(document, t.gettext("Topics"), "; ".join(view.topics) or nothing)
    labelled(document, t.gettext("Situation reported"), view.situation or nothing)
    labelled(document, t.gettext("Mediation cases"), view.mediation or nothing)
    document.add_heading(t.gettext("III. OPINIONS OF THE HOUSEHOLDS"), level=1)
    body_text(document, view.proposals or t.gettext("No other opinion."))
    document.add_heading(t.gettext("IV. CONCLUSIONS"), level=1)
    body_text(document, view.decisions or nothing)
    if view.tasks:
        grid(
            document,
            [t.gettext("Task"), t.gettext("Owner"), t.gettext("Due"), t.gettext("Status")],
            [
                [
                    task.text,
                    task.owner,
                    f"{task.due:%d/%m/%Y}" if task.due else "",
                    t.gettext("completed") if task.done else t.gettext("not done yet"),
                ]
                for task in view.tasks
            ],
            (70, 40, 24, 30),
        )
    labelled(
        document,
        t.gettext("Next meeting"),
        when_text(t, view.next_at) if view.next_at else t.gettext("not decided yet"),
    )
    if view.photos:
        labelled(document, t.gettext("Photos of the paper minutes"), str(view.photos))
    for at, text in view.corrections:
        labelled(document, t.gettext("Correction of {date}", date=date_text(t, at)), text)
    body_text(
        document, closing_formula(t, view.held_at, view.ended_at)
    ).paragraph_format.keep_with_next = True
    add_line(document, "").paragraph_format.keep_with_next = True
    signatures = document.add_table(rows=1, cols=2)
    keep_on_one_page(signatures)
    secretary, chair = signatures.rows[0].cells
    for cell in (secretary, chair):
        cell._tc.remove(cell.paragraphs[0]._p)
    signer_block(secretary, t.gettext("SECRETARY"), view.secretary)
    signer_block(chair, t.gettext("CHAIR"), view.chair)


def closing_formula(t: Translator, held: datetime, ended: datetime | None) -> str:
    if ended is None:
        end = t.gettext("{hour} h {minute} min", hour="……", minute="……")
        day = t.gettext("the same day")
    else:
        end = clock_words(t, ended)
        same = ended.astimezone(t.timezone).date() == held.astimezone(t.timezone).date()
        day = (
            t.gettext("the same day") if same else long_date(t, ended.astimezone(t.timezone).date())
        )
    return t.gettext(
        "The meeting ended at {time}, {day}; the minutes were read out to everyone present, "
        "who agreed with them.",
        time=end,
        day=day,
    )


def labelled(document: Any, label: str, value: str) -> None:
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(3)
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(value)
