"""Operations' own rows: the key check value, and the scheduler's tick leases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime


class SecretKeyCheck(Base):
    """One row: a known text encrypted under the key the data is written with."""

    __tablename__ = "secret_key_check"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))


class SchedulerLease(Base):
    """Which process runs a scheduler job's current tick: the others skip it."""

    __tablename__ = "scheduler_leases"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    held_until: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
