"""Zalo's monthly message budget, and the one-time codes that link two messenger accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, utcnow


class ZaloUsage(Base):
    """Messages sent to Zalo in one calendar month (the bot's time zone), counted by every
    process that sends; `warned_at` is set once the commune admins were told of 80 %."""

    __tablename__ = "zalo_usage"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-11"
    sent: Mapped[int] = mapped_column(Integer, default=0)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AccountLinkCode(Base):
    """A one-time code from /lienket: typed on another messenger, it puts that account and this
    one on the same person once this account's owner says yes. Short-lived; grants nothing else."""

    __tablename__ = "account_link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("channel_accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The new account that typed the code; the link is made only when the owner of
    # `account_id` confirms (then `used_at` is set).
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("channel_accounts.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
