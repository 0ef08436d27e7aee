"""What a page on a text-only channel (Zalo, the terminal) may not be, checked on every message
the conversation and Zalo end-to-end tests render (issue #13)."""

from __future__ import annotations

import re

MAX_NUMBERED = 9
_NUMBERED = re.compile(r"^\d+\. ")
# Nothing to press on a text-only channel: the bot says "chọn" (choose) or "gõ" (type).
_PRESS_WORDS = re.compile(r"(?<!\w)(bấm|nhấn|nút)(?!\w)", re.IGNORECASE)


def check_text_page(text: str) -> None:
    """The choices (the numbered lines that end the message, before its hints) are at most 9;
    numbered content above them (a pledge's articles) is text, not choices."""
    lines = [line for line in text.splitlines() if not line.startswith("(")]
    while lines and not lines[-1].strip():
        lines.pop()
    choices = []
    for line in reversed(lines):
        if not _NUMBERED.match(line):
            break
        choices.append(line)
    assert len(choices) <= MAX_NUMBERED, f"a numbered list longer than 9:\n{text}"
    pressed = _PRESS_WORDS.search(text)
    assert pressed is None, f"{pressed.group(0)!r} on a text-only channel:\n{text}"
