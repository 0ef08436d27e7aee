"""Commune police at work on a tip: the buttons under its card, and what they ask for.

Every press is re-authorised (commune police of the tip's commune only), recorded with who and
when, and edits every card of the tip in place. "Ask the reporter", "Duplicate" and the closing
note of "Resolved"/"Not enough grounds" ask the officer for a text first (in a group chat as a
reply to the bot, which Telegram delivers even in privacy mode).
"""

from __future__ import annotations

import re
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import Action, Forbidden
from bot.messages import Choice, EventKind, OutboundMessage
from bot.runtime.dialog.flows import Flow, FlowRegistry
from bot.runtime.dialog.turn import Turn
from bot.text_match import fold
from bot.tips import actions
from bot.tips.actions import CLOSING_TEMPLATES, MAX_TEXT, fits
from bot.tips.cards import BUTTONS, STATUS_NAMES, TIP_ACTION
from bot.tips.status import TipNotFound, change_status, tip_for_police
from bot.tips.vault import cipher_of, read_identity
from storage.models import Tip, TipStatus
from storage.repos.tips import tip_by_id


class Step(StrEnum):
    QUESTION = "question"
    DUPLICATE_OF = "duplicate_of"
    CLOSING_NOTE = "closing_note"


# What police type where there are no buttons (Zalo): "/tiepnhan TB-7K3Q" does what the card's
# "Acknowledge" does; "/hoi TB-7K3Q question", "/trung TB-7K3Q TB-AAAA" and "/giaiquyet TB-7K3Q
# closing note" take the rest of the line as what the button would have asked for.
TYPED_OPS = {
    "tiepnhan": "ack:",
    "xacminh": "verify:",
    "chuyen": "forward:",
    "giaiquyet": "resolve:",
    "khongcancu": "nogrounds:",
    "trung": "dup:",
    "hoi": "ask:",
    "xemnguoibao": "who:",
}


TYPED_CODE = re.compile(r"((?:tb[\s-]*)?[a-z0-9]{4})(?:\s+(.*))?$", re.IGNORECASE | re.DOTALL)


def typed_tip(turn: Turn, rest: str) -> tuple[str, str] | None:
    """(tip code, the text after it) of a typed command; None for a pressed button. Asks for
    the code when it is missing."""
    if turn.event.kind is not EventKind.COMMAND:
        return None
    if found := TYPED_CODE.match(rest.strip()):  # "TB-7K3Q", "tb 7k3q", "7K3Q"
        code, text = found.group(1), found.group(2) or ""
    else:
        code, _, text = rest.strip().partition(" ")
    if not code:
        turn.say(
            turn._(
                "Please type the tip's code after the command, for example: /{command} TB-7K3Q",
                command=fold(turn.event.command or ""),
            )
        )
    return code, text.strip()


async def tip_code_shown(session: AsyncSession, argument: str) -> str | None:
    """A button's tip id as police and reporters type it: the tip's code."""
    tip = await tip_by_id(session, int(argument)) if argument.isdigit() else None
    return tip.code if tip is not None else None


async def on_tip_button(turn: Turn, argument: str) -> None:
    """a:tip:<op>:<tip id>, pressed on a card anywhere (desk group or an officer's chat), or
    typed as "/<command> <tip code> [text]" (TYPED_OPS)."""
    op, _, raw_id = argument.partition(":")
    typed = typed_tip(turn, raw_id)
    if typed is not None and not typed[0]:
        return
    text = typed[1] if typed else ""
    try:
        action = Action.READ_REPORTER_IDENTITY if op == "who" else Action.RECEIVE_TIPS
        tip = await tip_for_police(turn.work, typed[0] if typed else int(raw_id), action)
    except (Forbidden, TipNotFound, ValueError):
        turn.say(turn._("That option is not available to you."))
        return
    statuses = {button_op: status for button_op, _, status in BUTTONS if status is not None}
    if op in statuses:
        await _set_status(turn, tip, statuses[op], note=text)
    elif op == "ask" and text:
        await send_question(turn, tip, text)
    elif op == "dup" and text:
        await mark_duplicate(turn, tip, text)
    elif op == "ask":
        _ask(
            turn,
            tip,
            Step.QUESTION,
            turn._("Type your question for the reporter of {code}:", code=tip.code),
        )
    elif op == "dup":
        _ask(
            turn,
            tip,
            Step.DUPLICATE_OF,
            turn._("{code} repeats which tip? Type its code:", code=tip.code),
        )
    elif op == "who":
        await _show_reporter(turn, tip)
    else:
        turn.say(turn._("That button belongs to an earlier message."))


async def _set_status(turn: Turn, tip: Tip, status: TipStatus, *, note: str = "") -> None:
    name = turn._(STATUS_NAMES[status])
    if not await change_status(turn.work, tip, status):
        turn.say(turn._("{code} is already: {status}.", code=tip.code, status=name))
        return
    who = turn.person.full_name if turn.person else ""
    turn.say(turn._("{code}: {status} ({officer}).", code=tip.code, status=name, officer=who))
    if status in CLOSING_TEMPLATES and note:  # typed with its closing note
        await save_closing_note(turn, tip, note)
    elif status in CLOSING_TEMPLATES:
        templates = [
            Choice(f"tpl{i}", turn._(text)) for i, text in enumerate(CLOSING_TEMPLATES[status])
        ]
        _ask(
            turn,
            tip,
            Step.CLOSING_NOTE,
            turn._(
                "A short closing message for the reporter of {code}: pick one or type your own.",
                code=tip.code,
            ),
            templates,
        )


def _ask(turn: Turn, tip: Tip, step: Step, text: str, choices: list[Choice] | None = None) -> None:
    turn.enter(TipPolice.name)
    turn.update_data(tip_id=tip.id)
    turn.ask(step, text, choices or [], free_text=True)


async def _show_reporter(turn: Turn, tip: Tip) -> None:
    """Shown only to the officer who asked, in their own chat; the read is audited."""
    identity = await read_identity(
        turn.session,
        cipher_of(turn.settings),
        tip,
        reader=turn.person.id,
        at=turn.now,  # type: ignore[union-attr]
    )
    if identity is None:
        turn.say(
            turn._("{code} was sent anonymously.", code=tip.code)
            if tip.anonymous
            else turn._("The reporter of {code} has since deleted their data.", code=tip.code)
        )
        return
    text = turn._(
        "Reporter of {code}: {name}, phone {phone}. This look has been logged.",
        code=tip.code,
        name=identity.name,
        phone=identity.phone or turn._("not given"),
    )
    if turn.event.is_group:
        await turn.notify(
            channel=turn.event.channel, chat_id=turn.account.chat_id, message=_private(text)
        )
        turn.say(
            turn._(
                "I have messaged you privately. If nothing arrives, open a private chat with "
                "Bình Yên first."
            )
        )
    else:
        turn.say(text, private=True)


def _private(text: str) -> OutboundMessage:
    return OutboundMessage(text=text, private=True)


class TipPolice(Flow):
    """The texts an officer types after pressing a card button."""

    name = "tip_police"

    async def begin(self, turn: Turn) -> None:
        """Entered only from a card button: nothing to ask."""
        turn.leave()

    async def _tip(self, turn: Turn) -> Tip | None:
        try:
            return await tip_for_police(turn.work, int(turn.data.get("tip_id", 0)))
        except (Forbidden, TipNotFound):
            turn.say(turn._("That option is not available to you."))
            turn.leave()
            return None

    async def on_question(self, turn: Turn) -> None:
        """Sends the typed question to the reporter and records it; ends."""
        tip = await self._tip(turn)
        if tip is not None:
            await send_question(turn, tip, turn.event.text.strip())

    async def on_duplicate_of(self, turn: Turn) -> None:
        """Marks the tip a duplicate of the typed code, or asks the code again."""
        tip = await self._tip(turn)
        if tip is not None:
            await mark_duplicate(turn, tip, turn.event.text)

    async def on_closing_note(self, turn: Turn) -> None:
        """Stores the closing note (a template or typed) and sends it to the reporter; ends."""
        tip = await self._tip(turn)
        if tip is None:
            return
        if turn.choice and turn.choice.startswith("tpl"):
            templates = CLOSING_TEMPLATES.get(TipStatus(tip.status), ())
            index = int(turn.choice.removeprefix("tpl"))
            note = turn._(templates[index]) if index < len(templates) else ""
        else:
            note = turn.event.text.strip()
        await save_closing_note(turn, tip, note)


async def send_question(turn: Turn, tip: Tip, question: str) -> None:
    """The officer's question, recorded and relayed to the reporter under the code only."""
    if not _fits(turn, question):
        return
    sent = await actions.ask_reporter(turn.work, tip, question)
    turn.say(
        turn._(
            "Your question was sent to the reporter of {code}; their answer will come here.",
            code=tip.code,
        )
        if sent
        else turn._("The reporter of {code} can no longer be reached.", code=tip.code)
    )
    _done(turn)


async def mark_duplicate(turn: Turn, tip: Tip, typed_code: str) -> None:
    """Marks the tip as repeating the tip of the typed code (of its commune), or asks again."""
    original = await actions.mark_duplicate(turn.work, tip, typed_code)
    if original is None:
        _retry(turn, turn._("No other tip of this commune has that code."))
        return
    turn.say(
        turn._("{code} marked as a duplicate of {original}.", code=tip.code, original=original.code)
    )
    _done(turn)


async def save_closing_note(turn: Turn, tip: Tip, note: str) -> None:
    """Stores the closing note and sends it to the reporter, who is asked for their rating."""
    if not _fits(turn, note):
        return
    await actions.send_closing_note(turn.work, tip, note)
    turn.say(turn._("Closing message saved for {code}.", code=tip.code))
    _done(turn)


def _in_step(turn: Turn) -> bool:
    """Answering a question of this flow (not a command typed with everything on one line)."""
    return turn.flow == TipPolice.name and turn.event.kind is not EventKind.COMMAND


def _done(turn: Turn) -> None:
    if _in_step(turn):
        turn.leave()


def _retry(turn: Turn, problem: str) -> None:
    """Ask the open question again after `problem`, or just say it for a typed command."""
    if _in_step(turn) and (prompt := turn.prompt) is not None:
        turn.show(prompt, prefix=problem)
    else:
        turn.say(problem)


def _fits(turn: Turn, text: str) -> bool:
    if fits(text):
        return True
    _retry(turn, turn._("Please type a text of at most {limit} characters.", limit=MAX_TEXT))
    return False


def register(registry: FlowRegistry) -> None:
    registry.add(TipPolice())
    registry.add_action(TIP_ACTION, on_tip_button, typed=TYPED_OPS, shown=tip_code_shown)
