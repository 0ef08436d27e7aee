"""Commune police keep the fraud warning list that residents' checks answer from.

"/canhbao" (typed items, or "/canhbao 0912 345 678"), or "Mark as fraud" under a fraud tip's
card ("/luadao TB-7K3Q" where there are no buttons) → the items → the warning residents will
read (typed, or the standard one) → until when (no end, 3 months, a year, or a typed date) →
stored, and the text for /thongbao offered. Under a card, "Duplicate of TB-…" / "Not a
duplicate" settle the suggestion the card made ("/trung", "/khongtrung TB-7K3Q TB-AB12").
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from enum import StrEnum

from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import Action, Forbidden, Scope, allowed, load_actor
from bot.i18n import N_, Translator
from bot.messages import Choice, EventKind
from bot.runtime.dialog.flows import Flow, FlowRegistry, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.scams.extract import Item, ItemKind, extract_items
from bot.scams.links import LINK_ACTION, SCAM_ACTION
from bot.scams.service import DEFAULT_WARNING, announcement, capitalised, item_label, save_warning
from bot.text_match import fold
from bot.tips.codes import normalise_tip_code
from bot.tips.delivery import refresh_cards
from bot.tips.status import TipNotFound, tip_for_police
from handlers.tip_triage import mark_duplicate, tip_code_shown, typed_tip
from storage.models import Role, TipEvent, TipEventKind
from storage.repos.org import commune_by_code
from storage.repos.scams import tip_of_commune

STANDARD, NO_END, MONTHS_3, YEAR_1 = "standard", "noend", "m3", "y1"
MIN_TEXT, MAX_TEXT = 5, 1000
TYPED_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


class Step(StrEnum):
    ITEMS = "items"
    TEXT = "text"
    EXPIRY = "expiry"


def _stored(item: Item) -> list[str | None]:
    return [item.kind, item.value, item.shown, item.bank]


def _items(turn: Turn) -> list[Item]:
    return [Item(ItemKind(k), v, s, b) for k, v, s, b in turn.data.get("items", [])]


async def police_communes(turn: Turn) -> list[str]:
    """The communes whose fraud list this person keeps (commune police)."""
    actor = await load_actor(turn.session, turn.person.id if turn.person else None)
    return [
        grant.scope_id
        for grant in actor.grants
        if grant.role == Role.COMMUNE_POLICE
        and allowed(actor, Action.LIST_FRAUD, Scope(grant.scope_id))
    ]


class ScamWarnings(Flow):
    name = "scam_warnings"

    async def begin(self, turn: Turn) -> None:
        """Stores the officer's commune (and items typed with the command); asks for the items."""
        communes = await police_communes(turn)
        if not communes:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
            return
        turn.update_data(commune=communes[0], source="typed")
        items = extract_items(turn.event.args) if turn.event.kind is EventKind.COMMAND else []
        if items:
            turn.update_data(items=[_stored(item) for item in items])
            self._ask_text(turn)
            return
        turn.ask(
            Step.ITEMS,
            turn._(
                "Type the phone numbers, bank accounts, links or usernames to warn residents "
                "about (several at once if you like):"
            ),
            free_text=True,
        )

    async def on_items(self, turn: Turn) -> None:
        """Takes the items; asks for the warning text."""
        items = extract_items(turn.event.text)
        if not items:
            if (prompt := turn.prompt) is not None:
                turn.show(
                    prompt,
                    prefix=turn._(
                        "I found no phone number, bank account, link or username in that."
                    ),
                )
            return
        turn.update_data(items=[_stored(item) for item in items])
        self._ask_text(turn)

    def _ask_text(self, turn: Turn) -> None:
        listed = "\n".join(f"• {capitalised(item_label(turn.t, i))}" for i in _items(turn))
        turn.ask(
            Step.TEXT,
            turn._(
                "To the fraud warnings:\n{items}\n\nType the warning residents will read when "
                "they check it, or choose the standard text.",
                items=listed,
            ),
            [Choice(STANDARD, turn._("Use the standard text"))],
            free_text=True,
        )

    async def on_text(self, turn: Turn) -> None:
        """Takes the warning text; asks until when it holds."""
        if turn.choice == STANDARD:
            text = Translator("vi", turn.settings.timezone).gettext(DEFAULT_WARNING)
        else:
            text = " ".join(turn.event.text.split())
            if not MIN_TEXT <= len(text) <= MAX_TEXT:
                if (prompt := turn.prompt) is not None:
                    turn.show(
                        prompt,
                        prefix=turn._(
                            "Please type a text of at most {limit} characters.", limit=MAX_TEXT
                        ),
                    )
                return
        turn.update_data(text=text)
        turn.ask(
            Step.EXPIRY,
            turn._("Until when should the warning hold? Choose, or type a date (31/12/2027)."),
            [
                Choice(NO_END, turn._("No end date")),
                Choice(MONTHS_3, turn._("3 months")),
                Choice(YEAR_1, turn._("1 year")),
            ],
            free_text=True,
        )

    async def on_expiry(self, turn: Turn) -> None:
        """Stores the warnings and offers the announcement."""
        today = turn.now.astimezone(turn.settings.timezone).date()
        expires: date | None = None
        if turn.choice == MONTHS_3:
            expires = today + timedelta(days=91)
        elif turn.choice == YEAR_1:
            expires = today + timedelta(days=365)
        elif turn.choice != NO_END:
            expires = _typed_date(turn.event.text)
            if expires is None or expires < today:
                if (prompt := turn.prompt) is not None:
                    turn.show(
                        prompt,
                        prefix=turn._("Please type a date from today on, like 31/12/2027."),
                    )
                return
        await self._save(turn, today, expires)

    async def _save(self, turn: Turn, today: date, expires: date | None) -> None:
        data = turn.data
        commune = await commune_by_code(turn.session, data["commune"])
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        if commune is None or not allowed(actor, Action.LIST_FRAUD, Scope(commune.code)):
            turn.say(turn._("That option is not available to you."))
            turn.leave()
            return
        saved = []
        for item in _items(turn):
            row, _outcome = await save_warning(
                turn.session,
                commune_code=commune.code,
                item=item,
                text=data["text"],
                source=data.get("source") or "typed",
                listed_on=today,
                expires_on=expires,
                tip_id=data.get("tip_id"),
                created_by=turn.person.id if turn.person else None,
            )
            saved.append(row)
        if data.get("tip_id"):
            turn.session.add(
                TipEvent(
                    tip_id=data["tip_id"],
                    at=turn.now,
                    kind=TipEventKind.MARKED_FRAUD,
                    actor_person_id=turn.person.id if turn.person else None,
                )
            )
        until = format_date(expires, "dd/MM/yyyy") if expires else turn._("no end date")
        turn.say(
            turn.ngettext(
                "{n} item is on the fraud warnings of {commune} (until: {until}). Residents who "
                "check it now read your warning.",
                "{n} items are on the fraud warnings of {commune} (until: {until}). Residents "
                "who check them now read your warning.",
                len(saved),
                commune=commune.name,
                until=until,
            )
        )
        turn.say(turn._("To warn the whole commune, use /thongbao and send this text:"))
        turn.say(announcement(Translator("vi", turn.settings.timezone), commune.name, saved))
        turn.leave()


def _typed_date(text: str) -> date | None:
    found = TYPED_DATE.match(text or "")
    if not found:
        return None
    day, month, year = (int(part) for part in found.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


async def on_scam_button(turn: Turn, argument: str) -> None:
    """a:scam:mark:<tip id> under a fraud tip's card, or "/luadao TB-7K3Q" typed."""
    _op, _, raw_id = argument.partition(":")
    typed = typed_tip(turn, raw_id)
    if typed is not None and not typed[0]:
        return
    try:
        tip = await tip_for_police(turn.work, typed[0] if typed else int(raw_id), Action.LIST_FRAUD)
    except (Forbidden, TipNotFound, ValueError):
        turn.say(turn._("That option is not available to you."))
        return
    items = extract_items(tip.description or "")
    if not items:
        turn.say(turn._("{code} holds no phone number, account or link.", code=tip.code))
        return
    turn.enter(ScamWarnings.name)
    turn.update_data(
        commune=tip.commune_code,
        source=tip.code,
        tip_id=tip.id,
        items=[_stored(item) for item in items],
    )
    ScamWarnings()._ask_text(turn)


async def on_link_button(turn: Turn, argument: str) -> None:
    """a:scamlink:dup|keep:<tip id>:<other id>, or "/khongtrung TB-7K3Q TB-AB12" typed."""
    op, _, rest = argument.partition(":")
    try:
        if turn.event.kind is EventKind.COMMAND:
            codes = rest.split()
            if len(codes) != 2:
                turn.say(
                    turn._(
                        "Please type the two tips' codes, for example: /{command} TB-7K3Q TB-AB12",
                        command=fold(turn.event.command or ""),
                    )
                )
                return
            tip = await tip_for_police(turn.work, codes[0])
            other_ref: str | int = normalise_tip_code(codes[1])
        else:
            tip_id, _, other_id = rest.partition(":")
            tip = await tip_for_police(turn.work, int(tip_id))
            other_ref = int(other_id)
    except (Forbidden, TipNotFound, ValueError):
        turn.say(turn._("That option is not available to you."))
        return
    if isinstance(other_ref, str):
        other = await tip_of_commune(turn.session, tip.commune_code, code=other_ref)
    else:
        other = await tip_of_commune(turn.session, tip.commune_code, tip_id=other_ref)
    if other is None or other.id == tip.id:
        turn.say(turn._("No other tip of this commune has that code."))
        return
    if op == "dup":
        await mark_duplicate(turn, tip, other.code)
        return
    turn.session.add(
        TipEvent(
            tip_id=tip.id,
            at=turn.now,
            kind=TipEventKind.NOT_DUPLICATE,
            actor_person_id=turn.person.id if turn.person else None,
            text=other.code,
        )
    )
    await turn.session.flush()
    turn.queued.update(await refresh_cards(turn.session, turn.settings, tip))
    turn.say(
        turn._("Noted: {code} is not a duplicate of {other}.", code=tip.code, other=other.code)
    )


def _is_police(roles: frozenset[str]) -> bool:
    return Role.COMMUNE_POLICE in roles


scam_warnings_entry = MenuEntry(
    key="scamlist",
    label=N_("Fraud warnings"),
    flow=ScamWarnings.name,
    commands=("canhbao", "canhbaoluadao"),
    visible_to=_is_police,
    order=93,
)


def register(registry: FlowRegistry) -> None:
    registry.add(ScamWarnings(), scam_warnings_entry)
    registry.add_action(
        SCAM_ACTION, on_scam_button, typed={"luadao": "mark:"}, shown=tip_code_shown
    )
    registry.add_action(
        LINK_ACTION,
        on_link_button,
        typed={"khongtrung": "keep:", "xacnhantrung": "dup:"},
        shown=_codes_shown,
    )


async def _codes_shown(session: AsyncSession, argument: str) -> str | None:
    """ "12:7" as police type it: "TB-7K3Q TB-AB12"."""
    codes = [await tip_code_shown(session, part) for part in argument.split(":")]
    return " ".join(codes) if all(codes) else None  # type: ignore[arg-type]
