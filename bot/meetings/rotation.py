"""Whose turn it is to host: the household that hosted longest ago (never is longest), among the
group's active, confirmed households that did not ask to be skipped; ties in list order.

A meeting counts for the household that really hosted it (the minutes' host once recorded),
whether held or still scheduled, so the next proposal never repeats a host already planned.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Household
from storage.repos.meetings import host_candidates, hosting_history


def next_host(candidates: Iterable[int], last_hosted: dict[int, datetime]) -> int | None:
    """The candidate (in list order) that never hosted, else the one that hosted longest ago."""
    order = list(candidates)
    if not order:
        return None
    never = [household for household in order if household not in last_hosted]
    if never:
        return never[0]
    return min(order, key=lambda household: (last_hosted[household], order.index(household)))


async def last_hosted(
    session: AsyncSession, group_id: int, *, excluding: int | None = None
) -> dict[int, datetime]:
    """Household id → when it last hosted (or is to host) a meeting of the group."""
    hosted: dict[int, datetime] = {}
    for meeting_id, scheduled_at, planned_host, held_at, actual_host in await hosting_history(
        session, group_id
    ):
        if meeting_id == excluding:
            continue
        host = actual_host if held_at is not None else planned_host
        when = held_at or scheduled_at
        if host is not None and (host not in hosted or hosted[host] < when):
            hosted[host] = when
    return hosted


async def propose_host(
    session: AsyncSession, group_id: int, *, excluding_meeting: int | None = None
) -> Household | None:
    """The household proposed to host the next meeting (or, when rescheduling, this one)."""
    candidates = await host_candidates(session, group_id)
    hosted = await last_hosted(session, group_id, excluding=excluding_meeting)
    chosen = next_host([h.id for h in candidates], hosted)
    return next((h for h in candidates if h.id == chosen), None)
