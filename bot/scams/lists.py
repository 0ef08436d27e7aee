"""A published list of fraud items (a province's or the Ministry's) read from a CSV file.

One row an item; headers in Vietnamese or English, any case, diacritics optional:
item (mục, số, giá trị), bank (ngân hàng), warning (cảnh báo, nội dung), source (nguồn),
date (ngày), expires (hết hạn). Only "item" is required. Every bad row is reported with its
line number and nothing is imported (all or nothing).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.scams.extract import Item, ItemKind, extract_items, normalise_account
from bot.text_match import fold

HEADERS = {
    "item": ("item", "value", "muc", "so", "gia tri", "doi tuong"),
    "bank": ("bank", "ngan hang"),
    "warning": ("warning", "canh bao", "noi dung", "text"),
    "source": ("source", "nguon"),
    "date": ("date", "ngay"),
    "expires": ("expires", "het han", "ngay het han"),
}
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@dataclass(frozen=True)
class ListedItem:
    line: int
    item: Item
    warning: str | None
    source: str | None
    listed_on: date | None
    expires_on: date | None


class ListFileError(Exception):
    """The file cannot be read at all (no item column, not a CSV)."""


def read_list(path: Path) -> tuple[list[ListedItem], list[str]]:
    """The rows, and the problems found (one line each, "line 7: …")."""
    raw = path.read_bytes().decode("utf-8-sig")
    try:
        dialect = csv.Sniffer().sniff(raw[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    rows = list(csv.reader(io.StringIO(raw), dialect))
    if not rows:
        raise ListFileError("the file is empty")
    columns = _columns(rows[0])
    if "item" not in columns:
        raise ListFileError("no column named item (mục, số, giá trị)")
    listed, problems = [], []
    for line, row in enumerate(rows[1:], start=2):
        cells = {name: row[index].strip() for name, index in columns.items() if index < len(row)}
        if not any(cells.values()):
            continue
        try:
            listed.append(_listed(line, cells))
        except ValueError as exc:
            problems.append(f"line {line}: {exc}")
    return listed, problems


def _columns(header: list[str]) -> dict[str, int]:
    columns = {}
    for index, name in enumerate(header):
        folded = fold(name)
        for column, names in HEADERS.items():
            if folded in names and column not in columns:
                columns[column] = index
    return columns


def _listed(line: int, cells: dict[str, str]) -> ListedItem:
    text, bank = cells.get("item", ""), cells.get("bank") or None
    digits = re.sub(r"[\s.\-]", "", text)
    if bank and normalise_account(digits):
        item = Item(ItemKind.ACCOUNT, digits, digits, bank)
    else:
        items = extract_items(text)
        if len(items) != 1:
            raise ValueError(
                f"{'no' if not items else 'more than one'} phone number, account, link or "
                f"username in {text!r}"
            )
        item = items[0]
    return ListedItem(
        line=line,
        item=item,
        warning=cells.get("warning") or None,
        source=cells.get("source") or None,
        listed_on=_date(cells.get("date", ""), "date"),
        expires_on=_date(cells.get("expires", ""), "expires"),
    )


def _date(text: str, column: str) -> date | None:
    if not text:
        return None
    try:
        if found := _DMY.match(text):
            day, month, year = (int(part) for part in found.groups())
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{column} {text!r} is not a date (31/12/2027 or 2027-12-31)") from None
