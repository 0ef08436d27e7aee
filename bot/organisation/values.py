"""Single values of the commune's lists, cleaned and checked the same way in every format.

Spreadsheets bring text in every shape: numbers as floats, phones that lost their leading zero,
names in decomposed Unicode, stray spaces. Everything goes through here so that a value read
back from an export compares equal to the value stored, which is what makes re-import a no-op.
"""

from __future__ import annotations

import re
import unicodedata

from bot.i18n import N_
from bot.organisation.report import Said, said
from bot.people.phone import normalise_phone as national_phone
from bot.text_match import fold
from storage.models import HouseholdStatus


class InvalidValue(ValueError):
    """A cell or YAML value that cannot be used: `said` is the reason, for any reader;
    str() gives it in English."""

    def __init__(self, said: Said) -> None:
        super().__init__(said.render())
        self.said = said


_PHONE_PUNCTUATION = re.compile(r"[\s.\-()/]")

_ACTIVE_WORDS = {"", "active", "dang o", "con o", "hoat dong", "binh thuong"}
_MOVED_WORDS = {"moved away", "moved_away", "moved", "da chuyen di", "chuyen di"}
STATUS_LABELS = {HouseholdStatus.ACTIVE: "đang ở", HouseholdStatus.MOVED_AWAY: "đã chuyển đi"}


def clean_text(value: object) -> str:
    """A cell as text: None → '', 4.0 → '4', Unicode composed (NFC), spaces collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFC", str(value))
    return " ".join(text.split())


def normalise_phone(text: str) -> str:
    """'+84 912.345.678' → '0912345678' (as `bot.people.phone` does for what people type in the
    chat,
    so both compare equal); raises InvalidValue for anything not Vietnamese.

    A number that lost its leading zero in a spreadsheet (912345678) is accepted too: Excel
    drops it whenever the column is formatted as a number.
    """
    digits = _PHONE_PUNCTUATION.sub("", text)
    if digits.isdigit() and not digits.startswith("0") and len(digits) in (9, 10):
        digits = "0" + digits
    normalised = national_phone(digits)
    if normalised is None:
        raise InvalidValue(
            said(
                N_(
                    "phone {text!r} is not a Vietnamese number "
                    "(10 digits for a mobile, 11 for a landline, starting with 0 or +84)"
                ),
                text=text,
            )
        )
    return normalised


def parse_members(text: str) -> int:
    """The number of members of a household: a whole number of at least 1."""
    try:
        members = int(text)
    except ValueError:
        raise InvalidValue(said(N_("members {text!r} is not a whole number"), text=text)) from None
    if members < 1:
        raise InvalidValue(said(N_("members must be at least 1, not {members}"), members=members))
    return members


def parse_status(text: str) -> HouseholdStatus:
    """'đã chuyển đi' / 'moved away' → MOVED_AWAY; empty, 'đang ở' or 'active' → ACTIVE."""
    folded = fold(text)
    if folded in _ACTIVE_WORDS:
        return HouseholdStatus.ACTIVE
    if folded in _MOVED_WORDS:
        return HouseholdStatus.MOVED_AWAY
    raise InvalidValue(
        said(
            N_("status {text!r} is neither 'đang ở' (active) nor 'đã chuyển đi' (moved away)"),
            text=text,
        )
    )
