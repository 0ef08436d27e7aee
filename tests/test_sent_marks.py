"""Sent marks are group-committed by one task (bot.runtime.sent_marks): sends that finish
together are marked in one statement, and each sender returns once its own mark is committed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import bot.runtime.sent_marks
import storage.direct
from bot.runtime.sent_marks import SentMarks
from storage.db import Database
from storage.models import OutboxStatus
from tests.test_outbox import Clock, queue, status_of


def count_direct_statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements run on the driver's connection from now on (storage/direct.py)."""
    statements: list[str] = []

    def counted(run: Any) -> Any:
        async def call(*args: Any) -> Any:
            statements.append(args[1].sql)
            return await run(*args)

        return call

    for name in ("run_inline", "run_asyncpg"):
        monkeypatch.setattr(storage.direct, name, counted(getattr(storage.direct, name)))
    return statements


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_twenty_sends_finishing_together_are_marked_in_at_most_two_commits(
    db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [await queue(db, clock, str(100 + n), "Chào bác") for n in range(20)]
    marks = SentMarks(db, "test", clock)
    statements = count_direct_statements(monkeypatch)

    async def send_then_mark(row_id: int) -> OutboxStatus:
        await asyncio.sleep(0)  # the messenger answered
        await marks.settle([(row_id, f"m{row_id}")])
        return (await status_of(db, row_id)).status  # committed by the time it returns

    statuses = await asyncio.gather(*(send_then_mark(row_id) for row_id in ids))

    assert statuses == [OutboxStatus.SENT] * 20
    assert 1 <= len(statements) <= 2  # the first alone at most, then all the others


async def test_senders_waiting_for_the_same_commit_all_return_in_one_pass_of_the_loop(
    db: Database, clock: Clock
) -> None:
    """Not one pass each, as in a queue for a lock: in a burst every pass of the loop runs
    hundreds of tasks, and the replies' places in flight waited for their senders' turns."""
    ids = [await queue(db, clock, str(200 + n), "Chào bác") for n in range(30)]
    marks = SentMarks(db, "test", clock)
    passes, returned_at = [0], []

    async def count_passes() -> None:
        while True:
            passes[0] += 1
            await asyncio.sleep(0)

    async def send_then_mark(row_id: int) -> None:
        await marks.settle([(row_id, "m")])
        returned_at.append(passes[0])

    counter = asyncio.create_task(count_passes())
    await asyncio.gather(*(send_then_mark(row_id) for row_id in ids))
    counter.cancel()

    assert max(returned_at) - min(returned_at) <= 1


async def test_a_mark_that_fails_returns_and_is_made_by_the_next_settle(
    db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = await queue(db, clock, "41", "Một"), await queue(db, clock, "42", "Hai")
    marks = SentMarks(db, "test", clock)
    real = bot.runtime.sent_marks.mark_all_sent

    async def failing(*_args: Any, **_kwargs: Any) -> None:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(bot.runtime.sent_marks, "mark_all_sent", failing)
    await marks.settle([(first, "m1")])  # returns: sent is sent, marked at the next try
    assert (await status_of(db, first)).status != OutboxStatus.SENT

    monkeypatch.setattr(bot.runtime.sent_marks, "mark_all_sent", real)
    await marks.settle([(second, "m2")])

    assert (await status_of(db, first)).status == OutboxStatus.SENT
    assert (await status_of(db, second)).status == OutboxStatus.SENT


async def test_a_sender_cancelled_while_waiting_does_not_cancel_the_others_marks(
    db: Database, clock: Clock
) -> None:
    ids = [await queue(db, clock, str(50 + n), "Chào bác") for n in range(3)]
    marks = SentMarks(db, "test", clock)
    senders = [asyncio.create_task(marks.settle([(row_id, "m")])) for row_id in ids]
    await asyncio.sleep(0)  # all three wait for their commit
    senders[0].cancel()

    await asyncio.gather(*senders[1:])
    await marks.done()

    for row_id in ids:  # the cancelled sender's mark was in the batch all the same
        assert (await status_of(db, row_id)).status == OutboxStatus.SENT
