"""Outbox payloads that show personal data (a reporter's name and phone, the "my data" screen,
an export) are stored encrypted until sent; once sent, no payload keeps any text
(storage.repos.outbox.mark_all_sent)."""

from __future__ import annotations

import base64
import json
from typing import Any

from bot.config import Settings
from bot.crypto import FieldCipher
from bot.messages import OutboundMessage

PRIVATE_MESSAGE = "outbox.private_message"
SEALED = "sealed"


def outbox_payload(message: OutboundMessage, settings: Settings) -> dict[str, Any]:
    """What is stored for `message`: its payload, or, when private, only its ciphertext."""
    if not message.private:
        return message.to_payload()
    cipher = FieldCipher.of(settings)
    sealed = cipher.encrypt(json.dumps(message.to_payload()), PRIVATE_MESSAGE)
    return {"text": "", SEALED: base64.b64encode(sealed).decode()}


def open_payload(payload: dict[str, Any], cipher: FieldCipher | None) -> OutboundMessage:
    if SEALED not in payload:
        return OutboundMessage.from_payload(payload)
    if cipher is None:
        raise ValueError("a sealed outbox message needs the field key to be sent")
    plain = cipher.decrypt(base64.b64decode(payload[SEALED]), PRIVATE_MESSAGE)
    return OutboundMessage.from_payload(json.loads(plain))
