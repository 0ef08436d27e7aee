"""What the engine says the same way in every flow: not understood, a stale button, help, a
message of a kind it cannot use."""

from __future__ import annotations

from bot.i18n import N_
from bot.runtime.dialog.turn import Turn

# A flow may hand these to the engine by name; the texts live here so every flow says them alike.
NOT_UNDERSTOOD = N_("Sorry, I did not understand that. Please choose one of the options:")
STALE_BUTTON = N_("That button belongs to an earlier question. Here is the current one:")


def help_text(turn: Turn) -> str:
    return turn._(
        "Bình Yên helps residents, group leaders and commune police keep the neighbourhood "
        "safe.\n\n"
        "• Choose from the menu by pressing a button or typing its number or its name; "
        "diacritics are not needed.\n"
        "• Type “menu” at any time to see the menu, “back” to go back a step, "
        "“cancel” (hủy) to stop what you are doing.\n\n"
        "This bot is not an emergency line. Police: 113. Fire and rescue: 114. Ambulance: 115. "
        "Child protection: 111."
    )


def unsupported_text(turn: Turn) -> str:
    """What is said to a sticker, a voice message, a file: the question stays as it was, and
    what was typed before is kept. Zalo does not pass voice messages, files or locations on."""
    if turn.capabilities.groups and not turn.capabilities.voice:
        return turn._(
            "Sorry, {messenger} does not pass voice messages, files or locations on to me, and "
            "I cannot use stickers. Please type your answer; what you wrote before is kept.",
            messenger=turn.capabilities.title,
        )
    return turn._("Sorry, I cannot use that kind of message here. Please answer with text.")
