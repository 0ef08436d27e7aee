"""Signing in with the link the bot sent, signing out, and the person's open sessions.

Opening the link shows a page with one button: the link is used by that press (a POST), not by
the GET, so a messenger fetching the link for a preview does not use it up.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from aiohttp import web

from bot.authz import load_actor
from bot.people.personal_data import audit
from bot.web.access import console_communes
from bot.web.visit import (
    COOKIE,
    PREFIX,
    VISIT,
    config_of,
    csrf_token,
    message_page,
    public,
    render,
    see_other,
    translator,
    visit_of,
)
from storage.repos.web_sessions import end_session, open_session, open_sessions_of, use_login_link

log = logging.getLogger(__name__)


# Before signing in there is no session to bind the form's token to: the sign-in page gives the
# browser a random cookie of its own, and the form's token is bound to that cookie and the link.
# A page on another site cannot post the form (the cookie is SameSite=Strict), so nobody can sign
# a victim's browser in under their own link.
LOGIN_COOKIE = "binhyen_console_signin"
LOGIN_PATH = PREFIX + "/login"


def login_csrf(request: web.Request, browser: str) -> str:
    settings = config_of(request).settings
    return csrf_token(settings, f"sign-in:{browser}:{request.match_info['token']}")


@public
async def login_page(request: web.Request) -> web.Response:
    t = translator(config_of(request).settings)
    browser = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    context = {"_": t.gettext, "token": request.match_info["token"]}
    response = render(request, "login.html", context | {"csrf": login_csrf(request, browser)})
    # Secure only when this very request came over HTTPS: the nonce opens nothing by itself,
    # and it must come back with the press of the button however the page was reached.
    response.set_cookie(
        LOGIN_COOKIE,
        browser,
        path=LOGIN_PATH,
        httponly=True,
        secure=_https(request, ""),
        samesite="Strict",
    )
    return response


async def _login_form_ok(request: web.Request) -> bool:
    browser = request.cookies.get(LOGIN_COOKIE, "")
    given = str((await request.post()).get("csrf", ""))
    expected = login_csrf(request, browser)
    return bool(browser) and hmac.compare_digest(given.encode(), expected.encode())


@public
async def login(request: web.Request) -> web.Response:
    config = config_of(request)
    if not await _login_form_ok(request):
        log.warning("console sign-in form without a valid CSRF token")
        t = translator(config.settings)
        return message_page(
            request,
            t,
            t.gettext("Not allowed"),
            t.gettext("This form has expired. Open the link from the chat again."),
            403,
        )
    token = request.match_info["token"]
    user_agent = request.headers.get("User-Agent")
    async with config.db.transaction() as session:
        now = config.clock()
        link = await use_login_link(session, token, now=now)
        session_id = None
        if link is not None:
            actor = await load_actor(session, link.person_id)
            if link.commune_code in await console_communes(session, actor):
                session_id, _ = await open_session(
                    session,
                    person_id=link.person_id,
                    commune_code=link.commune_code,
                    language=link.language,
                    user_agent=user_agent,
                    now=now,
                )
                audit(
                    session,
                    actor=link.person_id,
                    action="console.login",
                    subject_kind="commune",
                    subject_id=link.commune_code,
                    at=now,
                )
        language = link.language if link is not None else None
    t = translator(config.settings, language)
    if session_id is None:
        return message_page(
            request,
            t,
            t.gettext("This link does not work"),
            t.gettext(
                "A sign-in link works once, for 10 minutes, and only for the person it was sent "
                "to. Send /web to the bot in the chat for a new one."
            ),
            403,
        )
    response = see_other("/")
    response.set_cookie(
        COOKIE,
        session_id,
        path=PREFIX,
        httponly=True,
        secure=_https(request, config.settings.console_url),
        samesite="Strict",
    )
    response.del_cookie(LOGIN_COOKIE, path=LOGIN_PATH)
    return response


def _https(request: web.Request, console_url: str) -> bool:
    """Secure cookies whenever the console is reached over HTTPS (directly or via a proxy)."""
    forwarded = request.headers.get("X-Forwarded-Proto", "")
    return request.secure or forwarded == "https" or console_url.startswith("https://")


async def logout(request: web.Request) -> web.Response:
    visit = visit_of(request)
    visit.web_session.ended_at = visit.work.now
    t = visit.t
    del request[VISIT]
    response = message_page(
        request,
        t,
        t.gettext("Signed out"),
        t.gettext("You have signed out. To sign in again, send /web to the bot in the chat."),
        200,
    )
    response.del_cookie(COOKIE, path=PREFIX)
    return response


async def sessions_page(request: web.Request) -> web.Response:
    visit = visit_of(request)
    rows = await open_sessions_of(visit.work.session, visit.person.id)
    return render(request, "sessions.html", {"sessions": rows, "current": visit.web_session.id})


async def end_other_session(request: web.Request) -> web.Response:
    visit = visit_of(request)
    raw = request.match_info["session_id"]
    if raw.isdigit():
        await end_session(
            visit.work.session,
            session_row_id=int(raw),
            person_id=visit.person.id,
            now=visit.work.now,
        )
    return see_other("/sessions")


async def home(request: web.Request) -> web.Response:
    visit = visit_of(request)
    if visit.powers.works_tips:
        return see_other("/tips")
    return render(request, "home.html", {})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", home)
    app.router.add_get("/login/{token}", login_page)
    app.router.add_post("/login/{token}", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/sessions", sessions_page)
    app.router.add_post("/sessions/{session_id}/end", end_other_session)
