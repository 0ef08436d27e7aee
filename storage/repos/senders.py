"""Who wrote: their account, conversation, person and roles, in as few queries as possible.

This runs for every inbound update, so it is two statements for a known user (one for a
person-less one) rather than one per table.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, bindparam, exists, insert, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from storage.direct import Direct
from storage.models import ChannelAccount, Conversation, Person, RoleAssignment
from storage.repos.ledger import Entry, clearing, enter, entering

LAST_SEEN_PRECISION = timedelta(hours=1)

_ACCOUNT = ChannelAccount.__table__
_CONVERSATION = Conversation.__table__
# On the driver's connection (storage/direct.py), every column by name: the ORM's select cost
# an update more than SQLite did.


def _sender() -> Any:
    return (
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


_SENDER = Direct(lambda _dialect: _sender())
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
# PostgreSQL: an update's arrival in one statement (`_arrival`), by whether it has a ledger
# entry and an inbox row to take out.
_ARRIVALS = {
    (entered, cleared): Direct(lambda _dialect, e=entered, c=cleared: _arrival(e, c))
    for entered in (False, True)
    for cleared in (False, True)
}
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
    entry: Entry | None = None,
) -> tuple[ChannelAccount, Conversation] | None:
    """The account and the conversation in this chat, created on first contact, once the
    update's `entry` is made (storage.repos.ledger.enter); None if the update was in the ledger
    already (a redelivery: the caller rolls back).

    Writing to the bot again clears a "blocked" mark: they evidently unblocked it.
    """
    account = ChannelAccount(
        channel=channel,
        external_user_id=user_id,
        chat_id=private_chat_id,
        language=language,
        person_id=None,
        own_tips_encrypted=None,
        blocked_at=None,
        created_at=now,
        last_seen_at=now,
    )
    conversation = _new_conversation(channel, chat_id, user_id, now)
    if session.bind.dialect.name == "postgresql":
        arrived = await _arrive(session, entry, account, conversation)
        if arrived is None:
            return None
        account, conversation = arrived
    else:
        if entry is not None and not await enter(session, entry):
            return None
        account, conversation = await _read_or_add(session, account, conversation)
    if now - account.last_seen_at > LAST_SEEN_PRECISION:
        account.last_seen_at = now  # coarse on purpose: one write an hour, not one a message
    if account.blocked_at is not None:
        account.blocked_at = None
    return account, conversation


async def _read_or_add(
    session: AsyncSession, account: ChannelAccount, conversation: Conversation
) -> tuple[ChannelAccount, Conversation]:
    """The sender's rows as read, or the new ones given, added where none were."""
    parameters = {
        "channel": account.channel,
        "user_id": account.external_user_id,
        "chat_id": conversation.chat_id,
    }
    rows = (await _SENDER.run(session, parameters)).rows
    if not rows:
        return (
            await _added(session, _NEW_ACCOUNT, account),
            await _added(session, _NEW_CONVERSATION, conversation),
        )
    account = _loaded(session, ChannelAccount, _ACCOUNT_KEYS, rows[0][: len(_ACCOUNT_KEYS)])
    values = rows[0][len(_ACCOUNT_KEYS) :]
    if values[0] is None:
        return account, await _added(session, _NEW_CONVERSATION, conversation)
    return account, _loaded(session, Conversation, _CONVERSATION_KEYS, values)


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


async def _arrive(
    session: AsyncSession, entry: Entry | None, account: ChannelAccount, conversation: Conversation
) -> tuple[ChannelAccount, Conversation] | None:
    """PostgreSQL: the update's entry made and the sender's rows read, or the new ones given
    added where none were, in one statement; None if the update was in the ledger already."""
    values = {
        "channel": account.channel,
        "user_id": account.external_user_id,
        "chat_id": conversation.chat_id,
        **{f"a_{key}": getattr(account, key) for key in _NEW_ACCOUNT.columns},
        **{f"c_{key}": getattr(conversation, key) for key in _NEW_CONVERSATION.columns},
    }
    entered = entry is not None and bool(entry.update_key)
    cleared = entry is not None and entry.inbox_id is not None
    if entry is not None:
        values |= {"update_key": entry.update_key, "at": entry.at, "inbox_id": entry.inbox_id}
    row = (await _ARRIVALS[entered, cleared].run(session, values)).rows[0]
    is_new, new_account_id, new_conversation_id = row[:3]
    if not is_new:
        return None
    split = 3 + len(_ACCOUNT_KEYS)
    found_account, found_conversation = row[3:split], row[split:]
    if found_account[0] is None:
        account.id = new_account_id
        _keep(session, account)
    else:
        account = _loaded(session, ChannelAccount, _ACCOUNT_KEYS, found_account)
    if found_conversation[0] is None:
        conversation.id = new_conversation_id
        _keep(session, conversation)
    else:
        conversation = _loaded(session, Conversation, _CONVERSATION_KEYS, found_conversation)
    return account, conversation


def _arrival(entered: bool, cleared: bool) -> Any:
    """One SELECT for an update's arrival, its writes in its WITH: the entry in the ledger
    (`entered`), the inbox row taken out (`cleared`), and the sender's account and conversation
    in this chat, each inserted from the values given where the read found none.

    Its parts all see the database as it was when it began: the read, the rows it did not find.
    A new user's account written meanwhile by another transaction makes ours fail on the unique
    constraint, as a separate INSERT would: the engine runs the update again."""
    sender = _sender().cte("sender")
    account = select(
        *(bindparam(f"a_{key}", type_=_ACCOUNT.c[key].type) for key in _NEW_ACCOUNT.columns)
    ).where(~exists(select(sender.c.a_id)))
    new_account = (
        insert(_ACCOUNT)
        .from_select(list(_NEW_ACCOUNT.columns), account)
        .returning(_ACCOUNT.c.id)
        .cte("new_account")
    )
    conversation = select(
        *(
            bindparam(f"c_{key}", type_=_CONVERSATION.c[key].type)
            for key in _NEW_CONVERSATION.columns
        )
    ).where(~exists(select(sender.c.c_id).where(sender.c.c_id.is_not(None))))
    new_conversation = (
        insert(_CONVERSATION)
        .from_select(list(_NEW_CONVERSATION.columns), conversation)
        .returning(_CONVERSATION.c.id)
        .cte("new_conversation")
    )
    parts = [sender, new_account, new_conversation]
    is_new: Any = true()
    if entered:
        entry = entering().cte("entered")
        parts.append(entry)
        is_new = exists(select(entry.c.channel))
    if cleared:
        parts.append(clearing().cte("cleared"))
    one = select(literal(1).label("one")).subquery("one")
    return (
        select(
            is_new.label("is_new"),
            select(new_account.c.id).scalar_subquery(),
            select(new_conversation.c.id).scalar_subquery(),
            *sender.c,
        )
        .select_from(one.outerjoin(sender, true()))
        .add_cte(*parts)
    )


Row = TypeVar("Row", ChannelAccount, Conversation)


def _loaded(session: AsyncSession, model: type[Row], keys: tuple[str, ...], values: Any) -> Row:
    """A row read on the driver's connection, in the session as the ORM would have loaded it
    (the one it holds already, if it does)."""
    key = session.sync_session.identity_key(model, values[0])
    if (held := session.identity_map.get(key)) is not None:
        return held  # type: ignore[return-value]
    return _keep(session, model(**dict(zip(keys, values, strict=True))))


async def _added(session: AsyncSession, statement: Direct, row: Row) -> Row:
    """The row inserted at once and kept in the session as if loaded: one statement on the
    driver's connection, where the ORM's unit of work cost a fifth of a new user's update."""
    values = {key: getattr(row, key) for key in statement.columns}
    row.id = (await statement.run(session, values)).scalar()
    return _keep(session, row)


def _keep(session: AsyncSession, row: Row) -> Row:
    """A row inserted directly, in the session as if loaded."""
    make_transient_to_detached(row)
    session.add(row)
    return row


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
