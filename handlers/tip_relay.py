"""The reporter's side of the relay: answering a police question, and saying whether they are
satisfied with how a closed tip was handled ("not satisfied" reopens it with their comment).

The reporter is recognised by the encrypted list of tips kept on their messenger account
(bot.tips.own_tips), never by anything stored on the tip, so this works for anonymous tips too;
nothing here records who they are.
A member who linked a second messenger (/lienket) is recognised from either account.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from bot.i18n import N_, Translator
from bot.messages import Choice, EventKind, OutboundMessage
from bot.runtime.dialog.flows import Flow, FlowRegistry
from bot.runtime.dialog.turn import Turn
from bot.tips.actions import FEEDBACK, FEEDBACK_ACTION, MAX_TEXT, REPLY_ACTION, fits
from bot.tips.codes import normalise_tip_code
from bot.tips.delivery import police_chats, refresh_cards
from bot.tips.own_tips import own_tip_ids
from bot.tips.vault import cipher_of
from handlers.tip_triage import tip_code_shown, typed_tip
from storage.models import CLOSED_STATUSES, Priority, Tip, TipEvent, TipEventKind, TipStatus
from storage.repos.tip_questions import unanswered_question_tip, unrated_closed_tip
from storage.repos.tips import tip_by_code, tip_by_id

ANSWER_TO_POLICE = N_("The reporter of {code} answers: {text}")
NOT_SATISFIED_TO_POLICE = N_(
    "The reporter of {code} is not satisfied: {text}\nThe tip has been reopened."
)


# A text typed within this time after a police question is offered as the answer to it.
ANSWER_WINDOW = timedelta(hours=24)
# Within this time after a tip was closed, words typed by its reporter lead to its rating.
RATING_WINDOW = timedelta(days=14)
SATISFIED = FEEDBACK[0][0]
SEND, DO_NOT_SEND = "send", "dont"


class Step(StrEnum):
    ANSWER = "answer"
    COMMENT = "comment"
    CONFIRM_ANSWER = "confirm_answer"
    RATING = "rating"


async def own_tip(turn: Turn, raw_id: str, *, code: str | None = None) -> Tip | None:
    """The tip (by id, or by its `code` when typed), if the one pressing or typing is the one
    who reported it: from this messenger account, or from another one of the same person."""
    if code is not None:
        tip = await tip_by_code(turn.session, normalise_tip_code(code))
    else:
        tip = await tip_by_id(turn.session, int(raw_id)) if raw_id.isdigit() else None
    own = await own_tip_ids(turn.session, cipher_of(turn.settings), account=turn.account)
    if tip is None or tip.id not in own or tip.purged_at is not None:
        turn.say(turn._("That option is not available to you."))
        return None
    return tip


async def _pressed_or_typed(turn: Turn, argument: str) -> tuple[Tip | None, str]:
    """The reporter's tip and, when typed ("/traloi TB-7K3Q text"), the text after the code."""
    typed = typed_tip(turn, argument)
    if typed is None:
        return await own_tip(turn, argument), ""
    code, text = typed
    if not code:
        return None, ""
    return await own_tip(turn, "", code=code), text


async def on_reply_button(turn: Turn, argument: str) -> None:
    """ "Reply" under a police question: sends a typed answer, or asks for it."""
    tip, text = await _pressed_or_typed(turn, argument)
    if tip is None:
        return
    if text:
        await _answer(turn, tip, text)
        return
    turn.enter(TipReporterReplies.name)
    turn.update_data(tip_id=tip.id)
    turn.ask(
        Step.ANSWER,
        turn._("Type your answer to commune police about {code}:", code=tip.code),
        free_text=True,
    )


async def on_feedback_button(turn: Turn, argument: str) -> None:
    """The reporter's rating: "satisfied" is stored; "not satisfied" asks what was not right."""
    verdict, _, rest = argument.partition(":")
    tip, text = await _pressed_or_typed(turn, rest)
    if tip is None:
        return
    if _rated_already(turn, tip):
        return
    if verdict == SATISFIED:
        _satisfied(turn, tip)
    elif text:
        await _comment(turn, tip, text)
    else:
        turn.enter(TipReporterReplies.name)
        turn.update_data(tip_id=tip.id)
        _ask_comment(turn, tip)


def _rated_already(turn: Turn, tip: Tip) -> bool:
    if tip.satisfied is None and tip.status in CLOSED_STATUSES:
        return False
    turn.say(turn._("Thank you, your answer about {code} was already recorded.", code=tip.code))
    return True


def _satisfied(turn: Turn, tip: Tip) -> None:
    tip.satisfied = True
    turn.session.add(TipEvent(tip_id=tip.id, at=turn.now, kind=TipEventKind.FEEDBACK, text="+"))
    turn.say(turn._("Thank you for your feedback."))


def _ask_comment(turn: Turn, tip: Tip) -> None:
    turn.ask(
        Step.COMMENT,
        turn._("What was not right? Commune police will look at {code} again.", code=tip.code),
        free_text=True,
    )


class TipReporterReplies(Flow):
    name = "tip_reporter"

    async def begin(self, turn: Turn) -> None:
        """Entered only from a button: nothing to ask."""
        turn.leave()

    async def _tip(self, turn: Turn) -> Tip | None:
        tip = await own_tip(turn, str(turn.data.get("tip_id", "")))
        if tip is None:
            turn.leave()
        return tip

    async def on_answer(self, turn: Turn) -> None:
        """Passes the typed answer to commune police under the code; ends."""
        if (tip := await self._tip(turn)) is not None:
            await _answer(turn, tip, turn.event.text.strip())

    async def on_rating(self, turn: Turn) -> None:
        """Stores "satisfied" and ends, or asks what was not right ("not satisfied")."""
        tip = await self._tip(turn)
        if tip is None:
            return
        if _rated_already(turn, tip):
            turn.leave()
        elif turn.choice == SATISFIED:
            _satisfied(turn, tip)
            turn.leave()
        else:
            _ask_comment(turn, tip)

    async def on_comment(self, turn: Turn) -> None:
        """Stores the comment, reopens the tip and tells police; ends."""
        if (tip := await self._tip(turn)) is not None:
            await _comment(turn, tip, turn.event.text.strip())

    async def on_confirm_answer(self, turn: Turn) -> None:
        """ "Send" passes the words kept as the answer to police; ends either way."""
        if turn.choice != SEND:
            turn.say(turn._("Not sent."))
            turn.leave()
        elif (tip := await self._tip(turn)) is not None:
            await _answer(turn, tip, str(turn.data.get("text", "")))
            turn.leave()


async def offer_as_answer(turn: Turn) -> bool:
    """Words typed in a private chat, outside any conversation, within a day of a police
    question the reporter has not answered: offered as the answer, sent with one more word."""
    text = turn.event.text.strip()
    if turn.event.is_group or not text:
        return False
    own = await own_tip_ids(turn.session, cipher_of(turn.settings), account=turn.account)
    tip = await unanswered_question_tip(turn.session, tip_ids=own, since=turn.now - ANSWER_WINDOW)
    if tip is None:
        return False
    turn.enter(TipReporterReplies.name)
    turn.update_data(tip_id=tip.id, text=text)
    turn.ask(
        Step.CONFIRM_ANSWER,
        turn._("Send this to commune police about {code}?", code=tip.code),
        [Choice(SEND, turn._("Send")), Choice(DO_NOT_SEND, turn._("No"))],
    )
    return True


async def offer_rating(turn: Turn) -> bool:
    """Words typed in a private chat, outside any conversation, within a fortnight of the
    closing of one's own tip not rated yet: the rating is asked as a numbered question
    ("1. Hài lòng 2. Chưa hài lòng"), which typed words without diacritics answer too."""
    if turn.event.is_group or not turn.event.text.strip():
        return False
    own = await own_tip_ids(turn.session, cipher_of(turn.settings), account=turn.account)
    tip = await unrated_closed_tip(turn.session, tip_ids=own, since=turn.now - RATING_WINDOW)
    if tip is None:
        return False
    turn.enter(TipReporterReplies.name)
    turn.update_data(tip_id=tip.id)
    turn.ask(
        Step.RATING,
        turn._("Are you satisfied with how commune police handled your tip {code}?", code=tip.code),
        [Choice(verdict, turn._(label)) for verdict, label in FEEDBACK],
    )
    return True


def _fits(turn: Turn, text: str) -> bool:
    if fits(text):
        return True
    problem = turn._("Please type a text of at most {limit} characters.", limit=MAX_TEXT)
    prompt = turn.prompt
    if turn.flow == TipReporterReplies.name and turn.event.kind is not EventKind.COMMAND and prompt:
        turn.show(prompt, prefix=problem)
    else:
        turn.say(problem)
    return False


def _done(turn: Turn) -> None:
    if turn.flow == TipReporterReplies.name and turn.event.kind is not EventKind.COMMAND:
        turn.leave()


async def _answer(turn: Turn, tip: Tip, text: str) -> None:
    if not _fits(turn, text):
        return
    turn.session.add(TipEvent(tip_id=tip.id, at=turn.now, kind=TipEventKind.ANSWER, text=text))
    await tell_police(turn, tip, ANSWER_TO_POLICE, text)
    turn.say(
        turn._("Your answer was passed to commune police under the code {code}.", code=tip.code)
    )
    _done(turn)


async def _comment(turn: Turn, tip: Tip, text: str) -> None:
    if not _fits(turn, text):
        return
    tip.satisfied = False
    tip.status = TipStatus.VERIFYING
    tip.closed_at = None
    turn.session.add(
        TipEvent(
            tip_id=tip.id, at=turn.now, kind=TipEventKind.FEEDBACK, status=tip.status, text=text
        )
    )
    turn.queued.update(await refresh_cards(turn.session, turn.settings, tip))
    await tell_police(turn, tip, NOT_SATISFIED_TO_POLICE, text)
    turn.say(turn._("Thank you. Commune police will look at {code} again.", code=tip.code))
    _done(turn)


async def tell_police(turn: Turn, tip: Tip, msgid: str, text: str) -> None:
    """To the commune's police chats, under the code only; tip traffic, so it goes before
    campaign messages when a messenger's monthly budget runs short."""
    for chat in await police_chats(turn.session, tip.commune_code):
        t = Translator(chat.language, turn.settings.timezone)
        await turn.notify(
            channel=chat.channel,
            chat_id=chat.chat_id,
            message=OutboundMessage(text=t.gettext(msgid, code=tip.code, text=text)),
            priority=Priority.TIP,
            is_group_chat=chat.is_group,
        )


def register(registry: FlowRegistry) -> None:
    registry.add(TipReporterReplies())
    registry.text_hooks.append(offer_as_answer)
    registry.text_hooks.append(offer_rating)
    # Typed where there are no buttons: "/traloi TB-7K3Q answer", "/hailong TB-7K3Q",
    # "/chuahailong TB-7K3Q what was not right".
    registry.add_action(REPLY_ACTION, on_reply_button, typed={"traloi": ""}, shown=tip_code_shown)
    registry.add_action(
        FEEDBACK_ACTION,
        on_feedback_button,
        typed={"hailong": "yes:", "chuahailong": "no:"},
        shown=tip_code_shown,
    )
