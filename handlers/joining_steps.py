"""The steps of joining (handlers/joining.py) and the words its parts share."""

from __future__ import annotations

from enum import StrEnum

from bot.i18n import N_
from bot.people.invites import InviteProblem

AGREE, DISAGREE = "agree", "disagree"
NO_CODE, SKIP, USE_PROFILE_NAME, NOT_LISTED = "no_code", "skip", "profile_name", "not_listed"
CONFIRM_ERASE, REREAD = "erase", "reread"
MAX_NAME = 80
MAX_HOUSEHOLD_BUTTONS = 30

INVITE_PROBLEMS = {
    InviteProblem.UNKNOWN: N_(
        "I do not know the code “{code}”. Please check it on the poster or ask your group leader."
    ),
    InviteProblem.EXPIRED: N_(
        "The code “{code}” has expired. Please ask your group leader for a new one."
    ),
    InviteProblem.REVOKED: N_(
        "The code “{code}” is no longer valid. Please ask your group leader for a new one."
    ),
    InviteProblem.USED_UP: N_(
        "The code “{code}” has already been used. Please ask whoever gave it to you for a new one."
    ),
}
NOT_YOURS = N_(
    "The code “{code}” was made for another person. Please ask your commune admin for your own."
)


class Step(StrEnum):
    CODE = "code"
    CONSENT = "consent"
    CONFIRM_ERASE = "confirm_erase"
    NAME = "name"
    PHONE = "phone"
    COMMUNE_NAME = "commune_name"
    PICK_COMMUNE = "pick_commune"
    GROUP = "group"
    HOUSEHOLD = "household"
    ADDRESS = "address"
