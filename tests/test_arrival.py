"""An update's arrival: its entry in the ledger, its inbox row taken out, and its sender's
account and conversation read, or made on first contact. On PostgreSQL all of it is one
statement, one round trip to the server (storage.repos.senders.load_sender)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from storage.base import utcnow
from storage.db import Database
from storage.models import ChannelAccount, Conversation
from storage.repos.inbox import store_updates, waiting_updates
from storage.repos.ledger import Entry, was_processed
from storage.repos.senders import load_sender
from tests.test_direct import _count_round_trips


class Redelivered(Exception):
    """Rolls a redelivery's transaction back, as the engine does."""


async def arrive(
    session: Any, entry: Entry | None = None, *, user: str = "9", chat: str = "9"
) -> tuple[ChannelAccount, Conversation] | None:
    return await load_sender(
        session,
        channel="test",
        user_id=user,
        chat_id=chat,
        private_chat_id=user,
        language="vi",
        now=utcnow(),
        entry=entry,
    )


async def two_waiting(db: Database, at: datetime) -> tuple[int, int]:
    async with db.transaction() as session:
        stored = await store_updates(
            session, channel="test", updates=[("9", "c9", {}), ("10", "c10", {})], at=at
        )
    first, second = (row_id for _, row_id, _, _ in stored)
    return first, second


async def count(db: Database, model: type) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_an_update_s_entry_inbox_row_and_sender_are_one_round_trip(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = utcnow()
    first, second = await two_waiting(db, at)
    statements = _count_round_trips(monkeypatch)

    async with db.transaction() as session:
        arrived = await arrive(session, Entry("test", "9", at, inbox_id=first))
    with pytest.raises(Redelivered):  # the same update again: nothing entered, rolled back
        async with db.transaction() as session:
            assert await arrive(session, Entry("test", "9", at, inbox_id=second)) is None
            raise Redelivered

    assert arrived is not None
    account, conversation = arrived
    assert (account.external_user_id, conversation.chat_id) == ("9", "9")
    async with db.transaction() as session:
        assert await was_processed(session, channel="test", update_key="9")
        left = await waiting_updates(session, channel="test")
    assert [row_id for row_id, *_ in left] == [second]
    assert await count(db, ChannelAccount) == await count(db, Conversation) == 1
    if db.engine.dialect.name == "postgresql":  # SQLite's statements cost no round trip
        assert len(statements) == 2  # one for each arrival


async def test_a_redelivery_from_someone_unknown_leaves_no_account_behind(db: Database) -> None:
    at = utcnow()
    async with db.transaction() as session:
        assert await arrive(session, Entry("test", "5", at)) is not None
    async with db.transaction() as session:
        await session.execute(text("DELETE FROM conversations"))
        await session.execute(text("DELETE FROM channel_accounts"))

    with pytest.raises(Redelivered):
        async with db.transaction() as session:
            assert await arrive(session, Entry("test", "5", at), user="77") is None
            raise Redelivered

    assert await count(db, ChannelAccount) == 0


async def test_an_event_without_an_update_key_still_takes_its_inbox_row_out(
    db: Database,
) -> None:
    first, second = await two_waiting(db, utcnow())
    async with db.transaction() as session:
        assert await arrive(session, Entry("test", "", utcnow(), inbox_id=first)) is not None
        assert await arrive(session, None, user="10") is not None
    async with db.transaction() as session:
        left = await waiting_updates(session, channel="test")
        assert not await was_processed(session, channel="test", update_key="")
    assert [row_id for row_id, *_ in left] == [second]


async def test_a_new_user_s_rows_are_made_in_the_same_round_trip_as_the_read(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements = _count_round_trips(monkeypatch)
    async with db.transaction() as session:
        made = await arrive(session)
    async with db.transaction() as session:
        read = await arrive(session)  # read back, not made again
        assert made is not None and read is not None
        stored = await session.get(Conversation, made[1].id)

    assert (read[0].id, read[1].id) == (made[0].id, made[1].id)
    assert stored is not None
    assert (stored.channel, stored.chat_id, stored.user_id) == ("test", "9", "9")
    assert (stored.data, stored.history, stored.version) == ({}, [], 1)
    if db.engine.dialect.name == "postgresql":
        assert len(statements) == 2


async def test_a_known_user_writing_in_a_new_chat_gets_a_conversation_there(
    db: Database,
) -> None:
    async with db.transaction() as session:
        private = await arrive(session)
    async with db.transaction() as session:
        in_group = await arrive(session, chat="-100")

    assert private is not None and in_group is not None
    assert in_group[0].id == private[0].id
    assert in_group[1].id != private[1].id and in_group[1].chat_id == "-100"
    assert await count(db, ChannelAccount) == 1
    assert await count(db, Conversation) == 2


async def test_a_new_user_made_twice_at_once_fails_the_second_on_the_unique_constraint(
    db: Database,
) -> None:
    """The second transaction read before the first committed: its INSERT waits for the
    first and then fails, so the engine runs that update again (and reads the account)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: the second waits for the first before reading")
    async with db.transaction() as first:
        assert await arrive(first, Entry("test", "1", utcnow())) is not None
        second = asyncio.create_task(_arrive_alone(db, Entry("test", "2", utcnow())))
        await _until_waiting_for_a_lock(db)
    with pytest.raises(IntegrityError):
        await second
    assert await count(db, ChannelAccount) == 1


async def _arrive_alone(db: Database, entry: Entry) -> None:
    async with db.transaction() as session:
        await arrive(session, entry)


async def _until_waiting_for_a_lock(db: Database) -> None:
    async with db.engine.connect() as connection:
        while not await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        ):
            await connection.rollback()  # a fresh snapshot for the next look
            await asyncio.sleep(0.01)
