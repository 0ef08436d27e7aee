"""`make run` without a messenger token: the console beside the terminal chat, with a sign-in
link for the sample commune's police officer printed at start."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from bot.config import Settings
from bot.web.app import PREFIX, ConsoleConfig, build_console
from storage.base import utcnow
from storage.db import Database
from storage.repos.web_console import first_commune_officer
from storage.repos.web_sessions import issue_login_link

log = logging.getLogger(__name__)


@asynccontextmanager
async def console_beside_demo(settings: Settings, commune_code: str) -> AsyncIterator[str | None]:
    """Serves the console on WEBHOOK_LISTEN:WEBHOOK_PORT; yields a sign-in link for the
    commune's first police officer, or None when there is none or the port is taken."""
    db = Database(settings.database_url)
    runner: web.AppRunner | None = None
    try:
        async with db.transaction() as session:
            officer = await first_commune_officer(session, commune_code)
            token = (
                await issue_login_link(
                    session,
                    person_id=officer.id,
                    commune_code=commune_code,
                    language=settings.bot_locale,
                    now=utcnow(),
                )
                if officer is not None
                else None
            )
        root = web.Application()
        root.add_subapp(PREFIX, build_console(ConsoleConfig(db=db, settings=settings)))
        runner = web.AppRunner(root, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, settings.webhook_listen, settings.webhook_port).start()
        except OSError as exc:
            log.warning("web console not started: port %s (%s)", settings.webhook_port, exc)
            token = None
        yield f"{settings.console_url}/login/{token}" if token else None
    finally:
        if runner is not None:
            await runner.cleanup()
        await db.close()
