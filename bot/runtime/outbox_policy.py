"""Which outgoing messages may wait, which may be dropped, and why one is waiting.

Campaign messages (NOTICE and BROADCAST priority: reminders, announcements, meeting notices)
wait when the Zalo budget is short; replies, tips and alerts (an account linked elsewhere, a
membership request, a chat replaced) never do. A campaign message that carries `expires_at`
(a calendar reminder: the day after its event) and is still waiting after it is dropped, never
sent late. When the budget returns, the outbox claims by priority: replies, then tips, then
alerts, then campaigns.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_
from storage.models import OutboxMessage, OutboxStatus, Priority
from storage.repos.outbox import SPENT_PAYLOAD

CAMPAIGN = Priority.NOTICE  # this priority and lower ones wait when the budget is short
HELD = "held: the Zalo monthly budget is short"
HELD_USED_UP = "held: zalo 429, the plan is used up"
EXPIRED = "expired: its event is over"

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
    rows = (
        await session.execute(
            select(OutboxMessage.id, OutboxMessage.payload).where(
                OutboxMessage.channel == channel,
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.priority >= CAMPAIGN,
                OutboxMessage.next_attempt_at <= now,
            )
        )
    ).all()
    ids = [row_id for row_id, payload in rows if expired(payload, now)]
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(
                status=OutboxStatus.FAILED,
                last_error=EXPIRED,
                claimed_until=None,
                payload=SPENT_PAYLOAD,
            )
            .execution_options(synchronize_session=False)
        )
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
