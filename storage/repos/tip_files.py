"""Queries behind a tip's evidence files and its purge after the retention period."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CLOSED_STATUSES, OutboxMessage, Tip, TipAttachment, TipEvent


async def attachments_to_fetch(
    session: AsyncSession, *, channels: Collection[str], skip: Collection[int], limit: int
) -> list[tuple[int, str, str, str, str, str | None]]:
    """(attachment id, tip code, channel, kind, file ref, mime type) of evidence with no local
    copy yet, from these messengers, oldest first."""
    query = (
        select(
            TipAttachment.id,
            Tip.code,
            Tip.channel,
            TipAttachment.kind,
            TipAttachment.file_ref,
            TipAttachment.mime_type,
        )
        .join(Tip, Tip.id == TipAttachment.tip_id)
        .where(
            TipAttachment.local_path.is_(None),
            TipAttachment.file_ref.is_not(None),
            Tip.purged_at.is_(None),
            Tip.channel.in_(list(channels)),
        )
        .order_by(TipAttachment.id)
        .limit(limit)
    )
    if skip:
        query = query.where(TipAttachment.id.not_in(sorted(skip)))
    return [tuple(row) for row in (await session.execute(query)).all()]  # type: ignore[misc]


async def store_local_copy(
    session: AsyncSession, attachment_id: int, *, path: str, sha256: str, size: int
) -> None:
    """Record the downloaded copy, unless another process stored one first."""
    await session.execute(
        update(TipAttachment)
        .where(TipAttachment.id == attachment_id, TipAttachment.local_path.is_(None))
        .values(local_path=path, sha256=sha256, size=size)
    )


async def tips_to_purge(session: AsyncSession, *, closed_before: datetime, limit: int) -> list[int]:
    return list(
        await session.scalars(
            select(Tip.id)
            .where(
                Tip.status.in_(list(CLOSED_STATUSES)),
                Tip.closed_at <= closed_before,
                Tip.purged_at.is_(None),
            )
            .order_by(Tip.id)
            .limit(limit)
        )
    )


async def claim_purge(session: AsyncSession, tip_id: int, now: datetime) -> bool:
    """Mark the tip purged; False when it was already (another run, another process)."""
    claimed = await session.execute(
        update(Tip)
        .where(Tip.id == tip_id, Tip.purged_at.is_(None))
        .values(purged_at=now)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1  # type: ignore[attr-defined]


async def clear_event_texts(session: AsyncSession, tip_id: int) -> None:
    await session.execute(
        update(TipEvent)
        .where(TipEvent.tip_id == tip_id)
        .values(text=None)
        .execution_options(synchronize_session=False)
    )


async def blank_outbox_copies(
    session: AsyncSession, *, code: str, since: datetime, payload: dict[str, Any]
) -> None:
    """Replace the payload of every outbox row since `since` that shows the tip's code."""
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.created_at >= since,
            cast(OutboxMessage.payload, Text).contains(code),
        )
        .values(payload=payload)
        .execution_options(synchronize_session=False)
    )
