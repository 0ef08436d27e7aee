"""Periodic reports (/baocaoky): the .docx and .xlsx of a quarter, a half year, a year or the
safe-area year, sent as documents.

Asks which group, village or commune (when the reader has several), then which period; writes
both files and sends them. Commune police and admins get their commune, village heads their
village, group leaders their group, each from their roles as stored and checked again on the
server (bot.authz) when the files are made.
"""

from __future__ import annotations

from enum import StrEnum

from bot.authz import POLICY, Action, Forbidden, load_actor
from bot.i18n import N_
from bot.messages import Choice
from bot.pledges.coverage import unit_from_key, unit_name, units_in_reach
from bot.reports import make_report
from bot.reports.data import AckRule
from bot.reports.periods import (
    PeriodError,
    parse_period,
    period_choices,
)
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn


class Step(StrEnum):
    UNIT = "unit"
    PERIOD = "period"


class PeriodicReport(Flow):
    name = "periodic_report"

    async def begin(self, turn: Turn) -> None:
        """Finds the reader's units; asks for one, or goes straight to the period."""
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        units = await units_in_reach(turn.session, actor)
        if not units:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
        elif len(units) == 1:
            turn.update_data(unit=units[0].key)
            self._ask_period(turn)
        else:
            choices = [Choice(u.key, await unit_name(turn.session, u)) for u in units]
            turn.ask(Step.UNIT, turn._("A report for which group, village or commune?"), choices)

    async def on_unit(self, turn: Turn) -> None:
        """Stores the unit picked; asks for the period."""
        turn.update_data(unit=turn.choice or "")
        self._ask_period(turn)

    def _ask_period(self, turn: Turn) -> None:
        today = turn.now.astimezone(turn.settings.timezone).date()
        turn.ask(Step.PERIOD, turn._("For which period?"), period_choices(turn.t, today))

    async def on_period(self, turn: Turn) -> None:
        """Makes the report for the period picked and sends both files."""
        try:
            period = parse_period(turn.choice or "")
        except PeriodError:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
            return
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        unit = await unit_from_key(turn.session, turn.data.get("unit", ""))
        settings = turn.settings
        try:
            if unit is None:
                raise Forbidden("no such unit")
            report, paths = await make_report(
                turn.session,
                unit,
                period,
                settings.media_dir / "reports",
                actor=actor,
                tz=settings.timezone,
                now=turn.now,
                ack=AckRule(settings.tip_ack_minutes, settings.tip_ack_minutes_urgent),
            )
        except Forbidden:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
            return
        for path in paths:
            turn.say(
                turn._(
                    "Report of {place}, {period}", place=report.place, period=period.name(turn.t)
                ),
                document=str(path.absolute()),
            )
        turn.leave()


def sees_reports(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.VIEW_REPORT])


periodic_report_entry = MenuEntry(
    key="reports",
    label=N_("Periodic reports (.docx, .xlsx)"),
    flow=PeriodicReport.name,
    commands=("baocaoky", "reports"),
    visible_to=sees_reports,
    order=86,  # after "Language": the numbers of the menu lines above stay as they were
)
