"""The evidence store's rows: a tip attachment by id, for serving its copy."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import TipAttachment


async def tip_attachment(session: AsyncSession, attachment_id: int) -> TipAttachment | None:
    return await session.get(TipAttachment, attachment_id)
