"""For commune police: the open tips of their commune, and one tip with its whole history; for
the commune admin: who looked at a tip's reporter.

/tips lists open tips, newest first (code, category, status, age), with filters: status,
category, village, older than a day; a tip's button or "/tip CODE" shows its card and every
event since, with who and when, questions and answers included. "/audit CODE" shows the commune
admin every read of the reporter's identity and the tip's events, without their texts. Every
step is authorised again on the server: anybody else typing these commands sees nothing.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import POLICY, Action, Actor, Forbidden, Scope, load_actor, require
from bot.i18n import N_, Translator
from bot.messages import Choice, EventKind
from bot.people.personal_data import audit
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.pages import MORE, page_of
from bot.runtime.dialog.turn import Turn
from bot.tips.card_delivery import delivery_marks
from bot.tips.cards import STATUS_NAMES, police_card
from bot.tips.clock import category_labels, open_tips, tip_line
from bot.tips.service import TipNotFound, categories_for, tip_for_police
from storage.models import (
    CLOSED_STATUSES,
    AuditEntry,
    Commune,
    Person,
    ScopeKind,
    Tip,
    TipAttachment,
    TipEvent,
    TipEventKind,
    TipStatus,
    Village,
)

PAGE = 20
TIP_BUTTONS = 5
ANY = "any"
OLDER_THAN = timedelta(days=1)
OPEN_STATUSES = [status for status in TipStatus if status not in CLOSED_STATUSES]

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


def is_police(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.RECEIVE_TIPS])


def is_admin(roles: frozenset[str]) -> bool:
    return bool(roles & POLICY[Action.VIEW_TIP_AUDIT])


def communes_in_reach(actor: Actor, action: Action) -> list[str]:
    """The communes where `actor` holds a commune-wide role that may do `action`."""
    return sorted(
        {
            grant.scope_id
            for grant in actor.grants
            if grant.role in POLICY[action] and grant.scope_kind == ScopeKind.COMMUNE
        }
    )


async def allowed_here(turn: Turn, action: Action, commune_code: str) -> bool:
    actor = await load_actor(turn.session, turn.person.id if turn.person else None)
    try:
        require(actor, action, Scope(commune_code))
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
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        communes = communes_in_reach(actor, Action.RECEIVE_TIPS)
        if not communes:
            _refuse(turn)
        elif len(communes) == 1:
            turn.update_data(commune=communes[0])
            await self._list(turn)
        else:
            rows = await turn.session.scalars(select(Commune).where(Commune.code.in_(communes)))
            names = {c.code: c.name for c in rows}
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
            villages = await turn.session.scalars(
                select(Village).where(Village.commune_code == commune).order_by(Village.name)
            )
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
        labels = [c.label_en if turn.t.locale == "en" else c.label_vi for c in rows]
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
        commune = await turn.session.get(Commune, data.get("commune") or "")
        if commune is None or not await allowed_here(turn, Action.RECEIVE_TIPS, commune.code):
            _refuse(turn)
            return
        tips = await open_tips(
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
        village := await turn.session.get(Village, village_id)
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


class _ByCode(Flow):
    """A command with a tip code ("/tip TB-7KQ2"), or the question for it."""

    async def begin(self, turn: Turn) -> None:
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
        tip = await tip_for_police(turn, code, Action.RECEIVE_TIPS)
    except (TipNotFound, Forbidden):
        turn.say(_no_such_tip(turn, code))
        return
    attachments = list(
        await turn.session.scalars(select(TipAttachment).where(TipAttachment.tip_id == tip.id))
    )
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


async def history_lines(
    session: AsyncSession, t: Translator, tip: Tip, *, texts: bool
) -> list[str]:
    """Every event of the tip, oldest first: when, what, who; with `texts`, what was said."""
    events = list(
        await session.scalars(
            select(TipEvent).where(TipEvent.tip_id == tip.id).order_by(TipEvent.at, TipEvent.id)
        )
    )
    names = await _names(session, {e.actor_person_id for e in events})
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


async def _names(session: AsyncSession, person_ids: set[int | None]) -> dict[int, str]:
    ids = [i for i in person_ids if i is not None]
    if not ids:
        return {}
    rows = await session.execute(select(Person.id, Person.full_name).where(Person.id.in_(ids)))
    return {person_id: name for person_id, name in rows.all()}


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
        from handlers.commune_audit import show_commune_log

        await show_commune_log(turn)
        turn.leave()

    async def show(self, turn: Turn, code: str) -> None:
        """Who read the reporter's identity and when, then the events without their texts;
        this look is audited too."""
        try:
            tip = await tip_for_police(turn, code, Action.VIEW_TIP_AUDIT)
        except (TipNotFound, Forbidden):
            turn.say(_no_such_tip(turn, code))
            return
        entries = list(
            await turn.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.subject_kind == "tip", AuditEntry.subject_id == tip.code)
                .order_by(AuditEntry.at, AuditEntry.id)
            )
        )
        names = await _names(turn.session, {e.actor_person_id for e in entries})
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


open_tips_entry = MenuEntry(
    key="opentips",
    label=N_("Open tips"),
    flow=OpenTips.name,
    commands=("tips", "tinbao"),
    visible_to=is_police,
    order=3,
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
