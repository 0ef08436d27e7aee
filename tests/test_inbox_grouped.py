"""Updates that arrive together are stored together: a webhook's concurrent posts share one
INSERT (group commit), and each caller still gets exactly its own updates' handling."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.runtime.inbox import Inbox, Received
from storage.db import Database
from storage.models import InboxUpdate


def update(number: int, chat: str = "") -> Received:
    return Received(str(number), chat or f"chat-{number}", {"update_id": number, "text": "menu"})


class Recorder:
    """What the inbox handled, in order; the INSERTs into the inbox counted on the engine
    (on PostgreSQL each is kept as it runs, without a transaction around it)."""

    def __init__(self, db: Database) -> None:
        self.handled: list[int] = []
        self.release = asyncio.Event()  # handling waits for it: only the stores run before
        self.stores = 0
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._statement)

    def _statement(self, _connection: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        self.stores += sql.startswith("INSERT INTO inbox_updates")

    async def handle(self, payload: dict[str, Any]) -> None:
        await self.release.wait()
        self.handled.append(payload["update_id"])


async def waiting(db: Database) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(InboxUpdate)) or 0


async def test_ten_concurrent_arrivals_are_stored_in_at_most_two_statements(db: Database) -> None:
    recorder = Recorder(db)
    inbox = Inbox(db=db, channel="telegram", handle=recorder.handle)

    tasks = await asyncio.gather(*(inbox.receive([update(n)]) for n in range(1, 11)))

    # Those that came while the first waited for the database share its INSERT, or the next
    # one: never an INSERT each.
    assert recorder.stores <= 2
    assert [len(own) for own in tasks] == [1] * 10
    recorder.release.set()
    await asyncio.gather(*(task for own in tasks for task in own))
    assert sorted(recorder.handled) == list(range(1, 11))


async def test_arrivals_waiting_for_a_store_under_way_share_one_statement(db: Database) -> None:
    recorder = Recorder(db)
    inbox = Inbox(db=db, channel="telegram", handle=recorder.handle)
    async with inbox._store_lock:  # a store under way
        arriving = [asyncio.create_task(inbox.receive([update(n)])) for n in range(1, 11)]
        await asyncio.sleep(0)

    tasks = await asyncio.gather(*arriving)

    assert recorder.stores == 1
    assert [len(own) for own in tasks] == [1] * 10
    recorder.release.set()
    await asyncio.gather(*(task for own in tasks for task in own))
    assert sorted(recorder.handled) == list(range(1, 11))


async def test_each_caller_gets_only_its_own_updates_and_a_chat_keeps_its_order(
    db: Database,
) -> None:
    recorder = Recorder(db)
    inbox = Inbox(db=db, channel="telegram", handle=recorder.handle)
    arrivals = [
        [update(1, "lan")],
        [update(2, "lan"), update(3, "minh")],
        [update(4, "lan")],
        [update(2, "lan")],  # a redelivery arriving with its first delivery: stored once
    ]

    tasks = await asyncio.gather(*(inbox.receive(arrived) for arrived in arrivals))

    assert [len(own) for own in tasks] == [1, 2, 1, 0]
    recorder.release.set()
    await asyncio.gather(*(task for own in tasks for task in own))
    assert [n for n in recorder.handled if n != 3] == [1, 2, 4]
    assert await waiting(db) == 0


async def test_when_storing_fails_every_caller_of_the_group_hears_it(db: Database) -> None:
    recorder = Recorder(db)
    recorder.release.set()
    inbox = Inbox(db=db, channel="telegram", handle=recorder.handle)
    poisoned = Received("2", "chat-2", {"update_id": 2, "bad": object()})  # not JSON
    async with inbox._store_lock:  # a store under way: all three wait, then go together
        grouped = [
            asyncio.create_task(inbox.receive([u])) for u in (update(1), poisoned, update(3))
        ]
        await asyncio.sleep(0)

    results = await asyncio.gather(*grouped, return_exceptions=True)

    assert all(isinstance(result, Exception) for result in results)
    assert await waiting(db) == 0
    assert recorder.handled == []


async def test_a_cancelled_first_caller_leaves_the_others_to_store_theirs(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder(db)
    recorder.release.set()
    inbox = Inbox(db=db, channel="telegram", handle=recorder.handle)
    storing, gate = asyncio.Event(), asyncio.Event()
    store = inbox._store

    async def held_once(session: Any, updates: list[Received]) -> Any:
        if not gate.is_set():  # the first store stops here, in its transaction
            storing.set()
            await gate.wait()
        return await store(session, updates)

    monkeypatch.setattr(inbox, "_store", held_once)
    first = asyncio.create_task(inbox.receive([update(1)]))
    await storing.wait()
    second = asyncio.create_task(inbox.receive([update(2)]))
    await asyncio.sleep(0)  # the second waits for the store under way
    first.cancel()
    gate.set()

    own = await asyncio.wait_for(second, timeout=30)

    with pytest.raises(asyncio.CancelledError):
        await first
    assert len(own) == 1
    await asyncio.gather(*own)
    assert recorder.handled == [2]  # the cancelled store was rolled back: never handled
    assert await waiting(db) == 0
