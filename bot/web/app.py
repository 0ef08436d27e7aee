"""The console's aiohttp application: its pages put together under PREFIX (each page's
module adds its routes; what they share is in bot.web.visit)."""

from __future__ import annotations

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.web import (
    announcements,
    audit,
    coverage,
    lists,
    login,
    meetings,
    people,
    reports,
    tip_desk,
)
from bot.web.visit import (
    CONFIG,
    HERE,
    PREFIX,
    ConsoleConfig,
    page_context,
    security_headers,
    visits,
)

__all__ = ["PREFIX", "ConsoleConfig", "build_console"]


def build_console(config: ConsoleConfig) -> web.Application:
    """The console application, to be mounted at PREFIX."""
    app = web.Application(middlewares=[visits])
    app[CONFIG] = config
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        context_processors=[page_context],
        default_helpers=False,
    )
    app.on_response_prepare.append(security_headers)
    app.router.add_static("/static/", HERE / "static", append_version=False)
    login.add_routes(app)
    tip_desk.add_routes(app)
    reports.add_routes(app)
    audit.add_routes(app)
    lists.add_routes(app)
    coverage.add_routes(app)
    meetings.add_routes(app)
    announcements.add_routes(app)
    people.add_routes(app)
    return app
