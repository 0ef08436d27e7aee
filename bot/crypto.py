"""Encryption of sensitive fields (phone numbers, reporters' identities) with BOT_SECRET_KEY.

AES-256-GCM from `cryptography`. Each value is bound to its purpose ("person.phone", ...) as
associated data, so a ciphertext copied into another column does not decrypt there.
Layout: one version byte, a 12-byte random nonce, the ciphertext with its tag.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = b"\x01"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """The value was not encrypted with this key for this purpose, or was altered."""


class FieldCipher:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the field key must be 32 bytes")
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: str, purpose: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode(), purpose.encode())

    def decrypt(self, blob: bytes, purpose: str) -> str:
        if blob[:1] != VERSION:
            raise DecryptionError("unknown format")
        nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, sealed, purpose.encode()).decode()
        except InvalidTag as exc:
            raise DecryptionError("wrong key, wrong purpose or altered data") from exc

    def encrypt_optional(self, plaintext: str | None, purpose: str) -> bytes | None:
        return self.encrypt(plaintext, purpose) if plaintext else None

    def decrypt_optional(self, blob: bytes | None, purpose: str) -> str | None:
        return self.decrypt(blob, purpose) if blob else None


PERSON_PHONE = "person.phone"
HOUSEHOLD_PHONE = "household.phone"
