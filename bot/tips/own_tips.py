"""Which tips a messenger account sent: an encrypted list of tip ids kept on the account.

It replaces a keyed hash of the account stored on every tip, which two tips of one reporter
(an anonymous one and a named one) shared in clear: whoever read the database put a name on
the anonymous tip. The list is read by "my tips", the reply relay and the rate limit, and is
emptied when the person erases their data. A member who linked several messengers owns the
tips of all their accounts.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import FieldCipher
from storage.models import ChannelAccount
from storage.repos.own_tips import accounts_of_person, count_tips_since, lock_account

OWN_TIPS = "account.tips"


def _read(cipher: FieldCipher, blob: bytes | None) -> list[int]:
    return [int(tip_id) for tip_id in json.loads(cipher.decrypt(blob, OWN_TIPS))] if blob else []


async def remember_own_tip(
    session: AsyncSession, cipher: FieldCipher, *, account_id: int, tip_id: int
) -> None:
    """Add a new tip to the account's list (the row is locked: two tips at once keep both)."""
    account = await lock_account(session, account_id=account_id)
    ids = [*_read(cipher, account.own_tips_encrypted), tip_id]
    account.own_tips_encrypted = cipher.encrypt(json.dumps(ids), OWN_TIPS)


async def own_tip_ids(
    session: AsyncSession, cipher: FieldCipher, *, account: ChannelAccount
) -> set[int]:
    """The tips of this account and of every other account of the same person."""
    accounts = [account]
    if account.person_id is not None:
        accounts += await accounts_of_person(session, person_id=account.person_id)
    return {tip_id for each in accounts for tip_id in _read(cipher, each.own_tips_encrypted)}


async def tips_since(
    session: AsyncSession, cipher: FieldCipher, *, account: ChannelAccount, since: datetime
) -> int:
    """How many own tips were sent since `since`, for the hourly limit (tip times are kept
    to the minute, and so is `since` once bound: its minute counts too)."""
    ids = await own_tip_ids(session, cipher, account=account)
    return await count_tips_since(session, ids=ids, since=since)


async def forget_own_tips(
    session: AsyncSession, cipher: FieldCipher, *, account: ChannelAccount
) -> set[int]:
    """Erasure: no account of the person keeps a way to its tips; returns the tips it had."""
    ids = await own_tip_ids(session, cipher, account=account)
    account.own_tips_encrypted = None
    if account.person_id is not None:
        for other in await accounts_of_person(session, person_id=account.person_id):
            other.own_tips_encrypted = None
    return ids
