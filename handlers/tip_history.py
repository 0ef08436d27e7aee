"""For commune police: one tip with its whole history; for the commune admin: who looked at a
tip's reporter.

A tip's button in /tips, or "/tip CODE", shows its card and every event since, with who and
when, questions and answers included. "/audit CODE" shows the commune admin every read of the
reporter's identity and the tip's events, without their texts; "/audit" alone, the commune's
audit log. Every look is authorised again on the server: anybody else sees nothing.
"""

from __future__ import annotations

from enum import StrEnum

from bot.authz import Action, Forbidden
from bot.i18n import N_
from bot.messages import EventKind
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.tips.cards import police_card
from bot.tips.history import AUDIT_NAMES, history_lines
from bot.tips.reach import is_admin, is_police
from bot.tips.status import TipNotFound, tip_for_police
from handlers.commune_audit import show_commune_log
from storage.models import CLOSED_STATUSES
from storage.repos.audit import audit
from storage.repos.tips import attachments_of, audit_of_tip, names_of


class Step(StrEnum):
    CODE = "code"


class _ByCode(Flow):
    """A command with a tip code ("/tip TB-7KQ2"), or the question for it."""

    async def begin(self, turn: Turn) -> None:
        """Shows the tip of the typed code, or asks for the code."""
        typed = turn.event.args.strip() if turn.event.kind is EventKind.COMMAND else ""
        if typed:
            await self.show(turn, typed)
            turn.leave()
            return
        turn.ask(Step.CODE, turn._("Which tip? Type its code, for example TB-7KQ2."))

    async def on_code(self, turn: Turn) -> None:
        """Shows the tip whose code was typed."""
        await self.show(turn, turn.event.text)
        turn.leave()

    async def show(self, turn: Turn, code: str) -> None:
        raise NotImplementedError


class TipDetail(_ByCode):
    name = "police_tip"

    async def show(self, turn: Turn, code: str) -> None:
        await show_tip(turn, code)


async def show_tip(turn: Turn, code: str) -> None:
    """The card as police see it, and the history; the card's buttons while it is open."""
    try:
        tip = await tip_for_police(turn.work, code, Action.RECEIVE_TIPS)
    except (TipNotFound, Forbidden):
        turn.say(_no_such_tip(turn, code))
        return
    attachments = await attachments_of(turn.session, tip.id)
    card = await police_card(turn.session, turn.t, tip, attachments)
    lines = [card.text]
    if tip.purged_at is not None:
        lines.append(
            turn._(
                "Its texts were deleted on {date}, after the retention period.",
                date=turn.t.date(tip.purged_at),
            )
        )
    lines += ["", turn._("History:"), *await history_lines(turn.session, turn.t, tip, texts=True)]
    closed = tip.status in CLOSED_STATUSES or tip.purged_at is not None
    turn.say("\n".join(lines), choices=() if closed else card.choices)


def _no_such_tip(turn: Turn, code: str) -> str:
    return turn._("There is no tip {code} that you can see.", code=code.strip().upper())


class TipAudit(_ByCode):
    name = "tip_audit"

    async def begin(self, turn: Turn) -> None:
        """Without a tip code: the commune's audit log (roles, links, identity views)."""
        typed = turn.event.args.strip() if turn.event.kind is EventKind.COMMAND else ""
        if typed:
            await super().begin(turn)
            return
        await show_commune_log(turn)
        turn.leave()

    async def show(self, turn: Turn, code: str) -> None:
        """Who read the reporter's identity and when, then the events without their texts;
        this look is audited too."""
        try:
            tip = await tip_for_police(turn.work, code, Action.VIEW_TIP_AUDIT)
        except (TipNotFound, Forbidden):
            turn.say(_no_such_tip(turn, code))
            return
        entries = await audit_of_tip(turn.session, tip.code)
        names = await names_of(turn.session, {e.actor_person_id for e in entries})
        lines = [turn._("Audit of tip {code}", code=tip.code), ""]
        if tip.anonymous:
            lines.append(turn._("The reporter stayed anonymous: there is no identity to view."))
        elif not any(e.action == "tip.read_identity" for e in entries):
            lines.append(turn._("Nobody has viewed the reporter's name and phone."))
        for entry in entries:
            what = (
                turn._(AUDIT_NAMES[entry.action]) if entry.action in AUDIT_NAMES else entry.action
            )
            who = names.get(entry.actor_person_id or 0, turn._("the bot"))
            lines.append(f"• {turn.t.datetime(entry.at)} · {who} · {what}")
        lines += ["", turn._("History:")]
        lines += await history_lines(turn.session, turn.t, tip, texts=False)
        turn.say("\n".join(lines))
        audit(
            turn.session,
            actor=turn.person.id if turn.person else None,
            action="tip.view_audit",
            subject_kind="tip",
            subject_id=tip.code,
            at=turn.now,
        )


tip_detail_entry = MenuEntry(
    key="findtip",
    label=N_("Find a tip by its code"),
    flow=TipDetail.name,
    commands=("tip", "xemtin"),
    visible_to=is_police,
    order=4,
)
tip_audit_entry = MenuEntry(
    key="tipaudit",
    label=N_("Who viewed a tip's reporter"),
    flow=TipAudit.name,
    commands=("audit", "nhatky"),
    visible_to=is_admin,
    order=76,
)
