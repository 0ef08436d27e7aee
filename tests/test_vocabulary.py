"""Issue #13: one vocabulary (docs/GLOSSARY.md). The catalogs hold none of the variants the
glossary forbids, and English says "choose" where Vietnamese says "chọn"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
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


def test_the_glossary_names_each_vietnamese_command_beside_the_english_one() -> None:
    glossary = GLOSSARY.read_text(encoding="utf-8")
    for vietnamese, english in (("/thamgia", "/join"), ("/tinbao", "/tips"), ("/nhatky", "/audit")):
        assert re.search(rf"{vietnamese}[^|]*\|\s*{english}", glossary), vietnamese
