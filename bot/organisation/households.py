"""The households file: one row per household, as a commune keeps it in Excel or as CSV.

Reading checks every row on its own (empty cells, phone, members, status, duplicates) and
never touches the database; matching against what is stored is `apply`'s job.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from zipfile import BadZipFile

from bot.i18n import N_
from bot.organisation.report import OrgFileError, Rejection, Said, said
from bot.organisation.values import (
    STATUS_LABELS,
    InvalidValue,
    clean_text,
    normalise_phone,
    parse_members,
    parse_status,
)
from bot.text_match import fold
from storage.models import HouseholdStatus

# Accepted headers, folded (no diacritics, lower case): Vietnamese as communes write them,
# and English.
COLUMNS: dict[str, tuple[str, ...]] = {
    "village": (
        "village",
        "thon ap",
        "thon",
        "ap",
        "ban",
        "lang",
        "xom",
        "thon ap ban",
        "thon xom",
        "khu pho",
        "to dan pho",
    ),
    "group": ("group", "to", "to tu quan", "to an ninh", "to nhan dan"),
    "address": ("address", "dia chi"),
    "head": ("head", "head name", "household head", "chu ho", "ho ten chu ho", "ten chu ho"),
    "phone": ("phone", "dien thoai", "so dien thoai", "sdt", "so dt", "dt"),
    "members": ("members", "so nhan khau", "nhan khau", "so khau", "so thanh vien", "so nguoi"),
    "status": ("status", "tinh trang", "trang thai"),
}
REQUIRED = ("village", "group", "address", "head", "members")
# What an export writes, and what error messages call the columns.
HEADERS = {
    "village": "Thôn/Ấp",
    "group": "Tổ",
    "address": "Địa chỉ",
    "head": "Chủ hộ",
    "phone": "Điện thoại",
    "members": "Số nhân khẩu",
    "status": "Tình trạng",
}
MAX_LENGTH = {"village": 120, "group": 120, "address": 200, "head": 120}
# A title or a blank line may stand above the header row; it is looked for this far down.
HEADER_SEARCH_ROWS = 10
_BY_ALIAS = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
T = TypeVar("T")


@dataclass(frozen=True)
class HouseholdRow:
    """One household as the file states it, checked and cleaned."""

    row: int  # as the spreadsheet numbers it: the header is row 1 (when it is the first row)
    village: str
    group: str
    address: str
    head: str
    phone: str | None  # normalised 0xxxxxxxxx; None when the cell is empty
    members: int
    status: HouseholdStatus | None  # None when the file has no status column

    def key(self) -> tuple[str, str, str]:
        """Which household this is: the same group and the same address, spelling aside."""
        return fold(self.village), fold(self.group), fold(self.address)


@dataclass
class HouseholdSheet:
    source: str
    rows: list[HouseholdRow] = field(default_factory=list)
    has_phone: bool = False
    has_status: bool = False
    empty_rows: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def read_households(path: Path) -> HouseholdSheet:
    """Read and check every row of a .csv or .xlsx households file."""
    if not path.is_file():
        raise OrgFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _parse(path.name, _csv_rows(path))
    if suffix == ".xlsx":
        return _parse(path.name, _xlsx_rows(path))
    if suffix == ".xls":
        raise OrgFileError(f"{path.name}: old Excel format; save it as .xlsx or as CSV UTF-8")
    raise OrgFileError(f"{path.name}: a households file must be .xlsx or .csv")


def write_households(path: Path, rows: Iterable[HouseholdRow]) -> None:
    """Write rows in the format `read_households` reads, Vietnamese headers, every column."""
    header = [HEADERS[name] for name in COLUMNS]
    lines = (_cells(row) for row in rows)
    if path.suffix.lower() == ".xlsx":
        _write_xlsx(path, header, lines)
    else:
        _write_csv(path, header, lines)


def _cells(row: HouseholdRow) -> list[object]:
    status = row.status or HouseholdStatus.ACTIVE
    return [
        row.village,
        row.group,
        row.address,
        row.head,
        row.phone or "",
        row.members,
        STATUS_LABELS[status],
    ]


# Reading ------------------------------------------------------------------------------------


def _csv_rows(path: Path) -> Iterator[list[object]]:
    # utf-8-sig: Excel's "CSV UTF-8" starts with a byte-order mark.
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(4096)
            handle.seek(0)
            yield from csv.reader(handle, dialect=_dialect(sample))
    except UnicodeDecodeError:
        raise OrgFileError(
            f"{path.name}: not UTF-8 text; in Excel choose 'Save as' → 'CSV UTF-8 (Comma "
            "delimited)', or import the .xlsx itself"
        ) from None


def _dialect(sample: str) -> type[csv.Dialect] | str:
    """Comma, or the semicolon Excel uses where the decimal mark is a comma (as in Vietnam).

    The header line tells best; a title line above it tells nothing, then the whole sample."""
    for text in (sample.split("\n", 1)[0], sample):
        try:
            return csv.Sniffer().sniff(text, delimiters=",;\t")
        except csv.Error:
            continue
    return "excel"


def _xlsx_rows(path: Path) -> Iterator[list[object]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # read_only streams the sheet instead of building every cell: a fraction of the memory.
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            # Some programs write a wrong sheet size, which would cut rows or columns off.
            sheet.reset_dimensions()
            for values in sheet.iter_rows(values_only=True):
                yield list(values)
        finally:
            workbook.close()
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
        raise OrgFileError(f"{path.name}: not a readable .xlsx file ({exc})") from None


def _parse(source: str, raw_rows: Iterable[list[object]]) -> HouseholdSheet:
    sheet = HouseholdSheet(source=source)
    rows = enumerate(raw_rows, start=1)
    columns = _find_header(source, rows, sheet)
    sheet.has_phone, sheet.has_status = "phone" in columns, "status" in columns
    first_row: dict[tuple[str, str, str], int] = {}
    pending_empty = 0  # blank rows count only when data follows: not a sheet's formatted tail
    for number, cells in rows:
        # Only the recognised columns count: a template's pre-numbered "STT" rows are empty.
        values = {name: clean_text(_cell(cells, i)) for name, i in columns.items()}
        if not any(values.values()):
            pending_empty += 1
            continue
        sheet.empty_rows += pending_empty
        pending_empty = 0
        _parse_row(sheet, number, values, first_row)
    return sheet


def _cell(cells: list[object], index: int) -> object:
    return cells[index] if index < len(cells) else None


def _find_header(
    source: str, rows: Iterator[tuple[int, list[object]]], sheet: HouseholdSheet
) -> dict[str, int]:
    """The column of each recognised field, from the header row: the first row with at least
    three known headers (a title may stand above it). Raises naming the missing columns."""
    first: list[str] | None = None
    for number, cells in rows:
        labels = [clean_text(c) for c in cells]
        if not any(labels):
            continue
        first = first or labels
        if sum(1 for label in labels if _header_key(label) in _BY_ALIAS) >= 3:
            return _columns(source, labels, sheet)
        if number >= HEADER_SEARCH_ROWS:
            break
    if first is None:
        raise OrgFileError(f"{source}: the file is empty")
    return _columns(source, first, sheet)


def _header_key(label: str) -> str:
    return fold(label).replace("_", " ")


def _columns(source: str, labels: list[str], sheet: HouseholdSheet) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, label in enumerate(labels):
        if not label:
            continue
        name = _BY_ALIAS.get(_header_key(label))
        if name is None:
            sheet.ignored_columns.append(label)
        elif name in columns:
            raise OrgFileError(
                f"{source}: columns {labels[columns[name]]!r} and {label!r} both mean "
                f"{HEADERS[name]} ({name}); keep one"
            )
        else:
            columns[name] = index
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        wanted = ", ".join(f"{HEADERS[name]} ({name})" for name in missing)
        found = ", ".join(repr(label) for label in labels if label) or "nothing"
        raise OrgFileError(
            f"{source}: missing columns: {wanted}. The header row has {found}. "
            "Headers may be in Vietnamese or English, see docs/ORG_FILES.md."
        )
    return columns


def _parse_row(
    sheet: HouseholdSheet,
    number: int,
    values: dict[str, str],
    first_row: dict[tuple[str, str, str], int],
) -> None:
    problems: list[Said] = []
    for name in REQUIRED:
        if not values.get(name):
            problems.append(said(N_("{column} ({name}) is empty"), column=HEADERS[name], name=name))
        elif name in MAX_LENGTH and len(values[name]) > MAX_LENGTH[name]:
            problems.append(
                said(
                    N_("{column} ({name}) is longer than {limit} letters"),
                    column=HEADERS[name],
                    name=name,
                    limit=MAX_LENGTH[name],
                )
            )
    phone = _checked(values.get("phone"), normalise_phone, problems)
    members = _checked(values.get("members"), parse_members, problems)
    status = _checked(values.get("status"), parse_status, problems)
    where = said(N_("row {number}"), number=number)
    if problems:
        sheet.rejections.append(Rejection(sheet.source, where, tuple(problems)))
        return
    row = HouseholdRow(
        row=number,
        village=values["village"],
        group=values["group"],
        address=values["address"],
        head=values["head"],
        phone=phone,
        members=members or 1,
        status=(status or HouseholdStatus.ACTIVE) if sheet.has_status else None,
    )
    if (earlier := first_row.setdefault(row.key(), number)) != number:
        reason = said(
            N_("the same household as row {earlier} (same village, group and address)"),
            earlier=earlier,
        )
        sheet.rejections.append(Rejection(sheet.source, where, reason))
        return
    sheet.rows.append(row)


def _checked(text: str | None, parse: Callable[[str], T], problems: list[Said]) -> T | None:
    """Parse a non-empty cell, or note why it cannot be used."""
    if not text:
        return None
    try:
        return parse(text)
    except InvalidValue as exc:
        problems.append(exc.said)
        return None


# Writing ------------------------------------------------------------------------------------


def _write_csv(path: Path, header: list[str], lines: Iterable[list[object]]) -> None:
    # With the byte-order mark, Excel opens the file with its Vietnamese letters intact.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(lines)


def _write_xlsx(path: Path, header: list[str], lines: Iterable[list[object]]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Hộ gia đình")
    sheet.append(header)
    for line in lines:
        sheet.append(line)
    workbook.save(path)
