"""What a tip is about: the national categories, and a commune's own rows over them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from storage.models import Tip, TipCategory
from storage.repos.tips import categories_near


async def category(session: AsyncSession, commune_code: str, key: str) -> TipCategory | None:
    """The commune's own category of that key, else the national default."""
    found = [c for c in await categories_near(session, commune_code) if c.key == key]
    found.sort(key=lambda c: c.commune_code is None)
    return found[0] if found else None


async def categories_for(session: AsyncSession, commune_code: str | None) -> list[TipCategory]:
    """What reporters of this commune choose from: its own rows override the defaults of the
    same key; an inactive row hides the category."""
    by_key: dict[str, TipCategory] = {}
    for row in sorted(await categories_near(session, commune_code), key=_commune_last):
        by_key[row.key] = row  # the commune's own row comes last and wins
    return sorted((c for c in by_key.values() if c.active), key=lambda c: (c.position, c.id))


async def category_labels(
    session: AsyncSession, t: Translator, commune_code: str
) -> dict[str, str]:
    """Category key → its label in `t`'s language; the commune's own rows win, hidden ones
    still name the old tips filed under them."""
    labels: dict[str, str] = {}
    for row in sorted(await categories_near(session, commune_code), key=_commune_last):
        labels[row.key] = label_of(t, row)
    return labels


async def category_label(session: AsyncSession, t: Translator, tip: Tip) -> str:
    kind = await category(session, tip.commune_code, tip.category_key)
    return tip.category_key if kind is None else label_of(t, kind)


def label_of(t: Translator, kind: TipCategory) -> str:
    return kind.label_en if t.locale == "en" else kind.label_vi


def _commune_last(row: TipCategory) -> bool:
    return row.commune_code is not None
