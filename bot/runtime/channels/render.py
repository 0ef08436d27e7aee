"""One renderer: a message as a channel can show it, by the channel's declared capabilities.

Where there are buttons, choices stay buttons and a share offer stays an offer; where there are
none, choices become numbered text and a notice's buttons the commands to type
(bot.runtime.channels.text_render). The text is cut into parts of the channel's length, counted
its way (Zalo counts UTF-16 units); a picture or file takes the text as its caption when it fits.
An edit where the channel cannot edit leaves the earlier message as it stands. Adapters call
their messenger with the result and decide nothing about what is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.i18n import N_, Translator
from bot.messages import Capabilities, Choice, OutboundMessage
from bot.runtime.channels.text_render import render_text
from bot.runtime.channels.zalo_text import split_utf16, utf16_len
from bot.text_match import split_text

PHOTO_NOT_SHOWN = N_("(There is a picture here that {messenger} cannot show.)")
FILE_NOT_SENT = N_("(There is a file here that {messenger} cannot carry.)")
EMPTY = "…"  # a message with nothing to say still needs a character


@dataclass(frozen=True)
class Rendered:
    """What the adapter sends, in order: the picture or file (with `caption`), then `parts`;
    buttons, a share offer or a reply request go under the last of them."""

    parts: tuple[str, ...] = ()
    caption: str | None = None
    photo: str | None = None
    document: str | None = None
    file_name: str | None = None
    file_content: str | None = None
    buttons: tuple[Choice, ...] = ()
    token: str | None = None
    share: str | None = None  # SHARE_PHONE or SHARE_LOCATION, offered by a button
    share_label: str | None = None
    reply_expected: bool = False  # ask the messenger for a reply (Telegram's ForceReply)
    replaces: tuple[str, ...] = ()  # the earlier parts to replace, part by part
    # The channel cannot edit: the earlier message stays as it was, and nothing is sent (a
    # new copy on every status change would cost Zalo's monthly budget).
    unchanged: str | None = None


def text_length(text: str, capabilities: Capabilities) -> int:
    return utf16_len(text) if capabilities.text_units == "utf16" else len(text)


def split_parts(text: str, capabilities: Capabilities) -> tuple[str, ...]:
    """The text in parts of at most the channel's length, cut where a reader expects it."""
    if capabilities.text_units == "utf16":
        return tuple(split_utf16(text, capabilities.max_text))
    return tuple(split_text(text, capabilities.max_text))


def render(
    message: OutboundMessage,
    capabilities: Capabilities,
    *,
    typed: Mapping[str, str] | None = None,
    t: Translator | None = None,
) -> Rendered:
    """`typed`: the commands that do what a notice's buttons do, for a channel without
    buttons; `t`: the reader's language, for the hints a text channel adds."""
    if message.replaces and not capabilities.edits:
        return Rendered(unchanged=message.replaces)
    if capabilities.buttons:
        return _with_buttons(message, capabilities)
    return _as_text(message, capabilities, typed=typed or {}, t=t)


def _with_buttons(message: OutboundMessage, capabilities: Capabilities) -> Rendered:
    shares = message.offer_share in capabilities.shares and bool(message.share_label)
    common = {
        "buttons": message.choices,
        "token": message.token,
        "share": message.offer_share if shares else None,
        "share_label": message.share_label if shares else None,
        "reply_expected": message.reply_expected and capabilities.group_answers == "reply",
    }
    attached = message.photo or message.document
    if message.replaces and not attached:
        parts = split_parts(message.text, capabilities) or (EMPTY,)
        return Rendered(parts=parts, replaces=tuple(message.replaces.split(",")), **common)
    if attached or message.file_content is not None:
        fits = text_length(message.text, capabilities) <= capabilities.max_caption
        return Rendered(
            caption=message.text if fits else "",
            parts=() if fits else split_parts(message.text, capabilities),
            photo=message.photo,
            document=message.document,
            file_name=message.file_name,
            file_content=message.file_content,
            **common,
        )
    return Rendered(parts=split_parts(message.text, capabilities) or (EMPTY,), **common)


def _as_text(
    message: OutboundMessage,
    capabilities: Capabilities,
    *,
    typed: Mapping[str, str],
    t: Translator | None,
) -> Rendered:
    """Numbered choices and typed commands; a picture by URL where the channel fetches one,
    else a line saying it is there; the rest cut to the channel's length."""
    text = render_text(message, typed=typed, t=t, attachments=capabilities.files)
    photo = None
    if message.photo and capabilities.photos_by_url:
        if message.photo.startswith(("https://", "http://")):
            photo = message.photo
        elif t is not None:
            text = f"{text}\n\n{t.gettext(PHOTO_NOT_SHOWN, messenger=capabilities.title)}".strip()
    if message.document and not capabilities.files and t is not None:
        text = f"{text}\n\n{t.gettext(FILE_NOT_SENT, messenger=capabilities.title)}".strip()
    if photo is not None:
        fits = text_length(text, capabilities) <= capabilities.max_caption
        return Rendered(
            photo=photo,
            caption=text if fits else "",
            parts=() if fits else split_parts(text, capabilities),
        )
    return Rendered(parts=split_parts(text, capabilities) or (EMPTY,))
