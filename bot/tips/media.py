"""Evidence files: photos and voice messages of tips, fetched from the messenger and kept.

A tip is stored with its attachments' messenger file ids only (the reporter sees the code at
once); this store then downloads each file into `MEDIA_DIR/tips/<tip code>/`, computes its
SHA-256 and size, and records them on the attachment, so what police receive can be shown to be
what the reporter sent. It runs in the background: woken when a turn stored new attachments
(the engine's `on_queued` with `MEDIA_QUEUE`), and otherwise looking every half minute. A file
that cannot be had (too large, gone) is given up after a few tries and logged; a network error
is retried with a growing pause. Nothing here ever blocks a conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import mimetypes
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.config import Settings
from bot.files import (  # noqa: F401  (re-exported: the tip store's own names)
    ATTACHMENT_PREFIX,
    FileSource,
    FileTooLarge,
    FileUnavailable,
    attachment_ref,
)
from storage.base import utcnow
from storage.db import Database
from storage.repos.tip_files import attachments_to_fetch, store_local_copy

log = logging.getLogger(__name__)

# Put in `turn.queued` by a flow that stored attachments: wakes the store after the commit.
MEDIA_QUEUE = "media"
IDLE_WAIT = 30.0
MAX_FAILURES = 5
PARALLEL = 4
EXTENSIONS = {"photo": ".jpg", "voice": ".ogg", "video": ".mp4"}


@dataclass(frozen=True)
class Pending:
    attachment_id: int
    tip_code: str
    channel: str
    kind: str
    file_ref: str
    mime_type: str | None


def max_bytes(settings: Settings) -> int:
    return settings.tip_max_attachment_mb * 1024 * 1024


class MediaStore:
    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        sources: Mapping[str, FileSource],
        clock: Callable[[], datetime] = utcnow,
        idle_wait: float = IDLE_WAIT,
        batch_size: int = 20,
    ) -> None:
        self.db = db
        self.settings = settings
        self.sources = dict(sources)
        self.clock = clock
        self.idle_wait = idle_wait
        self.batch_size = batch_size
        self.root = Path(settings.media_dir) / "tips"
        self._failures: dict[int, int] = {}
        self._retry_at: dict[int, datetime] = {}
        self._given_up: set[int] = set()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        """Fetch until stopped; survives any error of one pass."""
        while not self._stopping.is_set():
            try:
                stored = await self.fetch_pending()
            except Exception:
                log.exception("evidence download pass failed")
                stored = 0
            if stored == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._idle_timeout())
                self._wake.clear()

    def _idle_timeout(self) -> float:
        """Half a minute, or less when a file is due to be retried sooner."""
        if not self._retry_at:
            return self.idle_wait
        soonest = min(self._retry_at.values())
        return max(0.05, min(self.idle_wait, (soonest - self.clock()).total_seconds()))

    async def fetch_pending(self) -> int:
        """One pass: download what is waiting; returns how many files were stored."""
        pending = await self._pending()
        if not pending:
            return 0
        limit = asyncio.Semaphore(PARALLEL)

        async def one(item: Pending) -> bool:
            async with limit:
                return await self._fetch(item)

        results = await asyncio.gather(*(one(item) for item in pending))
        return sum(results)

    async def _pending(self) -> list[Pending]:
        now = self.clock()
        skip = self._given_up | {i for i, at in self._retry_at.items() if at > now}
        async with self.db.transaction() as session:
            rows = await attachments_to_fetch(
                session, channels=self.sources, skip=skip, limit=self.batch_size
            )
        return [Pending(*row) for row in rows]

    async def _fetch(self, item: Pending) -> bool:
        try:
            content = await self.sources[item.channel].download(item.file_ref)
            if len(content) > max_bytes(self.settings):
                raise FileTooLarge(f"{len(content)} bytes")
        except FileUnavailable as exc:
            self._given_up.add(item.attachment_id)
            self._retry_at.pop(item.attachment_id, None)
            log.warning(
                "evidence file %s of %s cannot be fetched: %s",
                item.attachment_id,
                item.tip_code,
                type(exc).__name__,
            )
            return False
        except Exception as exc:
            self._failed(item, exc)
            return False
        digest = hashlib.sha256(content).hexdigest()
        path = self.root / _safe(item.tip_code) / f"{item.attachment_id}{_extension(item)}"
        await asyncio.to_thread(_write_private, path, content)
        async with self.db.transaction() as session:
            await store_local_copy(
                session, item.attachment_id, path=str(path), sha256=digest, size=len(content)
            )
        self._failures.pop(item.attachment_id, None)
        self._retry_at.pop(item.attachment_id, None)
        return True

    def _failed(self, item: Pending, exc: Exception) -> None:
        failures = self._failures.get(item.attachment_id, 0) + 1
        self._failures[item.attachment_id] = failures
        if failures >= MAX_FAILURES:
            self._given_up.add(item.attachment_id)
            self._retry_at.pop(item.attachment_id, None)
            log.error(
                "gave up on evidence file %s of %s after %d tries: %s",
                item.attachment_id,
                item.tip_code,
                failures,
                type(exc).__name__,
            )
            return
        pause = timedelta(seconds=min(600, 5 * 4 ** (failures - 1)))
        self._retry_at[item.attachment_id] = self.clock() + pause
        log.info("evidence file %s: %s, retrying", item.attachment_id, type(exc).__name__)


def _safe(code: str) -> str:
    """A tip code as a folder name (codes are A-Z, 2-9 and "-" anyway)."""
    return "".join(c for c in code if c.isalnum() or c == "-") or "unknown"


def _extension(item: Pending) -> str:
    if item.kind in EXTENSIONS:
        return EXTENSIONS[item.kind]
    guessed = mimetypes.guess_extension(item.mime_type) if item.mime_type else None
    return guessed or ".bin"


def _write_private(path: Path, content: bytes) -> None:
    """Written whole or not at all, readable by the bot's user only (it is evidence)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
    os.replace(partial, path)
