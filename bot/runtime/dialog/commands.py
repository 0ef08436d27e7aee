"""The commands that work at every step, in the words people actually type."""

from __future__ import annotations

from enum import StrEnum

from bot.messages import EventKind, InboundEvent
from bot.text_match import fold


class Universal(StrEnum):
    START = "start"
    MENU = "menu"
    HELP = "help"
    CANCEL = "cancel"
    BACK = "back"


# Slash commands (Telegram menu and Zalo) and the bare words, compared after folding.
_SLASH = {
    "start": Universal.START,
    "join": Universal.START,  # "/join CODE": how a code is given where there are no deep links
    "thamgia": Universal.START,
    "menu": Universal.MENU,
    "help": Universal.HELP,
    "trogiup": Universal.HELP,
    "huy": Universal.CANCEL,
    "cancel": Universal.CANCEL,
    "thoat": Universal.CANCEL,
    "back": Universal.BACK,
    "quaylai": Universal.BACK,
}
_WORDS = {
    "menu": Universal.MENU,
    "tro giup": Universal.HELP,
    "giup do": Universal.HELP,
    "help": Universal.HELP,
    "huy": Universal.CANCEL,
    "huy bo": Universal.CANCEL,
    "thoat": Universal.CANCEL,
    "cancel": Universal.CANCEL,
    "quay lai": Universal.BACK,
    "tro lai": Universal.BACK,
    "back": Universal.BACK,
}
# Button keys the engine itself puts under questions ("Quay lại", "Hủy").
NAV_PREFIX = "nav:"
NAV_BACK = "nav:back"
NAV_CANCEL = "nav:cancel"
NAVIGATION = {NAV_BACK: Universal.BACK, NAV_CANCEL: Universal.CANCEL}


def universal_command(event: InboundEvent) -> Universal | None:
    if event.kind is EventKind.COMMAND and event.command:
        return _SLASH.get(fold(event.command).replace(" ", ""))
    if event.kind is EventKind.CHOICE and event.choice_key:
        return NAVIGATION.get(event.choice_key)
    if event.kind is EventKind.TEXT:
        return _WORDS.get(fold(event.text))
    return None
