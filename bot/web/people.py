"""People and invites in the console (the commune's admins): who holds which role, removing a
role, personal invites for leaders, village heads and police with their printable poster, and
revoking an invite. The same invite code as `python -m bot invite create`; audited."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from aiohttp import web

from bot.authz import Action, Scope
from bot.i18n import N_
from bot.invite_cli import invite_status
from bot.invite_poster import PosterContent, last_full_day, render_poster, scope_place
from bot.people.invites import create_invite, revoke, telegram_link
from bot.people.personal_data import audit
from bot.web.visit import Visit, render, see_other, visit_of
from storage.models import Role, ScopeKind
from storage.repos.org import groups_with_villages, villages_of
from storage.repos.web_people import (
    invite_in_commune,
    invites_of,
    role_holders,
    role_in_commune,
)

ROLE_NAMES = {
    Role.GROUP_LEADER: N_("group leader"),
    Role.GROUP_DEPUTY: N_("deputy group leader"),
    Role.VILLAGE_HEAD: N_("village head"),
    Role.SECURITY_TEAM: N_("grassroots security team"),
    Role.COMMUNE_POLICE: N_("commune police"),
    Role.COMMUNE_ADMIN: N_("commune admin"),
}
# Where each role is held: the kind of place the invite's target must be.
ROLE_SCOPES = {
    Role.GROUP_LEADER: ScopeKind.GROUP,
    Role.GROUP_DEPUTY: ScopeKind.GROUP,
    Role.VILLAGE_HEAD: ScopeKind.VILLAGE,
    Role.SECURITY_TEAM: ScopeKind.VILLAGE,
    Role.COMMUNE_POLICE: ScopeKind.COMMUNE,
    Role.COMMUNE_ADMIN: ScopeKind.COMMUNE,
}
STATUS_NAMES = {
    "active": N_("active"),
    "expired": N_("expired"),
    "revoked": N_("revoked"),
    "used up": N_("used"),
}


def _may_manage(visit: Visit) -> None:
    visit.work.require(Action.INVITE_PRIVILEGED, Scope(visit.commune.code))


async def _places(visit: Visit) -> list[tuple[str, str]]:
    """Targets as "<kind>:<id>": the commune, each village, each group."""
    session = visit.work.session
    villages = await villages_of(session, visit.commune.code)
    groups = await groups_with_villages(session, visit.commune.code)
    return (
        [(f"commune:{visit.commune.code}", visit.commune.name)]
        + [(f"village:{v.id}", v.name) for v in villages]
        + [(f"group:{g.id}", f"{g.name}, {village.name}") for g, village in groups]
    )


async def people_page(request: web.Request) -> web.Response:
    visit = visit_of(request)
    _may_manage(visit)
    session, t, now = visit.work.session, visit.t, visit.work.now
    holders = [
        {
            "id": assignment.id,
            "name": name,
            "role": t.gettext(ROLE_NAMES[Role(assignment.role)]),
            "place": await scope_place(session, assignment.scope_kind, assignment.scope_id),
        }
        for assignment, name in await role_holders(session, visit.commune.code)
    ]
    invites = [
        {
            "code": invite.code,
            "role": t.gettext(ROLE_NAMES[Role(invite.role)]),
            "place": await scope_place(session, invite.scope_kind, invite.scope_id),
            "status": t.gettext(STATUS_NAMES[invite_status(invite, now)]),
            "active": invite_status(invite, now) == "active",
            "expires": t.datetime(invite.expires_at) if invite.expires_at else "",
        }
        for invite in await invites_of(session, visit.commune.code)
    ]
    return render(
        request,
        "people.html",
        {
            "holders": holders,
            "invites": invites,
            "roles": [(role.value, t.gettext(name)) for role, name in ROLE_NAMES.items()],
            "places": await _places(visit),
            "problem": request.query.get("m") == "place",
            "username": visit.work.settings.telegram_bot_username,
        },
    )


async def new_invite(request: web.Request) -> web.Response:
    visit = visit_of(request)
    _may_manage(visit)
    form = await request.post()
    role, place = str(form.get("role", "")), str(form.get("place", ""))
    kind, _, scope_id = place.partition(":")
    if role not in ROLE_SCOPES or ROLE_SCOPES[Role(role)] != kind:
        return see_other("/people?m=place")
    if place not in dict(await _places(visit)):
        return see_other("/people?m=place")
    invite = await create_invite(
        visit.work.session,
        commune_code=visit.commune.code,
        role=role,
        scope_kind=ScopeKind(kind),
        scope_id=scope_id,
        now=visit.work.now,
        created_by=visit.person.id,
    )
    audit(
        visit.work.session,
        actor=visit.person.id,
        action="console.invite_created",
        subject_kind="invite",
        subject_id=invite.code,
        at=visit.work.now,
        detail=f"{role} {place}",
    )
    return see_other("/people")


async def revoke_invite(request: web.Request) -> web.Response:
    visit = visit_of(request)
    _may_manage(visit)
    invite = await invite_in_commune(
        visit.work.session, visit.commune.code, request.match_info["code"]
    )
    if invite is not None and await revoke(visit.work.session, invite.code, visit.work.now):
        audit(
            visit.work.session,
            actor=visit.person.id,
            action="console.invite_revoked",
            subject_kind="invite",
            subject_id=invite.code,
            at=visit.work.now,
        )
    return see_other("/people")


async def remove_role(request: web.Request) -> web.Response:
    visit = visit_of(request)
    _may_manage(visit)
    raw = request.match_info["assignment"]
    found = (
        await role_in_commune(visit.work.session, visit.commune.code, int(raw))
        if raw.isdigit()
        else None
    )
    if found is not None:
        audit(
            visit.work.session,
            actor=visit.person.id,
            action="console.role_removed",
            subject_kind="person",
            subject_id=found.person_id,
            at=visit.work.now,
            detail=f"{found.role} {found.scope_kind}:{found.scope_id}",
        )
        await visit.work.session.delete(found)
    return see_other("/people")


async def poster(request: web.Request) -> web.StreamResponse:
    visit = visit_of(request)
    _may_manage(visit)
    session = visit.work.session
    invite = await invite_in_commune(session, visit.commune.code, request.match_info["code"])
    if invite is None:
        return see_other("/people")
    username = visit.work.settings.telegram_bot_username
    content = PosterContent(
        code=invite.code,
        place=await scope_place(session, invite.scope_kind, invite.scope_id),
        link=telegram_link(username, invite.code) if username else None,
        expires_on=last_full_day(invite.expires_at, visit.work.settings.timezone),
        role=invite.role,
        max_uses=invite.max_uses,
        unit_word=visit.commune.unit_word,
    )
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"{invite.code}.png"
        await asyncio.to_thread(render_poster, content, path)
        body = await asyncio.to_thread(path.read_bytes)
    return web.Response(
        body=body,
        content_type="image/png",
        headers={"Content-Disposition": f'attachment; filename="{invite.code}.png"'},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/people", people_page)
    app.router.add_post("/people/invites", new_invite)
    app.router.add_post("/people/invites/{code}/revoke", revoke_invite)
    app.router.add_get("/people/invites/{code}/poster", poster)
    app.router.add_post("/people/roles/{assignment}/remove", remove_role)
