"""The console's sign-in rows: issue and use one-time links, open, find, touch and end sessions.

Tokens and session ids are handed to the browser once and stored only as SHA-256 hashes.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import WebLoginLink, WebSession

LINK_VALID_FOR = timedelta(minutes=10)


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def issue_login_link(
    session: AsyncSession, *, person_id: int, commune_code: str, language: str, now: datetime
) -> str:
    """A new link token for this person in this commune; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebLoginLink(
            token_hash=hash_secret(token),
            person_id=person_id,
            commune_code=commune_code,
            language=language,
            created_at=now,
            expires_at=now + LINK_VALID_FOR,
        )
    )
    await session.flush()
    return token


async def use_login_link(
    session: AsyncSession, token: str, *, now: datetime
) -> WebLoginLink | None:
    """The link of `token` if it is unused and unexpired, marked used atomically (two browsers
    racing with one link cannot both get in)."""
    link = await session.scalar(
        select(WebLoginLink).where(WebLoginLink.token_hash == hash_secret(token))
    )
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    won = await session.execute(
        update(WebLoginLink)
        .where(WebLoginLink.id == link.id, WebLoginLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return link if won.rowcount == 1 else None  # type: ignore[attr-defined]


async def open_session(
    session: AsyncSession,
    *,
    person_id: int,
    commune_code: str,
    language: str,
    user_agent: str | None,
    now: datetime,
) -> tuple[str, WebSession]:
    """A new session: (the id for the cookie, the row holding its hash)."""
    session_id = secrets.token_urlsafe(32)
    row = WebSession(
        session_hash=hash_secret(session_id),
        person_id=person_id,
        commune_code=commune_code,
        language=language,
        user_agent=(user_agent or "")[:120] or None,
        created_at=now,
        last_seen_at=now,
    )
    session.add(row)
    await session.flush()
    return session_id, row


async def live_session(
    session: AsyncSession, session_id: str, *, now: datetime, idle: timedelta
) -> WebSession | None:
    """The open session of this cookie, its last use moved to `now`; None when unknown, ended,
    or idle longer than `idle` (then it is ended for good)."""
    row = await session.scalar(
        select(WebSession).where(WebSession.session_hash == hash_secret(session_id))
    )
    if row is None or row.ended_at is not None:
        return None
    if row.last_seen_at + idle <= now:
        row.ended_at = now
        return None
    row.last_seen_at = now
    return row


async def open_sessions_of(session: AsyncSession, person_id: int) -> list[WebSession]:
    rows = await session.scalars(
        select(WebSession)
        .where(WebSession.person_id == person_id, WebSession.ended_at.is_(None))
        .order_by(WebSession.last_seen_at.desc())
    )
    return list(rows)


async def end_session(
    session: AsyncSession, *, session_row_id: int, person_id: int, now: datetime
) -> bool:
    """End one of the person's own sessions (never another person's)."""
    result = await session.execute(
        update(WebSession)
        .where(
            WebSession.id == session_row_id,
            WebSession.person_id == person_id,
            WebSession.ended_at.is_(None),
        )
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]
