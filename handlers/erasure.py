"""Erasing one's own data from the chat (My data, or declining a renewed consent notice)."""

from __future__ import annotations

from bot.people.personal_data import erase_person
from bot.runtime.dialog.turn import Turn


async def erase_me(turn: Turn, *, withdrawn: bool) -> None:
    """Deletes the writer's personal data, forgets who they were in this chat, and says what
    was kept and why."""
    assert turn.person is not None
    await erase_person(turn.work, turn.person, withdrawn=withdrawn, account=turn.account)
    turn.person = None
    turn.roles = frozenset()
    turn.identity_changed = True
    turn.say(
        turn._(
            "Done: your personal data has been deleted and you are no longer a member. "
            "Tips you sent earlier stay with commune police without your name or contact, "
            "because the law requires the police to keep what they received. You can join "
            "again at any time."
        )
    )
