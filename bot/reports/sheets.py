"""Spreadsheets that print: columns as wide as their content, the header row frozen and
repeated on every printed page, A4, landscape when the columns are wide, one page wide; dates
with four-digit years and rates with one decimal, as in the .docx.

Shared by the report (bot.reports.xlsx), the meeting register (bot.meetings.book) and the
pledge workbook (bot.pledges.report).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

DATE = "d/m/yyyy"
DATE_TIME = "d/m/yyyy hh:mm"  # 6/12/2026 13:48
RATE = "0.0"  # 84.6, as the .docx's "84,6%"
MIN_WIDTH, MAX_WIDTH = 6, 45
LINE_HEIGHT = 15  # points
# Above this many characters of columns in total, the sheet is printed sideways.
PORTRAIT_UP_TO = 95


def shown_length(value: Any) -> int:
    """About how many characters a value takes once formatted."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        return len(f"{value:.1f}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def fit_columns(sheet: Any, *, skip_rows: int = 0) -> list[float]:
    """Sets each column's width to its longest value (rows after `skip_rows`, so that a long
    title above the table does not widen its first column); long texts wrap, and so do the
    headers (their longest word counts)."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=skip_rows + 1):
        for cell in row:
            if cell.row == skip_rows + 1:
                cell.alignment = Alignment(wrap_text=True, vertical="center")
                text = str(cell.value or "")
                # At most about three lines, none narrower than its longest word.
                length = max([len(word) for word in text.split()] + [-(-len(text) // 3)])
                widths[cell.column] = max(widths.get(cell.column, 0), length)
                continue
            length = shown_length(cell.value)
            widths[cell.column] = max(widths.get(cell.column, 0), length)
            if length > MAX_WIDTH:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    result = {}
    for column, length in sorted(widths.items()):
        width = min(max(length + 2, MIN_WIDTH), MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(column)].width = width
        result[column] = width
    # Wrapped rows get their height: not every spreadsheet grows them by itself.
    for row in sheet.iter_rows(min_row=skip_rows + 1):
        lines = max(
            (
                _lines(cell.value, result.get(cell.column, MAX_WIDTH) * 1.2)
                for cell in row
                if cell.alignment.wrap_text
            ),
            default=1,
        )
        if lines > 1:
            sheet.row_dimensions[row[0].row].height = LINE_HEIGHT * lines
            for cell in row:
                cell.alignment = Alignment(wrap_text=cell.alignment.wrap_text, vertical="top")
    return list(result.values())


def _lines(value: Any, width: float) -> int:
    """About how many lines a wrapped text takes in a column of that width."""
    lines, used = 1, 0
    for word in str(value or "").split():
        if used and used + 1 + len(word) > width - 1:
            lines, used = lines + 1, len(word)
        else:
            used += len(word) + (1 if used else 0)
    return lines


def print_setup(sheet: Any, *, header_row: int, widths: list[float] | None = None) -> None:
    """A4, one page wide, the header row frozen and repeated; landscape when wide."""
    from openpyxl.utils import get_column_letter

    total = sum(widths or [])
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.orientation = "landscape" if total > PORTRAIT_UP_TO else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.freeze_panes = f"{get_column_letter(1)}{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"


def finish_sheet(sheet: Any, *, header_row: int = 1) -> None:
    """Widths from the content, then the print setup, for a sheet already filled."""
    from openpyxl.styles import Font

    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    print_setup(sheet, header_row=header_row, widths=fit_columns(sheet, skip_rows=header_row - 1))
