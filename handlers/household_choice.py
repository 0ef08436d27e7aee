"""Picking a household in a conversation: pressed in a list, or typed as words of its address
(the joining, meeting, minutes and assisted-pledge conversations all ask this way)."""

from __future__ import annotations

from bot.runtime.dialog.turn import Turn
from bot.text_match import fold
from storage.models import Household


def pick_household(turn: Turn, households: list[Household]) -> Household | None:
    """The household pressed, or the one whose address holds every word typed."""
    if turn.choice is not None:
        picked = [h for h in households if str(h.id) == turn.choice]
    else:
        typed = set(fold(turn.event.text).split())
        picked = [h for h in households if typed and typed <= set(fold(h.address).split())]
    return picked[0] if len(picked) == 1 else None


def household_or_ask_again(turn: Turn, households: list[Household]) -> Household | None:
    """The household picked; or None, the question asked again with why."""
    household = pick_household(turn, households)
    if household is None:
        turn.show(
            turn.prompt,  # type: ignore[arg-type]
            prefix=turn._("I could not find exactly one household with that address."),
        )
    return household
