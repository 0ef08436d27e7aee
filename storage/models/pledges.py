"""The household safety pledge (cam kết hộ gia đình an toàn về ANTT): its texts, the pledges
households made, and the members a household head lets sign.

A text is data: the national default (commune and year empty) and each commune's own versions
per year. A version is never changed once stored; a pledge points at the exact version the
household confirmed, so changing a commune's text later never changes what was signed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, utcnow

ACTIVE_PLEDGE = text("withdrawn_at IS NULL")


class PledgeText(Base):
    """One version of the commitments, complete: `items` is {"vi": [...], "en": [...]} ("en"
    may be missing, then English readers see the Vietnamese text)."""

    __tablename__ = "pledge_texts"
    __table_args__ = (UniqueConstraint("commune_code", "year", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Both empty: the national default; a commune's text may also be for every year (year empty).
    commune_code: Mapped[str | None] = mapped_column(ForeignKey("communes.code"), index=True)
    year: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    items: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PledgeChannel:
    """How an assisted pledge was confirmed to the leader (`Pledge.assisted_how`)."""

    IN_PERSON = "in_person"
    PHONE = "phone"


class Pledge(Base):
    """A household's pledge for a year: at most one not withdrawn per household and year."""

    __tablename__ = "pledges"
    __table_args__ = (
        Index(
            "ix_pledges_active_household_year",
            "household_id",
            "year",
            unique=True,
            sqlite_where=ACTIVE_PLEDGE,
            postgresql_where=ACTIVE_PLEDGE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    # The exact version the household saw and confirmed.
    text_id: Mapped[int] = mapped_column(ForeignKey("pledge_texts.id"))
    # The head, a member the head let sign, or (assisted) the leader who recorded it.
    confirmed_by: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    assisted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    assisted_how: Mapped[str | None] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    withdraw_reason: Mapped[str | None] = mapped_column(String(300))


class PledgeDelegate(Base):
    """A member of the household whom its head lets sign the pledge."""

    __tablename__ = "pledge_delegates"
    __table_args__ = (UniqueConstraint("household_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
