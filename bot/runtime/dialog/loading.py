"""Who wrote and where they are: the account, conversation, person and roles of one event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import Translator, pick_locale
from bot.messages import InboundEvent
from bot.messengers import Capabilities
from bot.runtime.dialog.turn import Turn
from storage.repos.ledger import Entry
from storage.repos.senders import load_person, load_sender

# Not a role anyone is given: everyone the bot keeps something about has it (a member, or a
# person of the commune's list who has not agreed to the notice yet), to see "My data".
JOINED = "joined"


async def load_turn(
    session: AsyncSession,
    event: InboundEvent,
    *,
    settings: Settings,
    now: datetime,
    capabilities: Capabilities,
    entry: Entry | None = None,
) -> Turn | None:
    """The turn of one event: its sender's account and conversation (created on first
    contact), person and roles, in the account's language, once its `entry` is made (the
    ledger, the inbox); None if the update was in the ledger already (a redelivery)."""
    sender = await load_sender(
        session,
        channel=event.channel,
        user_id=event.user_id,
        chat_id=event.chat_id,
        private_chat_id=event.user_id if event.is_group else event.chat_id,
        language=pick_locale(event.language, settings.bot_locale),
        now=now,
        entry=entry,
    )
    if sender is None:
        return None
    account, conversation = sender
    person, roles = await load_person(session, account.person_id)
    return Turn(
        event=event,
        session=session,
        conversation=conversation,
        account=account,
        person=person,
        roles=_with_joined(person, roles),
        t=Translator(account.language, settings.timezone),
        now=now,
        settings=settings,
        capabilities=capabilities,
    )


async def reload_person(turn: Turn) -> None:
    """After a step changed who this is (joined, a new role, erased): person and roles anew."""
    await turn.session.flush()
    person, roles = await load_person(turn.session, turn.account.person_id)
    turn.person = person
    turn.roles = _with_joined(person, roles)


def _with_joined(person: object | None, roles: frozenset[str]) -> frozenset[str]:
    return roles | {JOINED} if person is not None else roles
