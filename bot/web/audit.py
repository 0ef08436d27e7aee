"""The audit log page, for the commune's admins: sign-ins, identity views (with the reason),
exports, grants and links, filtered by kind and date."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.authz import Action, Scope
from bot.i18n import N_
from bot.web.visit import render, visit_of
from storage.repos.web_audit import commune_audit

ACTION_NAMES = {
    "console.login": N_("signed in to the console"),
    "console.report_export": N_("downloaded a report"),
    "console.coverage_export": N_("downloaded the pledge coverage"),
    "console.meeting_book": N_("downloaded a group's meeting book"),
    "console.invite_created": N_("created a personal invite"),
    "console.invite_revoked": N_("revoked an invite"),
    "console.role_removed": N_("removed a role"),
    "console.households_import": N_("imported the household list in the console"),
    "role.grant": N_("gave a role"),
    "role.claim": N_("took up a role with a personal code"),
    "invite.personal": N_("issued a personal code"),
    "account.link_refused": N_("refused to link a messenger account"),
    "account.unlink": N_("unlinked a messenger account"),
    "audit.view": N_("read the commune's audit log in the chat"),
    "commune.report_settings": N_("changed the commune's report settings"),
    "person.match_listed": N_("was matched to their household on the commune's list"),
    "person.erase": N_("erased their personal data"),
    "tip.read_identity": N_("viewed a tip's reporter"),
    "tip.view_audit": N_("viewed a tip's audit"),
    "tip.purge": N_("tip texts deleted after the retention period"),
    "org_import": N_("imported the commune's lists"),
    "org_export": N_("exported the commune's lists"),
    "police_desk.register": N_("registered the police desk group"),
    "group_chat.register": N_("registered a group's chat"),
    "commune.leader_tip_counts": N_("changed what leaders see of tip counts"),
    "account.link": N_("linked a second messenger account"),
    "person.export": N_("exported their own data"),
    "person.correct_name": N_("corrected their name"),
    "person.correct_phone": N_("corrected their phone"),
    "person.withdraw_consent": N_("withdrew their consent"),
}
SINCE = {"1d": timedelta(days=1), "7d": timedelta(days=7), "30d": timedelta(days=30)}


async def audit_page(request: web.Request) -> web.Response:
    visit = visit_of(request)
    visit.work.require(Action.VIEW_TIP_AUDIT, Scope(visit.commune.code))
    action = request.query.get("action") or None
    since = SINCE.get(request.query.get("since", ""))
    now = visit.work.now
    rows = await commune_audit(
        visit.work.session,
        visit.commune.code,
        action=action if action in ACTION_NAMES else None,
        since=now - since if since else None,
    )
    t = visit.t
    entries = [
        {
            "at": t.datetime(entry.at),
            "who": name or t.gettext("the bot"),
            "what": t.gettext(ACTION_NAMES[entry.action])
            if entry.action in ACTION_NAMES
            else entry.action,
            "subject": entry.subject_id if entry.subject_kind in ("tip", "report") else "",
            "detail": entry.detail or "",
        }
        for entry, name in rows
    ]
    actions = sorted(
        ((key, t.gettext(name)) for key, name in ACTION_NAMES.items()), key=lambda a: a[1]
    )
    return render(
        request, "audit.html", {"entries": entries, "actions": actions, "query": request.query}
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/audit", audit_page)
