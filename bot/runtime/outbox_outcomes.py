"""What becomes of a message the messenger did not take: tried again later, followed to the
chat it moved to, given up, or held behind an earlier message of the same chat."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.runtime.channels.base import TryLater, Undeliverable
from bot.runtime.pacing import Pacer
from storage.db import Database
from storage.repos.accounts import mark_blocked, move_account_chat
from storage.repos.conversations import move_chat
from storage.repos.outbox import mark_failed, mark_retry, move_outbox_chat

log = logging.getLogger("bot.runtime.outbox")

MAX_ATTEMPTS = 10


class Outcomes:
    """The settling of a channel's unsent rows, each in a short transaction of its own."""

    def __init__(
        self, db: Database, channel: str, pacer: Pacer, clock: Callable[[], datetime]
    ) -> None:
        self.db, self.channel, self.pacer, self.clock = db, channel, pacer, clock

    async def retry(self, row_id: int, attempts: int, exc: TryLater) -> None:
        """Due again after retry_after (the whole channel waits too), or after a backoff."""
        if exc.retry_after is not None:
            self.pacer.pause(exc.retry_after)
            delay = exc.retry_after
        else:
            self.pacer.failed()  # the whole channel rests; the row keeps its own backoff
            delay = min(600.0, 2.0**attempts) * random.uniform(0.8, 1.2)
        async with self.db.transaction() as session:
            if attempts >= MAX_ATTEMPTS and exc.retry_after is None:
                await mark_failed(session, message_id=row_id, error=f"gave up: {exc}")
                log.warning("outbox row %s failed after %s attempts", row_id, attempts)
            else:
                at = self.clock() + timedelta(seconds=delay)
                await mark_retry(session, message_id=row_id, at=at, error=str(exc))
        log.info("outbox row %s on %s: retry in %.1fs (%s)", row_id, self.channel, delay, exc)

    async def follow_chat(self, row_id: int, old_chat_id: str, new_chat_id: str) -> None:
        """A group that became a supergroup: its account, conversation and queue move with it."""
        async with self.db.transaction() as session:
            await move_account_chat(
                session, channel=self.channel, old_chat_id=old_chat_id, new_chat_id=new_chat_id
            )
            await move_chat(
                session, channel=self.channel, old_chat_id=old_chat_id, new_chat_id=new_chat_id
            )
            await move_outbox_chat(
                session, channel=self.channel, old_chat_id=old_chat_id, new_chat_id=new_chat_id
            )
            await mark_retry(
                session,
                message_id=row_id,
                at=self.clock(),
                error="chat migrated",
                chat_id=new_chat_id,
            )
        log.info("outbox row %s: chat migrated, resending to the new chat", row_id)

    async def give_up(self, row_id: int, chat_id: str, exc: Undeliverable) -> None:
        """Failed for good; a bot blocked by the person marks their account."""
        async with self.db.transaction() as session:
            await mark_failed(session, message_id=row_id, error=str(exc))
            if exc.blocked:
                await mark_blocked(session, channel=self.channel, chat_id=chat_id, at=self.clock())
        log.info("outbox row %s undeliverable on %s: %s", row_id, self.channel, exc)

    async def postpone(self, ids: list[int]) -> None:
        """Held a second behind an earlier message of their chat that was not sent."""
        if not ids:
            return
        async with self.db.transaction() as session:
            for message_id in ids:
                await mark_retry(
                    session,
                    message_id=message_id,
                    at=self.clock() + timedelta(seconds=1),
                    error="waiting for an earlier message",
                )
