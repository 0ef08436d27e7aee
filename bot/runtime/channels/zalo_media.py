"""Tip photos for Zalo, from the tip's own copy.

Zalo's `sendPhoto` takes a URL that Zalo fetches. A reporter's picture arrives as a Zalo CDN
URL that may expire; the evidence store keeps its own copy (`TipAttachment.local_path`). A card
for a Zalo chat therefore names the attachment (`tipfile:<id>`), and at send time it becomes a
URL of our webhook server (the origin of ZALO_WEBHOOK_URL, path `/zalo/media/<token>`) serving
that copy: the token is signed with the bot's secret key and valid for a day, so only a URL the
bot handed to Zalo works. Without a webhook (polling) or before the copy exists, Zalo's own URL
is used while it lasts; a Telegram file is then replaced by a line saying so.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

from aiohttp import web

from bot.config import Settings
from bot.files import ATTACHMENT_PREFIX as PREFIX
from storage.base import utcnow
from storage.db import Database
from storage.repos.media import tip_attachment

ROUTE = "/zalo/media/{token}"
VALID_FOR = timedelta(days=1)


def _key(settings: Settings) -> bytes:
    return hashlib.sha256(b"zalo-media|" + settings.secret_key_bytes()).digest()


def _signature(settings: Settings, body: str) -> str:
    digest = hmac.new(_key(settings), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def sign(settings: Settings, attachment_id: int, now: datetime) -> str:
    body = f"{attachment_id}.{int((now + VALID_FOR).timestamp())}"
    return f"{body}.{_signature(settings, body)}"


def verify(settings: Settings, token: str, now: datetime) -> int | None:
    """The attachment id of a valid, unexpired token."""
    body, _, signature = token.rpartition(".")
    attachment, _, expires = body.partition(".")
    if not (attachment.isdigit() and expires.isdigit()):
        return None
    if not hmac.compare_digest(signature.encode(), _signature(settings, body).encode()):
        return None
    return int(attachment) if int(expires) >= now.timestamp() else None


def public_url(settings: Settings, attachment_id: int, now: datetime) -> str | None:
    if not settings.zalo_webhook_url:
        return None
    origin = urlparse(settings.zalo_webhook_url)
    path = ROUTE.format(token=sign(settings, attachment_id, now))
    return f"{origin.scheme}://{origin.netloc}{path}"


async def resolve_photo(db: Database, settings: Settings, ref: str) -> str:
    """What to give Zalo for a message's `photo`: our copy's URL, else Zalo's own URL; "" when
    there is nothing Zalo can fetch."""
    if not ref.startswith(PREFIX):
        return ref
    async with db.transaction() as session:
        item = await tip_attachment(session, int(ref.removeprefix(PREFIX) or 0))
    if item is None:
        return ""
    if item.local_path and (url := public_url(settings, item.id, utcnow())):
        return url
    if item.file_ref and item.file_ref.startswith(("https://", "http://")):
        return item.file_ref
    return ""


def media_handler(
    db: Database, settings: Settings
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    root = Path(settings.media_dir).absolute() / "tips"

    async def serve(request: web.Request) -> web.StreamResponse:
        attachment_id = verify(settings, request.match_info["token"], utcnow())
        if attachment_id is None:
            return web.Response(status=404)
        async with db.transaction() as session:
            item = await tip_attachment(session, attachment_id)
        stored = item.local_path if item else None
        path = await asyncio.to_thread(_servable, stored, root) if stored else None
        if path is None:
            return web.Response(status=404)
        return web.FileResponse(path, headers={"Cache-Control": "private, max-age=86400"})

    return serve


def _servable(stored: str, root: Path) -> Path | None:
    """The file, if it is a file inside the media store (never anything else on the disk)."""
    path = Path(stored).resolve()
    inside = path.is_relative_to(root.resolve())
    return path if inside and path.is_file() else None
