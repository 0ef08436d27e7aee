"""What a reporter still owes police: an answer to a question, a rating of a closed tip."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CLOSED_STATUSES, Tip, TipEvent, TipEventKind


async def unanswered_question_tip(
    session: AsyncSession, *, tip_ids: Collection[int], since: datetime
) -> Tip | None:
    """Of these tips (the reporter's own), the one whose police asked last, since `since`,
    when no answer came after that question."""
    if not tip_ids:
        return None
    row = (
        await session.execute(
            select(Tip, TipEvent.at)
            .join(TipEvent, TipEvent.tip_id == Tip.id)
            .where(
                Tip.id.in_(list(tip_ids)),
                Tip.purged_at.is_(None),
                TipEvent.kind == TipEventKind.QUESTION,
                TipEvent.at >= since,
            )
            .order_by(TipEvent.at.desc(), TipEvent.id.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    tip, asked_at = row
    answered = await session.scalar(
        select(TipEvent.id)
        .where(
            TipEvent.tip_id == tip.id,
            TipEvent.kind == TipEventKind.ANSWER,
            TipEvent.at >= asked_at,
        )
        .limit(1)
    )
    return None if answered is not None else tip


async def unrated_closed_tip(
    session: AsyncSession, *, tip_ids: Collection[int], since: datetime
) -> Tip | None:
    """Of these tips (the reporter's own), the one closed last, since `since`, that the
    reporter has not rated yet."""
    if not tip_ids:
        return None
    return await session.scalar(
        select(Tip)
        .where(
            Tip.id.in_(list(tip_ids)),
            Tip.purged_at.is_(None),
            Tip.status.in_(list(CLOSED_STATUSES)),
            Tip.closed_at >= since,
            Tip.satisfied.is_(None),
        )
        .order_by(Tip.closed_at.desc(), Tip.id.desc())
        .limit(1)
    )
