"""Tips (tin báo): what was reported, who may learn who reported it, and everything since.

The reporter's identity never sits in clear next to the tip: `TipReporter` holds, encrypted,
the route back to the reporter (for the anonymous relay and updates) and, only when they chose
to give it, their name and phone for commune police. Nothing stored in clear is shared by two
tips of one reporter, or by a tip and their account: "my tips" is an encrypted list on the
account (bot.tips.own_tips), and every time on a tip is kept to the minute.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, MinuteUTCDateTime, utcnow


class TipStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    VERIFYING = "verifying"
    FORWARDED = "forwarded"  # to the investigating body
    RESOLVED = "resolved"
    NO_GROUNDS = "no_grounds"
    DUPLICATE = "duplicate"


CLOSED_STATUSES = frozenset({TipStatus.RESOLVED, TipStatus.NO_GROUNDS, TipStatus.DUPLICATE})


class TipCategory(Base):
    """A category offered to reporters; commune_code NULL for the national defaults, which a
    commune can hide or add to with its own rows."""

    __tablename__ = "tip_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_code: Mapped[str | None] = mapped_column(ForeignKey("communes.code"), index=True)
    key: Mapped[str] = mapped_column(String(30))
    label_vi: Mapped[str] = mapped_column(String(80))
    label_en: Mapped[str] = mapped_column(String(80))
    # "113", "114", "115" or "111": the number to call when it is happening now.
    emergency_number: Mapped[str | None] = mapped_column(String(4))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Tip(Base):
    __tablename__ = "tips"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    channel: Mapped[str] = mapped_column(String(16))
    category_key: Mapped[str] = mapped_column(String(30))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime | None] = mapped_column(MinuteUTCDateTime())
    occurred_text: Mapped[str | None] = mapped_column(String(100))
    place_text: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    wants_updates: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default=TipStatus.NEW, index=True)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("tips.id"))
    closing_note: Mapped[str | None] = mapped_column(Text)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(MinuteUTCDateTime(), default=utcnow, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(MinuteUTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(MinuteUTCDateTime())
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    next_escalation_at: Mapped[datetime | None] = mapped_column(MinuteUTCDateTime(), index=True)
    purged_at: Mapped[datetime | None] = mapped_column(MinuteUTCDateTime())
    # The officer who works it (set from the web console); None: the whole desk.
    assigned_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    # When a card was first accepted by a police chat (bot.tips.card_delivery); until then the
    # reporter is not told police have the tip. 0: the desk (or officers without one),
    # 1: every officer's private chat, 2: the commune admins; since `delivery_level_at`.
    delivered_at: Mapped[datetime | None] = mapped_column(MinuteUTCDateTime())
    delivery_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    delivery_level_at: Mapped[datetime | None] = mapped_column(MinuteUTCDateTime())


class TipReporter(Base):
    """The identity vault: one row per tip, everything in it encrypted."""

    __tablename__ = "tip_reporters"

    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id"), primary_key=True)
    # {"channel", "user_id", "chat_id", "language"}: how the bot writes back. Read by the relay.
    route_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    # {"name", "phone", "person_id"}: only when the reporter chose to give it. Read by police,
    # and every read is audited.
    identity_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)


class TipAttachment(Base):
    __tablename__ = "tip_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # photo | voice | video | file
    file_ref: Mapped[str | None] = mapped_column(String(300))  # the messenger's id or URL
    local_path: Mapped[str | None] = mapped_column(String(300))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    mime_type: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(MinuteUTCDateTime(), default=utcnow)


class TipEventKind(StrEnum):
    CREATED = "created"
    STATUS = "status"
    QUESTION = "question"  # police → reporter
    ANSWER = "answer"  # reporter → police
    ADDED = "added"  # the reporter added information
    CLOSING_NOTE = "closing_note"
    FEEDBACK = "feedback"
    ESCALATED = "escalated"
    IDENTITY_READ = "identity_read"
    ASSIGNED = "assigned"
    REROUTED = "rerouted"  # its card could not reach the desk: sent on to officers, admins
    DELIVERED = "delivered"  # a police chat accepted its card
    NOT_DUPLICATE = "not_duplicate"  # police dismissed a suggested duplicate (text: its code)
    MARKED_FRAUD = "marked_fraud"  # its items went on the commune's fraud warning list


class TipEvent(Base):
    """The tip's history: every status change with who and when, every message exchanged."""

    __tablename__ = "tip_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id"), index=True)
    at: Mapped[datetime] = mapped_column(MinuteUTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    actor_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    status: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)


class TipCard(Base):
    """A police-side message showing a tip, so that a status change edits it in place."""

    __tablename__ = "tip_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    is_group_chat: Mapped[bool] = mapped_column(Boolean, default=False)
    # The outbox row that sent the card; its external_message_id is what gets edited.
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    # Tip.delivery_level when it was sent: whose silence counts at the current level.
    delivery_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
