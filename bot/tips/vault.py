"""The identity vault: how to reach a tip's reporter, and who they are if they said.

The route (messenger, user and chat ids) is read only by the bot itself to relay questions and
updates (to the reporter's most recently used account, when they linked several messengers);
the identity (name, phone) only by commune police of the tip's commune, and only when the
reporter chose to give it. Every read of the identity by a person is audited.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.crypto import FieldCipher
from storage.models import Tip, TipEvent, TipEventKind, TipReporter
from storage.repos.audit import audit
from storage.repos.tip_reporters import accounts_last_used, person_of_account, vault_of

ROUTE = "tip.route"
IDENTITY = "tip.identity"


@dataclass(frozen=True)
class Route:
    channel: str
    user_id: str
    chat_id: str
    language: str


@dataclass(frozen=True)
class Identity:
    name: str
    phone: str | None
    person_id: int | None


def cipher_of(settings: Settings) -> FieldCipher:
    return FieldCipher.of(settings)


def seal(cipher: FieldCipher, route: Route, identity: Identity | None) -> TipReporter:
    return TipReporter(
        route_encrypted=cipher.encrypt(json.dumps(asdict(route)), ROUTE),
        identity_encrypted=(
            cipher.encrypt(json.dumps(asdict(identity)), IDENTITY) if identity else None
        ),
    )


async def route_to_reporter(session: AsyncSession, cipher: FieldCipher, tip: Tip) -> Route | None:
    """For the relay and for updates; a machine read, not shown to anyone."""
    vault = await vault_of(session, tip.id)
    if vault is None or vault.route_encrypted is None:
        return None
    route = Route(**json.loads(cipher.decrypt(vault.route_encrypted, ROUTE)))
    return await _latest_account(session, route)


async def _latest_account(session: AsyncSession, route: Route) -> Route:
    """The stored route, or, when its account belongs to a person who linked accounts on other
    messengers, the account they wrote from last. Nothing new is stored on the tip for this:
    the person is found through the account at send time, so an anonymous reporter who never
    joined (an account without a person) is only ever reached where they reported."""
    person_id = await person_of_account(session, route.channel, route.user_id)
    if person_id is None:
        return route
    rows = await accounts_last_used(session, person_id)
    if not rows:
        return route
    # Where they last wrote; an account that never wrote (made from a list) only if none did.
    account, _ = max(rows, key=lambda row: (row[1] is not None, row[1] or row[0].last_seen_at))
    return Route(account.channel, account.external_user_id, account.chat_id, account.language)


async def read_identity(
    session: AsyncSession,
    cipher: FieldCipher,
    tip: Tip,
    *,
    reader: int,
    at: datetime,
    reason: str | None = None,
) -> Identity | None:
    """The reporter's name and phone for a police officer, written to the audit log. The caller
    has checked that `reader` may see it (bot.authz READ_REPORTER_IDENTITY)."""
    if tip.anonymous:
        return None
    vault = await vault_of(session, tip.id)
    if vault is None or vault.identity_encrypted is None:
        return None
    audit(
        session,
        actor=reader,
        action="tip.read_identity",
        subject_kind="tip",
        subject_id=tip.code,
        at=at,
        detail=reason,
    )
    session.add(
        TipEvent(tip_id=tip.id, at=at, kind=TipEventKind.IDENTITY_READ, actor_person_id=reader)
    )
    return Identity(**json.loads(cipher.decrypt(vault.identity_encrypted, IDENTITY)))


async def forget_reporter(session: AsyncSession, tip_ids: list[int]) -> None:
    """A reporter erased their data: their tips stay with police, without any way back to them."""
    for tip_id in tip_ids:
        vault = await vault_of(session, tip_id)
        if vault is not None:
            vault.route_encrypted = None
            vault.identity_encrypted = None
