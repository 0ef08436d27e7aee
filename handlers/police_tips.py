"""For commune police: the open tips of their commune (/tips).

Lists open tips, newest first (code, category, status, age), with filters: status, category,
village, older than a day; a tip's button or a typed code shows it with its history
(handlers/tip_history.py). Every step is authorised again on the server: anybody else typing
the command sees nothing.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from bot.authz import Action, Forbidden, Scope
from bot.i18n import N_
from bot.messages import Choice, EventKind
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.pages import MORE, page_of
from bot.runtime.dialog.turn import Turn
from bot.tips.card_delivery import delivery_marks
from bot.tips.cards import STATUS_NAMES
from bot.tips.categories import categories_for, category_labels, label_of
from bot.tips.clock import tip_line
from bot.tips.reach import communes_in_reach, is_police
from handlers.tip_history import show_tip
from storage.models import CLOSED_STATUSES, TipStatus
from storage.repos.org import commune_by_code
from storage.repos.tips import communes_named, open_tips_of, village_by_id, villages_of

PAGE = 20
TIP_BUTTONS = 5
ANY = "any"
OLDER_THAN = timedelta(days=1)
OPEN_STATUSES = [status for status in TipStatus if status not in CLOSED_STATUSES]


async def allowed_here(turn: Turn, action: Action, commune_code: str) -> bool:
    try:
        await turn.work.check(action, Scope(commune_code))
    except Forbidden:
        return False
    return True


class Step(StrEnum):
    COMMUNE = "commune"
    LIST = "list"
    STATUS = "status"
    CATEGORY = "category"
    VILLAGE = "village"
    CODE = "code"


class OpenTips(Flow):
    """List → (a filter's choices → list again)* → a tip's history."""

    name = "police_tips"

    async def begin(self, turn: Turn) -> None:
        """Lists the open tips of the officer's commune, or asks which commune."""
        communes = communes_in_reach(await turn.work.acting(), Action.RECEIVE_TIPS)
        if not communes:
            _refuse(turn)
        elif len(communes) == 1:
            turn.update_data(commune=communes[0])
            await self._list(turn)
        else:
            names = await communes_named(turn.session, communes)
            choices = [Choice(code, names.get(code, code)) for code in communes]
            turn.ask(Step.COMMUNE, turn._("For which commune?"), choices)

    async def on_commune(self, turn: Turn) -> None:
        """Stores the commune picked and lists its open tips."""
        turn.update_data(commune=turn.choice)
        await self._list(turn)

    async def on_list(self, turn: Turn) -> None:
        """A tip's button, or a typed code ("/tip CODE" too), shows it; a filter's button asks
        for its value."""
        choice = turn.choice or ""
        commune = turn.data["commune"]
        if turn.choice is None:
            typed = turn.event.args if turn.event.kind is EventKind.COMMAND else turn.event.text
            if typed.strip():
                await show_tip(turn, typed)
                turn.leave()
            else:
                await self._list(turn)
        elif choice.startswith("t:"):
            await show_tip(turn, choice.removeprefix("t:"))
            turn.leave()
        elif choice == "f:status":
            choices = [Choice(s.value, turn._(STATUS_NAMES[s])) for s in OPEN_STATUSES]
            turn.ask(Step.STATUS, turn._("Which status?"), [*choices, _any(turn)])
        elif choice == "f:category":
            await self._ask_category(turn, commune)
        elif choice == "f:village":
            villages = await villages_of(turn.session, commune)
            choices = [Choice(str(v.id), v.name) for v in villages]
            turn.ask(Step.VILLAGE, turn._("Which village?"), [*choices, _any(turn)])
        elif choice == "f:old":
            turn.update_data(old=not turn.data.get("old"))
            await self._list(turn)
        else:  # "f:clear"
            turn.update_data(status=None, category=None, village=None, old=False)
            await self._list(turn)

    async def on_status(self, turn: Turn) -> None:
        """Stores the status filter and lists again."""
        turn.update_data(status=None if turn.choice == ANY else turn.choice)
        await self._list(turn)

    async def _ask_category(self, turn: Turn, commune: str, *, second: bool = False) -> None:
        rows = await categories_for(turn.session, commune)
        labels = [label_of(turn.t, c) for c in rows]
        choices = [Choice(c.key, label) for c, label in zip(rows, labels, strict=True)]
        page = page_of([*choices, _any(turn)], second=second, more_label=turn._("More…"))
        turn.ask(Step.CATEGORY, turn._("Which category?"), page)

    async def on_category(self, turn: Turn) -> None:
        """Stores the category filter and lists again."""
        if turn.choice == MORE:
            await self._ask_category(turn, turn.data["commune"], second=True)
            return
        turn.update_data(category=None if turn.choice == ANY else turn.choice)
        await self._list(turn)

    async def on_village(self, turn: Turn) -> None:
        """Stores the village filter and lists again."""
        turn.update_data(village=None if turn.choice == ANY else int(turn.choice or 0))
        await self._list(turn)

    async def _list(self, turn: Turn) -> None:
        data = turn.data
        commune = await commune_by_code(turn.session, data.get("commune"))
        if commune is None or not await allowed_here(turn, Action.RECEIVE_TIPS, commune.code):
            _refuse(turn)
            return
        tips = await open_tips_of(
            turn.session,
            commune.code,
            status=data.get("status"),
            category_key=data.get("category"),
            village_id=data.get("village"),
            created_before=turn.now - OLDER_THAN if data.get("old") else None,
        )
        labels = await category_labels(turn.session, turn.t, commune.code)
        lines = [turn._("Open tips of {commune}: {count}", commune=commune.name, count=len(tips))]
        if filters := await _filters_text(turn, labels):
            lines.append(turn._("Filters: {filters}", filters=filters))
        lines.append("")
        marks = await delivery_marks(turn.session, tips[:PAGE])
        for tip in tips[:PAGE]:
            line = tip_line(turn.t, tip, labels, turn.now)
            lines.append(f"{line} — {turn._(marks[tip.id])}" if tip.id in marks else line)
        if not tips:
            lines.append(turn._("No open tip matches."))
        elif len(tips) > PAGE:
            lines.append(
                turn._("… and {n} more: narrow the list with a filter.", n=len(tips) - PAGE)
            )
        lines += ["", turn._("Pick a tip, or type /tip CODE, to see it with its history.")]
        choices = [Choice(f"t:{tip.code}", tip.code) for tip in tips[:TIP_BUTTONS]]
        choices += [
            Choice("f:status", turn._("Filter by status")),
            Choice("f:category", turn._("Filter by category")),
            Choice("f:village", turn._("Filter by village")),
            Choice("f:old", turn._("Any age") if data.get("old") else turn._("Older than 1 day")),
        ]
        if any(data.get(name) for name in ("status", "category", "village", "old")):
            choices.append(Choice("f:clear", turn._("Clear the filters")))
        turn.ask(Step.LIST, "\n".join(lines), choices, free_text=True)


async def _filters_text(turn: Turn, labels: dict[str, str]) -> str:
    data, parts = turn.data, []
    if status := data.get("status"):
        parts.append(turn._(STATUS_NAMES[TipStatus(status)]))
    if category := data.get("category"):
        parts.append(labels.get(category, category))
    if (village_id := data.get("village")) and (
        village := await village_by_id(turn.session, village_id)
    ):
        parts.append(village.name)
    if data.get("old"):
        parts.append(turn._("older than 1 day"))
    return "; ".join(parts)


def _any(turn: Turn) -> Choice:
    return Choice(ANY, turn._("All"))


def _refuse(turn: Turn) -> None:
    turn.say(turn._("That option is not available to you."))
    turn.leave()


open_tips_entry = MenuEntry(
    key="opentips",
    label=N_("Open tips"),
    flow=OpenTips.name,
    commands=("tips", "tinbao"),
    visible_to=is_police,
    order=3,
)
