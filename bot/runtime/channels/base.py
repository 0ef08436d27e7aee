"""The contract between the outbox worker and a messenger: send, or say why not."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Protocol

from bot.messages import OutboundMessage


class DeliveryError(Exception):
    """Base of what a sender may raise; the message is plain English for logs, without
    personal data."""


class TryLater(DeliveryError):
    """The messenger is down, slow or rate-limiting us; `retry_after` seconds if it said."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Undeliverable(DeliveryError):
    """Sending again will not help: the user blocked the bot, the chat is gone, the request
    is malformed."""

    def __init__(self, reason: str, *, blocked: bool = False) -> None:
        super().__init__(reason)
        self.blocked = blocked


class ChatMoved(DeliveryError):
    """A Telegram group became a supergroup with a new id; send there instead."""

    def __init__(self, new_chat_id: str) -> None:
        super().__init__("chat migrated")
        self.new_chat_id = new_chat_id


class BadUpdate(Exception):
    """A webhook body that is not an update of the messenger's documented shape; `ignore`
    when the messenger would deliver it again and again unless told it arrived."""

    def __init__(self, reason: str, *, ignore: bool = False) -> None:
        super().__init__(reason)
        self.ignore = ignore


class SendMeter(Protocol):
    """Where a channel with a message budget reports what it spent (the outbox policy's
    ZaloQuota): each message the messenger accepted, and its refusal for the budget."""

    def record(self, count: int = 1) -> None: ...

    def exceeded(self) -> None: ...


class NoMeter:
    """For a channel without a budget."""

    def record(self, count: int = 1) -> None:
        pass

    def exceeded(self) -> None:
        pass


class Sender(Protocol):
    """What the outbox worker needs from a channel."""

    name: str

    async def send(self, chat_id: str, message: OutboundMessage) -> str | None:
        """Deliver one message (split as the messenger needs); returns the messenger's id of
        the last part. Raises a DeliveryError subclass on failure."""
        ...


# While a messenger cannot be reached at start: the first retry, doubling up to the last.
FIRST_RETRY_SECONDS = 5.0
LAST_RETRY_SECONDS = 300.0


async def keep_trying(start: Callable[[], Awaitable[bool]]) -> None:
    """Call `start` again, further and further apart, until it says it started."""
    delay = FIRST_RETRY_SECONDS
    while True:
        await asyncio.sleep(delay)
        if await start():
            return
        delay = min(delay * 2, LAST_RETRY_SECONDS)


class ChatLocks:
    """One update per chat at a time, in arrival order; a chat's lock is dropped when unused."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, chat_id: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users == 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)
