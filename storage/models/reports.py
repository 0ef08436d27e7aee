"""What a commune sets once for the documents it files: the issuing body and its superior,
the number prefix, the signer and the recipients (Decree 30/2020/NĐ-CP's header and closing
blocks). A commune without a row gets blanks to fill in by hand."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, utcnow


class ReportSettings(Base):
    __tablename__ = "report_settings"

    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"), primary_key=True)
    body: Mapped[str] = mapped_column(String(200), default="")  # "Công an xã Thanh Mỹ"
    superior: Mapped[str] = mapped_column(String(200), default="")  # "Công an tỉnh Đồng Tháp"
    number_suffix: Mapped[str] = mapped_column(String(40), default="")  # "CAX" in "…/BC-CAX"
    signer_title: Mapped[str] = mapped_column(String(200), default="")  # "TRƯỞNG CÔNG AN XÃ"
    signer_name: Mapped[str] = mapped_column(String(120), default="")
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
