"""What needs no transaction around it runs without one (storage.db.Database.autocommit):
storing arrived updates in the inbox, and marking sent messages. On PostgreSQL each is one
round trip to the server, where BEGIN, the statement and COMMIT were three."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from benchmarks.counts import counting
from bot.config import Settings
from bot.crypto import FieldCipher
from bot.runtime.inbox import Inbox, Received
from bot.runtime.outbox import OutboxWorker
from storage.db import Database
from storage.models import InboxUpdate, NoticeActions, OutboxStatus
from storage.repos.notices import recent_notice_choices
from tests.test_outbox import Clock, RecordingSender, make_worker, queue, status_of

on_postgresql = pytest.mark.usefixtures("postgresql_only")


@pytest.fixture
def postgresql_only(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("round trips to a server: PostgreSQL's")


def received(*numbers: int) -> list[Received]:
    return [Received(str(n), f"chat-{n}", {"update_id": n, "text": "menu"}) for n in numbers]


@on_postgresql
async def test_a_poll_s_updates_are_stored_in_one_round_trip(db: Database) -> None:
    handled = asyncio.Event()  # nothing is handled while the store is counted
    inbox = Inbox(db=db, channel="telegram", handle=lambda _payload: handled.wait())
    await inbox.receive(received(1, 2, 3))  # the statement prepared on the connection

    with counting() as tally:
        await inbox.receive(received(4, 5, 6))

    assert tally.server_trips == 1
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 6


@on_postgresql
async def test_sent_messages_are_marked_in_one_round_trip(db: Database) -> None:
    clock, sender = Clock(), RecordingSender()
    worker = make_worker(db, sender, clock)
    ids = [await queue(db, clock, chat, "Chào bác") for chat in ("41", "42", "43", "44")]
    await worker.marks.settle([(ids[0], "m0")])  # the statement prepared on the connection

    with counting() as tally:
        await worker.marks.settle([(ids[1], "m1"), (ids[2], "m2")])

    assert tally.server_trips == 1
    for row_id, external in zip(ids[:3], ("m0", "m1", "m2"), strict=True):
        row = await status_of(db, row_id)
        assert (row.status, row.external_message_id) == (OutboxStatus.SENT, external)


async def test_a_notice_s_buttons_sent_while_marks_settle_without_them_are_still_kept(
    db: Database, settings: Settings
) -> None:
    """Marks alone settle without a transaction; buttons need one. A notice whose send ends
    while such a settle is under way gets its own transaction for its buttons, not nothing."""
    clock, sender = Clock(), RecordingSender()
    cipher = FieldCipher.of(settings)
    worker = OutboxWorker(
        db=db, sender=sender, pacer=make_worker(db, sender, clock).pacer, clock=clock, cipher=cipher
    )
    reply = await queue(db, clock, "41", "Chào bác")
    notice = await queue(db, clock, "42", "Tin báo TB-H5X9 đã được giải quyết.")
    buttons = [("a:done:7", "Đã xong")]
    notice_settled: list[asyncio.Task[None]] = []
    autocommit = db.autocommit

    @contextlib.asynccontextmanager
    async def notice_ends_meanwhile(**kwargs: Any) -> AsyncIterator[Any]:
        # The reply's settle chose no transaction; now the notice's send ends.
        settle = worker.marks.settle([(notice, "n")], [("42", buttons)])
        notice_settled.append(asyncio.create_task(settle))
        await asyncio.sleep(0)
        async with autocommit(**kwargs) as session:
            yield session

    db.autocommit = notice_ends_meanwhile  # type: ignore[method-assign]
    await worker.marks.settle([(reply, "r")])
    db.autocommit = autocommit  # type: ignore[method-assign]
    await notice_settled[0]

    for row_id in (reply, notice):
        assert (await status_of(db, row_id)).status == OutboxStatus.SENT
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(NoticeActions)) == 1
        kept = await recent_notice_choices(
            session, cipher, channel="test", chat_id="42", now=clock(), key_prefix="a:"
        )
    assert kept == [buttons]
