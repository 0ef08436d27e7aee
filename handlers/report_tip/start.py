"""The tip report's start: emergency numbers, the commune, what it is about."""

from __future__ import annotations

from bot.messages import Choice, EventKind
from bot.people.consent import has_current_consent
from bot.runtime.dialog.engine import NOT_UNDERSTOOD
from bot.runtime.dialog.turn import Turn
from bot.text_match import is_number, match_choice
from handlers.report_tip.guards import emergency_line, in_sentence, private_chat_only, rate_limited
from handlers.report_tip.steps import ReportTipSteps
from handlers.report_tip.texts import COMMON_CATEGORIES, MAX_PAGE, MORE, SERVICES, Step
from storage.models import Commune
from storage.repos.org import commune_by_code, find_communes


class StartSteps(ReportTipSteps):
    # --- start ---------------------------------------------------------------------------
    async def begin(self, turn: Turn) -> None:
        """Says the emergency numbers; takes the member's commune or asks for its name."""
        if private_chat_only(turn) or await rate_limited(turn):
            turn.leave()
            return
        person = turn.person
        commune = (
            await commune_by_code(turn.session, person.commune_code)
            if person is not None and person.commune_code and has_current_consent(person)
            else None
        )
        turn.say(emergency_line(turn, commune.duty_phone if commune else None))
        if commune is None:
            turn.ask(
                Step.COMMUNE_NAME,
                turn._(
                    "Which commune or ward is this about? Type its name (for example: Thanh Mỹ). "
                    "The tip goes to its police."
                ),
                free_text=True,
            )
            return
        await self._take_commune(turn, commune, announce=False)

    async def on_commune_name(self, turn: Turn) -> None:
        """Finds the typed commune: one is stored, several are offered, none is asked again."""
        if turn.event.kind is not EventKind.TEXT:
            self._reask(turn, turn._("Please type the name of the commune or ward."))
            return
        matches = await find_communes(turn.session, turn.event.text)
        if not matches:
            self._reask(
                turn,
                turn._("I found no commune or ward with that name. Please check the spelling."),
            )
            return
        if len(matches) == 1:
            await self._take_commune(turn, matches[0][0], announce=True)
            return
        choices = [Choice(c.code, f"{c.name}, {p.name}") for c, p in matches]
        turn.ask(Step.PICK_COMMUNE, turn._("Which commune or ward do you mean?"), choices)

    async def on_pick_commune(self, turn: Turn) -> None:
        """Stores the commune picked; asks what the tip is about."""
        commune = await commune_by_code(turn.session, turn.choice)
        if commune is None:
            turn.leave()
            return
        await self._take_commune(turn, commune, announce=True)

    async def _take_commune(self, turn: Turn, commune: Commune, *, announce: bool) -> None:
        turn.update_data(commune=commune.code, commune_name=commune.name)
        if announce and commune.duty_phone:
            turn.say(
                turn._(
                    "Duty phone of the police of {commune}: {phone}",
                    commune=in_sentence(commune.name),
                    phone=commune.duty_phone,
                )
            )
        await self._ask(turn, Step.CATEGORY)

    # --- category ------------------------------------------------------------------------
    async def _ask_category(self, turn: Turn, prefix: str | None, *, more: bool = False) -> None:
        """The most common categories, then "Something else…" for the rest: no page of more
        than 9 lines; any category's words are understood on either page."""
        categories = [Choice(c.key, self._label(turn, c)) for c in await self._categories(turn)]
        if len(categories) <= MAX_PAGE:
            choices = categories
        elif more:
            choices = categories[COMMON_CATEGORIES:]
        else:
            choices = [*categories[:COMMON_CATEGORIES], Choice(MORE, turn._("Something else…"))]
        turn.ask(Step.CATEGORY, turn._("What is it about?"), choices, free_text=True)
        self._prefix_last(turn, prefix)

    async def on_category(self, turn: Turn) -> None:
        """Stores the category (an urgent one repeats the number to call); asks what happened."""
        if turn.choice == MORE:
            await self._ask_category(turn, None, more=True)
            return
        categories = await self._categories(turn)
        category = next((c for c in categories if c.key == turn.choice), None)
        if (
            category is None
            and turn.event.kind is EventKind.TEXT
            and not is_number(turn.event.text)
        ):
            typed = match_choice(
                turn.event.text, [Choice(c.key, self._label(turn, c)) for c in categories]
            )
            category = next((c for c in categories if typed and c.key == typed.key), None)
        if category is None:
            self._reask(turn, turn._(NOT_UNDERSTOOD))
            return
        turn.update_data(category=category.key, category_label=self._label(turn, category))
        if category.urgent and category.emergency_number:
            service = SERVICES.get(category.emergency_number)
            number = turn._(service) if service else category.emergency_number
            commune = await commune_by_code(turn.session, turn.data.get("commune"))
            text = turn._("If this is happening now, call {number} right away.", number=number)
            if commune is not None and commune.duty_phone:
                phone = commune.duty_phone
                text += " " + turn._("Commune police duty phone: {phone}.", phone=phone)
            turn.say(text)
        await self._next(turn, Step.CATEGORY)
