"""Scheduler ticks shared between processes on one database.

Every process runs the same scheduler; before a job runs, it claims the job's lease for most of
the interval, and a process that finds it held skips that tick. The jobs are safe to run twice
anyway (guarded updates, dedupe keys); the lease saves the repeated work and the extra load on
the database with N processes.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta

from storage.base import utcnow
from storage.db import Database
from storage.repos.leases import claim_tick

log = logging.getLogger(__name__)

HOLDER = f"{socket.gethostname()[:40]}:{os.getpid()}"


def shared_tick(
    db: Database, job: str, hold: timedelta, func: Callable[..., Awaitable[None]]
) -> Callable[..., Awaitable[None]]:
    """`func`, run only by the process that claims this tick of `job`."""

    async def tick(*args: object) -> None:
        now = utcnow()
        async with db.transaction() as session:
            claimed = await claim_tick(session, job=job, holder=HOLDER, now=now, until=now + hold)
        if not claimed:
            log.debug("%s: this tick runs in another process", job)
            return
        await func(*args)

    return tick


def hold_for(trigger: dict[str, object]) -> timedelta:
    """Most of an interval job's period (a late tick of the next period is not skipped);
    an hour for a daily cron job."""
    if "hour" in trigger:
        return timedelta(hours=1)
    period = timedelta(
        **{
            unit: float(trigger[unit])
            for unit in ("hours", "minutes", "seconds")
            if unit in trigger
        }  # type: ignore[arg-type]
    )
    return period * 0.8
