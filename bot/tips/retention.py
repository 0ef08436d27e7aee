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

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.tips.vault import forget_reporter
from storage.db import Database
from storage.repos.audit import audit
from storage.repos.scams import forget_tip_items
from storage.repos.tip_files import (
    blank_outbox_copies,
    claim_purge,
    clear_event_texts,
    tips_to_purge,
)
from storage.repos.tips import attachments_of, tip_by_id

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
            ids = await tips_to_purge(session, closed_before=cutoff, limit=BATCH)
        for tip_id in ids:
            async with db.transaction() as session:
                purged += await purge_tip(session, settings, tip_id, now)
        if len(ids) < BATCH:
            return purged


async def purge_tip(session: AsyncSession, settings: Settings, tip_id: int, now: datetime) -> bool:
    """Delete what the tip said, keep what it was; False when it was purged already."""
    if not await claim_purge(session, tip_id, now):
        return False
    tip = await tip_by_id(session, tip_id)
    assert tip is not None
    tip.description = None
    tip.occurred_text = None
    tip.place_text = None
    tip.latitude = None
    tip.longitude = None
    tip.closing_note = None
    tip.group_id = None  # finer than the village the statistics keep
    await clear_event_texts(session, tip_id)
    for attachment in await attachments_of(session, tip_id):
        if attachment.local_path:
            await asyncio.to_thread(_delete_file, settings, attachment.local_path)
        attachment.file_ref = None
        attachment.local_path = None
        attachment.sha256 = None
    await forget_reporter(session, [tip_id])
    await forget_tip_items(session, tip_id=tip_id)  # its keyed fraud items
    await blank_outbox_copies(session, code=tip.code, since=tip.created_at, payload=PURGED_MESSAGE)
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
