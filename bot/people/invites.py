"""Invitations: codes that let their holder join a group, village or commune in a role.

One code serves as the Telegram deep-link payload (t.me/<bot>?start=<code>) and as what people
type on Zalo ("/join <code>"), so it is short, upper case and free of look-alike characters.
Invites for privileged roles are single-use and expire within 7 days, whatever was asked.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import PRIVILEGED_ROLES
from storage.models import Invite, ScopeKind
from storage.repos.invites import (
    count_invite_use,
    invite_by_code,
    invite_code_exists,
    revoke_invite,
)

# No 0/O, 1/I/L: the code is read off a poster and typed by people of every age.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
PRIVILEGED_MAX_AGE = timedelta(days=7)
RESIDENT_DEFAULT_AGE = timedelta(days=90)
# The deep-link payload may hold up to 64 of A-Za-z0-9_-; our codes always fit.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{4,64}$")


class InviteProblem(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"
    USED_UP = "used_up"


@dataclass(frozen=True)
class InviteCheck:
    invite: Invite | None
    problem: InviteProblem | None = None

    @property
    def ok(self) -> bool:
        return self.invite is not None and self.problem is None


def generate_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise_code(typed: str) -> str:
    """What people type: spaces, dashes and lower case are forgiven."""
    return re.sub(r"[\s-]", "", typed).upper()


async def create_invite(
    session: AsyncSession,
    *,
    commune_code: str,
    role: str,
    scope_kind: ScopeKind,
    scope_id: str,
    now: datetime,
    created_by: int | None = None,
    valid_for: timedelta | None = None,
    max_uses: int | None = None,
) -> Invite:
    """A new invite; privileged roles are forced to one use and at most 7 days."""
    if role in PRIVILEGED_ROLES:
        max_uses = 1
        valid_for = min(valid_for or PRIVILEGED_MAX_AGE, PRIVILEGED_MAX_AGE)
    valid_for = valid_for or RESIDENT_DEFAULT_AGE
    invite = Invite(
        code=await _unused_code(session),
        commune_code=commune_code,
        role=role,
        scope_kind=scope_kind,
        scope_id=scope_id,
        created_by=created_by,
        created_at=now,
        expires_at=now + valid_for,
        max_uses=max_uses,
        uses=0,
    )
    session.add(invite)
    await session.flush()
    return invite


async def _unused_code(session: AsyncSession) -> str:
    while True:
        code = generate_code()
        if not await invite_code_exists(session, code):
            return code


async def check_invite(session: AsyncSession, typed: str, now: datetime) -> InviteCheck:
    code = normalise_code(typed)
    if not CODE_PATTERN.match(code):
        return InviteCheck(None, InviteProblem.UNKNOWN)
    invite = await invite_by_code(session, code)
    if invite is None:
        return InviteCheck(None, InviteProblem.UNKNOWN)
    if invite.revoked_at is not None:
        return InviteCheck(invite, InviteProblem.REVOKED)
    if invite.expires_at is not None and invite.expires_at <= now:
        return InviteCheck(invite, InviteProblem.EXPIRED)
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return InviteCheck(invite, InviteProblem.USED_UP)
    return InviteCheck(invite)


async def redeem(session: AsyncSession, invite: Invite) -> bool:
    """Count one use, atomically: two people racing for a single-use invite cannot both win."""
    return await count_invite_use(session, invite)


async def revoke(session: AsyncSession, code: str, now: datetime) -> bool:
    return await revoke_invite(session, normalise_code(code), now)


def telegram_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"
