"""Tip counts for leaders, where the commune turned them on: how many tips of each category came
from the leader's village, and from the whole commune, in the last 90 days. Counts only: never
a tip, a text or a reporter. The commune admin turns the setting on or off.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import POLICY, Action, Actor
from bot.i18n import N_
from bot.messages import Choice
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.tips.categories import category_labels
from bot.tips.reach import communes_in_reach
from bot.vocabulary import unit_placeholders
from storage.models import Commune, ScopeKind, Village
from storage.repos.audit import audit
from storage.repos.org import commune_by_code
from storage.repos.tips import tips_by_category, villages_of_grants

PERIOD = timedelta(days=90)
ON, OFF = "on", "off"


def is_leader(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.VIEW_TIP_COUNTS])


def is_admin(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.SET_LEADER_TIP_COUNTS])


async def leader_villages(session: AsyncSession, actor: Actor) -> list[Village]:
    """The villages of the groups and villages this person leads, from their roles as stored:
    the counts are scoped by these, never by anything the chat sent."""
    grants = [g for g in actor.grants if g.role in POLICY[Action.VIEW_TIP_COUNTS]]
    return await villages_of_grants(
        session,
        village_ids=[int(g.scope_id) for g in grants if g.scope_kind == ScopeKind.VILLAGE],
        group_ids=[int(g.scope_id) for g in grants if g.scope_kind == ScopeKind.GROUP],
    )


async def counts_by_category(
    session: AsyncSession, commune_code: str, since: datetime, village_id: int | None = None
) -> list[tuple[str, int]]:
    rows = await tips_by_category(session, commune_code, since=since, village_id=village_id)
    return sorted(rows, key=lambda row: (-row[1], row[0]))


class LeaderTipCounts(Flow):
    name = "leader_tip_counts"

    async def begin(self, turn: Turn) -> None:
        """Shows the tip counts of the leader's villages and communes, where turned on; ends."""
        villages = await leader_villages(turn.session, await turn.work.acting())
        if not villages:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
            return
        since = turn.now - PERIOD
        blocks, communes_done = [], set()
        for village in villages:
            commune = await commune_by_code(turn.session, village.commune_code)
            if commune is None or not commune.leaders_see_tip_counts:
                continue
            labels = await category_labels(turn.session, turn.t, commune.code)
            counted = await counts_by_category(turn.session, commune.code, since, village.id)
            blocks.append(_block(turn, village.name, counted, labels))
            if commune.code not in communes_done:
                communes_done.add(commune.code)
                counted = await counts_by_category(turn.session, commune.code, since)
                blocks.append(_block(turn, commune.name, counted, labels))
        if not blocks:
            turn.say(
                turn._(
                    "Your commune has not turned on tip counts for leaders. Tips go straight to "
                    "commune police, who follow them up."
                )
            )
        else:
            turn.say(
                "\n\n".join(
                    [
                        turn._("Tips received in the last 90 days, by category (counts only):"),
                        *blocks,
                    ]
                )
            )
        turn.leave()


def _block(turn: Turn, place: str, counted: list[tuple[str, int]], labels: dict[str, str]) -> str:
    total = sum(n for _, n in counted)
    lines = [turn._("{place}: {count}", place=place, count=total)]
    lines += [f"• {labels.get(key, key)}: {n}" for key, n in counted]
    return "\n".join(lines)


class Step(StrEnum):
    DECIDE = "decide"


class LeaderTipCountsSetting(Flow):
    """For the commune admin: shows the setting, asks on or off, stores it (audited)."""

    name = "leader_tip_counts_setting"

    async def begin(self, turn: Turn) -> None:
        """Asks the commune admin whether leaders see tip counts."""
        commune = await self._commune(turn)
        if commune is None:
            return
        state = turn._("on") if commune.leaders_see_tip_counts else turn._("off")
        turn.ask(
            Step.DECIDE,
            turn._(
                "Group leaders and {unit} heads of {commune} seeing how many tips of each "
                "category came from their {unit} (counts only, never a tip or a reporter): "
                "{state} now.",
                commune=commune.name,
                state=state,
                **unit_placeholders(commune.unit_word),
            ),
            [Choice(ON, turn._("Turn on")), Choice(OFF, turn._("Turn off"))],
        )

    async def on_decide(self, turn: Turn) -> None:
        """Stores the choice, after checking again who decides."""
        commune = await self._commune(turn)
        if commune is None:
            return
        commune.leaders_see_tip_counts = turn.choice == ON
        audit(
            turn.session,
            actor=turn.person.id if turn.person else None,
            action="commune.leader_tip_counts",
            subject_kind="commune",
            subject_id=commune.code,
            at=turn.now,
            detail=turn.choice,
        )
        turn.say(
            turn._("Leaders now see tip counts by category.")
            if commune.leaders_see_tip_counts
            else turn._("Leaders no longer see tip counts.")
        )
        turn.leave()

    async def _commune(self, turn: Turn) -> Commune | None:
        """The admin's commune (the first, for the rare admin of several), re-authorised."""
        actor = await turn.work.acting()
        codes = communes_in_reach(actor, Action.SET_LEADER_TIP_COUNTS)
        commune = await commune_by_code(turn.session, codes[0]) if codes else None
        if commune is None:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
            return None
        return commune


leader_tip_counts_entry = MenuEntry(
    key="tipcounts",
    label=N_("Tip counts in my village"),
    flow=LeaderTipCounts.name,
    commands=("sotinbao", "tipcounts"),
    visible_to=is_leader,
    order=55,
)
leader_tip_counts_setting_entry = MenuEntry(
    key="tipcountset",
    label=N_("Tip counts for leaders"),
    flow=LeaderTipCountsSetting.name,
    commands=("caidatsotinbao",),
    visible_to=is_admin,
    order=77,
)
