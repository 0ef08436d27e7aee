"""The tip desk: the commune's tips by waiting time with the response clock's colours, filters,
one tip's page with its history and photos, and the police card's actions as forms.

Nothing on these pages says who reported a tip; "Xem người báo" asks a reason, is allowed to
commune police only, and is audited (bot.tips.desk.reveal_reporter).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from aiohttp import web

from bot.authz import Action, Scope
from bot.i18n import N_, Translator
from bot.tips.cards import ATTACHMENT_KINDS, STATUS_NAMES
from bot.tips.categories import category_labels
from bot.tips.clock import ack_interval, age_text
from bot.tips.codes import normalise_tip_code
from bot.tips.desk import (
    BadText,
    ask_reporter,
    assign,
    close,
    mark_duplicate,
    reveal_reporter,
    set_status,
)
from bot.web.tile_map import tile_map
from bot.web.timeline import timeline_rows
from bot.web.visit import Visit, config_of, message_page, render, see_other, visit_of
from storage.models import CLOSED_STATUSES, Tip, TipStatus
from storage.repos.web_tips import (
    DeskFilter,
    attachments_of,
    desk_tips,
    officers_of,
    tip_in_commune,
    villages_of,
)

AGES = {"1d": timedelta(days=1), "3d": timedelta(days=3), "7d": timedelta(days=7)}
STATUS_OPS = {
    "ack": TipStatus.ACKNOWLEDGED,
    "verify": TipStatus.VERIFYING,
    "forward": TipStatus.FORWARDED,
}
NOTICES = {
    "status": N_("Status changed."),
    "same": N_("The tip already has that status."),
    "assigned": N_("Officer assigned."),
    "asked": N_("Your question was sent to the reporter; their answer will appear here."),
    "unreachable": N_("The reporter can no longer be reached."),
    "dup": N_("Marked as a duplicate."),
    "nodup": N_("No other tip of this commune has that code."),
    "closed": N_("The tip is closed and the reporter has your note."),
    "text": N_("Please type a text of at most 1500 characters."),
}
# The response clock: red past the acknowledgement deadline, amber while it runs.
CLOCK_NAMES = {
    "late": N_("late: not acknowledged in time"),
    "waiting": N_("waiting for acknowledgement"),
    "working": N_("being worked"),
    "closed": N_("closed"),
}


def clock_state(visit: Visit, tip: Tip, now: datetime) -> str:
    if tip.status in CLOSED_STATUSES:
        return "closed"
    if tip.status != TipStatus.NEW:
        return "working"
    deadline = tip.created_at + ack_interval(visit.work.settings, tip.urgent)
    return "late" if now >= deadline or tip.escalation_level > 0 else "waiting"


def _filter(request: web.Request, now: datetime) -> DeskFilter:
    query = request.query
    age = AGES.get(query.get("age", ""))
    code = query.get("code", "").strip()
    return DeskFilter(
        status=query.get("status") or None,
        category_key=query.get("category") or None,
        village_id=int(query["village"]) if query.get("village", "").isdigit() else None,
        officer_id=int(query["officer"]) if query.get("officer", "").isdigit() else None,
        created_before=now - age if age else None,
        code=normalise_tip_code(code) if code else None,
    )


def _may_work(visit: Visit) -> None:
    visit.work.require(Action.RECEIVE_TIPS, Scope(visit.commune.code))


async def desk(request: web.Request) -> web.Response:
    visit = visit_of(request)
    _may_work(visit)
    session, t, now = visit.work.session, visit.t, visit.work.now
    wanted = _filter(request, now)
    tips = await desk_tips(session, visit.commune.code, wanted)
    labels = await category_labels(session, t, visit.commune.code)
    villages = await villages_of(session, visit.commune.code)
    officers = await officers_of(session, visit.commune.code)
    village_names = {v.id: v.name for v in villages}
    officer_names = {p.id: p.full_name for p in officers}
    rows = [
        {
            "tip": tip,
            "clock": clock_state(visit, tip, now),
            "clock_name": t.gettext(CLOCK_NAMES[clock_state(visit, tip, now)]),
            "status": t.gettext(STATUS_NAMES[TipStatus(tip.status)]),
            "category": labels.get(tip.category_key, tip.category_key),
            "village": village_names.get(tip.village_id or 0, ""),
            "officer": officer_names.get(tip.assigned_person_id or 0, ""),
            "age": age_text(t, now - tip.created_at),
        }
        for tip in tips
    ]
    return render(
        request,
        "desk.html",
        {
            "rows": rows,
            "query": request.query,
            "statuses": [(s.value, t.gettext(STATUS_NAMES[s])) for s in TipStatus],
            "categories": sorted(labels.items(), key=lambda item: item[1]),
            "villages": villages,
            "officers": officers,
        },
    )


async def _tip(request: web.Request) -> Tip | None:
    visit = visit_of(request)
    _may_work(visit)
    code = normalise_tip_code(request.match_info["code"])
    tip = await tip_in_commune(visit.work.session, visit.commune.code, code)
    return tip if tip is not None and tip.purged_at is None else None


def _not_found(request: web.Request) -> web.Response:
    t = visit_of(request).t
    return message_page(
        request, t, t.gettext("Not found"), t.gettext("No tip of this commune has that code."), 404
    )


async def tip_page(request: web.Request) -> web.Response:
    visit = visit_of(request)
    tip = await _tip(request)
    if tip is None:
        return _not_found(request)
    session, t, now = visit.work.session, visit.t, visit.work.now
    labels = await category_labels(session, t, visit.commune.code)
    villages = {v.id: v.name for v in await villages_of(session, visit.commune.code)}
    officers = await officers_of(session, visit.commune.code)
    attachments = await attachments_of(session, tip.id)
    notice = NOTICES.get(request.query.get("m", ""))
    return render(
        request,
        "tip.html",
        {
            "tip": tip,
            "notice": t.gettext(notice) if notice else None,
            "clock": clock_state(visit, tip, now),
            "clock_name": t.gettext(CLOCK_NAMES[clock_state(visit, tip, now)]),
            "status": t.gettext(STATUS_NAMES[TipStatus(tip.status)]),
            "category": labels.get(tip.category_key, tip.category_key),
            "village": villages.get(tip.village_id or 0, ""),
            "officers": officers,
            "photos": [a for a in attachments if a.kind == "photo" and a.local_path],
            "others": [_attachment_name(t, a.kind) for a in attachments if a.kind != "photo"],
            "waiting": [a for a in attachments if a.kind == "photo" and not a.local_path],
            "timeline": await timeline_rows(session, t, tip),
            "map": tile_map(visit.work.settings, tip.latitude, tip.longitude),
            "open": tip.status not in CLOSED_STATUSES,
            "status_ops": [
                (op, t.gettext(STATUS_NAMES[status]))
                for op, status in STATUS_OPS.items()
                if status != tip.status
            ],
        },
    )


def _attachment_name(t: Translator, kind: str) -> str:
    return t.gettext(ATTACHMENT_KINDS.get(kind, kind))


async def timeline_part(request: web.Request) -> web.Response:
    """The history alone, which the page's script fetches to show chat answers as they come."""
    visit = visit_of(request)
    tip = await _tip(request)
    if tip is None:
        return _not_found(request)
    rows = await timeline_rows(visit.work.session, visit.t, tip)
    return render(request, "timeline.html", {"timeline": rows, "tip": tip})


async def photo(request: web.Request) -> web.StreamResponse:
    visit = visit_of(request)
    tip = await _tip(request)
    raw = request.match_info["attachment"]
    if tip is None or not raw.isdigit():
        return _not_found(request)
    attachments = {a.id: a for a in await attachments_of(visit.work.session, tip.id)}
    item = attachments.get(int(raw))
    path = _media_file(config_of(request).settings.media_dir, item.local_path if item else None)
    if path is None:
        return _not_found(request)
    response = web.FileResponse(path, headers={"Cache-Control": "private, no-store"})
    if item and item.mime_type:
        response.content_type = item.mime_type
    return response


def _media_file(media_dir: Path, local_path: str | None) -> Path | None:
    """The stored copy, only from inside the media store's directory."""
    if not local_path:
        return None
    path = Path(local_path).resolve()
    if not path.is_relative_to(Path(media_dir).resolve()) or not path.is_file():
        return None
    return path


async def _form(request: web.Request) -> dict[str, str]:
    form = await request.post()
    return {key: str(value) for key, value in form.items()}


async def change(request: web.Request) -> web.Response:
    """The card's status buttons: acknowledge, being checked, transferred."""
    visit, tip = visit_of(request), await _tip(request)
    if tip is None:
        return _not_found(request)
    status = STATUS_OPS.get((await _form(request)).get("op", ""))
    if status is None:
        return see_other(f"/tips/{tip.code}")
    changed = await set_status(visit.work, tip, status)
    return see_other(f"/tips/{tip.code}?m={'status' if changed else 'same'}")


async def give_to(request: web.Request) -> web.Response:
    visit, tip = visit_of(request), await _tip(request)
    if tip is None:
        return _not_found(request)
    raw = (await _form(request)).get("officer", "")
    await assign(visit.work, tip, int(raw) if raw.isdigit() else None)
    return see_other(f"/tips/{tip.code}?m=assigned")


async def ask(request: web.Request) -> web.Response:
    visit, tip = visit_of(request), await _tip(request)
    if tip is None:
        return _not_found(request)
    try:
        sent = await ask_reporter(visit.work, tip, (await _form(request)).get("question", ""))
    except BadText:
        return see_other(f"/tips/{tip.code}?m=text")
    return see_other(f"/tips/{tip.code}?m={'asked' if sent else 'unreachable'}")


async def duplicate(request: web.Request) -> web.Response:
    visit, tip = visit_of(request), await _tip(request)
    if tip is None:
        return _not_found(request)
    original = await mark_duplicate(visit.work, tip, (await _form(request)).get("original", ""))
    return see_other(f"/tips/{tip.code}?m={'dup' if original else 'nodup'}")


async def finish(request: web.Request) -> web.Response:
    visit, tip = visit_of(request), await _tip(request)
    if tip is None:
        return _not_found(request)
    form = await _form(request)
    status = {"resolve": TipStatus.RESOLVED, "nogrounds": TipStatus.NO_GROUNDS}.get(
        form.get("outcome", "")
    )
    if status is None:
        return see_other(f"/tips/{tip.code}")
    try:
        await close(visit.work, tip, status, form.get("note", ""))
    except BadText:
        return see_other(f"/tips/{tip.code}?m=text")
    return see_other(f"/tips/{tip.code}?m=closed")


async def reporter_form(request: web.Request) -> web.Response:
    visit, tip = visit_of(request), await _tip(request)
    if tip is None:
        return _not_found(request)
    visit.work.require(Action.READ_REPORTER_IDENTITY, Scope(tip.commune_code))
    return render(request, "reporter.html", {"tip": tip, "identity": None, "asked": False})


async def reporter(request: web.Request) -> web.Response:
    visit, tip = visit_of(request), await _tip(request)
    if tip is None:
        return _not_found(request)
    try:
        identity = await reveal_reporter(visit.work, tip, (await _form(request)).get("reason", ""))
    except BadText:
        return render(
            request, "reporter.html", {"tip": tip, "identity": None, "asked": False, "bad": True}
        )
    return render(request, "reporter.html", {"tip": tip, "identity": identity, "asked": True})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/tips", desk)
    app.router.add_get("/tips/{code}", tip_page)
    app.router.add_get("/tips/{code}/timeline", timeline_part)
    app.router.add_get("/tips/{code}/photos/{attachment}", photo)
    app.router.add_post("/tips/{code}/status", change)
    app.router.add_post("/tips/{code}/assign", give_to)
    app.router.add_post("/tips/{code}/ask", ask)
    app.router.add_post("/tips/{code}/duplicate", duplicate)
    app.router.add_post("/tips/{code}/close", finish)
    app.router.add_get("/tips/{code}/reporter", reporter_form)
    app.router.add_post("/tips/{code}/reporter", reporter)
