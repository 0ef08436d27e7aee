"""The stored check value that tells, at start, whether BOT_SECRET_KEY opens the data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime


class SecretKeyCheck(Base):
    """One row: a known text encrypted under the key the data is written with."""

    __tablename__ = "secret_key_check"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
