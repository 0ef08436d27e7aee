"""Encryption of sensitive fields (phone numbers, reporters' identities) with BOT_SECRET_KEY.

AES-256-GCM from `cryptography`. Each value is bound to its purpose ("person.phone", ...) as
associated data, so a ciphertext copied into another column does not decrypt there.
Layout: one version byte, a 12-byte random nonce, the ciphertext with its tag.

New values are always encrypted under the current key; values are read under the current key or
any of BOT_OLD_SECRET_KEYS, so the key can change before `python -m bot keys rotate` has
re-encrypted everything (bot/security/keys.py).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING:
    from bot.config import Settings

VERSION = b"\x01"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """The value was not encrypted with this key for this purpose, or was altered."""


class FieldCipher:
    def __init__(self, key: bytes, old_keys: Sequence[bytes] = ()) -> None:
        if any(len(each) != 32 for each in (key, *old_keys)):
            raise ValueError("the field key must be 32 bytes")
        self._aead = AESGCM(key)
        self._old = [AESGCM(each) for each in old_keys if each != key]
        self._digest_keys = [key, *(each for each in old_keys if each != key)]

    @classmethod
    def of(cls, settings: Settings) -> FieldCipher:
        """The current key and the old ones, as configured."""
        return cls(settings.secret_key_bytes(), settings.old_secret_keys_bytes())

    def encrypt(self, plaintext: str, purpose: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode(), purpose.encode())

    def decrypt(self, blob: bytes, purpose: str) -> str:
        if blob[:1] != VERSION:
            raise DecryptionError("unknown format")
        nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        for aead in (self._aead, *self._old):
            try:
                return aead.decrypt(nonce, sealed, purpose.encode()).decode()
            except InvalidTag:
                continue
        raise DecryptionError("wrong key, wrong purpose or altered data")

    def opens_with_current_key(self, blob: bytes, purpose: str) -> bool:
        """True if the current key alone decrypts `blob` (nothing left to rotate)."""
        if blob[:1] != VERSION:
            return False
        nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            self._aead.decrypt(nonce, sealed, purpose.encode())
        except InvalidTag:
            return False
        return True

    def digests(self, value: str, purpose: str) -> list[str]:
        """Keyed hashes of `value` for `purpose`, under the current key first, then the old
        ones: a lookup key that names nothing without the key, and still finds rows written
        before a rotation."""
        message = f"{purpose}:{value}".encode()
        return [hmac.new(key, message, hashlib.sha256).hexdigest() for key in self._digest_keys]

    def encrypt_optional(self, plaintext: str | None, purpose: str) -> bytes | None:
        return self.encrypt(plaintext, purpose) if plaintext else None

    def decrypt_optional(self, blob: bytes | None, purpose: str) -> str | None:
        return self.decrypt(blob, purpose) if blob else None


PERSON_PHONE = "person.phone"
HOUSEHOLD_PHONE = "household.phone"
