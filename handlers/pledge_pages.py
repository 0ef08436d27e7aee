"""What both pledge flows share: reading the commitments a page at a time (each page fits a
Zalo message), the question on the last page, the signed text, and a withdrawal's reason.

The household's own pledge (handlers/pledge.py) and the leader's assisted pledge
(handlers/pledge_on_behalf.py) fill in the heading and the last question.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from bot.i18n import N_
from bot.messages import Choice, EventKind
from bot.pledges.coverage import unit_of_group
from bot.pledges.service import MAX_REASON, describe
from bot.pledges.texts import applicable_text, pages, version_label
from bot.runtime.dialog.flows import Flow
from bot.runtime.dialog.turn import Turn
from storage.models import Household, PledgeText
from storage.repos.org import commune_by_code
from storage.repos.people import household_by_id
from storage.repos.pledges import pledge_in_force, pledge_text_by_id

CONFIRM, LATER, DELEGATE, READ, WITHDRAW, NEXT = (
    "confirm",
    "later",
    "delegate",
    "read",
    "withdraw",
    "next",
)
NOT_AVAILABLE = N_("That option is not available to you.")


class Step(StrEnum):
    GROUP = "group"
    HOUSEHOLD = "household"
    HOW = "how"
    PAGE = "page"
    CONFIRM = "confirm"
    MANAGE = "manage"
    REASON = "reason"
    DELEGATE = "delegate"


async def commune_name(turn: Turn, household: Household) -> str | None:
    unit = await unit_of_group(turn.session, household.group_id)
    commune = await commune_by_code(turn.session, unit.commune_code) if unit else None
    return commune.name if commune else None


async def text_for(turn: Turn, household: Household, year: int) -> PledgeText:
    unit = await unit_of_group(turn.session, household.group_id)
    assert unit is not None
    return await applicable_text(turn.session, unit.commune_code, year)


class PledgePages(Flow):
    """Reading the commitments page by page, then one question on the last page."""

    def holds_typed_content(self, data: dict[str, Any]) -> bool:
        """Reading the commitments to sign them: the household chosen, how it confirmed and
        the page reached are kept as a draft when the person leaves (issue #13)."""
        return bool(data.get("text_id"))

    async def household(self, turn: Turn) -> Household | None:
        household_id = turn.data.get("household_id")
        return await household_by_id(turn.session, household_id) if household_id else None

    async def show_page(self, turn: Turn, index: int) -> None:
        household = await self.household(turn)
        text = await pledge_text_by_id(turn.session, turn.data.get("text_id"))
        if household is None or text is None:
            turn.leave()
            return
        all_pages = pages(turn.t, text, turn.data["year"], await self.heading(turn, household))
        index = max(0, min(index, len(all_pages) - 1))
        if index < len(all_pages) - 1:
            turn.ask(Step.PAGE, all_pages[index], [Choice(f"{NEXT}:{index + 1}", turn._("Next"))])
            return
        label = version_label(turn.t, text, await commune_name(turn, household))
        question, choices = await self.question(turn, household)
        turn.ask(Step.CONFIRM, f"{all_pages[index]}\n\n({label})\n\n{question}", choices)

    async def on_page(self, turn: Turn) -> None:
        """Shows the page asked for; the last page asks the flow's question."""
        _, _, index = (turn.choice or "").partition(":")
        await self.show_page(turn, int(index) if index.isdigit() else 0)

    async def heading(self, turn: Turn, household: Household) -> str:
        raise NotImplementedError

    async def question(self, turn: Turn, household: Household) -> tuple[str, list[Choice]]:
        raise NotImplementedError

    async def say_signed_text(self, turn: Turn, household: Household) -> None:
        """The commitments exactly as the household signed them (the version it confirmed)."""
        pledge = await pledge_in_force(turn.session, household.id, turn.data["year"])
        text = await pledge_text_by_id(turn.session, pledge.text_id) if pledge else None
        if pledge is None or text is None:
            turn.say(turn._("Your household has no pledge for {year}.", year=turn.data["year"]))
            return
        heading = turn._("Household: {address}", address=household.address)
        signed = pages(turn.t, text, pledge.year, heading)
        label = version_label(turn.t, text, await commune_name(turn, household))
        for page in signed[:-1]:
            turn.say(page)
        turn.say(f"{signed[-1]}\n\n({label})\n\n" + await describe(turn.session, turn.t, pledge))

    def ask_reason(self, turn: Turn) -> None:
        turn.ask(
            Step.REASON,
            turn._(
                "Why is the pledge withdrawn? Please type the reason in a few words. It is "
                "recorded with the withdrawal."
            ),
            free_text=True,
        )

    def typed_reason(self, turn: Turn) -> str | None:
        reason = " ".join(turn.event.text.split()) if turn.event.kind is EventKind.TEXT else ""
        if not 3 <= len(reason) <= MAX_REASON or sum(c.isalpha() for c in reason) < 2:
            turn.show(
                turn.prompt,  # type: ignore[arg-type]
                prefix=turn._(
                    "Please type the reason in words, at most {limit} characters.",
                    limit=MAX_REASON,
                ),
            )
            return None
        return reason
