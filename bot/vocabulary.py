"""The words of docs/GLOSSARY.md that code puts together: a period's name ("Quý III/2026",
"6 tháng đầu năm 2026", "Năm 2026") and the commune's own word for its village-level units
("thôn", "ấp", "bản", "tổ dân phố"…), which texts take as the placeholders {unit} and {Unit}.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.text_match import fold

ROMAN = ("I", "II", "III", "IV")

# The words communes use for the units under them, as the official lists write them.
UNIT_WORDS = ("thôn", "ấp", "bản", "làng", "buôn", "xóm", "tổ dân phố", "khu phố", "khóm", "khu")
DEFAULT_UNIT_WORD = "thôn"
_BY_FOLDED = {fold(word): word for word in UNIT_WORDS}


@cache
def vietnamese() -> Translator:
    """The translator of the documents a commune files, which are in Vietnamese whoever asks."""
    return Translator("vi", ZoneInfo("Asia/Ho_Chi_Minh"))


def quarter_number(year: int, quarter: int) -> str:
    """'III/2026': the quarter as the glossary writes it, after the word for quarter."""
    return f"{ROMAN[quarter - 1]}/{year}"


def quarter_name(t: Translator, year: int, quarter: int) -> str:
    """'Quý III/2026' / 'Quarter III/2026'."""
    return t.gettext("Quarter {quarter}", quarter=quarter_number(year, quarter))


def half_name(t: Translator, year: int, half: int) -> str:
    """'6 tháng đầu năm 2026' / 'First half of 2026'."""
    if half == 1:
        return t.gettext("First half of {year}", year=year)
    return t.gettext("Second half of {year}", year=year)


def year_name(t: Translator, year: int) -> str:
    """'Năm 2026' / 'Year 2026'."""
    return t.gettext("Year {year}", year=year)


def unit_word_of(word: str | None) -> str:
    """The stored unit word, or the default one."""
    return word or DEFAULT_UNIT_WORD


def known_unit_word(text: str) -> str | None:
    """'Ấp' or 'ap' → 'ấp'; None for a word that is not one of UNIT_WORDS."""
    return _BY_FOLDED.get(fold(text))


def unit_word_in_names(names: list[str]) -> str | None:
    """The word the village names of a list begin with ('Ấp Mỹ Thạnh', 'Ấp Mỹ Phú' → 'ấp'),
    when most of them begin with the same one; None otherwise."""
    counts: dict[str, int] = {}
    for name in names:
        folded = fold(name)
        # Longest first: "tổ dân phố" before a bare "tổ", "khu phố" before "khu".
        for key in sorted(_BY_FOLDED, key=len, reverse=True):
            if folded.startswith(f"{key} "):
                counts[_BY_FOLDED[key]] = counts.get(_BY_FOLDED[key], 0) + 1
                break
    if not counts:
        return None
    word, count = max(counts.items(), key=lambda item: item[1])
    return word if count * 2 > len(names) else None


def unit_placeholders(word: str | None) -> dict[str, str]:
    """{unit} and {Unit} for a text: 'ấp' and 'Ấp' ('thôn' and 'Thôn' by default)."""
    unit = unit_word_of(word)
    return {"unit": unit, "Unit": unit[:1].upper() + unit[1:]}
