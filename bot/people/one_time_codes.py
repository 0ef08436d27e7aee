"""Short one-time codes that prove "I am the one who asked for this": registering a police desk
or a group's chat, linking a second messenger account.

Each use has its own table (what the code is for differs), with the same columns: `code`,
`created_at`, `expires_at`, `used_at`. Codes use the invite alphabet (bot.people.invites), so they
are read off a screen and typed without look-alike characters.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.people.invites import generate_code, normalise_code
from storage.repos.invites import code_taken, mark_code_used, row_of_code

Row = TypeVar("Row")


async def issue(
    session: AsyncSession, model: type[Row], *, now: datetime, valid_for: timedelta, **values: Any
) -> Row:
    """A new unused code of `model`, valid for `valid_for`, with the row's other `values`."""
    while True:
        code = generate_code()
        if not await code_taken(session, model, code):
            break
    row = model(code=code, created_at=now, expires_at=now + valid_for, **values)
    session.add(row)
    await session.flush()
    return row


async def find_valid(
    session: AsyncSession, model: type[Row], typed: str, now: datetime
) -> Row | None:
    """The row of a typed code, if it exists, is unused and has not expired."""
    code = normalise_code(typed)
    if not code:
        return None
    row = await row_of_code(session, model, code)
    if row is None or row.used_at is not None or row.expires_at <= now:  # type: ignore[attr-defined]
        return None
    return row


async def use(session: AsyncSession, model: type[Row], row: Row, now: datetime) -> bool:
    """Mark the code used, atomically: two people racing with one code cannot both win."""
    return await mark_code_used(session, model, row.id, now)  # type: ignore[attr-defined]
