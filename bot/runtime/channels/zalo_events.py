"""Zalo Bot API updates → channel-neutral InboundEvents. Pure functions, no I/O.

An update is `{"event_name": "message.text.received", "message": {...}}`; webhook bodies wrap
it as `{"ok": true, "result": {...}}` (some arrive flat). Zalo has no buttons, no locations, no
files: text (commands included), photos by URL, and everything else is "unsupported".
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from bot.messages import EventKind, InboundEvent, Media
from bot.messengers import ZALO

CHANNEL = ZALO.name
UPDATE_KEY_MAX = 64  # ProcessedUpdate.update_key

TEXT_EVENT = "message.text.received"
IMAGE_EVENT = "message.image.received"


def unwrap(body: object) -> dict[str, Any] | None:
    """The update inside a webhook body or a getUpdates result, wrapped or flat; None when the
    body is not an update at all."""
    if not isinstance(body, dict):
        return None
    result = body.get("result")
    if isinstance(result, dict) and "ok" in body:
        body = result
    if isinstance(body.get("message"), dict) or "event_name" in body:
        return body
    return None


def update_key(update: dict[str, Any]) -> str | None:
    """What identifies a message across Zalo's redeliveries: its message_id, or without one a
    digest of its content ("#…"), which the inbox honours for a window only."""
    message = update.get("message")
    raw = message.get("message_id") if isinstance(message, dict) else None
    if raw is None or raw == "":
        content = json.dumps(update, sort_keys=True, ensure_ascii=False, default=str)
        return "#" + hashlib.sha256(content.encode("utf-8", "replace")).hexdigest()[:48]
    key = str(raw)
    if len(key) > UPDATE_KEY_MAX:
        key = hashlib.sha256(key.encode()).hexdigest()[:UPDATE_KEY_MAX]
    return key


def to_event(
    update: dict[str, Any], *, bot_name: str | Sequence[str] | None = None, bot_id: str = ""
) -> InboundEvent | None:
    """The event for a user's message; None for what is not one (the bot's own, malformed).
    `bot_name`: the names the bot may be mentioned by (display name, account name)."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    sender = message.get("from") if isinstance(message.get("from"), dict) else {}
    chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
    user_id, chat_id = str(sender.get("id") or ""), str(chat.get("id") or "")
    if not user_id or not chat_id or sender.get("is_bot"):
        return None
    is_group = str(chat.get("chat_type") or "").upper() == "GROUP"
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "chat_id": chat_id,
        "user_id": user_id,
        "update_key": update_key(update),
        "language": None,  # Zalo does not say; the bot's default (Vietnamese) applies
        "sender_name": _name(sender),
        "is_group": is_group,
    }
    event_name = str(update.get("event_name") or "")
    if event_name == IMAGE_EVENT:
        return InboundEvent(**_image_fields(message), **base)
    text = message.get("text")
    if event_name == TEXT_EVENT or (not event_name and isinstance(text, str)):
        if not isinstance(text, str):
            return InboundEvent(kind=EventKind.UNSUPPORTED, **base)
        if is_group:
            text = strip_mention(_without_bot_spans(text, message, bot_id), bot_name)
        return InboundEvent(**text_fields(text), **base)
    # Stickers, "unsupported" (voice, files, locations, content Zalo withholds from bots), and
    # kinds of events this code does not know yet: answered politely by the engine.
    return InboundEvent(kind=EventKind.UNSUPPORTED, **base)


def text_fields(raw: str) -> dict[str, Any]:
    text = raw.strip()
    if text.startswith("/") and len(text) > 1:
        word, _, args = text[1:].partition(" ")
        command = word.partition("@")[0]
        return {
            "kind": EventKind.COMMAND,
            "command": command.lower(),
            "args": args.strip(),
            "text": text,
        }
    return {"kind": EventKind.TEXT, "text": text}


def _image_fields(message: dict[str, Any]) -> dict[str, Any]:
    url = message.get("photo_url") or message.get("photo") or message.get("url")
    caption = message.get("caption") or message.get("text") or ""
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return {"kind": EventKind.UNSUPPORTED}
    return {
        "kind": EventKind.MEDIA,
        "media": Media("photo", url, None, "image/jpeg"),
        "text": str(caption).strip(),
    }


def _name(sender: dict[str, Any]) -> str | None:
    for field in ("display_name", "name", "account_name"):
        value = sender.get(field)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


_LEADING_MENTION = re.compile(r"^@\S+\s*")


def strip_mention(text: str, bot_name: str | Sequence[str] | None) -> str:
    """In a group the bot only hears messages that mention it ("@Bình Yên /menu") or reply to
    it: the mention is not part of what was said. Any of the bot's names counts."""
    stripped = text.strip()
    names = [bot_name] if isinstance(bot_name, str) else list(bot_name or ())
    for name in sorted((n.strip() for n in names if n and n.strip()), key=len, reverse=True):
        pattern = re.compile(r"@" + re.escape(name), re.IGNORECASE)
        stripped = pattern.sub(" ", stripped).strip()
    if stripped.startswith("@"):
        command = stripped.find(" /")
        # A mention we cannot name (a display name with spaces): a command after it is what
        # counts; otherwise the first word is taken for the mention.
        stripped = stripped[command + 1 :] if command >= 0 else _LEADING_MENTION.sub("", stripped)
    return stripped.strip()


def _bot_spans(
    message: dict[str, Any], bot_id: str, *, by_id_only: bool = False
) -> list[tuple[int, int]]:
    spans = []
    for key in ("mentions", "entities"):
        for item in message.get(key) or ():
            if not isinstance(item, dict):
                continue
            offset = item.get("offset", item.get("pos"))
            length = item.get("length", item.get("len"))
            if not isinstance(offset, int) or not isinstance(length, int) or length <= 0:
                continue
            who = str(item.get("uid") or item.get("user_id") or item.get("id") or "")
            if (who and bot_id and who == bot_id) or (not by_id_only and not who and offset == 0):
                spans.append((offset, length))
    return spans


def mentioned_name(update: dict[str, Any], bot_id: str) -> str | None:
    """The name a group message mentions the bot by, where Zalo marks the mention with the
    bot's id."""
    message = update.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("text"), str):
        return None
    units = message["text"].encode("utf-16-le")
    for offset, length in _bot_spans(message, bot_id, by_id_only=True):
        name = units[2 * offset : 2 * (offset + length)].decode("utf-16-le", errors="ignore")
        name = name.strip().removeprefix("@").strip()
        if name:
            return name
    return None


def _without_bot_spans(text: str, message: dict[str, Any], bot_id: str) -> str:
    """The text without the spans that mention the bot, where the update marks mentions
    (`mentions` or `entities`: offset and length in UTF-16 units, as Zalo's clients count).
    A span names the bot when its user id is the bot's, or, without an id, when it opens the
    message (Zalo delivers a group message only when it mentions the bot)."""
    spans = _bot_spans(message, bot_id)
    if not spans:
        return text
    units = text.encode("utf-16-le")
    for offset, length in sorted(spans, reverse=True):
        units = units[: 2 * offset] + b" \x00" + units[2 * (offset + length) :]
    return units.decode("utf-16-le", errors="replace")
