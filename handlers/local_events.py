"""`/sukien`: commune police or an admin adds a local event to the commune's calendar: its day
("20/11", or "âm 15/8" for a lunar date), its name and the message. Everyone in the commune
(group chats and members) is reminded the day before and on the day, at 07:00."""

from __future__ import annotations

import re
from enum import StrEnum

from bot.authz import Action, Scope, allowed, load_actor
from bot.calendar.rules import RuleError, parse_rule
from bot.i18n import N_
from bot.runtime.dialog.flows import Flow, FlowRegistry, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.text_match import fold
from storage.models import Role
from storage.repos.local_events import local_event_to_write

DAY = re.compile(r"^\s*(am|lunar)?\s*(\d{1,2})\s*[/.\s-]\s*(\d{1,2})\s*$")


class Step(StrEnum):
    DAY = "day"
    TITLE = "title"
    TEXT = "text"


def _commune(actor) -> str | None:  # type: ignore[no-untyped-def]
    for grant in actor.grants:
        if grant.scope_kind == "commune" and allowed(
            actor, Action.ADD_LOCAL_EVENT, Scope(grant.scope_id)
        ):
            return grant.scope_id
    return None


class LocalEvent(Flow):
    name = "local_event"

    async def begin(self, turn: Turn) -> None:
        """Stores the admin's commune; asks on which day the event falls every year."""
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        commune = _commune(actor)
        if commune is None:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
            return
        turn.update_data(commune=commune)
        turn.ask(
            Step.DAY,
            turn._(
                "On which day is the event, every year? For example 20/11, or “âm 15/8” for a "
                "lunar date."
            ),
            free_text=True,
        )

    async def on_day(self, turn: Turn) -> None:
        """Stores the yearly day (solar or lunar); asks what the event is called."""
        found = DAY.match(fold(turn.event.text or ""))
        rule = None
        if found:
            kind = "lunar" if found.group(1) else "date"
            rule = f"{kind}:{int(found.group(2))}/{int(found.group(3))}"
            try:
                parse_rule(rule)
            except RuleError:
                rule = None
        if rule is None:
            turn.say(turn._("Please write the day as day/month, for example 20/11."))
            return
        turn.update_data(rule=rule)
        turn.ask(Step.TITLE, turn._("What is the event called?"), free_text=True)

    async def on_title(self, turn: Turn) -> None:
        """Stores the event's name; asks what the reminder should say."""
        title = (turn.event.text or "").strip()[:200]
        if not title:
            return
        turn.update_data(title=title)
        turn.ask(
            Step.TEXT,
            turn._(
                "What should the reminder say? It goes to everyone the day before and on the day."
            ),
            free_text=True,
        )

    async def on_text(self, turn: Turn) -> None:
        """Stores the local event with its reminder text; says when everyone is reminded."""
        text = (turn.event.text or "").strip()[:2000]
        if not text:
            return
        commune, title = turn.data["commune"], turn.data["title"]
        key = "local_" + re.sub(r"[^a-z0-9]+", "_", fold(title).lower()).strip("_")[:30]
        row = await local_event_to_write(turn.session, commune, key)
        row.title, row.rule, row.audience, row.leads = title, turn.data["rule"], "all", "1d,0d"
        row.text_vi, row.text_en, row.enabled = text, None, True
        row.created_by = turn.person.id if turn.person else None
        row.updated_at = turn.now
        turn.say(
            turn._(
                "Saved: “{title}” ({rule}). Everyone in the commune is reminded the day before "
                "and on the day at 07:00.",
                title=title,
                rule=turn.data["rule"].replace("date:", "").replace("lunar:", "âm "),
            )
        )
        turn.leave()


def adds_events(roles: frozenset[str]) -> bool:
    return bool(roles & {Role.COMMUNE_POLICE, Role.COMMUNE_ADMIN})


local_event_entry = MenuEntry(
    key="local_event",
    label=N_("Add a local event"),
    flow=LocalEvent.name,
    commands=("sukien", "event"),
    visible_to=adds_events,
    order=87,
)


def register(registry: FlowRegistry) -> None:
    registry.add(LocalEvent(), local_event_entry)
