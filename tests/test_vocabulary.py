"""Issue #13: one vocabulary (docs/GLOSSARY.md). The catalogs hold none of the variants the
glossary forbids, and English says "choose" where Vietnamese says "chọn"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parent.parent / "locales"
GLOSSARY = Path(__file__).resolve().parent.parent / "docs" / "GLOSSARY.md"

# The "not" column of docs/GLOSSARY.md, as patterns over the Vietnamese catalog.
FORBIDDEN_VI = {
    "bấm / nhấn / nút: nothing to press on Zalo": r"(?<!\w)(bấm|nhấn|nút)(?!\w)",
    "say “không đủ căn cứ”": r"(?i)không có cơ sở|chưa thấy căn cứ",
    "Tỉ lệ: say “Tỷ lệ”": r"(?i)tỉ lệ",
    "Công an Xã: “xã” is lower case inside a sentence": r"(?<!^)Công an Xã|công an Xã",
    "quarters: “Quý III/2026”": r"(?i)kỳ \d{4}-Q\d|Quý \d/\d{4}|quý [IVX]+/\d{4}",
    "a quarter named in a sentence is “Quý III/2026” too": r"quý \{quarter\}",
    "the village word is the commune's own ({unit}), “thôn/ấp” if unknown": r"(?i)trưởng thôn(?!/)",
    "the bot is “tôi”": r"(?i)(?<!của )\bmình (sẽ|đã|xin|rất)\b|chúng mình",
    "residents are “bạn”": r"(?<!\w)(bác|quý vị)(?!\w)",
    "the village head by the commune's unit word": r"(?i)trưởng thôn(?!/ấp)",
    "a tip is “tin báo”": r"(?i)tin tố giác",
    "a draft is “bản nháp”": r"(?i)nháp tạm",
    "a group is “tổ”": r"(?i)tổ liên gia",
    "the group leader is “tổ trưởng”": r"(?i)trưởng tổ",
    "a resident is “người dân”": r"(?i)cư dân",
    "half-years: “6 tháng đầu năm 2026”": r"(?i)\b\d{4}-H\d\b|nửa (đầu|cuối) năm",
    "dates are dd/mm/yyyy": r"\d+ thg \d+|\b\d{1,2}/\d{1,2}/\d{2}\b",
}
# Each row of docs/GLOSSARY.md with forbidden variants, and the rule above that checks them in
# the Vietnamese catalog (or why the catalog cannot hold them: said by the code, or in context).
GLOSSARY_ROWS = {
    "the bot itself": "the bot is “tôi”",
    "the person": "residents are “bạn”",
    "picking a choice": "bấm / nhấn / nút: nothing to press on Zalo",
    "typing": "in context: staff “nhập” a question; residents “gõ”",
    "the menu": "after_action.py: one line, tests/test_every_button.py and the flows' tests",
    "a draft kept": "a draft is “bản nháp”",
    "commune police": "Công an Xã: “xã” is lower case inside a sentence",
    "village head": "the village head by the commune's unit word",
    "group": "a group is “tổ”",
    "group leader": "the group leader is “tổ trưởng”",
    "resident": "a resident is “người dân”",
    "household": "in context: “gia đình bạn” is right, a household is “hộ”",
    "no grounds": "say “không đủ căn cứ”",
    "a tip": "a tip is “tin báo”",
    "date": "dates are dd/mm/yyyy",
    "time": "in the code: bot.i18n formats times, the catalog holds none",
    "quarter (`bot/vocabulary.py::quarter_name`)": "quarters: “Quý III/2026”",
    "half-year": "half-years: “6 tháng đầu năm 2026”",
    "rate": "Tỉ lệ: say “Tỷ lệ”",
}


def strings(language: str) -> list[str]:
    with open(LOCALES / language / "LC_MESSAGES" / "messages.po", "rb") as file:
        catalog = read_po(file, locale=language)
    found = []
    for message in catalog:
        if not message.id:
            continue
        values = message.string if isinstance(message.string, tuple) else (message.string,)
        found += [value for value in values if value]
    return found


@pytest.mark.parametrize("rule", list(FORBIDDEN_VI))
def test_the_vietnamese_catalog_has_no_forbidden_variant(rule: str) -> None:
    pattern = re.compile(FORBIDDEN_VI[rule], re.MULTILINE)
    offending = [text for text in strings("vi") if pattern.search(text)]
    assert offending == [], f"{rule}:\n" + "\n".join(offending)


def test_english_says_choose_not_press() -> None:
    offending = [text for text in strings("en") if re.search(r"(?i)\bpress(ing)?\b", text)]
    assert offending == []


def catalog(language: str) -> Catalog:
    with open(LOCALES / language / "LC_MESSAGES" / "messages.po", "rb") as file:
        return read_po(file, locale=language)


def texts_of(message: Message | None) -> tuple[str, ...]:
    if message is None:
        return ()
    values = message.string if isinstance(message.string, tuple) else (message.string,)
    return tuple(value for value in values if value)


def test_english_says_choose_where_vietnamese_says_chon() -> None:
    chooses = re.compile(r"(?<!lựa )(?<!\w)chọn(?!\w)", re.IGNORECASE)
    english = catalog("en")
    offending = [
        message.id
        for message in catalog("vi")
        if message.id and any(chooses.search(text) for text in texts_of(message))
        if not any(
            re.search(r"(?i)\bcho(o)?se", text)
            for text in texts_of(english.get(message.id, message.context))
        )
    ]
    assert offending == []


def glossary_rows() -> list[list[str]]:
    """The cells of every table row of docs/GLOSSARY.md (headers and rules left out)."""
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and not set(line) <= set("|- ") and cells[0] not in HEADERS:
            rows.append(cells)
    return rows


HEADERS = {"what", "term", "status", "Vietnamese"}


def test_the_glossary_holds_each_term_once() -> None:
    names = [cells[0] for cells in glossary_rows()]
    assert [name for name in names if names.count(name) > 1] == []
    vietnamese = [cells[1] for cells in glossary_rows() if len(cells) == 4]
    assert [term for term in vietnamese if vietnamese.count(term) > 1] == []


def test_every_forbidden_variant_of_the_glossary_is_checked() -> None:
    with_variants = {cells[0] for cells in glossary_rows() if len(cells) == 4 and cells[3]}
    assert with_variants == set(GLOSSARY_ROWS)
    named = {rule for rule in GLOSSARY_ROWS.values() if rule in FORBIDDEN_VI}
    checked_in_context = {r for r in GLOSSARY_ROWS.values() if r.startswith(("in ", "after_"))}
    assert set(GLOSSARY_ROWS.values()) - named == checked_in_context


def test_the_glossary_names_each_vietnamese_command_beside_the_english_one() -> None:
    glossary = GLOSSARY.read_text(encoding="utf-8")
    for vietnamese, english in (("/thamgia", "/join"), ("/tinbao", "/tips"), ("/nhatky", "/audit")):
        assert re.search(rf"{vietnamese}[^|]*\|\s*{english}", glossary), vietnamese
