"""The statements every update runs, on the driver's connection (storage/direct.py: SQLite's
own, or SQLAlchemy's adapter for asyncpg): the same rows in the same transaction as through the
session, and a turn's new account and its
conversation written without the ORM's unit of work, conflicts still caught."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.dialects.postgresql import asyncpg, psycopg2
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

import storage.direct
from bot.runtime.dialog.engine import DialogEngine
from storage.base import utcnow
from storage.db import Database
from storage.models import ChannelAccount, Conversation, OutboxMessage, OutboxStatus, Priority
from storage.repos.conversations import save_conversation
from storage.repos.ledger import _RECORD, record_processed, was_processed
from storage.repos.replies import queue_reply, save_and_queue_reply
from storage.repos.senders import _NEW_ACCOUNT, load_sender
from tests.conversation import Chat

_OUTBOX = OutboxMessage.__table__


def _count_round_trips(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The statements run on asyncpg from now on (each one round trip to PostgreSQL)."""
    statements: list[object] = []
    original = storage.direct.run_asyncpg

    async def counted(*args: Any) -> Any:
        statements.append(args[1])
        return await original(*args)

    monkeypatch.setattr(storage.direct, "run_asyncpg", counted)
    return statements


def _stored(row: Any) -> dict[str, Any]:
    """A row as the database keeps it, but for what differs between two rows by nature."""
    values = dict(row._mapping)
    for key in ("id", "created_at", "next_attempt_at"):
        values.pop(key)
    return values


async def test_a_reply_queued_directly_is_the_row_the_session_would_write(db: Database) -> None:
    until = utcnow() + timedelta(seconds=60)
    values = {
        "channel": "telegram",
        "chat_id": "42",
        "payload": {"text": "Chào bác", "choices": [["a", "Báo tin"]]},
        "is_group_chat": False,
    }
    async with db.transaction() as session:
        direct = await queue_reply(session, **values, claimed_until=until)
        through_session = await session.scalar(
            insert(_OUTBOX).returning(_OUTBOX.c.id),
            {
                **values,
                "priority": int(Priority.REPLY),
                "status": OutboxStatus.SENDING,
                "claimed_until": until,
                "attempts": 1,
            },
        )
    async with db.transaction() as session:
        rows = {
            row.id: row for row in await session.execute(text("SELECT * FROM outbox ORDER BY id"))
        }
        reread = await session.get(OutboxMessage, direct)
    assert _stored(rows[direct]) == _stored(rows[through_session])
    assert rows[direct].created_at is not None and rows[direct].next_attempt_at is not None
    assert reread is not None and reread.payload == values["payload"]
    assert reread.claimed_until == until and reread.created_at <= utcnow()


async def test_a_direct_statement_is_part_of_its_transaction(db: Database) -> None:
    at = utcnow()
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            assert await record_processed(session, channel="test", update_key="7", at=at)
            raise RuntimeError("the update failed")
    async with db.transaction() as session:
        assert not await was_processed(session, channel="test", update_key="7")
        assert await record_processed(session, channel="test", update_key="7", at=at)
        assert not await record_processed(session, channel="test", update_key="7", at=at)
    async with db.transaction() as session:
        assert await was_processed(session, channel="test", update_key="7")


async def test_a_session_s_second_transaction_holds_its_direct_statements_too(
    db: Database,
) -> None:
    at = utcnow()
    async with db.sessions() as session:
        async with session.begin():
            await record_processed(session, channel="test", update_key="1", at=at)
        with pytest.raises(RuntimeError):
            async with session.begin():
                await record_processed(session, channel="test", update_key="2", at=at)
                raise RuntimeError("the update failed")
    async with db.transaction() as session:
        assert await was_processed(session, channel="test", update_key="1")
        assert not await was_processed(session, channel="test", update_key="2")


async def test_the_hot_statements_bypass_sqlalchemy_s_session_and_connection(db: Database) -> None:
    seen: list[str] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    event.listen(db.engine.sync_engine, "before_cursor_execute", statement)
    try:
        async with db.transaction() as session:
            await record_processed(session, channel="test", update_key="8", at=utcnow())
            await queue_reply(
                session,
                channel="test",
                chat_id="8",
                payload={"text": "x"},
                is_group_chat=False,
                claimed_until=utcnow(),
            )
            _, conversation = await _sender(session, utcnow())  # a new user's rows
            conversation.flow = "tip"
            await save_conversation(session, conversation)
        async with db.transaction() as session:
            await _sender(session, utcnow())  # read again, known
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", statement)
    assert seen == []


async def test_a_new_user_s_first_update_writes_nothing_through_the_unit_of_work(
    engine: DialogEngine, db: Database
) -> None:
    flushed: list[tuple[int, int]] = []

    def after_flush(session: Session, _context: Any) -> None:
        if session.new or session.dirty:
            flushed.append((len(session.new), len(session.dirty)))

    event.listen(Session, "after_flush", after_flush)
    try:
        replies = await Chat(engine, user_id="31").says("menu")
    finally:
        event.remove(Session, "after_flush", after_flush)
    assert replies and flushed == []
    async with db.transaction() as session:
        account = await session.scalar(select(ChannelAccount))
        conversation = await session.scalar(select(Conversation))
    assert account is not None and account.external_user_id == "31"
    assert account.person_id is None and account.language == "vi"
    assert conversation is not None and conversation.prompt is not None  # the menu, open
    assert conversation.version == 2  # inserted, then the turn's state saved


async def test_a_conversation_is_saved_once_and_only_when_it_changed(db: Database) -> None:
    now = utcnow()
    async with db.transaction() as session:
        _, conversation = await _sender(session, now)
        await save_conversation(session, conversation)  # unchanged: nothing written
        assert conversation.version == 1
        conversation.flow, conversation.data = "tip", {"commune": "Thạnh Mỹ"}
        await save_conversation(session, conversation)
    async with db.transaction() as session:
        stored = await session.scalar(select(Conversation))
    assert stored is not None and stored.version == 2  # not written again at the commit
    assert (stored.flow, stored.data) == ("tip", {"commune": "Thạnh Mỹ"})


async def test_a_conversation_moved_to_another_chat_is_left_to_the_unit_of_work(
    db: Database,
) -> None:
    async with db.transaction() as session:
        _, conversation = await _sender(session, utcnow())
        conversation.chat_id, conversation.step = "-100777", "category"
        await save_conversation(session, conversation)
    async with db.transaction() as session:
        stored = await session.scalar(select(Conversation))
    assert stored is not None and (stored.chat_id, stored.step) == ("-100777", "category")


_REPLY = {
    "channel": "test",
    "chat_id": "9",
    "payload": {"text": "Chào bác"},
    "is_group_chat": False,
}


async def test_the_conversation_and_its_first_reply_are_one_round_trip_on_postgresql(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with db.transaction() as session:
        await _sender(session, utcnow())
    until = utcnow() + timedelta(seconds=60)
    async with db.transaction() as session:
        _, conversation = await _sender(session, utcnow())
        conversation.step = "category"
        statements = _count_round_trips(monkeypatch)
        reply_id = await save_and_queue_reply(session, conversation, **_REPLY, claimed_until=until)
    async with db.transaction() as session:
        reply = await session.get(OutboxMessage, reply_id)
        saved = await session.get(Conversation, conversation.id)
    assert reply is not None and reply.payload == _REPLY["payload"] and reply.claimed_until == until
    assert reply.status == OutboxStatus.SENDING and reply.created_at <= utcnow()
    assert reply.next_attempt_at is not None
    assert saved is not None and saved.step == "category" and saved.version == 2
    if db.engine.dialect.name == "postgresql":
        assert len(statements) == 1


async def _save_alone(session: Any, conversation: Conversation) -> None:
    await save_conversation(session, conversation)


async def _save_with_reply(session: Any, conversation: Conversation) -> None:
    await save_and_queue_reply(session, conversation, **_REPLY, claimed_until=utcnow())


@pytest.mark.parametrize("save", [_save_alone, _save_with_reply])
async def test_a_conversation_changed_elsewhere_since_it_was_loaded_is_not_overwritten(
    db: Database, save: Callable[[Any, Conversation], Awaitable[None]]
) -> None:
    async with db.transaction() as session:
        await _sender(session, utcnow())
    with pytest.raises(StaleDataError):
        async with db.transaction() as session:
            _, conversation = await _sender(session, utcnow())
            # Another process's turn, committed in between (unseen by this session's objects).
            await session.execute(text("UPDATE conversations SET version = version + 1"))
            conversation.step = "category"
            await save(session, conversation)
    async with db.transaction() as session:  # nor is a reply queued with it
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def _sender(session: Any, now: Any) -> tuple[ChannelAccount, Conversation]:
    loaded = await load_sender(
        session,
        channel="test",
        user_id="9",
        chat_id="9",
        private_chat_id="9",
        language="vi",
        now=now,
    )
    assert loaded is not None
    return loaded


async def test_a_known_sender_is_read_as_the_orm_would_load_them_and_changes_still_kept(
    db: Database,
) -> None:
    first = utcnow()
    async with db.transaction() as session:
        _, conversation = await _sender(session, first)
        conversation.flow, conversation.data = "tip", {"commune": "Thạnh Mỹ"}
        await save_conversation(session, conversation)
    later = first + timedelta(hours=2)
    async with db.transaction() as session:
        account, conversation = await _sender(session, later)
        assert await session.get(ChannelAccount, account.id) is account  # the session's own
        assert await session.get(Conversation, conversation.id) is conversation
        assert (account.created_at, account.last_seen_at) == (first, later)
        assert (conversation.flow, conversation.data, conversation.version) == (
            "tip",
            {"commune": "Thạnh Mỹ"},
            2,
        )
        assert conversation.updated_at == first
    async with db.transaction() as session:
        stored = await session.get(ChannelAccount, account.id)
    assert stored is not None and stored.last_seen_at == later  # the ORM wrote the change


async def test_a_conflict_on_the_driver_s_connection_is_sqlalchemy_s_integrity_error(
    db: Database,
) -> None:
    """What the engine retries (a new user's first two messages, in two chats at once, from
    two processes); the values stay out of the message, which is logged."""
    with pytest.raises(IntegrityError) as raised:
        async with db.transaction() as session:
            account, _ = await _sender(session, utcnow())
            again = {key: getattr(account, key) for key in _NEW_ACCOUNT.columns}
            await _NEW_ACCOUNT.run(session, again)
    assert "'9'" not in str(raised.value)


def test_a_driver_taking_values_by_name_gets_the_statement_through_the_session() -> None:
    """Only sqlite3's and asyncpg's positional values are passed straight to the driver."""
    assert _RECORD._compile(asyncpg.dialect()).positional
    assert not _RECORD._compile(psycopg2.dialect()).positional
