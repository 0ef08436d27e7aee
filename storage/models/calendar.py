"""The campaign calendar: communes' own events and overrides, the ledger of reminders sent,
opt-outs, and broadcasts.

The national calendar lives in code (bot.calendar.events.NATIONAL); a commune's row with the
same key changes or switches off a national event there, a row with a new key adds one.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, utcnow


class CalendarEvent(Base):
    __tablename__ = "calendar_events"
    __table_args__ = (UniqueConstraint("commune_code", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(80))  # bot.calendar.rules
    audience: Mapped[str] = mapped_column(String(40))  # bot.calendar.audience
    leads: Mapped[str] = mapped_column(String(80))
    # None: the national event's translated text (an override that keeps the words).
    text_vi: Mapped[str | None] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CalendarSettings(Base):
    """A commune's quiet hours and catch-up window; communes without a row use the defaults."""

    __tablename__ = "calendar_settings"

    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"), primary_key=True)
    quiet_from: Mapped[str] = mapped_column(String(5), default="21:00")
    quiet_until: Mapped[str] = mapped_column(String(5), default="06:30")
    grace_minutes: Mapped[int] = mapped_column(Integer, default=720)


class RunStatus(StrEnum):
    QUEUED = "queued"
    MISSED = "missed"  # its moment passed longer ago than the grace window: not sent late


class CalendarRun(Base):
    """One reminder of one occurrence in one commune: queued once (or recorded as missed)."""

    __tablename__ = "calendar_runs"
    __table_args__ = (UniqueConstraint("commune_code", "event_id", "occurrence", "lead"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"))
    event_id: Mapped[str] = mapped_column(String(60))
    occurrence: Mapped[date] = mapped_column(Date)
    lead: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(10))
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReminderOptOut(Base):
    """A person who asked for no campaign messages (reminders, broadcasts). Replies to their
    own tips, meeting notices and everything they ask for still come."""

    __tablename__ = "reminder_optouts"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BroadcastStatus(StrEnum):
    SENDING = "sending"
    DONE = "done"  # nothing pending any more; the author got the final report


class Broadcast(Base):
    """An announcement composed in the chat; its recipients are outbox rows `bc:<id>:…`."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"), index=True)
    author_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    author_channel: Mapped[str] = mapped_column(String(16))
    author_chat_id: Mapped[str] = mapped_column(String(64))
    author_language: Mapped[str] = mapped_column(String(8), default="vi")
    audience: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default=BroadcastStatus.SENDING)
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
