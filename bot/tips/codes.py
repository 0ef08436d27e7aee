"""A tip's code (what reporters and police type) and the keys that name its messages."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from storage.repos.outbox import dedupe_key
from storage.repos.tips import code_taken

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_PREFIX = "TB-"
CODE_LENGTH = 4


async def new_tip_code(session: AsyncSession) -> str:
    while True:
        code = CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not await code_taken(session, code):
            return code


def normalise_tip_code(typed: str) -> str:
    """ "tb-7k3q", "TB 7K3Q" or "7k3q" → "TB-7K3Q"; a code that itself starts with TB ("tbxu")
    keeps it: the prefix is dropped only from what is longer than a code."""
    bare = "".join(ch for ch in typed.upper() if ch.isalnum())
    if len(bare) > CODE_LENGTH:
        bare = bare.removeprefix("TB")
    return CODE_PREFIX + bare


def tip_dedupe_key(settings: Settings, tip_id: int, *parts: str) -> str:
    """An outbox dedupe key about a tip: keyed-hashed, so that it does not put a tip next to a
    chat id in clear (docs/PRIVACY_ANONYMITY.md)."""
    message = ":".join(["tip", str(tip_id), *parts]).encode()
    digest = hmac.new(settings.secret_key_bytes(), message, hashlib.sha256).hexdigest()[:40]
    return dedupe_key("tip", digest)
