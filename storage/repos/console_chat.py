"""What the terminal chat reads: every person, to find the one the typist names."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person


async def all_people(session: AsyncSession) -> list[Person]:
    return list(await session.scalars(select(Person)))
