"""Our own aiohttp server for webhooks: Telegram's, Zalo's, and a health check."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.runtime.channels.base import BadUpdate

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
            data = json.loads(await request.read(), parse_constant=_no_constants)
        except (ValueError, UnicodeDecodeError, RecursionError):
            data = None
        if not isinstance(data, dict):
            log.warning("webhook %s: a body that is not a JSON object, answered 400", request.path)
            return web.Response(status=400)
        # Answer once the update is stored in the inbox (and, normally, handled): if we die
        # before storing it, the messenger delivers it again.
        try:
            await process(data)
        except BadUpdate as exc:
            status = 200 if exc.ignore else 400
            log.warning("webhook %s: %s, answered %d", request.path, exc, status)
            return web.Response(status=status, text="ignored" if exc.ignore else "")
        except Exception as exc:  # not stored: the messenger must try again
            log.warning(
                "webhook %s: could not store an update (%s), answered 503",
                request.path,
                type(exc).__name__,
            )
            return web.Response(status=503)
        return web.Response(text="ok")

    return handle


def _no_constants(name: str) -> None:
    """JSON has no NaN or Infinity; Python's parser would accept them."""
    raise ValueError(f"{name} is not JSON")


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_web_app(
    routes: dict[str, Callable[[web.Request], Awaitable[web.Response]]],
    get_routes: dict[str, Callable[[web.Request], Awaitable[web.Response]]] | None = None,
) -> web.Application:
    """POST `routes` (the webhooks) and GET `get_routes` (/healthz, /metrics: bot.runtime.ops)."""
    app = web.Application(client_max_size=MAX_BODY)
    for path, handler in (get_routes or {"/healthz": health}).items():
        app.router.add_get(path, handler)
    for path, handler in routes.items():
        app.router.add_post(path, handler)
    return app
