"""Vietnamese phone numbers as typed: "0912 345 678", "+84 912.345.678", "84912345678"."""

from __future__ import annotations

import re

# Mobile prefixes 03, 05, 07, 08, 09 (10 digits) and landlines 02xx (11 digits) since 2018.
_NATIONAL = re.compile(r"^0(?:[35789]\d{8}|2\d{9})$")


def normalise_phone(typed: str) -> str | None:
    """The number in national form (0xxxxxxxxx), or None if it is not a Vietnamese number."""
    digits = re.sub(r"[\s.\-()]", "", typed.strip())
    if digits.startswith("+"):
        digits = digits[1:]
        if not digits.startswith("84"):
            return None
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not digits.isdigit():
        return None
    return digits if _NATIONAL.match(digits) else None
