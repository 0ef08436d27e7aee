"""A long list of choices in pages of at most 9 lines: the first 8, then "More…" for the rest
(issue #13: a list longer than that is read on a small phone as a wall)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import Choice

MAX_LINES = 9
MORE = "page:more"


def page_of(choices: Sequence[Choice], *, second: bool, more_label: str) -> list[Choice]:
    """The first page (ending with `more_label`) or the second one; a short list is one page."""
    if len(choices) <= MAX_LINES:
        return list(choices)
    if second:
        return list(choices[MAX_LINES - 1 :])
    return [*choices[: MAX_LINES - 1], Choice(MORE, more_label)]
