"""Tick leases: one process runs each scheduler tick, whichever claims it first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SchedulerLease


async def claim_tick(
    session: AsyncSession, *, job: str, holder: str, now: datetime, until: datetime
) -> bool:
    """True if this process holds `job` until `until` (the lease was free or had run out)."""
    taken = await session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.job == job, SchedulerLease.held_until <= now)
        .values(holder=holder, held_until=until)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 1:  # type: ignore[attr-defined]
        return True
    try:
        async with session.begin_nested():
            session.add(SchedulerLease(job=job, holder=holder, held_until=until))
    except IntegrityError:
        return False  # held by another process, or claimed by it just now
    return True
