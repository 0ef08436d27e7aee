"""Matching what people type against what the bot offered, without regard to diacritics or case."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Protocol, TypeVar

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_NUMBER = re.compile(r"^\s*(\d{1,3})\s*[.)]?\s*$")


def fold(text: str) -> str:
    """'  Báo TIN! ' -> 'bao tin': strip diacritics (đ too), case, punctuation and extra spaces."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", plain.casefold()).split())


class Labelled(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...


T = TypeVar("T", bound="Labelled")


def is_number(text: str) -> bool:
    """'3', '3.' or '3)': what people type to pick a numbered line."""
    return _NUMBER.match(text) is not None


def match_choice(text: str, choices: Sequence[T]) -> T | None:
    """The choice meant by a typed answer: its number, its label, or its key; else None."""
    if number := _NUMBER.match(text):
        index = int(number.group(1)) - 1
        return choices[index] if 0 <= index < len(choices) else None
    folded = fold(text)
    if not folded:
        return None
    for choice in choices:
        if folded in (fold(choice.label), fold(choice.key)):
            return choice
    # "bao" for "Báo tin": a unique word-prefix, long enough not to be a typo of something else.
    if len(folded) >= 3:
        hits = [c for c in choices if fold(c.label).startswith(folded)]
        if len(hits) == 1:
            return hits[0]
    # "co" for "Có, báo cho tôi", "khong" for "Không, cảm ơn": the whole first word of one label.
    hits = [c for c in choices if fold(c.label).split(" ", 1)[0] == folded]
    return hits[0] if len(hits) == 1 else None


def split_text(text: str, limit: int) -> list[str]:
    """Split a long text into pieces of at most `limit` characters, at paragraph, line,
    sentence or word boundaries, in that order of preference."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = best_cut(window)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def best_cut(window: str) -> int:
    """Where to end a piece that may be at most `window`: after the last paragraph, line,
    sentence or word break of its second half."""
    floor = len(window) // 2  # never leave a tiny first piece just to find a nicer boundary
    for separator in ("\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " "):
        at = window.rfind(separator)
        if at >= floor:
            return at + len(separator)
    return len(window)
