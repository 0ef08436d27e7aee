"""The buttons of notices a chat was sent, for their typed forms once the outbox row is blank."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class NoticeActions(Base):
    """One chat's notice buttons of one day, sealed (bot.crypto, purpose "notice.actions").

    The key is a keyed hash of channel, chat and day, so no value is shared by two rows: a
    leaked backup shows that some chat got notices with buttons on a day, and nothing else.
    """

    __tablename__ = "notice_actions"

    chat_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    buttons_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
