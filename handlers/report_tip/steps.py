"""The base of the tip report's steps: asking the next question, or the summary again."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.i18n import N_
from bot.people.consent import has_current_consent
from bot.runtime.dialog.flows import Flow
from bot.runtime.dialog.turn import Turn
from bot.tips.categories import categories_for
from handlers.report_tip.texts import ORDER, Step
from storage.models import TipCategory


class ReportTipSteps(Flow):
    """What every part of the report shares: its name, its draft, how it moves on."""

    name = "report_tip"
    draft_name = N_("tip")

    def holds_typed_content(self, data: dict[str, Any]) -> bool:
        typed = ("parts", "old_parts", "attachments", "typed_when", "occurred_text", "place")
        return any(data.get(key) for key in typed)

    # --- asking --------------------------------------------------------------------------
    async def _ask(self, turn: Turn, step: Step, prefix: str | None = None) -> None:
        await getattr(self, f"_ask_{step}")(turn, prefix)

    async def _next(self, turn: Turn, after: Step) -> None:
        """The question after `after`, or the summary again when correcting from it."""
        if turn.data.get("editing"):
            turn.update_data(editing=False)
            await self._ask(turn, Step.SUMMARY)
            return
        position = ORDER.index(after)
        await self._ask(turn, ORDER[position + 1] if position + 1 < len(ORDER) else Step.SUMMARY)

    def _reask(self, turn: Turn, prefix: str) -> None:
        prompt = turn.prompt
        if prompt is None:
            turn.leave()
            return
        turn.show(prompt, prefix=prefix)

    async def _categories(self, turn: Turn) -> list[TipCategory]:
        return await categories_for(turn.session, turn.data.get("commune"))

    def _label(self, turn: Turn, category: TipCategory) -> str:
        return category.label_en if turn.t.locale == "en" else category.label_vi

    def _prefix_last(self, turn: Turn, prefix: str | None) -> None:
        if prefix and turn.replies:
            last = turn.replies[-1]
            turn.replies[-1] = replace(last, text=f"{prefix}\n\n{last.text}")

    def _may_give_name(self, turn: Turn) -> bool:
        person = turn.person
        return (
            person is not None
            and has_current_consent(person)
            and person.commune_code == turn.data.get("commune")
        )

    def _may_be_asked_name(self, turn: Turn) -> bool:
        """A person of the commune's list may give their name once they agree to the notice."""
        person = turn.person
        return person is not None and person.commune_code == turn.data.get("commune")
