"""The outbox worker: sends queued messages of one channel at the messenger's pace.

Rows are claimed with a lease (status "sending" until `claimed_until`), so a worker that dies
mid-send leaves them to be claimed again after the lease; several processes on PostgreSQL claim
disjoint rows (SKIP LOCKED). Outcomes are settled in short transactions: sent (as soon as the
messenger accepted it, before its place in flight is given back, together with the others that
finished meanwhile); retry later (retry_after, or backoff with jitter on transient errors);
failed for good (blocked bot, chat gone), which never blocks the rows behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.crypto import DecryptionError, FieldCipher
from bot.messages import OutboundMessage
from bot.runtime.channels.base import ChatMoved, Sender, TryLater, Undeliverable
from bot.runtime.dialog.engine import QueuedReply
from bot.runtime.dialog.flows import ACTION_PREFIX
from bot.runtime.outbox_outcomes import Outcomes
from bot.runtime.pacing import ChannelResting, Pacer, PacerStopped
from bot.runtime.sent_marks import SentMarks
from bot.sealed_messages import open_payload
from storage.base import utcnow
from storage.db import Database
from storage.models import OutboxMessage, Priority
from storage.repos.outbox import (
    claim_messages,
    mark_failed,
    mark_retry,
    next_due_at,
    release_claims,
    sent_message_id,
)

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
PASS_SECONDS = 1.0  # about this much sending per pass
IDLE_WAIT = 30.0  # seconds between checks when nothing is due (a wake-up comes sooner)


@dataclass(frozen=True)
class Delivery:
    """One outbox row on its way out, detached from any session."""

    id: int
    chat_id: str
    is_group: bool
    message: OutboundMessage
    attempts: int
    urgent: bool = False  # about a tip (a police card, its photos, news to the reporter)

    @classmethod
    def of(cls, row: OutboxMessage, cipher: FieldCipher | None = None) -> Delivery:
        message = open_payload(row.payload, cipher)
        urgent = row.priority == Priority.TIP
        return cls(row.id, row.chat_id, row.is_group_chat, message, row.attempts, urgent)


class OutboxWorker:
    def __init__(
        self,
        *,
        db: Database,
        sender: Sender,
        pacer: Pacer,
        clock: Callable[[], datetime] = utcnow,
        batch_size: int | None = None,
        max_per_chat: int = 3,
        only_chat: str | None = None,
        cipher: FieldCipher | None = None,
    ) -> None:
        """`only_chat`: send nothing but this chat's messages (the terminal of one person);
        `cipher` opens the messages stored encrypted (bot.sealed_messages)."""
        self.db = db
        self.cipher = cipher
        self.only_chat = only_chat
        self.sender = sender
        self.channel = sender.name
        self.pacer = pacer
        self.clock = clock
        self.outcomes = Outcomes(db, self.channel, pacer, clock)
        # About a second of sending per pass: fewer passes at a fan-out's pace, and a tip's
        # card queued behind a broadcast waits about two passes (the next one is claimed ahead).
        rate = pacer.rules.overall_per_second
        self.batch_size = batch_size or max(10, min(1000, round(rate * PASS_SECONDS)))
        self.max_per_chat = max_per_chat
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self.marks = SentMarks(db, self.channel, clock, cipher)
        self._running = False
        self._prefetched: asyncio.Task[list[Delivery]] | None = None
        self._sending_now: set[asyncio.Task[None]] = set()
        self._soon: set[int] = set()  # rows given to `send_soon`, not yet claimed by it

    def wake(self) -> None:
        """New rows were queued: look now rather than at the next idle check."""
        self._wake.set()

    def send_soon(self, ids: Sequence[int]) -> None:
        """Send these rows now, not at the next pass: what an event just queued for others (a
        tip's police card). They are claimed with a lease first, so the worker never sends
        them too; any of this channel's rows the worker holds already are left to it."""
        self._soon.update(ids)  # not this worker's passes: they would hold them behind a pass
        task = asyncio.create_task(self._send_these(list(ids)))
        self._sending_now.add(task)
        task.add_done_callback(self._sending_now.discard)

    async def _send_these(self, ids: list[int]) -> None:
        try:
            rows = await self._claim(ids=ids)
            if rows:
                await self._send_claimed(rows)
        except Exception:
            log.exception("sending %d new row(s) at once failed on %s", len(ids), self.channel)
        finally:
            self._soon.difference_update(ids)
        self.wake()  # whatever else the event queued (and anything left) goes at the next pass

    async def sending_done(self) -> None:
        """Returns once what `send_soon` was given is sent (or left for a pass)."""
        while self._sending_now:
            await asyncio.wait(set(self._sending_now))
        await self.marks.done()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self.pacer.stop()  # a send waiting out a pause gives its row back instead

    async def run(self) -> None:
        """Send until stopped; survives any error of one pass."""
        self._running = True
        try:
            while not self._stopping.is_set():
                try:
                    sent = await self.send_due()
                except Exception:
                    log.exception("outbox pass failed on %s", self.channel)
                    sent = 0
                if sent == 0:
                    await self._sleep_until_due()
        finally:
            self._running = False
            await self._release_prefetched()
            await self.sending_done()

    async def _sleep_until_due(self) -> None:
        async with self.db.transaction() as session:
            due = await next_due_at(session, channel=self.channel)
        timeout = IDLE_WAIT
        if due is not None:
            timeout = min(IDLE_WAIT, max(0.05, (due - self.clock()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        self._wake.clear()

    async def send_due(self) -> int:
        """One pass: claim what is due and send it, chats in parallel, each chat in order.

        While the worker runs, the next pass's rows are claimed as this one starts sending:
        the claim and the settling no longer leave the pacer's slots unused between passes.
        """
        rows = await self._take_batch()
        if not rows:
            return 0
        await self._send_claimed(rows, prefetch=self._running)
        return len(rows)

    async def _send_claimed(self, rows: list[Delivery], *, prefetch: bool = False) -> None:
        """Send claimed rows, chats in parallel, each chat in order; `prefetch` claims the next
        pass's rows meanwhile."""
        by_chat: dict[str, list[Delivery]] = {}
        later: list[int] = []
        for row in rows:
            chat_items = by_chat.setdefault(row.chat_id, [])
            # What the chat's gap lets out in about a pass, and at least a few: a long queue
            # for one group must not outlive the lease.
            if len(chat_items) < self._per_chat(row.is_group):
                chat_items.append(row)
            else:
                later.append(row.id)
        if later:
            async with self.db.transaction() as session:
                # Still due: the next pass, right after this one, takes them in order.
                await release_claims(session, ids=later)
        if prefetch:
            self._prefetched = asyncio.create_task(self._claim())
        await asyncio.gather(*(self._send_chat(items) for items in by_chat.values()))
        await self.marks.settle([])  # any marks a failed commit left behind

    def _per_chat(self, is_group: bool) -> int:
        rules = self.pacer.rules
        gap = rules.group_chat_interval if is_group else rules.private_chat_interval
        if gap <= 0:
            return self.batch_size
        return max(self.max_per_chat, int(PASS_SECONDS / gap))

    async def _take_batch(self) -> list[Delivery]:
        task, self._prefetched = self._prefetched, None
        return await task if task is not None else await self._claim()

    async def _claim(self, ids: Sequence[int] | None = None) -> list[Delivery]:
        # What an event just queued for others (a police card) is claimed before the updates
        # waiting for the connection; a pass's claim waits its turn.
        async with self.db.transaction(first=ids is not None) as session:
            rows = await claim_messages(
                session,
                channel=self.channel,
                now=self.clock(),
                lease=LEASE,
                limit=len(ids) if ids is not None else self.batch_size,
                ids=ids,
                chat_id=self.only_chat,
                # A pass leaves what `send_soon` is about to claim: a card just queued goes
                # now, not after the pass under way (about a second of messages).
                excluding=self._soon if ids is None else (),
            )
            deliveries = []
            for row in rows:
                try:
                    deliveries.append(Delivery.of(row, self.cipher))
                except (DecryptionError, ValueError):
                    # Sealed under another key (or no key given): it can never go out, and
                    # must not hold back the rows behind it.
                    log.warning("outbox row %s cannot be opened; given up", row.id)
                    await mark_failed(session, message_id=row.id, error="cannot be opened")
            return deliveries

    async def _release_prefetched(self) -> None:
        """On stopping: rows claimed for a pass that will not run are due again at once,
        rather than after the lease."""
        task, self._prefetched = self._prefetched, None
        if task is None:
            return
        try:
            rows = await task
        except Exception:
            return  # nothing was claimed
        async with self.db.transaction() as session:
            await release_claims(session, ids=[row.id for row in rows])

    async def deliver_now(self, replies: Sequence[QueuedReply]) -> None:
        """Send the replies to the person who just wrote, without waiting for a pass.

        The engine queued them already claimed by us. They skip the per-chat gap (the person
        is waiting for them) but keep the overall pace; whatever fails stays for the worker.
        """
        items = [
            Delivery(r.outbox_id, r.chat_id, r.is_group, r.message, attempts=1) for r in replies
        ]
        await self._send_chat(items, replying=True)

    async def _send_chat(self, items: list[Delivery], *, replying: bool = False) -> None:
        """Send one chat's messages in order; each is marked sent as soon as it went."""
        for index, item in enumerate(items):
            ok, external_id = await self._send_one(item, replying=replying)
            if not ok and external_id is None:
                # Keep this chat's order: what follows a failed message waits for its retry.
                await self.outcomes.postpone([later.id for later in items[index + 1 :]])
                return

    async def _send_one(self, item: Delivery, *, replying: bool) -> tuple[bool, str | None]:
        """(True, messenger id) when sent; (False, None) when it must wait for a retry;
        (False, "") when it will never go, so nothing behind it should wait for it."""
        try:
            async with self.pacer.turn(
                item.chat_id, is_group=item.is_group, ignore_chat_gap=replying, urgent=item.urgent
            ):
                message = await self._resolve_edit(item.message)
                external_id = await self.sender.send(item.chat_id, message)
                self.pacer.succeeded()
                # Marked before its place in flight is given back: a crash can repeat only
                # what was awaiting an answer, never a whole pass.
                actions = [
                    (c.key, c.label) for c in message.choices if c.key.startswith(ACTION_PREFIX)
                ]
                await self.marks.settle(
                    [(item.id, external_id)], [(item.chat_id, actions)] if actions else ()
                )
                return True, external_id
        except PacerStopped:
            async with self.db.transaction() as session:
                await release_claims(session, ids=[item.id])  # due at once, for the next run
        except ChannelResting as exc:
            at = self.clock() + timedelta(seconds=exc.seconds)
            async with self.db.transaction() as session:
                await mark_retry(session, message_id=item.id, at=at, error=str(exc))
        except TryLater as exc:
            await self.outcomes.retry(item.id, item.attempts, exc)
            self.wake()  # the run loop may be asleep for longer than the delay
        except ChatMoved as exc:
            await self.outcomes.follow_chat(item.id, item.chat_id, exc.new_chat_id)
            self.wake()
        except Undeliverable as exc:
            await self.outcomes.give_up(item.id, item.chat_id, exc)
            return False, ""
        except Exception as exc:  # an adapter bug must not stop the queue
            log.exception("unexpected error sending outbox row %s", item.id)
            await self.outcomes.retry(item.id, item.attempts, TryLater(type(exc).__name__))
            self.wake()
        return False, None

    async def _resolve_edit(self, message: OutboundMessage) -> OutboundMessage:
        """An edit names the outbox row of the message it replaces; a replaced message that
        never went out (or a channel that cannot edit) gets the new text as a new message."""
        if message.edit_of is None:
            return message
        async with self.db.transaction() as session:
            external_id = await sent_message_id(session, message.edit_of)
        return replace(message, edit_of=None, replaces=external_id)
