"""Who wrote: their account, conversation, person and roles, in as few queries as possible.

This runs for every inbound update, so it is two statements for a known user (one for a
person-less one) rather than one per table.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelAccount, Conversation, Person, RoleAssignment

LAST_SEEN_PRECISION = timedelta(hours=1)

# Built once (storage/prepared.py says why).
_SENDER = (
    select(ChannelAccount, Conversation)
    .outerjoin(
        Conversation,
        and_(
            Conversation.channel == ChannelAccount.channel,
            Conversation.user_id == ChannelAccount.external_user_id,
            Conversation.chat_id == bindparam("chat_id"),
        ),
    )
    .where(
        ChannelAccount.channel == bindparam("channel"),
        ChannelAccount.external_user_id == bindparam("user_id"),
    )
)
_PERSON = (
    select(Person, RoleAssignment.role)
    .outerjoin(RoleAssignment, RoleAssignment.person_id == Person.id)
    .where(Person.id == bindparam("person_id"))
)


async def load_sender(
    session: AsyncSession,
    *,
    channel: str,
    user_id: str,
    chat_id: str,
    private_chat_id: str,
    language: str,
    now: datetime,
) -> tuple[ChannelAccount, Conversation]:
    """The account and the conversation in this chat, created on first contact.

    Writing to the bot again clears a "blocked" mark: they evidently unblocked it.
    """
    parameters = {"channel": channel, "user_id": user_id, "chat_id": chat_id}
    row = (await session.execute(_SENDER, parameters)).first()
    account, conversation = (row[0], row[1]) if row else (None, None)
    if account is None:
        account = ChannelAccount(
            channel=channel,
            external_user_id=user_id,
            chat_id=private_chat_id,
            language=language,
            created_at=now,
            last_seen_at=now,
        )
        session.add(account)
    elif now - account.last_seen_at > LAST_SEEN_PRECISION:
        account.last_seen_at = now  # coarse on purpose: one write an hour, not one a message
    if account.blocked_at is not None:
        account.blocked_at = None
    if conversation is None:
        conversation = Conversation(
            channel=channel, chat_id=chat_id, user_id=user_id, data={}, history=[]
        )
        session.add(conversation)
    return account, conversation


async def load_person(
    session: AsyncSession, person_id: int | None
) -> tuple[Person | None, frozenset[str]]:
    """A person and the names of all their roles (in any scope), in one query."""
    if person_id is None:
        return None, frozenset()
    rows = (await session.execute(_PERSON, {"person_id": person_id})).all()
    if not rows:
        return None, frozenset()
    return rows[0][0], frozenset(role for _, role in rows if role is not None)
