"""Which outgoing messages may wait, which may be dropped, and why one is waiting.

Campaign messages (NOTICE and BROADCAST priority: reminders, announcements, meeting notices)
wait when the Zalo budget is short; replies, tips and alerts (an account linked elsewhere, a
membership request, a chat replaced) never do. A campaign message that carries `expires_at`
(a calendar reminder: the day after its event) and is still waiting after it is dropped, never
sent late. When the budget returns, the outbox claims by priority: replies, then tips, then
alerts, then campaigns.

The Zalo plan's monthly budget lives here too (`ZaloQuota`): every message Zalo accepted is
counted in the database, the commune admins are warned at 80 % and when Zalo says the plan is
used up, and a short budget holds campaign messages back for an hour (`ZaloOutboxWorker`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import N_
from bot.runtime.dialog.engine import QueuedReply
from bot.runtime.outbox import OutboxWorker
from bot.runtime.quota_notices import QUOTA_USED_UP, QUOTA_WARNING, tell_admins
from storage.base import utcnow
from storage.db import Database
from storage.models import Priority, ZaloUsage
from storage.repos.campaigns import due_campaigns, fail_unsent, hold_campaigns
from storage.repos.zalo_quota import add_sent

log = logging.getLogger(__name__)

CAMPAIGN = Priority.NOTICE  # this priority and lower ones wait when the budget is short
HELD = "held: the Zalo monthly budget is short"
HELD_USED_UP = "held: zalo 429, the plan is used up"
EXPIRED = "expired: its event is over"
WARN_AT = 0.8
HOLD_CAMPAIGNS_FOR = timedelta(hours=1)
FLUSH_EVERY = 5.0  # seconds between writes of the message count
REPLY_WAIT_LIMIT = 10.0  # seconds a reply may wait for the channel before the worker takes it

WAITING_FOR_BUDGET = N_(
    "Waiting: the commune's Zalo plan has few messages left this month, so announcements wait "
    "while replies and tips go. They go out when the plan has messages again (the server "
    "administrator can upgrade it)."
)
WAITING_FOR_ZALO = N_(
    "Waiting: Zalo has stopped accepting messages this month (the plan is used up). They go "
    "out as soon as Zalo accepts them again (the server administrator can upgrade the plan)."
)
WAITING_FOR_RETRY = N_(
    "Waiting: the messenger did not accept some messages; they are tried again by themselves."
)


def is_campaign(priority: int) -> bool:
    return priority >= CAMPAIGN


def expired(payload: dict, now: datetime) -> bool:  # type: ignore[type-arg]
    expires = payload.get("expires_at")
    return bool(expires) and datetime.fromisoformat(str(expires)) <= now


async def drop_expired(session: AsyncSession, *, channel: str, now: datetime) -> int:
    """Campaign messages due on `channel` whose event is over: failed, never sent."""
    due = await due_campaigns(session, channel=channel, lowest=CAMPAIGN, now=now)
    ids = [row_id for row_id, payload in due if expired(payload, now)]
    if ids:
        await fail_unsent(session, ids=ids, reason=EXPIRED)
    return len(ids)


def waiting_reason(errors: Sequence[str | None]) -> str | None:
    """Why messages still to go are waiting, from their last errors: a msgid, or None."""
    if any(e and "429" in e for e in errors):
        return WAITING_FOR_ZALO
    if any(e and e.startswith(HELD) for e in errors):
        return WAITING_FOR_BUDGET
    if any(e for e in errors):
        return WAITING_FOR_RETRY
    return None


class ZaloQuota:
    """Messages sent to Zalo this calendar month: counted in memory as they go, added to the
    database every few seconds (several processes add to the same row), compared with
    ZALO_MONTHLY_QUOTA. The commune admins are warned once a month at 80 %."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        wake: Callable[[str], None] = lambda _channel: None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.wake = wake
        self.limit = settings.zalo_monthly_quota
        self._month: str | None = None
        self._stored = 0  # the month's count in the database at the last flush
        self._pending = 0  # sent since
        self._loaded = False
        self._exhausted: str | None = None  # the month Zalo said "quota exceeded"
        self._told_exhausted = False

    def month(self) -> str:
        return self.clock().astimezone(self.settings.timezone).strftime("%Y-%m")

    def _roll(self) -> str:
        month = self.month()
        if month != self._month:
            self._month, self._stored, self._loaded = month, 0, False
        return month

    def record(self, count: int = 1) -> None:
        self._roll()
        self._pending += count
        self._exhausted = None  # Zalo accepts again (a raised plan): campaigns may go

    def used_up(self) -> bool:
        """Zalo said "quota exceeded" this month, and has not accepted a message since."""
        return self._exhausted == self._roll()

    def exceeded(self) -> None:
        """Zalo refused a message for the quota: whatever our count says, it is spent. The
        admins are told at the next flush, once a month."""
        log.error("Zalo refused a message: the monthly quota is used up")
        month = self._roll()
        if self._exhausted != month:
            self._told_exhausted = False
        self._exhausted = month

    @property
    def used(self) -> int:
        self._roll()
        return self._stored + self._pending

    @property
    def needs_flush(self) -> bool:
        month = self._roll()
        told = self._exhausted != month or self._told_exhausted
        return self._pending > 0 or not self._loaded or not told

    def short(self) -> bool:
        """Little enough left that campaign messages should wait."""
        month = self._roll()
        if self._exhausted == month:
            return True
        if self.limit <= 0:
            return False
        return self.limit - self.used <= self.limit * self.settings.zalo_quota_reserve

    async def flush(self) -> None:
        """Add what was sent since the last flush to the month's row; warn at 80 %."""
        month = self._roll()
        pending, self._pending = self._pending, 0
        now = self.clock()
        try:
            async with self.db.transaction() as session:
                row = await add_sent(session, month=month, count=pending, now=now)
                channels = await self._maybe_warn(session, row, now)
        except Exception:
            self._pending += pending  # counted next time
            raise
        if self._month == month:
            self._stored, self._loaded = row.sent, True
        for channel in channels:
            self.wake(channel)

    async def _maybe_warn(self, session: AsyncSession, row: ZaloUsage, now: datetime) -> set[str]:
        channels: set[str] = set()
        if self._exhausted == row.month and not self._told_exhausted:
            self._told_exhausted = True
            channels |= await tell_admins(
                session, self.settings, QUOTA_USED_UP, f"zalo-quota-out:{row.month}"
            )
        if self.limit <= 0 or row.warned_at is not None or row.sent < WARN_AT * self.limit:
            return channels
        row.warned_at = now
        channels |= await tell_admins(
            session,
            self.settings,
            QUOTA_WARNING,
            f"zalo-quota:{row.month}",
            used=row.sent,
            quota=self.limit,
            percent=round(100 * row.sent / self.limit),
        )
        log.warning(
            "Zalo messages this month: %s of %s; commune admins warned", row.sent, self.limit
        )
        return channels


class ZaloOutboxWorker(OutboxWorker):
    """The outbox worker, keeping the month's count and holding campaign messages back when
    the budget is short (replies and tips still go)."""

    def __init__(self, *, quota: ZaloQuota, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.quota = quota
        self._flushed_at = float("-inf")

    async def send_due(self) -> int:
        await self.account()
        return await super().send_due()

    async def deliver_now(self, replies: Sequence[QueuedReply]) -> None:
        """Replies go at once, unless Zalo made the channel rest (the quota is spent): then
        they stay for the worker (their lease runs out), rather than hold the webhook call."""
        if self.pacer.paused_for() > REPLY_WAIT_LIMIT:
            return
        await super().deliver_now(replies)

    async def account(self, *, force: bool = False) -> None:
        loop_time = asyncio.get_running_loop().time()
        if self.quota.needs_flush and (force or loop_time - self._flushed_at >= FLUSH_EVERY):
            self._flushed_at = loop_time
            try:
                await self.quota.flush()
            except Exception:
                log.exception("could not write the Zalo message count")
        if self.quota.short():
            await self.hold_campaigns()

    async def hold_campaigns(self) -> int:
        """Campaign messages due now wait an hour; those whose event is over are dropped."""
        now = self.clock()
        reason = HELD_USED_UP if self.quota.used_up() else HELD
        async with self.db.transaction() as session:
            dropped = await drop_expired(session, channel=self.channel, now=now)
            held = await hold_campaigns(
                session,
                channel=self.channel,
                lowest=CAMPAIGN,
                now=now,
                until=now + HOLD_CAMPAIGNS_FOR,
                reason=reason,
            )
        if held or dropped:
            log.warning(
                "Zalo budget short: %d campaign messages held for an hour, %d expired",
                held,
                dropped,
            )
        return held
