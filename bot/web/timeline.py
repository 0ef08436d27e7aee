"""A tip's history as the console shows it: when, what, which officer, and the words exchanged.

The reporter appears only as "the reporter": their answers and comments are their own words
under the tip code, as in the chat's relay.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator
from bot.tips.cards import STATUS_NAMES
from bot.tips.history import ESCALATION_NAMES, EVENT_NAMES
from storage.models import Tip, TipEventKind, TipStatus
from storage.repos.people import person_by_id
from storage.repos.web_tips import tip_history

ASSIGNED = N_("assigned to {officer}")
UNASSIGNED = N_("given back to the whole desk")
FROM_REPORTER = frozenset({TipEventKind.ANSWER, TipEventKind.ADDED, TipEventKind.FEEDBACK})


@dataclass(frozen=True)
class TimelineRow:
    at: str
    what: str
    who: str
    text: str | None
    from_reporter: bool


async def timeline_rows(session: AsyncSession, t: Translator, tip: Tip) -> list[TimelineRow]:
    rows = []
    for event, actor_name in await tip_history(session, tip.id):
        kind = event.kind
        text = event.text
        if kind == TipEventKind.ESCALATED:
            what = t.gettext(ESCALATION_NAMES.get(text or "", EVENT_NAMES[TipEventKind.ESCALATED]))
            text = None
        elif kind == TipEventKind.STATUS and event.status:
            status = t.gettext(STATUS_NAMES[TipStatus(event.status)])
            what = t.gettext(EVENT_NAMES[TipEventKind.STATUS], status=status)
        elif kind == TipEventKind.ASSIGNED:
            officer = await person_by_id(session, int(text)) if text and text.isdigit() else None
            what = (
                t.gettext(ASSIGNED, officer=officer.full_name) if officer else t.gettext(UNASSIGNED)
            )
            text = None
        elif kind in EVENT_NAMES:
            what = t.gettext(EVENT_NAMES[TipEventKind(kind)])
        else:
            what = kind
        from_reporter = kind in FROM_REPORTER
        who = t.gettext("the reporter") if from_reporter else (actor_name or "")
        rows.append(TimelineRow(t.datetime(event.at), what, who, text, from_reporter))
    return rows
