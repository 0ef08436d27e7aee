"""Places in flight with a way to the front: a tip's card and a send's mark go before the
others waiting, and nobody waiting is lost or takes a place twice."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
from sqlalchemy import event, text

from bot.places import Places
from bot.runtime.pacing import Pacer, PacingRules
from storage.db import Database
from storage.migrate import upgrade_async
from tests.conftest import POSTGRES_URL


async def _settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


Hold = Callable[[bool], AbstractAsyncContextManager[object]]  # urgent -> a held place


async def _order_behind_a_holder(hold: Hold, names: list[str]) -> list[str]:
    """`names` wait, in this order, while the only place is held (those named "card" or
    "mark" urgent); then it is let go. Returns the order in which they got it."""
    order: list[str] = []
    release = asyncio.Event()

    async def holder() -> None:
        async with hold(False):
            await release.wait()

    async def waiter(name: str) -> None:
        async with hold(name.startswith(("card", "mark"))):
            order.append(name)

    held = asyncio.create_task(holder())
    await _settle()
    waiting = []
    for name in names:
        waiting.append(asyncio.create_task(waiter(name)))
        await _settle()
    release.set()
    await asyncio.gather(held, *waiting)
    return order


def _places(places: Places) -> Hold:
    return lambda urgent: places.held(urgent=urgent)


async def test_an_urgent_send_takes_the_next_free_place_before_those_waiting() -> None:
    order = await _order_behind_a_holder(
        _places(Places(1)), ["reply 1", "reply 2", "card", "reply 3"]
    )
    assert order == ["card", "reply 1", "reply 2", "reply 3"]


async def test_among_equals_first_come_first_served() -> None:
    order = await _order_behind_a_holder(
        _places(Places(1)), ["reply 1", "card 1", "reply 2", "card 2"]
    )
    assert order == ["card 1", "card 2", "reply 1", "reply 2"]


async def test_a_waiter_cancelled_in_line_takes_no_place() -> None:
    places = Places(1)
    release = asyncio.Event()

    async def holder() -> None:
        async with places.held():
            await release.wait()

    held = asyncio.create_task(holder())
    await _settle()
    gone = asyncio.create_task(places.held(urgent=True).__aenter__())
    await _settle()
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    release.set()
    await held
    # The place came back, and nobody is left in line for it: it is taken without waiting.
    await asyncio.wait_for(places.held().__aenter__(), timeout=5)


async def test_a_waiter_cancelled_as_it_was_handed_a_place_gives_it_back() -> None:
    places = Places(1)
    holding = places.held()
    await holding.__aenter__()
    handed = asyncio.create_task(places.held().__aenter__())
    await _settle()
    await holding.__aexit__(None, None, None)  # hands the place over; the waiter has not run
    handed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await handed
    # The place was given back: it can be taken now, without waiting.
    await asyncio.wait_for(places.held().__aenter__(), timeout=5)


async def test_the_pacer_lets_a_card_through_before_the_replies_waiting() -> None:
    pacer = Pacer(PacingRules(overall_per_second=1e9, private_chat_interval=0, max_in_flight=1))
    order = await _order_behind_a_holder(
        lambda urgent: pacer.turn("chat", is_group=False, urgent=urgent),
        ["reply 1", "reply 2", "card"],
    )
    assert order == ["card", "reply 1", "reply 2"]


async def test_on_sqlite_a_transaction_marked_first_gets_the_connection_first(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'line.db'}"
    await upgrade_async(url)
    db = Database(url)
    try:
        order = await _order_behind_a_holder(
            lambda first: db.transaction(first=first), ["update 1", "update 2", "mark"]
        )
    finally:
        await db.close()
    assert order == ["mark", "update 1", "update 2"]


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's pool: SQLite has one connection")
async def test_on_postgresql_updates_handled_together_reuse_their_connections() -> None:
    db = Database(POSTGRES_URL)
    opened: list[object] = []
    event.listen(db.engine.sync_engine, "connect", lambda conn, _record: opened.append(conn))

    async def together(count: int) -> None:
        gate, all_in, holding = asyncio.Event(), asyncio.Event(), [0]

        async def transaction() -> None:
            async with db.transaction() as session:
                await session.execute(text("SELECT 1"))
                holding[0] += 1
                if holding[0] == count:
                    all_in.set()
                await gate.wait()  # all of them at once, as a webhook's posts

        tasks = [asyncio.create_task(transaction()) for _ in range(count)]
        await all_in.wait()
        gate.set()
        await asyncio.gather(*tasks)

    try:
        await together(12)  # more than SQLAlchemy's default of 5 kept
        first = len(opened)
        await together(12)
    finally:
        await db.close()
    assert first == 12
    assert len(opened) == first  # kept and used again, not opened anew for each transaction
