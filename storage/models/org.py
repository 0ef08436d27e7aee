"""The administrative hierarchy: province → commune → village → group → household."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, utcnow


class Province(Base):
    __tablename__ = "provinces"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_folded: Mapped[str] = mapped_column(String(120), index=True)


class Commune(Base):
    """A xã, phường or đặc khu from the official 2025 list."""

    __tablename__ = "communes"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    name_folded: Mapped[str] = mapped_column(String(120), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    duty_phone: Mapped[str | None] = mapped_column(String(20))
    # The police desk: a group chat where every tip of the commune arrives at once.
    police_chat_channel: Mapped[str | None] = mapped_column(String(16))
    police_chat_id: Mapped[str | None] = mapped_column(String(64))
    # Whether group leaders and village heads may see how many tips of each category came
    # from their village (counts only, never a tip or a reporter).
    leaders_see_tip_counts: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # The legal body responsible for residents' data, as the data notice names it ("Công an xã
    # Thanh Mỹ"); None: the commune's People's Committee.
    data_controller: Mapped[str | None] = mapped_column(String(200))
    # What the commune's list calls its village-level units, lower case ("ấp", "tổ dân phố");
    # None: "thôn". From the structure file or its village names (bot.vocabulary).
    unit_word: Mapped[str | None] = mapped_column(String(20))


class Village(Base):
    """A thôn, ấp, bản, làng or tổ dân phố: the unit assessed each year."""

    __tablename__ = "villages"
    __table_args__ = (UniqueConstraint("commune_code", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"), index=True)
    name: Mapped[str] = mapped_column(String(120))


class Group(Base):
    """A self-governing group (tổ) of neighbouring households."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("village_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))


class HouseholdStatus(StrEnum):
    ACTIVE = "active"
    MOVED_AWAY = "moved_away"


class Household(Base):
    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("group_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    head_name: Mapped[str] = mapped_column(String(120))
    members: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default=HouseholdStatus.ACTIVE)
    # Encrypted with BOT_SECRET_KEY (bot.crypto); optional in the commune's list.
    phone_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    # False for a household a resident added ("not listed") until the group leader confirms it.
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PoliceDeskCode(Base):
    """A one-time code a commune police officer gets in a private chat and sends in a group
    chat to make that group the commune's police desk. Not an invitation: it grants no role."""

    __tablename__ = "police_desk_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
