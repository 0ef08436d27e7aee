"""Fraud warnings and the keyed items of residents' fraud tips (docs/SCAMS.md).

`ScamWarning` is the commune police's own list: the item in clear (it is a public warning),
with the police's words, where it came from, and until when it holds. `ScamReport` says only
that a tip of the commune held an item: the item is a keyed hash (HMAC under the bot's key),
so the table tells nothing to someone without the key, and it never says who reported.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, utcnow


class ScamWarning(Base):
    __tablename__ = "scam_warnings"
    __table_args__ = (UniqueConstraint("commune_code", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # bot.scams.extract.ItemKind
    value: Mapped[str] = mapped_column(String(200), index=True)  # normalised
    shown: Mapped[str] = mapped_column(String(200))
    bank: Mapped[str | None] = mapped_column(String(40))
    warning_text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))  # "TB-7K3Q", "typed", a list's name
    listed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)  # the last day it holds
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ScamReport(Base):
    __tablename__ = "scam_reports"
    __table_args__ = (UniqueConstraint("tip_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"), index=True)
    item_key: Mapped[str] = mapped_column(String(64), index=True)
    # Which item of the tip's text (in the order they appear), to show it on the card without
    # keeping it in clear here.
    position: Mapped[int] = mapped_column(Integer, default=0)
    # No time of its own: an exact one would match the reporter's conversation
    # (docs/PRIVACY_ANONYMITY.md); the tip has its time, to the minute.
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id"), index=True)
