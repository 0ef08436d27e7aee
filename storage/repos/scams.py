"""Queries of the fraud warning list and of the keyed items of fraud tips."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ScamReport, ScamWarning, Tip, TipEvent, TipEventKind, TipStatus


async def active_warnings(
    session: AsyncSession, *, items: Collection[tuple[str, str]], today: date
) -> list[ScamWarning]:
    """Warnings of any commune for these (kind, value) pairs that hold today."""
    if not items:
        return []
    values = {value for _kind, value in items}
    rows = await session.scalars(
        select(ScamWarning)
        .where(
            ScamWarning.value.in_(values),
            or_(ScamWarning.expires_on.is_(None), ScamWarning.expires_on >= today),
        )
        .order_by(ScamWarning.listed_on.desc(), ScamWarning.id.desc())
    )
    wanted = set(items)
    return [row for row in rows if (row.kind, row.value) in wanted]


async def tips_holding(session: AsyncSession, *, keys: Collection[str]) -> list[tuple[str, int]]:
    """(keyed item, tip id) for every tip that held one of these keys; tips marked as
    duplicates are left out, so that one report is not counted twice."""
    if not keys:
        return []
    rows = await session.execute(
        select(ScamReport.item_key, ScamReport.tip_id)
        .join(Tip, Tip.id == ScamReport.tip_id)
        .where(ScamReport.item_key.in_(list(keys)), Tip.status != TipStatus.DUPLICATE)
    )
    return [(key, tip_id) for key, tip_id in rows.all()]


async def add_reports(session: AsyncSession, *, tip: Tip, keys: Sequence[str]) -> None:
    """The tip's items, keyed, in the order they appear in its text."""
    for position, key in enumerate(keys):
        session.add(
            ScamReport(
                commune_code=tip.commune_code,
                item_key=key,
                position=position,
                tip_id=tip.id,
            )
        )
    await session.flush()


async def keys_of_tip(session: AsyncSession, *, tip_id: int) -> dict[str, int]:
    """The keyed items of a tip and their places in its text."""
    rows = await session.execute(
        select(ScamReport.item_key, ScamReport.position).where(ScamReport.tip_id == tip_id)
    )
    return {key: position for key, position in rows.all()}


async def earlier_tips_sharing(
    session: AsyncSession, *, tip: Tip, keys: Collection[str]
) -> dict[str, list[Tip]]:
    """For each keyed item of `tip`, the commune's earlier tips that held it too, oldest first."""
    if not keys:
        return {}
    rows = await session.execute(
        select(ScamReport.item_key, Tip)
        .join(Tip, Tip.id == ScamReport.tip_id)
        .where(
            ScamReport.item_key.in_(list(keys)),
            ScamReport.commune_code == tip.commune_code,
            Tip.id < tip.id,
        )
        .order_by(Tip.id)
    )
    found: dict[str, list[Tip]] = {}
    for key, other in rows.all():
        found.setdefault(key, []).append(other)
    return found


async def find_warning(
    session: AsyncSession, *, commune_code: str, kind: str, value: str
) -> ScamWarning | None:
    return await session.scalar(
        select(ScamWarning).where(
            ScamWarning.commune_code == commune_code,
            ScamWarning.kind == kind,
            ScamWarning.value == value,
        )
    )


async def commune_warnings(
    session: AsyncSession, *, commune_code: str, today: date
) -> Sequence[ScamWarning]:
    rows = await session.scalars(
        select(ScamWarning)
        .where(
            ScamWarning.commune_code == commune_code,
            or_(ScamWarning.expires_on.is_(None), ScamWarning.expires_on >= today),
        )
        .order_by(ScamWarning.listed_on.desc(), ScamWarning.id.desc())
    )
    return list(rows)


async def forget_tip_items(session: AsyncSession, *, tip_id: int) -> None:
    """A purged tip no longer counts in checks nor links to other tips."""
    await session.execute(delete(ScamReport).where(ScamReport.tip_id == tip_id))


async def remove_warnings(
    session: AsyncSession, *, commune_code: str, items: Collection[tuple[str, str]]
) -> list[ScamWarning]:
    """Take these (kind, value) items off the commune's list; returns what was removed."""
    removed = []
    for kind, value in items:
        row = await find_warning(session, commune_code=commune_code, kind=kind, value=value)
        if row is not None:
            await session.delete(row)
            removed.append(row)
    await session.flush()
    return removed


async def tips_with_items(session: AsyncSession, *, after_id: int, limit: int) -> list[Tip]:
    """Tips whose items are recorded, by id from `after_id` on (for re-keying)."""
    rows = await session.scalars(
        select(Tip)
        .where(Tip.id > after_id, Tip.id.in_(select(ScamReport.tip_id)))
        .order_by(Tip.id)
        .limit(limit)
    )
    return list(rows)


async def dismissed_duplicates(session: AsyncSession, *, tip_id: int) -> set[str]:
    """Codes of the tips the police said this one is not a duplicate of."""
    return set(
        await session.scalars(
            select(TipEvent.text).where(
                TipEvent.tip_id == tip_id, TipEvent.kind == TipEventKind.NOT_DUPLICATE
            )
        )
    )


async def remove_warning_by_id(
    session: AsyncSession, *, commune_code: str, warning_id: int
) -> ScamWarning | None:
    """Take the commune's warning with this id off its list; None when it has no such one."""
    row = await session.get(ScamWarning, warning_id)
    if row is None or row.commune_code != commune_code:
        return None
    await session.delete(row)
    await session.flush()
    return row


async def tip_of_commune(
    session: AsyncSession, commune_code: str, *, code: str | None = None, tip_id: int | None = None
) -> Tip | None:
    """The commune's tip of that code (or id)."""
    column, value = (Tip.code, code) if code is not None else (Tip.id, tip_id)
    return await session.scalar(
        select(Tip).where(column == value, Tip.commune_code == commune_code)
    )
