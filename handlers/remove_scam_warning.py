"""Commune police take an item off the fraud warning list ("/gocanhbao"), e.g. a number
listed by mistake: the list's items to choose from, or the item typed ("/gocanhbao 0912…").
Residents' checks stop showing the warning at once."""

from __future__ import annotations

from enum import StrEnum

from bot.i18n import N_
from bot.messages import Choice, EventKind
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.scams.extract import extract_items
from bot.scams.service import capitalised, item_label
from handlers.scam_warnings import police_communes
from storage.models import Role, ScamWarning
from storage.repos.org import commune_by_code
from storage.repos.scams import commune_warnings, remove_warning_by_id, remove_warnings

MAX_SHOWN = 20


class Step(StrEnum):
    PICK = "pick"


class RemoveScamWarning(Flow):
    name = "remove_scam_warning"

    async def begin(self, turn: Turn) -> None:
        """Stores the officer's commune; removes what was typed, else asks which warning."""
        communes = await police_communes(turn)
        if not communes:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
            return
        turn.update_data(commune=communes[0])
        if turn.event.kind is EventKind.COMMAND and extract_items(turn.event.args):
            await self._remove_typed(turn, turn.event.args)
            return
        today = turn.now.astimezone(turn.settings.timezone).date()
        listed = await commune_warnings(turn.session, commune_code=communes[0], today=today)
        if not listed:
            turn.say(turn._("The commune's fraud warning list is empty."))
            turn.leave()
            return
        turn.ask(
            Step.PICK,
            turn._("Which warning should be removed? Choose it, or type the number or link:"),
            [Choice(str(w.id), capitalised(item_label(turn.t, w))) for w in listed[:MAX_SHOWN]],
            free_text=True,
        )

    async def on_pick(self, turn: Turn) -> None:
        """Removes the warning chosen or typed."""
        if turn.choice and turn.choice.isdigit():
            row = await remove_warning_by_id(
                turn.session, commune_code=turn.data.get("commune", ""), warning_id=int(turn.choice)
            )
            if row is not None:
                await self._done(turn, [row])
                return
        await self._remove_typed(turn, turn.event.text)

    async def _remove_typed(self, turn: Turn, text: str) -> None:
        items = [(item.kind, item.value) for item in extract_items(text)]
        removed = await remove_warnings(
            turn.session, commune_code=turn.data["commune"], items=items
        )
        if not removed:
            turn.say(turn._("That is not on the commune's fraud warning list."))
            turn.leave()
            return
        await self._done(turn, removed)

    async def _done(self, turn: Turn, removed: list[ScamWarning]) -> None:
        commune = await commune_by_code(turn.session, turn.data["commune"])
        for row in removed:
            turn.say(
                turn._(
                    "Removed from the fraud warnings of {commune}: {item}.",
                    commune=commune.name if commune else "",
                    item=item_label(turn.t, row),
                )
            )
        turn.leave()


def _is_police(roles: frozenset[str]) -> bool:
    return Role.COMMUNE_POLICE in roles


remove_scam_warning_entry = MenuEntry(
    key="scamunlist",
    label=N_("Remove a fraud warning"),
    flow=RemoveScamWarning.name,
    commands=("gocanhbao",),
    visible_to=_is_police,
    order=94,
)
