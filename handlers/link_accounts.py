"""One person, two messengers: linking a Zalo and a Telegram account (/lienket).

"/lienket" in a private chat gives a one-time code, valid for 15 minutes; "/lienket CODE" sent
from the other messenger puts that account on the same person, so roles, household, "my data"
and tips follow them (a tip's updates go to whichever of the two they wrote from last). Exactly
one of the two accounts must belong to a member: two different members are never merged here.
The link is written to the audit log (ids only), and the other account is told, so a code
given away by mistake does not go unnoticed.

It is an action with a typed command rather than a menu entry: someone who has not joined on
this messenger yet must be able to type the code, and the main menu stays short for what few
people need.
"""

from __future__ import annotations

from datetime import timedelta

from bot import one_time_codes
from bot.dialog.flows import FlowRegistry
from bot.dialog.messages import OutboundMessage
from bot.dialog.turn import Turn
from bot.i18n import N_, Translator
from bot.personal_data import audit
from storage.models import AccountLinkCode, ChannelAccount, Person

ACTION = "link"
COMMAND = "lienket"
CODE_VALID_FOR = timedelta(minutes=15)
MESSENGERS = {"telegram": "Telegram", "zalo": "Zalo"}
LINKED_ELSEWHERE = N_(
    "This account has just been linked with your {messenger} account: your roles, household "
    "and tips are now the same on both. If you did not do this, tell your commune admin."
)


def _messenger(channel: str) -> str:
    return MESSENGERS.get(channel, channel)


async def on_link(turn: Turn, argument: str) -> None:
    """ "/lienket": a code for the other messenger; "/lienket CODE": link with its account."""
    if turn.event.is_group:
        turn.say(
            turn._("For your safety, accounts are linked only in a private chat with the bot.")
        )
        return
    if argument.strip():
        await redeem_code(turn, argument)
    else:
        await give_code(turn)


async def give_code(turn: Turn) -> None:
    await turn.session.flush()  # a first-time account gets its id
    row = await one_time_codes.issue(
        turn.session,
        AccountLinkCode,
        now=turn.now,
        valid_for=CODE_VALID_FOR,
        account_id=turn.account.id,
    )
    code = row.code
    turn.say(
        turn._(
            "Your linking code: {code}\n\n"
            "Within {minutes} minutes, send this to Bình Yên from your other messenger "
            "(Zalo or Telegram):\n/{command} {code}\n\n"
            "Your roles, household and tips will then be the same on both. Never give this "
            "code to anyone else: it lets its holder act as you.",
            code=code,
            minutes=int(CODE_VALID_FOR.total_seconds() // 60),
            command=COMMAND,
        )
    )


async def _member(turn: Turn, account: ChannelAccount) -> int | None:
    if account.person_id is None:
        return None
    person = await turn.session.get(Person, account.person_id)
    return person.id if person is not None and person.erased_at is None else None


async def redeem_code(turn: Turn, typed: str) -> None:
    session = turn.session
    row = await one_time_codes.find_valid(session, AccountLinkCode, typed, turn.now)
    if row is None:
        turn.say(
            turn._(
                "This code is not valid, was used already or has expired. Type /{command} on "
                "your other messenger for a new one.",
                command=COMMAND,
            )
        )
        return
    await session.flush()
    other = await session.get(ChannelAccount, row.account_id)
    me = turn.account
    if other is None or other.id == me.id:
        turn.say(turn._("Please send this code from your other messenger, not here."))
        return
    if not await one_time_codes.use(session, AccountLinkCode, row, turn.now):
        turn.say(turn._("This code was used already."))
        return
    mine, theirs = await _member(turn, me), await _member(turn, other)
    if mine is not None and mine == theirs:
        turn.say(turn._("These two accounts are linked already."))
    elif mine is not None and theirs is not None:
        turn.say(
            turn._(
                "Both accounts belong to members already, so they cannot be linked here. "
                "Please ask your commune admin."
            )
        )
    elif mine is None and theirs is None:
        turn.say(
            turn._(
                "Neither account has joined yet. Join on one of them first (/join), then link "
                "the other."
            )
        )
    else:
        person_id = mine if mine is not None else theirs
        moved = other if mine is not None else me
        moved.person_id = person_id
        audit(
            session,
            actor=person_id,
            action="account.link",
            subject_kind="person",
            subject_id=person_id,
            at=turn.now,
            detail=f"{moved.channel}:{moved.id}",
        )
        turn.identity_changed = moved is me
        turn.say(
            turn._(
                "Done: this account and your {messenger} account are now the same member. "
                "Your roles, household and tips are on both, and news about your tips comes "
                "to the messenger you used last.",
                messenger=_messenger(other.channel),
            )
        )
        t = Translator(other.language, turn.settings.timezone)
        await turn.notify(
            channel=other.channel,
            chat_id=other.chat_id,
            message=OutboundMessage(
                text=t.gettext(LINKED_ELSEWHERE, messenger=_messenger(me.channel))
            ),
        )


def register(registry: FlowRegistry) -> None:
    registry.add_action(ACTION, on_link, typed={COMMAND: "", "link": ""})
