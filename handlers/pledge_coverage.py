"""Pledge coverage (/baocao camket [year]): pledged / resident households and who is missing.

Group leaders see their group, village heads their village, commune police and admins their
commune (per village), each from their roles as stored. The spreadsheet (.xlsx: a summary, then
one sheet per village with every household's status and date) comes as a document.
"""

from __future__ import annotations

from enum import StrEnum

from bot.authz import POLICY, Action, Forbidden, load_actor, require
from bot.i18n import N_
from bot.messages import Choice, EventKind
from bot.pledges.coverage import (
    MAX_MISSING_LINES,
    Unit,
    UnitKind,
    coverage,
    missing_households,
    missing_text,
    summary_text,
    unit_from_key,
    unit_name,
    units_in_reach,
)
from bot.pledges.report import write_coverage_workbook
from bot.pledges.service import current_year
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.text_match import fold

REPORT_WORDS = {"camket", "cam", "ket", "pledge", "pledges"}
XLSX, YEAR = "xlsx", "year"
FIRST_YEAR = 2000


class Step(StrEnum):
    UNIT = "unit"
    MORE = "more"


class PledgeCoverage(Flow):
    name = "pledge_coverage"

    async def begin(self, turn: Turn) -> None:
        """Stores nothing; reads the year typed with the command and sends the coverage report."""
        year = current_year(turn.work)
        words = fold(turn.event.args).split() if turn.event.kind is EventKind.COMMAND else []
        for word in words:
            if word.isdigit() and FIRST_YEAR <= int(word) <= year + 1:
                year = int(word)
            elif word not in REPORT_WORDS:
                turn.say(
                    turn._(
                        "I do not know that report. Available: /baocao camket (household "
                        "safety pledges), optionally with a year, e.g. /baocao camket {year}",
                        year=year - 1,
                    )
                )
                turn.leave()
                return
        turn.update_data(year=year)
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        units = await units_in_reach(turn.session, actor)
        if not units:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
        elif len(units) == 1:
            await self._show(turn, units[0], year)
        else:
            choices = [Choice(u.key, await unit_name(turn.session, u)) for u in units]
            turn.ask(Step.UNIT, turn._("For which group, village or commune?"), choices)

    async def on_unit(self, turn: Turn) -> None:
        """Shows the coverage of the unit picked (re-authorised) and asks what else to send."""
        unit = await self._allowed(turn, turn.choice or "")
        if unit is not None:
            await self._show(turn, unit, turn.data["year"])

    async def _allowed(self, turn: Turn, key: str) -> Unit | None:
        """The unit a button named, looked up and authorised again on the server."""
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        unit = await unit_from_key(turn.session, key)
        try:
            if unit is None:
                raise Forbidden("no such unit")
            require(actor, Action.VIEW_COVERAGE, unit.scope)
        except Forbidden:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
            return None
        return unit

    async def _show(self, turn: Turn, unit: Unit, year: int) -> None:
        if await self._allowed(turn, unit.key) is None:
            return
        report = await coverage(turn.session, unit, year)
        place = await unit_name(turn.session, unit)
        parts = [summary_text(turn.t, report, place)]
        if unit.kind == UnitKind.COMMUNE:
            parts.append(
                turn._("The households that have not pledged are listed in the spreadsheet.")
            )
        else:
            missing = await missing_households(turn.session, unit, year)
            parts.append(
                missing_text(
                    turn.t,
                    missing,
                    with_group=unit.kind == UnitKind.VILLAGE,
                    limit=MAX_MISSING_LINES,
                )
            )
        turn.say("\n\n".join(parts))
        turn.update_data(unit=unit.key, year=year)
        turn.ask(
            Step.MORE,
            turn._("Anything else?"),
            [
                Choice(XLSX, turn._("Send the spreadsheet (.xlsx)")),
                Choice(f"{YEAR}:{year - 1}", turn._("Show {year}", year=year - 1)),
            ],
        )

    async def on_more(self, turn: Turn) -> None:
        """Sends the unit's spreadsheet, or shows the coverage of the year before."""
        unit = await self._allowed(turn, turn.data.get("unit", ""))
        if unit is None:
            return
        year = turn.data["year"]
        kind, _, value = (turn.choice or "").partition(":")
        if kind == YEAR and value.isdigit() and int(value) >= FIRST_YEAR:
            await self._show(turn, unit, int(value))
            return
        stamp = turn.now.astimezone(turn.settings.timezone).strftime("%Y%m%d-%H%M%S")
        ident = unit.key.replace(":", "-")
        path = turn.settings.media_dir / "reports" / f"camket-{year}-{ident}-{stamp}.xlsx"
        await write_coverage_workbook(turn.session, turn.t, unit, year, path, now=turn.now)
        place = await unit_name(turn.session, unit)
        turn.say(
            turn._("Household safety pledges, {place}, {year}", place=place, year=year),
            document=str(path.absolute()),
        )
        turn.leave()


def sees_coverage(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.VIEW_COVERAGE])


pledge_coverage_entry = MenuEntry(
    key="coverage",
    label=N_("Household pledges: progress"),
    flow=PledgeCoverage.name,
    commands=("baocao", "baocaocamket", "coverage"),
    visible_to=sees_coverage,
    order=57,
)
