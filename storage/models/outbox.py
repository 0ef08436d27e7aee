"""Messages waiting to go out: written in the same transaction as the change that caused them."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, utcnow


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Priority(IntEnum):
    """Lower goes first: a reply to a person waiting beats a campaign broadcast."""

    REPLY = 0
    TIP = 10
    # A notice one person must get even when campaign messages wait (a short Zalo budget):
    # an account linked elsewhere, a membership request to its leaders, a chat replaced.
    ALERT = 20
    NOTICE = 50
    BROADCAST = 90


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "channel", "priority", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64), index=True)
    is_group_chat: Mapped[bool] = mapped_column(default=False)
    # The rendered OutboundMessage (bot.messages), channel-neutral.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(Integer, default=Priority.NOTICE)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    # Unique when set: the same reminder or notice for the same recipient is queued once.
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    external_message_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
