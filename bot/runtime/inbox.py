"""The durable inbox: an update is stored before the messenger is told it was received (the
polling offset advanced, the webhook answered), and handled from the database.

A restart handles whatever was stored and not yet handled, in arrival order per chat; the
processed-update ledger of the engine makes a second handling of one update a no-op, so every
update is handled exactly once across crashes. An update whose handling failed (the database
down, say) stays and is tried again a little later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.runtime.channels.base import ChatLocks
from bot.runtime.clean_input import clean_payload
from storage.base import utcnow
from storage.db import Database
from storage.repos.inbox import (
    forget_processed_key,
    remove_updates,
    store_updates,
    waiting_updates,
)

log = logging.getLogger(__name__)

RETRY_EVERY = 15.0  # seconds between looks for updates whose handling failed
MAX_TRIES = 5  # then the update is dropped, with an error in the log
DIGEST_WINDOW = timedelta(minutes=10)  # how long a content digest deduplicates
DIGEST_PREFIX = "#"  # update keys made from content rather than an id of the messenger's


@dataclass(frozen=True)
class Received:
    """One update as it arrived: its key, the chat it belongs to, and its (clean) payload."""

    update_key: str
    chat_key: str
    payload: dict[str, Any]


Handler = Callable[[dict[str, Any]], Awaitable[None]]
# What a caller of `receive` waits on: the tasks handling its updates, once they are stored.
Arrival = asyncio.Future[list[asyncio.Task[None]]]


@dataclass
class InHand:
    """The inbox row of the update being handled: the engine removes it in the transaction
    that records the update as processed (one commit fewer per update), and says so."""

    update_id: int
    removed: bool = False


# Set while an update from the inbox is handled (bot.runtime.dialog.engine reads it).
in_hand: ContextVar[InHand | None] = ContextVar("inbox_in_hand", default=None)


class Inbox:
    """One channel's inbox: `receive` stores and starts handling; `recover` picks up what a
    previous run left; a background loop retries what failed."""

    def __init__(
        self,
        *,
        db: Database,
        channel: str,
        handle: Handler,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.channel = channel
        self.handle = handle
        self.clock = clock
        self._locks = ChatLocks()
        self._in_hand: set[int] = set()
        self._tries: dict[int, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._retrying: asyncio.Task[None] | None = None
        self._handled: list[int] = []
        self._clear_lock = asyncio.Lock()
        self._arriving: list[tuple[Sequence[Received], Arrival]] = []
        self._store_lock = asyncio.Lock()

    async def receive(self, updates: Sequence[Received]) -> list[asyncio.Task[None]]:
        """Store the updates, then start handling those new to the inbox.

        Returns once they are stored: the caller may then tell the messenger they arrived. The
        tasks returned end when each update has been handled (or has failed, to be retried).
        Updates that arrive together (a webhook's concurrent posts) are stored together, in one
        INSERT (group commit): on SQLite's one writer, a transaction each was the webhook's
        bottleneck. On PostgreSQL that INSERT is kept as it runs, with no BEGIN and COMMIT.
        """
        arrival: Arrival = asyncio.get_running_loop().create_future()
        self._arriving.append((updates, arrival))
        async with self._store_lock:
            if not arrival.done():
                await self._store_waiting(arrival)
        return await arrival

    async def _store_waiting(self, own: Arrival) -> None:
        """Store every waiting caller's updates in one INSERT; start them in arrival
        order (a chat's order holds) and give each caller its own tasks.

        The batch is taken once the database connection is ours: what arrives while we wait
        for it (SQLite has one, busy with the updates being handled) joins this INSERT.
        """
        batch: list[tuple[Sequence[Received], Arrival]] = []
        try:
            async with self.db.autocommit() as session:
                await session.connection()
                await asyncio.sleep(0)  # posts read meanwhile join (PostgreSQL connects at once)
                batch, self._arriving = self._arriving, []
                stored = await self._store(session, [u for arrived, _ in batch for u in arrived])
        except Exception as exc:
            if not batch:  # failed before taking it: those waiting hear it now
                batch, self._arriving = self._arriving, []
            for _, arrival in batch:
                arrival.set_exception(exc)
            return
        except BaseException:  # cancelled: the others store theirs in their turn
            waiting = [entry for entry in batch + self._arriving if entry[1] is not own]
            self._arriving = waiting
            raise
        started = {key: self._start(row_id, chat, payload) for key, row_id, chat, payload in stored}
        for arrived, arrival in batch:  # a redelivery in the same group gets nothing to wait on
            arrival.set_result(
                [started.pop(u.update_key) for u in arrived if u.update_key in started]
            )

    async def _store(
        self, session: AsyncSession, updates: list[Received]
    ) -> list[tuple[str, int, str, dict[str, Any]]]:
        """The updates new to the inbox: (update key, row id, chat key, payload)."""
        now = self.clock()
        for item in updates:
            if item.update_key.startswith(DIGEST_PREFIX):
                await forget_processed_key(
                    session,
                    channel=self.channel,
                    update_key=item.update_key,
                    before=now - DIGEST_WINDOW,
                )
        return await store_updates(
            session,
            channel=self.channel,
            updates=[(u.update_key, u.chat_key, clean_payload(u.payload)) for u in updates],
            at=now,
        )

    async def recover(self, *, received_before: datetime | None = None) -> int:
        """Start handling what was stored and is not being handled here; returns how many."""
        async with self.db.transaction() as session:
            rows = await waiting_updates(
                session, channel=self.channel, received_before=received_before
            )
        started = [self._start(*row) for row in rows if row[0] not in self._in_hand]
        if started:
            log.info("%s inbox: handling %d update(s) received earlier", self.channel, len(started))
        return len(started)

    @contextlib.asynccontextmanager
    async def running(self) -> Any:
        """Recover at start, retry failures while the block runs, wait for handling at the end."""
        await self.recover()
        self._retrying = asyncio.create_task(self._retry_forever())
        try:
            yield self
        finally:
            self._retrying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retrying
            if self._tasks:
                await asyncio.wait(self._tasks, timeout=10)

    def _start(self, update_id: int, chat_key: str, payload: dict[str, Any]) -> asyncio.Task[None]:
        self._in_hand.add(update_id)
        # Tasks start in arrival order and take the chat's lock first: a chat's order holds.
        task = asyncio.create_task(self._run(update_id, chat_key, payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _run(self, update_id: int, chat_key: str, payload: dict[str, Any]) -> None:
        try:
            async with self._locks.hold(chat_key):
                marker = InHand(update_id)
                token = in_hand.set(marker)
                try:
                    await self.handle(payload)
                except Exception as exc:
                    await self._failed(update_id, exc)
                    return
                finally:
                    in_hand.reset(token)
                if not marker.removed:  # a redelivery, a membership change: nothing handled it
                    await self._clear(update_id)
                self._tries.pop(update_id, None)
        except Exception as exc:  # the row stays: handled again, as a no-op, on retry
            log.warning(
                "%s inbox: could not clear a handled update (%s)", self.channel, type(exc).__name__
            )
        finally:
            self._in_hand.discard(update_id)

    async def _clear(self, update_id: int) -> None:
        """Remove a handled update; updates handled meanwhile go in the same transaction
        (group commit: on SQLite's one writer, a transaction each would slow the inbound path)."""
        self._handled.append(update_id)
        async with self._clear_lock:
            batch, self._handled = self._handled, []
            if not batch:
                return
            try:
                async with self.db.transaction() as session:
                    await remove_updates(session, update_ids=batch)
            except BaseException:
                self._handled[:0] = batch
                raise

    async def _failed(self, update_id: int, exc: Exception) -> None:
        tries = self._tries.get(update_id, 0) + 1
        self._tries[update_id] = tries
        if tries < MAX_TRIES:
            log.warning(
                "%s inbox: an update failed (%s), will try again", self.channel, type(exc).__name__
            )
            return
        log.error("%s inbox: an update failed %d times, dropped", self.channel, tries, exc_info=exc)
        self._tries.pop(update_id, None)
        with contextlib.suppress(Exception):
            async with self.db.transaction() as session:
                await remove_updates(session, update_ids=[update_id])

    async def _retry_forever(self) -> None:
        while True:
            await asyncio.sleep(RETRY_EVERY)
            try:
                # Only what waited a while: a fresh row may be another process's, in hand.
                await self.recover(received_before=self.clock() - timedelta(seconds=RETRY_EVERY))
            except Exception as exc:
                log.warning(
                    "%s inbox: could not look for waiting updates (%s)",
                    self.channel,
                    type(exc).__name__,
                )
