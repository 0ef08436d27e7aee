"""Announcements in the console: write, preview with the audience count, send through the
broadcast service `/thongbao` uses, and follow each one's progress. The final report goes to
the author's chat, as for an announcement sent there."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.authz import Action, Scope
from bot.calendar import broadcast as service
from bot.calendar.audience import resolve
from bot.calendar.broadcast import COMMUNE_AUDIENCES, MAX_TEXT
from bot.runtime.outbox_policy import waiting_reason
from bot.web.visit import Visit, render, see_other, visit_of
from storage.models import Broadcast
from storage.repos.broadcasts import waiting_errors
from storage.repos.org import villages_of
from storage.repos.web_announcements import latest_reachable_account, recent_broadcasts


def _may_send(visit: Visit) -> None:
    visit.work.require(Action.SEND_BROADCAST, Scope(visit.commune.code))


async def _audiences(visit: Visit) -> list[tuple[str, str]]:
    choices = [
        (key, visit.t.gettext(label)) for key, label in COMMUNE_AUDIENCES if key != "village"
    ]
    villages = await villages_of(visit.work.session, visit.commune.code)
    return choices + [(f"village:{v.id}", v.name) for v in villages]


@dataclass(frozen=True)
class Sent:
    """One announcement of the commune as the page shows it, with the /tiendo figures."""

    broadcast: Broadcast
    text: str
    done: int
    waiting: str | None


async def _recent(visit: Visit) -> list[Sent]:
    session, t = visit.work.session, visit.t
    rows = await recent_broadcasts(session, visit.commune.code, limit=10)
    recent = []
    for row in rows:
        state = await service.progress(session, row.id)
        why = None if state.done else waiting_reason(await waiting_errors(session, row.id))
        recent.append(
            Sent(
                broadcast=row,
                text=service.progress_text(t, row, state),
                done=state.sent + state.failed,
                waiting=t.gettext(why) if why else None,
            )
        )
    return recent


async def announcements_page(request: web.Request) -> web.Response:
    visit = visit_of(request)
    _may_send(visit)
    return render(
        request,
        "announcements.html",
        {
            "audiences": await _audiences(visit),
            "recent": await _recent(visit),
            "sent": request.query.get("m") == "sent",
            "no_chat": request.query.get("m") == "nochat",
            "draft": None,
            "max_text": MAX_TEXT,
        },
    )


async def progress_part(request: web.Request) -> web.Response:
    """The announcements sent lately alone, which the page's script fetches to follow them."""
    visit = visit_of(request)
    _may_send(visit)
    return render(request, "announcement_progress.html", {"recent": await _recent(visit)})


async def _draft(request: web.Request) -> tuple[str, str] | None:
    visit = visit_of(request)
    form = await request.post()
    audience, text = str(form.get("audience", "")), str(form.get("text", "")).strip()
    if audience not in dict(await _audiences(visit)) or not 1 <= len(text) <= MAX_TEXT:
        return None
    return audience, text


async def preview(request: web.Request) -> web.Response:
    visit = visit_of(request)
    _may_send(visit)
    draft = await _draft(request)
    context = {
        "audiences": await _audiences(visit),
        "recent": [],
        "sent": False,
        "max_text": MAX_TEXT,
        "draft": None,
    }
    if draft is None:
        return render(request, "announcements.html", context | {"bad": True})
    audience, text = draft
    recipients = await resolve(
        visit.work.session, visit.commune.code, audience, today=visit.work.now.date()
    )
    shown = Broadcast(
        commune_code=visit.commune.code, audience=audience, text=text, author_person_id=0
    )
    message = await service.render(visit.work.session, shown, visit.t, private=True)
    return render(
        request,
        "announcements.html",
        context
        | {
            "draft": {
                "audience": audience,
                "text": text,
                "preview": message.text,
                "count": len(recipients),
            }
        },
    )


async def send(request: web.Request) -> web.Response:
    visit = visit_of(request)
    _may_send(visit)
    draft = await _draft(request)
    author = await latest_reachable_account(visit.work.session, visit.person.id)
    if draft is None:
        return see_other("/announcements")
    if author is None:  # the final report goes to the author's chat, as for /thongbao
        return see_other("/announcements?m=nochat")
    audience, text = draft
    _broadcast, channels = await service.start(
        visit.work.session,
        visit.work.settings,
        commune_code=visit.commune.code,
        author_person_id=visit.person.id,
        author=author,
        audience=audience,
        text=text,
        photo=None,
        now=visit.work.now,
    )
    visit.work.queued.update(channels)
    return see_other("/announcements?m=sent")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/announcements", announcements_page)
    app.router.add_get("/announcements/progress", progress_part)
    app.router.add_post("/announcements/preview", preview)
    app.router.add_post("/announcements/send", send)
