"""The commune's police chat (its "desk"): where every tip's card goes besides the officers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Commune
from storage.repos.audit import audit
from storage.repos.org import commune_by_code


async def set_police_desk(
    session: AsyncSession,
    commune_code: str,
    *,
    channel: str,
    chat_id: str,
    actor: int | None,
    now: datetime,
) -> tuple[Commune, tuple[str, str] | None]:
    """Make this chat the commune's desk, audited; returns the commune and the desk it had
    before (channel, chat id), if another."""
    commune = await commune_by_code(session, commune_code)
    if commune is None:
        raise LookupError(f"no commune {commune_code}")
    previous = (commune.police_chat_channel, commune.police_chat_id)
    commune.police_chat_channel, commune.police_chat_id = channel, chat_id
    audit(
        session,
        actor=actor,
        action="police_desk.register",
        subject_kind="commune",
        subject_id=commune_code,
        at=now,
        detail=f"{channel}:{chat_id}",
    )
    if previous[0] and previous[1] and previous != (channel, chat_id):
        return commune, (previous[0], previous[1])
    return commune, None
