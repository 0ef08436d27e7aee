"""Group commit (storage/group_commit.py): updates handled at the same time share one
transaction, none is answered before it commits, and one that fails loses none of the others.

On both databases, with group commit on (by default it is on for PostgreSQL only)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import DBAPIError

from bot.config import Settings
from bot.runtime.dialog.engine import DialogEngine
from handlers import build_flows
from storage.db import Database
from storage.models import Conversation, ProcessedUpdate
from tests.conversation import Chat

USERS = ["41", "42", "43", "44", "45"]


@pytest.fixture
async def grouped_db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url, group_commit=True)
    yield database
    await database.close()


@pytest.fixture
def grouped_engine(grouped_db: Database, settings: Settings) -> DialogEngine:
    return DialogEngine(db=grouped_db, flows=build_flows(), settings=settings)


def _all_joined_first(engine: DialogEngine, count: int) -> None:
    """The first update's handling waits until `count` updates have asked for a transaction,
    as in a burst, where many are in hand at once."""
    joined = asyncio.Event()
    asked = 0
    grouped, dispatch = engine.db.grouped, engine._dispatch

    def counting_grouped() -> AbstractAsyncContextManager[Any]:
        nonlocal asked
        asked += 1
        if asked == count:
            joined.set()
        return grouped()

    async def waiting_dispatch(turn: Any) -> None:
        await joined.wait()
        await dispatch(turn)

    engine.db.grouped = counting_grouped  # type: ignore[method-assign]
    engine._dispatch = waiting_dispatch  # type: ignore[method-assign]


async def test_updates_handled_together_share_one_commit_and_none_is_answered_before_it(
    grouped_engine: DialogEngine, grouped_db: Database
) -> None:
    happened: list[str] = []
    event.listen(grouped_db.engine.sync_engine, "commit", lambda _c: happened.append("commit"))
    _all_joined_first(grouped_engine, len(USERS))

    async def one(user: str) -> None:
        chat = Chat(grouped_engine, user_id=user)
        await chat.says("menu")
        chat.sees("Báo tin")
        happened.append("answered")

    await asyncio.gather(*(one(user) for user in USERS))
    assert happened == ["commit"] + ["answered"] * len(USERS)
    async with grouped_db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Conversation)) == len(USERS)


async def test_one_update_failing_loses_none_of_the_others(
    grouped_engine: DialogEngine, grouped_db: Database
) -> None:
    rollbacks: list[object] = []
    event.listen(grouped_db.engine.sync_engine, "rollback", rollbacks.append)
    _all_joined_first(grouped_engine, len(USERS))
    dispatch = grouped_engine._dispatch

    async def failing_for_43(turn: Any) -> None:
        await dispatch(turn)
        if turn.event.user_id == "43":
            raise RuntimeError("a defect in a flow")

    grouped_engine._dispatch = failing_for_43  # type: ignore[method-assign]
    chats = [Chat(grouped_engine, user_id=user) for user in USERS]
    await asyncio.gather(*(chat.says("menu") for chat in chats))
    for chat in chats:
        if chat.user_id == "43":
            chat.sees("Xin lỗi")
        else:
            chat.sees("Báo tin")
    assert rollbacks  # the shared transaction was undone, and the others handled again
    async with grouped_db.transaction() as session:
        recorded = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
        kept = set(await session.scalars(select(Conversation.user_id)))
    assert recorded == len(USERS)  # each update once: the failed one with its apology
    assert kept == set(USERS) - {"43"}


async def test_an_update_cancelled_while_waiting_its_turn_does_not_hold_the_others(
    grouped_db: Database,
) -> None:
    first_in = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with grouped_db.grouped() as session:
            await session.execute(select(1))
            first_in.set()
            await release.wait()

    async def waiting() -> None:
        async with grouped_db.grouped() as session:
            await session.execute(select(1))

    holder = asyncio.create_task(first())
    await first_in.wait()
    cancelled = asyncio.create_task(waiting())
    kept = asyncio.create_task(waiting())
    await asyncio.sleep(0)  # both are waiting for their turn
    cancelled.cancel()
    release.set()
    await asyncio.wait_for(asyncio.gather(holder, kept), timeout=10)
    assert cancelled.cancelled()


class _Deadlock(Exception):
    """What the asyncpg adapter's error carries when PostgreSQL ended a deadlock."""

    class driver_exception:  # the adapter's attribute
        sqlstate = "40P01"


async def test_a_transaction_undone_to_end_a_deadlock_is_run_again(
    grouped_engine: DialogEngine,
) -> None:
    """Updates sharing a transaction hold their rows longer: two groups may each wait for a
    row the other holds, and PostgreSQL then undoes one of them. That update is run again,
    not answered with an apology."""
    handle_once = grouped_engine._handle_once
    undone: list[bool] = []

    async def once_deadlocked(*args: Any, **kwargs: Any) -> Any:
        if not undone:
            undone.append(True)
            raise DBAPIError("UPDATE conversations …", None, _Deadlock())
        return await handle_once(*args, **kwargs)

    grouped_engine._handle_once = once_deadlocked  # type: ignore[method-assign]
    chat = Chat(grouped_engine, user_id="46")
    await chat.says("menu")
    assert undone
    chat.sees("Báo tin")
    chat.does_not_see("Xin lỗi")
