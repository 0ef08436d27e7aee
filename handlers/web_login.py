"""`/web` ("Mở trang quản lý"): commune police, admins and village heads get a sign-in link
to the commune's web console, valid 10 minutes and bound to them.

asks which commune (only when the person holds roles in several) → sends the link.
"""

from __future__ import annotations

from enum import StrEnum

from bot.authz import load_actor
from bot.i18n import N_
from bot.messages import Choice
from bot.runtime.dialog.flows import Flow, MenuEntry
from bot.runtime.dialog.turn import Turn
from bot.web.access import console_communes
from storage.models import Role
from storage.repos.web_console import communes_by_codes
from storage.repos.web_sessions import LINK_VALID_FOR, issue_login_link

CONSOLE_ROLES = frozenset({Role.COMMUNE_POLICE, Role.COMMUNE_ADMIN, Role.VILLAGE_HEAD})


class Step(StrEnum):
    COMMUNE = "commune"


class WebLogin(Flow):
    name = "web_login"

    async def begin(self, turn: Turn) -> None:
        """Stores nothing; sends a sign-in link for the one commune, or asks which commune."""
        if not turn.settings.web_console:
            turn.say(turn._("The management page is not turned on for this bot."))
            turn.leave()
            return
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        communes = await console_communes(turn.session, actor)
        if not communes:
            turn.say(turn._("That option is not available to you."))
            turn.leave()
        elif len(communes) == 1:
            await _send_link(turn, communes[0])
        else:
            rows = await communes_by_codes(turn.session, communes)
            names = {c.code: c.name for c in rows}
            choices = [Choice(code, names.get(code, code)) for code in communes]
            turn.ask(Step.COMMUNE, turn._("For which commune?"), choices)

    async def on_commune(self, turn: Turn) -> None:
        """Sends the link for the commune picked (checked again)."""
        actor = await load_actor(turn.session, turn.person.id if turn.person else None)
        if turn.choice in await console_communes(turn.session, actor):
            await _send_link(turn, turn.choice or "")
        else:
            turn.say(turn._("That option is not available to you."))
            turn.leave()


async def _send_link(turn: Turn, commune_code: str) -> None:
    assert turn.person is not None
    token = await issue_login_link(
        turn.session,
        person_id=turn.person.id,
        commune_code=commune_code,
        language=turn.t.locale,
        now=turn.now,
    )
    url = f"{turn.settings.console_url}/login/{token}"
    turn.say(
        turn._(
            "Your sign-in link to the management page, for you alone (do not forward it); it "
            "works once, within {minutes} minutes:\n{url}",
            minutes=int(LINK_VALID_FOR.total_seconds() // 60),
            url=url,
        )
    )
    turn.leave()


web_login_entry = MenuEntry(
    key="web",
    label=N_("Open the management page"),
    flow=WebLogin.name,
    commands=("web",),
    visible_to=lambda roles: bool(roles & CONSOLE_ROLES),
    order=92,
)
