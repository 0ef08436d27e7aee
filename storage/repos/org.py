"""Looking up the administrative units."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.text_match import fold
from storage.models import Commune, Group, Province, Village


async def find_communes(
    session: AsyncSession, query: str, *, limit: int = 8
) -> list[tuple[Commune, Province]]:
    """Communes whose name contains the typed words, diacritics and case ignored.

    A name typed exactly, with its diacritics ("Thanh Mỹ"), picks that commune alone; typed
    without them ("thanh my"), every commune of that name (Thanh Mỹ, Thạnh Mỹ) comes first.
    """
    folded = fold(query)
    if len(folded) < 2:
        return []
    rows = (
        await session.execute(
            select(Commune, Province)
            .join(Province, Province.code == Commune.province_code)
            .where(Commune.name_folded.contains(folded, autoescape=True))
            .order_by(Commune.name_folded, Province.name_folded)
            .limit(200)
        )
    ).all()
    pairs = [(commune, province) for commune, province in rows]
    typed = " ".join(query.casefold().split())
    exactly = [p for p in pairs if _bare_name(p[0].name).casefold() == typed]
    if len(exactly) == 1:
        return exactly
    same_name = [p for p in pairs if fold(_bare_name(p[0].name)) == folded]
    return (same_name or pairs)[:limit]


def _bare_name(name: str) -> str:
    """'Xã Thanh Mỹ' -> 'Thanh Mỹ'."""
    for kind in ("Xã ", "Phường ", "Đặc khu "):
        if name.startswith(kind):
            return name.removeprefix(kind)
    return name


async def commune_by_code(session: AsyncSession, code: str) -> Commune | None:
    return await session.get(Commune, code)


async def commune_name(session: AsyncSession, code: str) -> str:
    """'Xã Thanh Mỹ'; the code itself for a commune not in the list."""
    commune = await session.get(Commune, code)
    return commune.name if commune else code


async def province_by_code(session: AsyncSession, code: str) -> Province | None:
    return await session.get(Province, code)


async def village_by_id(session: AsyncSession, village_id: int) -> Village | None:
    return await session.get(Village, village_id)


async def group_by_id(session: AsyncSession, group_id: int) -> Group | None:
    return await session.get(Group, group_id)


async def villages_of(session: AsyncSession, commune_code: str) -> list[Village]:
    """The commune's villages by name."""
    return list(
        await session.scalars(
            select(Village).where(Village.commune_code == commune_code).order_by(Village.name)
        )
    )
