"""A tip's history as police read it: every event with when, what and who."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator
from bot.tips.cards import STATUS_NAMES
from storage.models import Tip, TipEventKind, TipStatus
from storage.repos.tips import events_of, names_of

EVENT_NAMES = {
    TipEventKind.CREATED: N_("received"),
    TipEventKind.STATUS: N_("status: {status}"),
    TipEventKind.QUESTION: N_("question to the reporter"),
    TipEventKind.ANSWER: N_("answer from the reporter"),
    TipEventKind.ADDED: N_("the reporter added information"),
    TipEventKind.CLOSING_NOTE: N_("closing note"),
    TipEventKind.FEEDBACK: N_("the reporter's feedback"),
    TipEventKind.ESCALATED: N_("not acknowledged in time: sent again"),
    TipEventKind.IDENTITY_READ: N_("the reporter's identity was viewed"),
    TipEventKind.NOT_DUPLICATE: N_("not a duplicate of the tip suggested"),
    TipEventKind.MARKED_FRAUD: N_("its numbers and links were added to the fraud warnings"),
}
ESCALATION_NAMES = {
    "escalation1": N_("not acknowledged in time: sent again to every officer"),
    "escalation2": N_("not acknowledged in time: sent to the commune admin"),
}
AUDIT_NAMES = {
    "tip.read_identity": N_("viewed the reporter's name and phone"),
    "tip.view_audit": N_("viewed this audit"),
    "tip.purge": N_("texts deleted after the retention period"),
}


async def history_lines(
    session: AsyncSession, t: Translator, tip: Tip, *, texts: bool
) -> list[str]:
    """Every event of the tip, oldest first: when, what, who; with `texts`, what was said."""
    events = await events_of(session, tip.id)
    names = await names_of(session, {e.actor_person_id for e in events})
    lines = []
    for event in events:
        if event.kind == TipEventKind.ESCALATED:
            what = t.gettext(ESCALATION_NAMES.get(event.text or "", EVENT_NAMES[event.kind]))
        elif event.kind == TipEventKind.STATUS and event.status:
            status = t.gettext(STATUS_NAMES[TipStatus(event.status)])
            what = t.gettext(EVENT_NAMES[TipEventKind.STATUS], status=status)
        elif event.kind in EVENT_NAMES:
            what = t.gettext(EVENT_NAMES[TipEventKind(event.kind)])
        else:
            what = event.kind
        line = f"• {t.datetime(event.at)} · {what}"
        if event.actor_person_id in names:
            line += f" · {names[event.actor_person_id]}"
        if texts and event.text and event.kind != TipEventKind.ESCALATED:
            line += f"\n  “{event.text}”"
        lines.append(line)
    return lines
