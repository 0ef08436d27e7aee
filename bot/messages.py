"""What adapters hand the engine (InboundEvent) and what it hands back (OutboundMessage)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from storage.base import utcnow


class EventKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"  # a button press
    COMMAND = "command"  # "/start abc"
    LOCATION = "location"
    CONTACT = "contact"
    MEDIA = "media"  # photo, voice, video or file
    UNSUPPORTED = "unsupported"  # stickers, polls, ... where the bot cannot use them


@dataclass(frozen=True)
class Media:
    kind: str  # "photo" | "voice" | "video" | "file"
    ref: str  # the messenger's file id, or a URL on Zalo
    size: int | None = None
    mime_type: str | None = None


@dataclass(frozen=True)
class InboundEvent:
    channel: str
    chat_id: str
    user_id: str
    kind: EventKind
    text: str = ""
    command: str | None = None
    args: str = ""
    choice_key: str | None = None
    # The conversation version a button was rendered at; tells a fresh press from a stale one.
    choice_token: str | None = None
    location: tuple[float, float] | None = None
    phone: str | None = None
    media: Media | None = None
    update_key: str | None = None  # unique per delivery; None means "do not deduplicate"
    language: str | None = None  # from the messenger profile
    sender_name: str | None = None  # the profile's display name, offered when joining
    is_group: bool = False
    received_at: datetime = field(default_factory=utcnow)


# A button under a notice (not under a question) has the key "a:<name>:<argument>"; the
# engine routes it to the action handler registered under that name (bot.runtime.dialog.flows).
ACTION_PREFIX = "a:"


def action_key(name: str, argument: str | int) -> str:
    """The key of a button under a notice: the one way to build it, for any front."""
    return f"{ACTION_PREFIX}{name}:{argument}"


@dataclass(frozen=True)
class Capabilities:
    """What a messenger can show and carry; the renderer degrades a message to it and flows
    ask by it, never by the messenger's name."""

    name: str
    title: str  # how people call it ("Zalo"), in texts that name the messenger
    buttons: bool = False  # choices as buttons under a message; else numbered text
    edits: bool = False  # a sent message can be replaced where it stands
    shares: frozenset[str] = frozenset()  # SHARE_PHONE, SHARE_LOCATION: what a button sends
    files: bool = False  # documents and made files; else their text, or a line saying so
    photos_by_url: bool = False  # a picture is sent as a URL the messenger fetches
    voice: bool = False  # voice messages reach the bot
    locations: bool = False  # a shared location reaches the bot
    groups: bool = False  # the bot can sit in group chats
    # In a group the bot sees a typed answer only when it is a reply to the question (Telegram
    # privacy mode, answered with a "reply" markup) or only when the bot is mentioned (Zalo).
    group_answers: Literal["reply", "mention"] = "mention"
    private_links: bool = False  # a link opens a private chat with the bot (t.me/<bot>)
    max_text: int = 4096
    # How the messenger counts max_text: code points, or UTF-16 units as JavaScript does.
    text_units: Literal["code_points", "utf16"] = "code_points"
    max_caption: int = 1024

    @property
    def group_mention_only(self) -> bool:
        return self.groups and self.group_answers == "mention"


SHARE_PHONE = "phone"
SHARE_LOCATION = "location"
# For a channel nobody declared (a test's own chat): text out, and whatever it sends is taken.
TEXT_ONLY = Capabilities(name="", title="", files=True, voice=True, locations=True)


@dataclass(frozen=True)
class Choice:
    key: str
    label: str


@dataclass(frozen=True)
class OutboundMessage:
    """What is meant, in the messenger's absence: the renderer (bot.runtime.channels.render)
    makes of it what a channel can show."""

    text: str
    choices: tuple[Choice, ...] = ()
    token: str | None = None  # see InboundEvent.choice_token
    photo: str | None = None  # a file path or URL
    document: str | None = None
    # Offer to send the reader's phone number or location with one press (SHARE_PHONE,
    # SHARE_LOCATION), where the messenger can; `share_label` is the offer's words.
    offer_share: str | None = None
    share_label: str | None = None
    # A small text file made for this message (a my-data export), sent as a document.
    file_name: str | None = None
    file_content: str | None = None
    # Replace a message sent earlier (a tip card after a status change) instead of sending a
    # new one: the outbox id of that message; the worker resolves it to `replaces`, the
    # messenger's ids of its parts.
    edit_of: int | None = None
    replaces: str | None = None
    # A typed answer is expected in a group, where the bot sees it only as a reply to this
    # message or with a mention, as the messenger has it.
    reply_expected: bool = False
    # Shows personal data decrypted for its reader (a phone, a reporter's name, an export):
    # kept encrypted in the outbox until sent (bot.sealed_messages).
    private: bool = False
    # ISO time after which a campaign message still waiting (a short Zalo budget) is dropped:
    # a reminder of an event that is over helps nobody (bot.runtime.outbox_policy).
    expires_at: str | None = None
    # False where the question wants a quantity, a date or words: text-only channels then show
    # the choices without numbers, so a typed number is the answer and never picks one.
    numbered: bool = True

    def to_payload(self) -> dict[str, Any]:
        # Field by field, not dataclasses.asdict: its deep copy of every choice cost more than
        # the rest of queueing a reply.
        payload = {name: getattr(self, name) for name in _OUTBOUND_FIELDS}
        payload["choices"] = [[c.key, c.label] for c in self.choices]
        for flag, default in (("private", False), ("numbered", True), ("reply_expected", False)):
            if payload[flag] == default:
                del payload[flag]
        return {k: v for k, v in payload.items() if v not in (None, [], "")} | {"text": self.text}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> OutboundMessage:
        values = dict(payload)
        values["choices"] = tuple(Choice(key, label) for key, label in payload.get("choices", ()))
        # Rows queued before the neutral words (#16) are read as they were meant.
        for old, kind in (("request_contact", SHARE_PHONE), ("request_location", SHARE_LOCATION)):
            if label := values.pop(old, None):
                values.setdefault("offer_share", kind)
                values.setdefault("share_label", label)
        if "force_reply" in values:
            values["reply_expected"] = bool(values.pop("force_reply"))
        if "edit_message_id" in values:
            values["replaces"] = values.pop("edit_message_id")
        return cls(**values)


_OUTBOUND_FIELDS = tuple(f.name for f in fields(OutboundMessage))

CALLBACK_PREFIX = "c"
CALLBACK_MAX_BYTES = 64


def encode_callback(token: str | None, key: str) -> str:
    """Button data 'c|<token>|<key>'; Telegram allows 64 bytes, our keys stay far below."""
    data = f"{CALLBACK_PREFIX}|{token or ''}|{key}"
    if len(data.encode()) > CALLBACK_MAX_BYTES:
        raise ValueError(f"callback data too long for key {key!r}")
    return data


def decode_callback(data: str) -> tuple[str | None, str] | None:
    """(token, key) from button data, or None for data this bot never made."""
    prefix, _, rest = data.partition("|")
    token, sep, key = rest.partition("|")
    if prefix != CALLBACK_PREFIX or not sep or not key:
        return None
    return token or None, key
