"""Typed forms of the buttons under notices, for channels without buttons (Zalo, the terminal).

"da xong" under a task, "nha toi nhan" under a hosting request, "hai long" under a closed tip:
words typed when no conversation is running are matched against the buttons of the notices this
chat got lately, newest first, and do what pressing the button does (the action's handler checks
on the server that it may, and that it is still to do). Numbers are left to the menu.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.crypto import FieldCipher
from bot.messages import Choice
from bot.runtime.dialog.flows import ACTION_PREFIX
from bot.runtime.dialog.turn import Turn
from bot.text_match import fold, is_number, match_choice
from storage.repos.notices import recent_notice_choices

SHORT_WORDS = 3


async def notice_button_for(turn: Turn) -> str | None:
    """The key of the notice button the typed text stands for, if exactly one does."""
    text = turn.event.text
    if is_number(text) or not fold(text):
        return None
    messages = await recent_notice_choices(
        turn.session,
        FieldCipher.of(turn.settings),
        channel=turn.event.channel,
        chat_id=turn.event.chat_id,
        now=turn.now,
        key_prefix=ACTION_PREFIX,
    )
    for buttons in messages:
        picked = match_choice(text, [Choice(key, label) for key, label in buttons])
        if picked is not None:
            return picked.key
    return None


def short_form(label: str, labels: Sequence[str]) -> str:
    """What to type for a button: its first words, when no other button of the message starts
    with them ("nhà tôi nhận" for "Nhà tôi nhận đón tổ"), else its whole label; lower case."""
    words = label.split()
    short = " ".join(words[:SHORT_WORDS]).lower()
    others = [fold(other) for other in labels if other != label]
    if len(words) > SHORT_WORDS and not any(o.startswith(fold(short)) for o in others):
        return short
    return label.lower()
