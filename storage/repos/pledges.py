"""Households' pledges, who may sign them, and the pledge texts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person, Pledge, PledgeDelegate, PledgeText


async def pledge_in_force(session: AsyncSession, household_id: int, year: int) -> Pledge | None:
    """The household's pledge for the year that was not withdrawn."""
    return await session.scalar(
        select(Pledge).where(
            Pledge.household_id == household_id,
            Pledge.year == year,
            Pledge.withdrawn_at.is_(None),
        )
    )


async def households_with_pledge(
    session: AsyncSession, household_ids: list[int], year: int
) -> set[int]:
    """Which of these households have a pledge in force for the year (one query)."""
    if not household_ids:
        return set()
    return set(
        await session.scalars(
            select(Pledge.household_id).where(
                Pledge.household_id.in_(household_ids),
                Pledge.year == year,
                Pledge.withdrawn_at.is_(None),
            )
        )
    )


async def pledges_before(session: AsyncSession, household_id: int, year: int) -> list[Pledge]:
    """The household's pledges of earlier years that were not withdrawn, newest first."""
    return list(
        await session.scalars(
            select(Pledge)
            .where(
                Pledge.household_id == household_id,
                Pledge.year < year,
                Pledge.withdrawn_at.is_(None),
            )
            .order_by(Pledge.year.desc())
        )
    )


async def delegation(
    session: AsyncSession, household_id: int, person_id: int
) -> PledgeDelegate | None:
    """The head's leave for this person to sign the household's pledge, if given."""
    return await session.scalar(
        select(PledgeDelegate).where(
            PledgeDelegate.household_id == household_id, PledgeDelegate.person_id == person_id
        )
    )


async def drop_delegation(session: AsyncSession, row: PledgeDelegate) -> None:
    await session.delete(row)


async def delegate_ids(session: AsyncSession, household_id: int) -> set[int]:
    """The members the head lets sign the household's pledge."""
    return set(
        await session.scalars(
            select(PledgeDelegate.person_id).where(PledgeDelegate.household_id == household_id)
        )
    )


async def members_living_in(session: AsyncSession, household_id: int) -> list[Person]:
    """The persons who joined Bình Yên and live in this household, by name."""
    return list(
        await session.scalars(
            select(Person)
            .where(Person.household_id == household_id, Person.erased_at.is_(None))
            .order_by(Person.full_name, Person.id)
        )
    )


async def pledge_text_by_id(session: AsyncSession, text_id: int | None) -> PledgeText | None:
    return await session.get(PledgeText, text_id) if text_id is not None else None


async def texts_for(session: AsyncSession, commune_code: str, year: int) -> list[PledgeText]:
    """Every text that may apply in this commune and year: its own, every year's, national."""
    return list(
        await session.scalars(
            select(PledgeText).where(
                (PledgeText.commune_code == commune_code) | PledgeText.commune_code.is_(None),
                (PledgeText.year == year) | PledgeText.year.is_(None),
            )
        )
    )


async def last_text_version(session: AsyncSession, commune_code: str, year: int) -> int:
    """The highest version of the commune's own text for the year (0 when it has none)."""
    last = await session.scalar(
        select(func.max(PledgeText.version)).where(
            PledgeText.commune_code == commune_code, PledgeText.year == year
        )
    )
    return last or 0
