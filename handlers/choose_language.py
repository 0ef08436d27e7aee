"""Switch the bot's language: asks Tiếng Việt or English; stores it on the messenger account."""

from __future__ import annotations

from enum import StrEnum

from bot.i18n import Translator
from bot.messages import Choice
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn

LANGUAGES = (Choice("vi", "Tiếng Việt"), Choice("en", "English"))


class Step(StrEnum):
    LANGUAGE = "language"


class ChooseLanguage(Flow):
    name = "choose_language"

    async def begin(self, turn: Turn) -> None:
        """Stores nothing; asks which language."""
        turn.ask(Step.LANGUAGE, turn._("Choose your language:"), LANGUAGES)

    async def on_language(self, turn: Turn) -> None:
        """Stores the picked language; the rest of this reply is already in it."""
        assert turn.choice is not None
        turn.account.language = turn.choice
        turn.t = Translator(turn.choice, turn.t.timezone)
        turn.say(turn._("From now on I will write to you in English."))
        turn.leave()


choose_language_entry = MenuEntry(
    key="language",
    label="Ngôn ngữ / Language",
    flow=ChooseLanguage.name,
    commands=("ngonngu", "language"),
    order=85,
)
