"""Menu entries that answer with a text and return to the menu: about, privacy, joining, help."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.i18n import N_
from bot.runtime.dialog.engine import help_text
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn


@dataclass
class InformationFlow(Flow):
    """Says one text and leaves; the engine shows the menu again."""

    name: str  # type: ignore[misc]
    text: Callable[[Turn], str]

    async def begin(self, turn: Turn) -> None:
        """Says the text; stores nothing and asks nothing."""
        turn.say(self.text(turn))
        turn.leave()


def about_text(turn: Turn) -> str:
    return turn._(
        "Bình Yên connects the residents of a neighbourhood with their self-governing group "
        "(tổ), the village and the commune police.\n\n"
        "• Report suspicious activity, safely and anonymously if you wish; commune police "
        "receive it at once and can tell you what happened.\n"
        "• Sign your household's yearly safety pledge.\n"
        "• Get reminders of your group's meetings and of the national safety campaign days.\n\n"
        "The bot does not replace the police emergency line: call 113 when something is "
        "happening now."
    )


def privacy_text(turn: Turn) -> str:
    return turn._(
        "Your privacy\n\n"
        "• Before you join a group we ask for your explicit consent and tell you exactly what we "
        "keep, why, who sees it and for how long. Without consent we keep nothing about you.\n"
        "• A tip can be anonymous. Only commune police ever see who sent a tip, and only when the "
        "sender chose to give their name; every look at it is recorded.\n"
        "• Group leaders and other residents never see who reported anything.\n"
        "• You can see, export, correct or delete your data at any time.\n\n"
        "Knowingly false reports are punishable by law; honest reports, even if they turn out to "
        "be nothing, are always welcome."
    )


def information_flows() -> Iterator[tuple[Flow, MenuEntry]]:
    pages = (
        ("about", N_("About Bình Yên"), about_text, ("gioithieu", "about"), 20),
        ("privacy", N_("Privacy"), privacy_text, ("riengtu", "privacy"), 80),
        ("help", N_("Help"), help_text, (), 90),
    )
    for key, label, text, commands, order in pages:
        flow = InformationFlow(name=f"info_{key}", text=text)
        yield flow, MenuEntry(key=key, label=label, flow=flow.name, commands=commands, order=order)
