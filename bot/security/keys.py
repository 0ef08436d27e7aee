"""The key at start (does BOT_SECRET_KEY open the data?) and key rotation.

A check value (a known text encrypted under the key) is stored at the first start. Each start
decrypts it with the configured keys: a wrong key stops the bot before it writes anything
under a key that cannot read the rest. Rotation re-encrypts every column of
bot/security/encrypted_columns.py under the current key, one committed batch at a time: a run
cut short leaves every value readable (under the old key or the new), and the next run goes
on from what is left.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from bot.config import ConfigError, Settings
from bot.crypto import DecryptionError, FieldCipher
from bot.scams.service import rekey_tip_items
from bot.security.encrypted_columns import ENCRYPTED_COLUMNS, EncryptedColumn
from storage.base import utcnow
from storage.db import Database
from storage.repos.secret_keys import (
    any_value,
    key_check,
    rewrite_value,
    save_key_check,
    values_after,
)

log = logging.getLogger(__name__)

KEY_CHECK = "key.check"
CHECK_TEXT = "Bình Yên key check"
KEY_MISMATCH = (
    "BOT_SECRET_KEY does not open the stored data: set the key it was written with, or add "
    "that key to BOT_OLD_SECRET_KEYS and run `python -m bot keys rotate`"
)


def _opens(cipher: FieldCipher, blob: bytes, purpose: str) -> bool:
    try:
        cipher.decrypt(blob, purpose)
    except DecryptionError:
        return False
    return True


async def check_key_opens_data(db: Database, settings: Settings) -> None:
    """Raise ConfigError (one line) unless the configured keys open the stored data."""
    cipher = FieldCipher.of(settings)  # a missing key is a ConfigError naming the variable
    for _attempt in range(2):
        try:
            async with db.transaction() as session:
                row = await key_check(session)
                if row is not None:
                    if not _opens(cipher, row.value_encrypted, KEY_CHECK):
                        raise ConfigError(KEY_MISMATCH)
                    return
                # Data written before the check existed: one value of each column must open.
                for column in ENCRYPTED_COLUMNS:
                    sample = await any_value(session, column.column)
                    if sample is not None and not _opens(cipher, sample, column.purpose):
                        raise ConfigError(KEY_MISMATCH)
                await save_key_check(session, cipher.encrypt(CHECK_TEXT, KEY_CHECK), utcnow())
                return
        except IntegrityError:
            continue  # another process stored it first: check against theirs


@dataclass
class RotationReport:
    rewritten: Counter[str] = field(default_factory=Counter)
    unreadable: Counter[str] = field(default_factory=Counter)
    rekeyed_fraud_tips: int = 0  # their keyed numbers and links (bot.scams)


async def rotate_keys(
    db: Database,
    settings: Settings,
    *,
    batch_size: int = 500,
    after_batch: Callable[[], None] = lambda: None,
) -> RotationReport:
    """Re-encrypt everything under BOT_SECRET_KEY; safe to stop and to run again."""
    cipher = FieldCipher.of(settings)
    report = RotationReport()
    for column in ENCRYPTED_COLUMNS:
        await _rotate_column(db, cipher, column, report, batch_size, after_batch)
    report.rekeyed_fraud_tips = await rekey_tip_items(
        db, settings.secret_key_bytes(), batch_size=batch_size
    )
    async with db.transaction() as session:
        row = await key_check(session)
        if row is None or not cipher.opens_with_current_key(row.value_encrypted, KEY_CHECK):
            await save_key_check(session, cipher.encrypt(CHECK_TEXT, KEY_CHECK), utcnow())
    return report


async def _rotate_column(
    db: Database,
    cipher: FieldCipher,
    column: EncryptedColumn,
    report: RotationReport,
    batch_size: int,
    after_batch: Callable[[], None],
) -> None:
    last = None
    while True:
        async with db.transaction() as session:
            rows = await values_after(session, column.column, last, batch_size)
            for key, blob in rows:
                if cipher.opens_with_current_key(blob, column.purpose):
                    continue
                try:
                    plaintext = cipher.decrypt(blob, column.purpose)
                except DecryptionError:
                    report.unreadable[column.name] += 1
                    continue
                await rewrite_value(
                    session, column.column, key, cipher.encrypt(plaintext, column.purpose)
                )
                report.rewritten[column.name] += 1
        if not rows:
            return
        last = rows[-1][0]
        log.info("key rotation: %s up to id %s", column.name, last)
        after_batch()
