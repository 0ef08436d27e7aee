"""Sending to Telegram: a rendered message (bot.runtime.channels.render) becomes PTB's calls;
Telegram's errors become the outbox's verdicts (try later, undeliverable, chat moved)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from telegram import InputFile
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.messages import SHARE_LOCATION, SHARE_PHONE, OutboundMessage, encode_callback
from bot.messengers import TELEGRAM
from bot.runtime.channels.base import ChatMoved, TryLater, Undeliverable
from bot.runtime.channels.render import EMPTY, Rendered, render
from bot.runtime.channels.telegram_http import call_json

EXTERNAL_ID_MAX = 64  # OutboxMessage.external_message_id

Markup = dict[str, Any]  # a reply_markup as the Bot API's JSON


class TelegramSender:
    """Sends messages with the channel's PTB bot, as rendered for Telegram's capabilities."""

    def __init__(self, bot: Any, media_dir: Path) -> None:
        self.bot = bot
        self.media_dir = media_dir

    async def send(self, chat_id: str, message: OutboundMessage) -> str | None:
        try:
            return await self._send(int(chat_id), message)
        except RetryAfter as exc:
            retry_after = exc.retry_after
            seconds = (
                retry_after if isinstance(retry_after, int | float) else retry_after.total_seconds()
            )
            raise TryLater("telegram 429", retry_after=float(seconds)) from None
        except ChatMigrated as exc:
            raise ChatMoved(str(exc.new_chat_id)) from None
        except Forbidden as exc:
            raise Undeliverable(f"forbidden: {exc.message}", blocked=True) from None
        except BadRequest as exc:
            raise Undeliverable(f"bad request: {exc.message}") from None
        except NetworkError as exc:  # includes TimedOut and HTTP 5xx from a proxy
            raise TryLater(f"network: {type(exc).__name__}") from None
        except TelegramError as exc:
            # 401/404 (the token revoked), 409, a body that is not JSON: documented answers,
            # tried again later rather than logged as a bug.
            raise TryLater(f"telegram: {type(exc).__name__}") from None

    async def _send(self, chat_id: int, message: OutboundMessage) -> str | None:
        rendered = render(message, TELEGRAM)
        markup = reply_markup(rendered)
        if rendered.replaces:
            return await self._edit(chat_id, rendered, markup)
        sent_ids: list[str] = []
        if rendered.caption is not None:
            sent_ids.append(await self._send_file(chat_id, rendered, markup))
        for index, piece in enumerate(rendered.parts):
            last = index == len(rendered.parts) - 1
            sent_ids.append(await self._send_text(chat_id, piece, markup if last else None))
        if rendered.caption is not None:
            return sent_ids[-1]
        # Every part's id, so that an edit replaces each part with its own new part.
        return join_message_ids(sent_ids)

    async def _edit(self, chat_id: int, rendered: Rendered, markup: Markup | None) -> str:
        """Replace a card's text and buttons where it stands, part by part for a card sent in
        several; "not modified" is success. A part left over shows an ellipsis; a new text
        longer than the old parts goes on in new messages."""
        pieces = rendered.parts
        edits = min(len(pieces), len(rendered.replaces))
        for index, message_id in enumerate(rendered.replaces):
            if index < edits:
                text = pieces[index]
                buttons = markup if index == len(pieces) - 1 else None
            else:
                text, buttons = EMPTY, None
            await self._edit_part(chat_id, int(message_id), text, buttons)
        sent_ids = list(rendered.replaces)
        rest = pieces[edits:]
        for index, piece in enumerate(rest):
            last = index == len(rest) - 1
            sent_ids.append(await self._send_text(chat_id, piece, markup if last else None))
        return join_message_ids(sent_ids)

    async def _send_text(self, chat_id: int, text: str, markup: Markup | None) -> str:
        """sendMessage with the Bot API's own JSON: PTB's objects for the keyboard and for the
        message sent back cost more than the rest of a reply (see `make bench`)."""
        params: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if markup is not None:
            params["reply_markup"] = markup
        sent = await call_json(self.bot, "sendMessage", params)
        return str(sent["message_id"])

    async def _edit_part(
        self, chat_id: int, message_id: int, text: str, markup: Markup | None
    ) -> None:
        params: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id, "text": text}
        if markup is not None:
            params["reply_markup"] = markup
        try:
            await call_json(self.bot, "editMessageText", params)
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise

    async def _send_file(self, chat_id: int, rendered: Rendered, markup: Markup | None) -> str:
        """The picture or file with its caption; the buttons go under it unless text follows."""
        if rendered.file_content is not None:
            payload = InputFile(
                rendered.file_content.encode(), filename=rendered.file_name or "binhyen.txt"
            )
        else:
            source = rendered.photo or rendered.document or ""
            payload = await asyncio.to_thread(_file_or_url, source, self.media_dir)
            if isinstance(payload, bytes):  # a file we made: keep its name (and extension)
                payload = InputFile(payload, filename=Path(source).name)
        send = self.bot.send_photo if rendered.photo else self.bot.send_document
        sent = await send(
            chat_id,
            payload,
            caption=rendered.caption or None,
            reply_markup=None if rendered.parts else markup,
        )
        return str(sent.message_id)


def join_message_ids(ids: list[str]) -> str:
    """The parts' ids as the outbox stores them (64 characters at most: the last parts)."""
    joined = ",".join(ids)
    while len(joined) > EXTERNAL_ID_MAX and "," in joined:
        ids = ids[1:]
        joined = ",".join(ids)
    return joined


def _file_or_url(source: str, media_dir: Path) -> bytes | str:
    """A file of the media store (reports, posters, tips' copies: what we made or fetched),
    or the messenger's file id or URL as it is. Nothing else on the server is ever read: PTB
    itself would upload any string naming a local file."""
    path = Path(source)
    try:
        if not path.is_file():
            return source
        inside = path.resolve().is_relative_to(media_dir.resolve())
    except (OSError, ValueError):
        return source
    if not inside:
        raise Undeliverable("a file outside the media store")
    return path.read_bytes()


def reply_markup(rendered: Rendered) -> Markup | None:
    """Inline buttons for choices (one per row, as elderly users tap best); a reply keyboard
    when we offer to share a phone number or a location, which only Telegram's own buttons
    can send. As the Bot API's JSON (https://core.telegram.org/bots/api#inlinekeyboardmarkup)."""
    if rendered.reply_expected:
        # Typed text in a group reaches the bot only as a reply; "hủy" still works typed.
        return {"force_reply": True}
    if rendered.share:
        share: dict[str, Any] = {"text": rendered.share_label or ""}
        if rendered.share == SHARE_PHONE:
            share["request_contact"] = True
        elif rendered.share == SHARE_LOCATION:
            share["request_location"] = True
        buttons = [[share], *([{"text": c.label}] for c in rendered.buttons)]
        return {"keyboard": buttons, "resize_keyboard": True, "one_time_keyboard": True}
    if rendered.buttons:
        rows = [
            [{"text": c.label, "callback_data": encode_callback(rendered.token, c.key)}]
            for c in rendered.buttons
        ]
        return {"inline_keyboard": rows}
    return None
