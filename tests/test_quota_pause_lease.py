"""Zalo's "quota exceeded" rests the channel 15 minutes, longer than an outbox lease (5): the
messages a worker had claimed for the same pass must not sit claimed through the pause, where
another process would claim them when their lease ran out and both would send them (#16)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.messages import OutboundMessage
from bot.runtime.channels import zalo_errors
from bot.runtime.channels.zalo_errors import ZaloApiError, delivery_error
from bot.runtime.outbox import LEASE, OutboxWorker
from bot.runtime.pacing import Pacer, PacingRules
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus
from storage.repos.outbox import claim_messages, queue_message

START = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


class QuotaSpentOnce:
    """Zalo refusing the first message for the quota, accepting the rest."""

    name = "zalo"

    def __init__(self) -> None:
        self.refused = False
        self.sent: list[str] = []

    async def send(self, chat_id: str, message: OutboundMessage) -> str | None:
        if not self.refused:
            self.refused = True
            raise delivery_error(ZaloApiError(429, 429, "quota exceeded"))
        self.sent.append(chat_id)
        return None


async def test_messages_claimed_behind_a_quota_pause_are_given_back_until_it_ends(
    db: Database,
) -> None:
    async with db.transaction() as session:
        for chat in ("z1", "z2"):
            await queue_message(
                session,
                channel="zalo",
                chat_id=chat,
                payload=OutboundMessage(f"tin cho {chat}").to_payload(),
                not_before=START - timedelta(seconds=1),
            )
    elapsed = [0.0]  # the clock of process A, moved only by its own waits

    async def wait(seconds: float) -> None:
        elapsed[0] += seconds

    pacer = Pacer(PacingRules(overall_per_second=1000), clock=lambda: elapsed[0], sleep=wait)
    sender = QuotaSpentOnce()
    worker = OutboxWorker(
        db=db, sender=sender, pacer=pacer, clock=lambda: START + timedelta(seconds=elapsed[0])
    )
    assert await worker.send_due() == 2
    assert sender.sent == []  # z1 refused; z2 did not wait out the pause holding its claim
    assert elapsed[0] < LEASE.total_seconds()

    pause = timedelta(seconds=zalo_errors.QUOTA_PAUSE)
    async with db.transaction() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
        # Process B, once A's lease would have run out: nothing to take, and so nothing sent
        # twice.
        after_lease = START + LEASE + timedelta(seconds=1)
        taken = await claim_messages(
            session, channel="zalo", now=after_lease, lease=LEASE, limit=10
        )
    assert taken == []
    assert all(r.status == OutboxStatus.PENDING and r.claimed_until is None for r in rows)
    assert all(r.next_attempt_at >= START + pause - timedelta(seconds=1) for r in rows)

    async with db.transaction() as session:  # the pause over: both due, once
        after_pause = START + pause + timedelta(seconds=1)
        taken = await claim_messages(
            session, channel="zalo", now=after_pause, lease=LEASE, limit=10
        )
    assert sorted(r.chat_id for r in taken) == ["z1", "z2"]
