"""One person, two messengers: linking a Zalo and a Telegram account (/lienket), with the
owner's yes.

"/lienket" on the account that already is the member gives a one-time code, valid for 15
minutes. "/lienket CODE" typed on the new account (one that has not joined) asks the member's
account: "Link the Zalo account 'Name' with this account? 1. Agree 2. No". Only that yes puts
the new account on the same person, so roles, household, "my data" and tips follow them. Both
accounts are told either way; a link of a staff member's account is also told to the commune's
admins. A code works once: replayed, stale or typed on an account that is a member already, it
does nothing. Links, refusals and unlinks ("My data") are written to the audit log (ids only).

It is an action with a typed command rather than a menu entry: someone who has not joined on
this messenger yet must be able to type the code, and the main menu stays short for what few
people need.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from bot.authz import PRIVILEGED_ROLES
from bot.i18n import N_, Translator
from bot.messages import Choice, OutboundMessage
from bot.messengers import DECLARED
from bot.people import one_time_codes
from bot.people.membership import accounts_of
from bot.people.personal_data import audit
from bot.runtime.dialog.flows import Flow, FlowRegistry
from bot.runtime.dialog.turn import Prompt, Turn
from storage.models import AccountLinkCode, ChannelAccount, Person, Priority
from storage.repos.accounts import account_by_id
from storage.repos.conversations import private_conversation
from storage.repos.grants import commune_admins, staff_grants
from storage.repos.invites import claim_link_code, code_row_by_id
from storage.repos.people import person_by_id

ACTION = "link"
COMMAND = "lienket"
CODE_VALID_FOR = timedelta(minutes=15)
AGREE, REFUSE = "agree", "refuse"
ASK_OWNER = N_(
    "Link the {messenger} account “{name}” with this account? It would then act as you: your "
    "roles, household and tips. Agree only if that account is your own."
)
LINKED_HERE = N_(
    "Done: this account is now linked with your {messenger} account. Your roles, household "
    "and tips are on both. To undo it: My data (/dulieu)."
)
LINKED_THERE = N_(
    "Your {messenger} account agreed: this account is now the same member. News about your "
    "tips comes to the messenger you used last."
)
REFUSED_THERE = N_("Your other account did not agree, so nothing was linked.")
STAFF_LINKED = N_(
    "For your information: {name}, who holds a role in your commune, linked a {messenger} "
    "account to their account. If this was not expected, revoke it with them."
)


class Step(StrEnum):
    CONFIRM = "confirm"


def _messenger(channel: str) -> str:
    return DECLARED.title(channel)


async def on_link(turn: Turn, argument: str) -> None:
    """ "/lienket": a code for the other messenger; "/lienket CODE": ask that account's yes."""
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
    """Only the account that already is the member gets a code: whoever types it is asked
    about on this account, never the other way round."""
    if turn.person is None:
        turn.say(
            turn._(
                "This account has not joined, so there is nothing to link from here. On the "
                "account you already use with Bình Yên, type /{command}; then type the code "
                "it shows here.",
                command=COMMAND,
            )
        )
        return
    await turn.session.flush()  # a first-time account gets its id
    row = await one_time_codes.issue(
        turn.session,
        AccountLinkCode,
        now=turn.now,
        valid_for=CODE_VALID_FOR,
        account_id=turn.account.id,
    )
    turn.say(
        turn._(
            "Your linking code: {code}\n\n"
            "Within {minutes} minutes, type this on your other messenger (Zalo or Telegram):"
            "\n/{command} {code}\n\n"
            "You will then be asked here whether to link it. Never give this code to anyone "
            "else.",
            code=row.code,
            minutes=int(CODE_VALID_FOR.total_seconds() // 60),
            command=COMMAND,
        )
    )


async def _owner(turn: Turn, row: AccountLinkCode) -> tuple[ChannelAccount, Person] | None:
    owner = await account_by_id(turn.session, row.account_id)
    if owner is None or owner.person_id is None:
        return None
    person = await person_by_id(turn.session, owner.person_id)
    return (owner, person) if person is not None and person.erased_at is None else None


async def redeem_code(turn: Turn, typed: str) -> None:
    session = turn.session
    row = await one_time_codes.find_valid(session, AccountLinkCode, typed, turn.now)
    found = await _owner(turn, row) if row is not None and row.claimed_by is None else None
    if row is None or found is None:
        turn.say(
            turn._(
                "This code is not valid, was used already or has expired. Type /{command} on "
                "the account you already use with Bình Yên for a new one.",
                command=COMMAND,
            )
        )
        return
    owner, person = found
    await session.flush()
    me = turn.account
    if owner.id == me.id:
        turn.say(turn._("Please type this code on your other messenger, not here."))
        return
    if me.person_id is not None:
        turn.say(
            turn._(
                "This account belongs to a member already, so it cannot be linked to another "
                "one. Please ask your commune admin."
            )
        )
        return
    if not await claim_link_code(session, AccountLinkCode, row.id, account_id=me.id, now=turn.now):
        turn.say(turn._("This code was used already."))
        return
    await _ask_owner(turn, owner, row, person)
    turn.say(
        turn._(
            "Almost done: please agree on your {messenger} account, where Bình Yên is asking "
            "you now.",
            messenger=_messenger(owner.channel),
        )
    )


async def _ask_owner(
    turn: Turn, owner: ChannelAccount, row: AccountLinkCode, person: Person
) -> None:
    """The question goes into the owner's private conversation, so "1" or "Đồng ý" answers it
    there, on any messenger."""
    t = Translator(owner.language, turn.settings.timezone)
    prompt = Prompt(
        step=Step.CONFIRM,
        text=t.gettext(
            ASK_OWNER,
            messenger=_messenger(turn.account.channel),
            name=(turn.event.sender_name or "").strip()[:60] or "?",
        ),
        choices=(Choice(AGREE, t.gettext("Agree")), Choice(REFUSE, t.gettext("No"))),
    )
    conversation = await private_conversation(
        turn.session, channel=owner.channel, chat_id=owner.chat_id, user_id=owner.external_user_id
    )
    conversation.flow = LinkConfirm.name
    conversation.step = Step.CONFIRM
    conversation.data = {"code_id": row.id, "person_id": person.id}
    conversation.history = []
    conversation.prompt = prompt.to_json()
    conversation.updated_at = turn.now
    await turn.notify(
        channel=owner.channel,
        chat_id=owner.chat_id,
        message=prompt.message(),
        priority=Priority.ALERT,  # a security question: never held with campaigns
    )


class LinkConfirm(Flow):
    """The owner's answer to "Link the … account with this account?"."""

    name = "link_confirm"

    async def begin(self, turn: Turn) -> None:
        """Ends at once: the flow only ever starts from a code typed on the other account."""
        turn.leave()

    async def on_confirm(self, turn: Turn) -> None:
        """The owner's answer: links the new account to them, or refuses; both are told."""
        session = turn.session
        row = await code_row_by_id(session, AccountLinkCode, turn.data.get("code_id"))
        asked_for = turn.data.get("person_id")
        turn.leave()
        person = turn.person
        stale = (
            row is None
            or row.account_id != turn.account.id
            or row.claimed_by is None
            or row.claimed_at is None
            or turn.now - row.claimed_at > CODE_VALID_FOR
            or person is None
            or person.id != asked_for
        )
        new = await account_by_id(session, row.claimed_by) if row and not stale else None
        if stale or new is None or new.person_id is not None:
            turn.say(turn._("This request has expired; nothing was linked."))
            return
        assert row is not None and person is not None
        if not await one_time_codes.use(session, AccountLinkCode, row, turn.now):
            turn.say(turn._("This request has expired; nothing was linked."))
            return
        t = Translator(new.language, turn.settings.timezone)
        if turn.choice != AGREE:
            audit(
                session,
                actor=person.id,
                action="account.link_refused",
                subject_kind="person",
                subject_id=person.id,
                at=turn.now,
                detail=f"{new.channel}:{new.id}",
            )
            turn.say(turn._("Nothing was linked."))
            await _tell(turn, new, t.gettext(REFUSED_THERE))
            return
        new.person_id = person.id
        audit(
            session,
            actor=person.id,
            action="account.link",
            subject_kind="person",
            subject_id=person.id,
            at=turn.now,
            detail=f"{new.channel}:{new.id}",
        )
        turn.say(turn._(LINKED_HERE, messenger=_messenger(new.channel)))
        await _tell(turn, new, t.gettext(LINKED_THERE, messenger=_messenger(turn.account.channel)))
        await _tell_admins(turn, person, new)


async def _tell(turn: Turn, account: ChannelAccount, text: str) -> None:
    """A link notice: a security notice, never held with campaign messages."""
    await turn.notify(
        channel=account.channel,
        chat_id=account.chat_id,
        message=OutboundMessage(text=text),
        priority=Priority.ALERT,
    )


async def _tell_admins(turn: Turn, person: Person, new: ChannelAccount) -> None:
    """A staff member's new account can see what their role sees: the admins should know."""
    if not person.commune_code or not await staff_grants(
        turn.session, person.id, roles=PRIVILEGED_ROLES
    ):
        return
    admins = await commune_admins(turn.session, person.commune_code)
    for account in await accounts_of(turn.session, [a for a in admins if a != person.id]):
        t = Translator(account.language, turn.settings.timezone)
        text = t.gettext(STAFF_LINKED, name=person.full_name, messenger=_messenger(new.channel))
        await _tell(turn, account, text)


def register(registry: FlowRegistry) -> None:
    registry.add(LinkConfirm())
    registry.add_action(ACTION, on_link, typed={COMMAND: "", "link": ""})
