"""Telegram updates → channel-neutral InboundEvents. Pure functions, no I/O."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType

from bot.messages import EventKind, InboundEvent, Media, decode_callback
from bot.messengers import TELEGRAM

CHANNEL = TELEGRAM.name


def to_event(update: Update, *, bot_username: str | None = None) -> InboundEvent | None:
    """The event for an update the dialogs care about; None for the rest (edits, joins, ...)."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    base = {
        "channel": CHANNEL,
        "chat_id": str(chat.id),
        "user_id": str(user.id),
        "update_key": str(update.update_id),
        "language": user.language_code,
        "sender_name": user.full_name,
        "is_group": chat.type in (ChatType.GROUP, ChatType.SUPERGROUP),
    }
    if update.callback_query is not None:
        decoded = decode_callback(update.callback_query.data or "")
        if decoded is None:
            return InboundEvent(kind=EventKind.UNSUPPORTED, **base)
        token, key = decoded
        return InboundEvent(kind=EventKind.CHOICE, choice_key=key, choice_token=token, **base)
    if update.message is None:
        return None
    return InboundEvent(**_message_fields(update.message, bot_username), **base)


def _message_fields(message: Message, bot_username: str | None) -> dict[str, object]:
    if message.text is not None:
        text = message.text.strip()
        if text.startswith("/"):
            word, _, args = text[1:].partition(" ")
            command, _, addressee = word.partition("@")
            if addressee and bot_username and addressee.lower() != bot_username.lower():
                return {"kind": EventKind.UNSUPPORTED}  # a command for another bot in a group
            return {
                "kind": EventKind.COMMAND,
                "command": command.lower(),
                "args": args.strip(),
                "text": text,
            }
        return {"kind": EventKind.TEXT, "text": text}
    if message.location is not None:
        loc = message.location
        return {"kind": EventKind.LOCATION, "location": (loc.latitude, loc.longitude)}
    if message.contact is not None:
        # Only the sender's own number counts; a forwarded card of someone else does not.
        own = message.contact.user_id == (message.from_user.id if message.from_user else None)
        if own:
            return {"kind": EventKind.CONTACT, "phone": message.contact.phone_number}
        return {"kind": EventKind.UNSUPPORTED}
    media = _media(message)
    if media is not None:
        return {"kind": EventKind.MEDIA, "media": media, "text": (message.caption or "").strip()}
    return {"kind": EventKind.UNSUPPORTED}


def _media(message: Message) -> Media | None:
    if message.photo:
        largest = message.photo[-1]
        return Media("photo", largest.file_id, largest.file_size, "image/jpeg")
    if message.voice is not None:
        return Media(
            "voice", message.voice.file_id, message.voice.file_size, message.voice.mime_type
        )
    if message.video is not None:
        return Media(
            "video", message.video.file_id, message.video.file_size, message.video.mime_type
        )
    if message.document is not None:
        doc = message.document
        return Media("file", doc.file_id, doc.file_size, doc.mime_type)
    return None
