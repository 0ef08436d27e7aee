"""Sending what the outbox holds to a fake messenger, as the outbox worker does in production."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.config import Settings
from bot.crypto import FieldCipher
from bot.messages import OutboundMessage
from bot.runtime.outbox import OutboxWorker
from bot.runtime.pacing import Pacer, PacingRules
from storage.base import utcnow
from storage.db import Database

UNPACED = PacingRules(overall_per_second=10_000, private_chat_interval=0, group_chat_interval=0)


class FakeMessenger:
    """Records what it was sent, per chat."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[tuple[str, OutboundMessage]] = []

    async def send(self, chat_id: str, message: OutboundMessage) -> str:
        self.sent.append((chat_id, message))
        return str(len(self.sent))


async def deliver_notices(
    db: Database,
    settings: Settings,
    *,
    channel: str = "test",
    clock: Callable[[], datetime] = utcnow,
) -> list[tuple[str, OutboundMessage]]:
    """Send everything due on `channel` through the real outbox worker; what went, in order."""
    messenger = FakeMessenger(channel)
    worker = OutboxWorker(
        db=db,
        sender=messenger,
        pacer=Pacer(UNPACED),
        clock=clock,
        cipher=FieldCipher.of(settings),
    )
    while await worker.send_due():
        pass
    return messenger.sent
