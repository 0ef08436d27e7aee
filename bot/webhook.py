"""Our own aiohttp server for webhooks: Telegram's, Zalo's, and a health check."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ZALO_SECRET_HEADER = "X-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024


def secret_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so response timing tells nothing about the secret."""
    return hmac.compare_digest((given or "").encode(), expected.encode())


def telegram_webhook(
    *, secret: str, process: Callable[[dict[str, object]], Awaitable[None]]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    return _webhook(TELEGRAM_SECRET_HEADER, secret, process)


def zalo_webhook(
    *, secret: str, process: Callable[[dict[str, object]], Awaitable[None]]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Zalo posts `{"ok": true, "result": <update>}` (or the update flat; `process` unwraps)
    with the secret given to setWebhook in its header."""
    return _webhook(ZALO_SECRET_HEADER, secret, process)


def _webhook(
    header: str, secret: str, process: Callable[[dict[str, object]], Awaitable[None]]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        if not secret_matches(request.headers.get(header), secret):
            log.warning("webhook call with a wrong secret from %s", request.remote)
            return web.Response(status=403)
        try:
            data = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400)
        if not isinstance(data, dict):
            return web.Response(status=400)
        # Answer only once the update is committed: if we die first, the messenger delivers
        # it again and the update ledger makes the second delivery a no-op when it was not.
        await process(data)
        return web.Response(text="ok")

    return handle


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_web_app(
    routes: dict[str, Callable[[web.Request], Awaitable[web.Response]]],
    get_routes: dict[str, Callable[[web.Request], Awaitable[web.Response]]] | None = None,
) -> web.Application:
    """POST `routes` (the webhooks) and GET `get_routes` (/healthz, /metrics: bot.ops)."""
    app = web.Application(client_max_size=MAX_BODY)
    for path, handler in (get_routes or {"/healthz": health}).items():
        app.router.add_get(path, handler)
    for path, handler in routes.items():
        app.router.add_post(path, handler)
    return app
