"""The web console's sign-in: one-time links asked for in the chat, and browser sessions.

Only hashes are stored (of the link token and of the session id): a copy of the database does
not let anybody into the console.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime


class WebLoginLink(Base):
    """A link the bot gave a person in the chat: valid for minutes, used once."""

    __tablename__ = "web_login_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    language: Mapped[str] = mapped_column(String(5), default="vi")  # of the chat that asked


class WebSession(Base):
    """A signed-in browser; ends at logout, when ended from another session, or when idle."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    language: Mapped[str] = mapped_column(String(5), default="vi")
    # The browser's own description, cut short: enough to tell "my phone" from "the office PC".
    user_agent: Mapped[str | None] = mapped_column(String(120))
