"""What every console page stands on: one database transaction per request, the signed-in
person and their powers loaded on every request, CSRF on every form, security headers on every
response, and the outbox workers woken after a request that queued messages has committed.
Pages import from here; `bot.web.app` puts the pages together."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.authz import Forbidden, load_actor
from bot.config import Settings
from bot.i18n import Translator
from bot.web.access import Powers, console_communes
from bot.web.tile_map import tile_origin
from bot.work import Work
from storage.base import utcnow
from storage.db import Database
from storage.models import Commune, Person, WebSession
from storage.repos.org import commune_by_code
from storage.repos.people import person_by_id
from storage.repos.web_console import headed_villages
from storage.repos.web_sessions import live_session

log = logging.getLogger(__name__)

PREFIX = "/console"
COOKIE = "binhyen_console"
HERE = Path(__file__).resolve().parent
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src {images}; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class ConsoleConfig:
    db: Database
    settings: Settings
    wake: Callable[[str], None] = lambda _channel: None
    clock: Callable[[], datetime] = utcnow


CONFIG = web.AppKey("console_config", ConsoleConfig)


@dataclass
class Visit:
    """One signed-in request: who, where, with what powers, in which transaction."""

    work: Work
    person: Person
    commune: Commune
    powers: Powers
    web_session: WebSession
    csrf: str
    t: Translator
    queued: set[str] = field(default_factory=set)


VISIT = web.RequestKey("console_visit", Visit)


def config_of(request: web.Request) -> ConsoleConfig:
    return request.config_dict[CONFIG]


def visit_of(request: web.Request) -> Visit:
    return request[VISIT]


def csrf_token(settings: Settings, session_id: str) -> str:
    """Bound to the session id, which only the cookie holds; nothing stored."""
    digest = hmac.new(settings.secret_key_bytes(), b"console-csrf:" + session_id.encode(), "sha256")
    return digest.hexdigest()


def see_other(path: str) -> web.Response:
    """After a form: the browser asks for `path` (under the console) with GET."""
    return web.Response(status=303, headers={"Location": PREFIX + path})


def render(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    return aiohttp_jinja2.render_template(template, request, context, status=status)


def message_page(
    request: web.Request, t: Translator, title: str, text: str, status: int
) -> web.Response:
    context = {"_": t.gettext, "title": title, "text": text, "visit": request.get(VISIT)}
    return render(request, "message.html", context, status)


def translator(settings: Settings, language: str | None = None) -> Translator:
    return Translator(language or settings.bot_locale, settings.timezone)


@web.middleware
async def visits(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Public routes (sign-in, static files) pass; everything else needs a live session."""
    if getattr(handler, "public", False) or request.path.startswith(PREFIX + "/static/"):
        return await handler(request)
    config = config_of(request)
    t = translator(config.settings)
    session_id = request.cookies.get(COOKIE, "")
    forbidden = False
    async with config.db.transaction() as session:
        now = config.clock()
        idle = timedelta(minutes=config.settings.web_session_idle_minutes)
        row = await live_session(session, session_id, now=now, idle=idle) if session_id else None
        visit = await _visit(session, config, row, session_id, now) if row else None
        if visit is None:
            return message_page(
                request,
                t,
                t.gettext("Signed out"),
                t.gettext(
                    "Your session has ended. To sign in, send /web to the bot in the chat and "
                    "open the link it sends you."
                ),
                401,
            )
        request[VISIT] = visit
        if request.method == "POST" and not await _csrf_ok(request, visit):
            log.warning("console form without a valid CSRF token")
            return message_page(
                request,
                visit.t,
                visit.t.gettext("Not allowed"),
                visit.t.gettext("This form has expired. Go back, reload the page and try again."),
                403,
            )
        try:
            async with session.begin_nested():
                response = await handler(request)
        except Forbidden:
            forbidden = True
    if forbidden:
        return message_page(
            request,
            visit.t,
            visit.t.gettext("Not allowed"),
            visit.t.gettext("That option is not available to you."),
            403,
        )
    for channel in visit.work.queued:
        config.wake(channel)
    return response


async def _visit(
    session: Any, config: ConsoleConfig, row: WebSession, session_id: str, now: datetime
) -> Visit | None:
    """The session's person, if they still hold a role that opens this commune's console."""
    person = await person_by_id(session, row.person_id)
    commune = await commune_by_code(session, row.commune_code)
    actor = await load_actor(session, row.person_id)
    if person is None or commune is None:
        return None
    if commune.code not in await console_communes(session, actor):
        row.ended_at = now  # the role was removed: the session ends with it
        return None
    powers = Powers.of(actor, commune.code, await headed_villages(session, row.person_id))
    work = Work(session=session, settings=config.settings, now=now, person=person, actor=actor)
    return Visit(
        work=work,
        person=person,
        commune=commune,
        powers=powers,
        web_session=row,
        csrf=csrf_token(config.settings, session_id),
        t=translator(config.settings, row.language),
    )


async def _csrf_ok(request: web.Request, visit: Visit) -> bool:
    form = await request.post()
    given = str(form.get("csrf", ""))
    return hmac.compare_digest(given.encode(), visit.csrf.encode())


def content_security_policy(settings: Settings) -> str:
    """Images from the console itself, and from the commune's tile server when it set one."""
    tiles = tile_origin(settings)
    return CSP.format(images=f"'self' {tiles}" if tiles else "'self'")


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Content-Security-Policy"] = content_security_policy(
        config_of(request).settings
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Cache-Control", "no-store")


async def page_context(request: web.Request) -> dict[str, Any]:
    visit = request.get(VISIT)
    context: dict[str, Any] = {"base": PREFIX, "visit": visit}
    if visit is not None:
        t = visit.t
        context |= {"_": t.gettext, "ngettext": t.ngettext, "t": t, "csrf": visit.csrf}
    return context


def public(handler: Handler) -> Handler:
    """Reachable without a session (the sign-in pages)."""
    handler.public = True  # type: ignore[attr-defined]
    return handler
