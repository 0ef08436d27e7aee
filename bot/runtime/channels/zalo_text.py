"""Zalo's text limit counted as Zalo counts it: 2,000 UTF-16 code units, not code points.

An emoji outside the Basic Multilingual Plane (📅, ⚠️'s base is inside, 🚨 is not) is one
character to Python and two units to Zalo's backend (as to JavaScript clients), so a card near
the limit measured with `len()` is refused. Texts are cut at paragraph, line, sentence or word
boundaries (`bot.text_match`), never inside a surrogate pair.
"""

from __future__ import annotations

from bot.text_match import best_cut

MAX_UNITS = 2000


def utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def fits(text: str, limit: int = MAX_UNITS) -> bool:
    return utf16_len(text) <= limit


def _chars_within(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units."""
    units = 0
    for index, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_utf16(text: str, limit: int = MAX_UNITS) -> list[str]:
    """Pieces of at most `limit` UTF-16 units, cut where a reader expects a break."""
    pieces: list[str] = []
    rest = text.strip()
    while not fits(rest, limit):
        cut = max(1, best_cut(rest[: _chars_within(rest, limit)]))
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces
