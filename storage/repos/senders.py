"""Who wrote: their account, conversation, person and roles, in as few queries as possible.

This runs for every inbound update, so it is two statements for a known user (one for a
person-less one) rather than one per table.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from storage.direct import Direct
from storage.models import ChannelAccount, Conversation, Person, RoleAssignment

LAST_SEEN_PRECISION = timedelta(hours=1)

_ACCOUNT = ChannelAccount.__table__
_CONVERSATION = Conversation.__table__
# On the driver's connection (storage/direct.py), every column by name: the ORM's select cost
# an update more than SQLite did.
_SENDER = Direct(
    lambda _dialect: (
        select(
            *(column.label(f"a_{column.key}") for column in _ACCOUNT.columns),
            *(column.label(f"c_{column.key}") for column in _CONVERSATION.columns),
        )
        .select_from(
            _ACCOUNT.outerjoin(
                _CONVERSATION,
                and_(
                    _CONVERSATION.c.channel == _ACCOUNT.c.channel,
                    _CONVERSATION.c.user_id == _ACCOUNT.c.external_user_id,
                    _CONVERSATION.c.chat_id == bindparam("chat_id"),
                ),
            )
        )
        .where(
            _ACCOUNT.c.channel == bindparam("channel"),
            _ACCOUNT.c.external_user_id == bindparam("user_id"),
        )
    )
)
_ACCOUNT_KEYS = tuple(column.key for column in _ACCOUNT.columns)
_CONVERSATION_KEYS = tuple(column.key for column in _CONVERSATION.columns)
_NEW_ACCOUNT = Direct(
    lambda _dialect: insert(_ACCOUNT).returning(_ACCOUNT.c.id),
    columns=[key for key in _ACCOUNT_KEYS if key != "id"],
)
_NEW_CONVERSATION = Direct(
    lambda _dialect: insert(_CONVERSATION).returning(_CONVERSATION.c.id),
    columns=[key for key in _CONVERSATION_KEYS if key != "id"],
)
# PostgreSQL inserts a new user's conversation with their account, in a WITH: one round trip.
_NEW_ACCOUNT_AND_CONVERSATION = Direct(lambda _dialect: _account_and_conversation())
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
    rows = (await _SENDER.run(session, parameters)).rows
    account = conversation = None
    if rows:
        account = _loaded(session, ChannelAccount, _ACCOUNT_KEYS, rows[0][: len(_ACCOUNT_KEYS)])
        values = rows[0][len(_ACCOUNT_KEYS) :]
        if values[0] is not None:
            conversation = _loaded(session, Conversation, _CONVERSATION_KEYS, values)
    if account is None:
        return await _first_contact(
            session,
            ChannelAccount(
                channel=channel,
                external_user_id=user_id,
                chat_id=private_chat_id,
                language=language,
                person_id=None,
                own_tips_encrypted=None,
                blocked_at=None,
                created_at=now,
                last_seen_at=now,
            ),
            _new_conversation(channel, chat_id, user_id, now),
        )
    if now - account.last_seen_at > LAST_SEEN_PRECISION:
        account.last_seen_at = now  # coarse on purpose: one write an hour, not one a message
    if account.blocked_at is not None:
        account.blocked_at = None
    if conversation is None:
        conversation = await _added(
            session, _NEW_CONVERSATION, _new_conversation(channel, chat_id, user_id, now)
        )
    return account, conversation


async def _first_contact(
    session: AsyncSession, account: ChannelAccount, conversation: Conversation
) -> tuple[ChannelAccount, Conversation]:
    """A new user's account and their conversation, inserted; on PostgreSQL in one statement
    (the conversation's INSERT with the account's in its WITH), one round trip fewer."""
    if session.bind.dialect.name != "postgresql":
        return (
            await _added(session, _NEW_ACCOUNT, account),
            await _added(session, _NEW_CONVERSATION, conversation),
        )
    values = {f"a_{key}": getattr(account, key) for key in _NEW_ACCOUNT.columns}
    values |= {f"c_{key}": getattr(conversation, key) for key in _NEW_CONVERSATION.columns}
    outcome = await _NEW_ACCOUNT_AND_CONVERSATION.run(session, values)
    account.id, conversation.id = outcome.rows[0]
    for row in (account, conversation):
        make_transient_to_detached(row)
        session.add(row)
    return account, conversation


def _new_conversation(channel: str, chat_id: str, user_id: str, now: datetime) -> Conversation:
    return Conversation(
        channel=channel,
        chat_id=chat_id,
        user_id=user_id,
        flow=None,
        step=None,
        data={},
        prompt=None,
        history=[],
        version=1,
        updated_at=now,
    )


Row = TypeVar("Row", ChannelAccount, Conversation)


def _loaded(session: AsyncSession, model: type[Row], keys: tuple[str, ...], values: Any) -> Row:
    """A row read on the driver's connection, in the session as the ORM would have loaded it
    (the one it holds already, if it does)."""
    key = session.sync_session.identity_key(model, values[0])
    if (held := session.identity_map.get(key)) is not None:
        return held  # type: ignore[return-value]
    row = model(**dict(zip(keys, values, strict=True)))
    make_transient_to_detached(row)
    session.add(row)
    return row


async def _added(session: AsyncSession, statement: Direct, row: Row) -> Row:
    """The row inserted at once and kept in the session as if loaded: one statement on the
    driver's connection, where the ORM's unit of work cost a fifth of a new user's update."""
    values = {key: getattr(row, key) for key in statement.columns}
    row.id = (await statement.run(session, values)).scalar()
    make_transient_to_detached(row)
    session.add(row)
    return row


def _account_and_conversation() -> Any:
    account = (
        insert(_ACCOUNT)
        .values(
            {key: bindparam(f"a_{key}", type_=_ACCOUNT.c[key].type) for key in _NEW_ACCOUNT.columns}
        )
        .returning(_ACCOUNT.c.id)
        .cte("new_account")
    )
    return (
        insert(_CONVERSATION)
        .values(
            {
                key: bindparam(f"c_{key}", type_=_CONVERSATION.c[key].type)
                for key in _NEW_CONVERSATION.columns
            }
        )
        .returning(select(account.c.id).scalar_subquery(), _CONVERSATION.c.id)
        .add_cte(account)
    )


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
