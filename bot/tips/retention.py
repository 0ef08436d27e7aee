"""Retention: what a tip said is deleted `tip_retention_days` after it was closed; what is left
is an anonymous record for statistics (code, commune, village, category, status, dates).

Deleted: the description, when and where it happened in words, the coordinates, the closing
note, the texts of every event (questions, answers, additions, feedback), the attachments' files
and their references, the identity vault's contents, and the copies of the cards and messages
about it still kept in the outbox (sent ones keep no text already).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Text, cast, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.people.personal_data import audit
from bot.tips.vault import forget_reporter
from storage.db import Database
from storage.models import (
    CLOSED_STATUSES,
    OutboxMessage,
    Tip,
    TipAttachment,
    TipEvent,
)
from storage.repos.scams import forget_tip_items

log = logging.getLogger(__name__)

BATCH = 100
PURGED_MESSAGE = {"text": "—"}  # what stays of an outbox row that showed a purged tip


async def purge_closed_tips(db: Database, settings: Settings, now: datetime) -> int:
    """Purge every tip closed before the retention period, one transaction each; returns how
    many were purged. Running it again, or on two processes, purges nothing twice."""
    cutoff = now - timedelta(days=settings.tip_retention_days)
    purged = 0
    while True:
        async with db.transaction() as session:
            ids = list(
                await session.scalars(
                    select(Tip.id)
                    .where(
                        Tip.status.in_(list(CLOSED_STATUSES)),
                        Tip.closed_at <= cutoff,
                        Tip.purged_at.is_(None),
                    )
                    .order_by(Tip.id)
                    .limit(BATCH)
                )
            )
        for tip_id in ids:
            async with db.transaction() as session:
                purged += await purge_tip(session, settings, tip_id, now)
        if len(ids) < BATCH:
            return purged


async def purge_tip(session: AsyncSession, settings: Settings, tip_id: int, now: datetime) -> bool:
    """Delete what the tip said, keep what it was; False when it was purged already."""
    claimed = await session.execute(
        update(Tip)
        .where(Tip.id == tip_id, Tip.purged_at.is_(None))
        .values(purged_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    tip = await session.get(Tip, tip_id)
    assert tip is not None
    tip.description = None
    tip.occurred_text = None
    tip.place_text = None
    tip.latitude = None
    tip.longitude = None
    tip.closing_note = None
    tip.group_id = None  # finer than the village the statistics keep
    await session.execute(
        update(TipEvent)
        .where(TipEvent.tip_id == tip_id)
        .values(text=None)
        .execution_options(synchronize_session=False)
    )
    for attachment in await session.scalars(
        select(TipAttachment).where(TipAttachment.tip_id == tip_id)
    ):
        if attachment.local_path:
            await asyncio.to_thread(_delete_file, settings, attachment.local_path)
        attachment.file_ref = None
        attachment.local_path = None
        attachment.sha256 = None
    await forget_reporter(session, [tip_id])
    await forget_tip_items(session, tip_id=tip_id)  # its keyed fraud items
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.created_at >= tip.created_at,
            cast(OutboxMessage.payload, Text).contains(tip.code),
        )
        .values(payload=PURGED_MESSAGE)
        .execution_options(synchronize_session=False)
    )
    audit(
        session,
        actor=None,
        action="tip.purge",
        subject_kind="tip",
        subject_id=tip.code,
        at=now,
    )
    return True


def _delete_file(settings: Settings, stored: str) -> None:
    """The attachment's copy on disk (stored absolute, or relative to the working folder or
    to the media folder), and its tip's folder when nothing else is left in it."""
    path = Path(stored)
    for candidate in (path,) if path.is_absolute() else (settings.media_dir / path, path):
        if not candidate.is_file():
            continue
        try:
            candidate.unlink()
        except OSError:
            log.warning("could not delete a purged tip's attachment file")
            continue
        with contextlib.suppress(OSError):  # the tip's own folder, once empty
            candidate.parent.rmdir()
