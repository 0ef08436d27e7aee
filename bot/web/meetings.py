"""Meetings in the console: each group's meetings of a year (date, host, status, attendance
answers, the minutes once recorded) and its meeting book (.docx minutes, .xlsx register) by the
same code as `/sohop` and `python -m bot meetings book`. Scheduling and minutes stay with the
group's leaders in the chat."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from aiohttp import web

from bot.authz import Action, Forbidden, groups_in_reach
from bot.i18n import N_
from bot.meetings.book import FORMATS, book_path, load_book, write_book
from bot.meetings.service import attendance
from bot.people.personal_data import audit
from bot.web.reports import CONTENT_TYPES
from bot.web.visit import render, visit_of
from storage.models import Group, MeetingStatus
from storage.repos.web_console import village_ids_of
from storage.repos.web_meetings import meetings_of, minutes_of

STATUS_NAMES = {
    MeetingStatus.SCHEDULED: N_("scheduled"),
    MeetingStatus.HELD: N_("held"),
    MeetingStatus.CANCELLED: N_("cancelled"),
}


async def _groups(request: web.Request) -> list[Group]:
    visit = visit_of(request)
    groups = await groups_in_reach(visit.work.session, visit.work.actor, Action.VIEW_MEETING_BOOK)
    villages = await village_ids_of(visit.work.session, visit.commune.code)
    return [g for g in groups if g.village_id in villages]


def _year(request: web.Request) -> int:
    visit = visit_of(request)
    this_year = visit.work.now.astimezone(visit.work.settings.timezone).year
    raw = request.query.get("year", "")
    return int(raw) if raw.isdigit() and 2000 < int(raw) < 2100 else this_year


async def meetings_page(request: web.Request) -> web.Response:
    visit = visit_of(request)
    groups = await _groups(request)
    if not groups:
        raise Forbidden("no group in reach")
    year = _year(request)
    by_group: dict[int, list[dict[str, object]]] = {g.id: [] for g in groups}
    meetings = await meetings_of(visit.work.session, list(by_group), year)
    minutes = await minutes_of(visit.work.session, [meeting.id for meeting, _ in meetings])
    for meeting, host in meetings:
        counts = await attendance(visit.work.session, meeting)
        by_group[meeting.group_id].append(
            {
                "when": visit.t.datetime(meeting.scheduled_at),
                "host": host or meeting.place or "",
                "status": visit.t.gettext(STATUS_NAMES[MeetingStatus(meeting.status)]),
                "attending": len(counts.attending),
                "absent": len(counts.absent),
                "unanswered": len(counts.unanswered),
                "minutes": minutes.get(meeting.id),
            }
        )
    return render(
        request,
        "meetings.html",
        {"groups": groups, "meetings": by_group, "year": year},
    )


async def book_file(request: web.Request) -> web.Response:
    visit = visit_of(request)
    fmt = request.query.get("format", "")
    raw = request.match_info["group"]
    groups = {g.id: g for g in await _groups(request)}
    if fmt not in FORMATS or not raw.isdigit() or int(raw) not in groups:
        raise Forbidden("not a group of this reader")
    year = _year(request)
    book = await load_book(visit.work.session, int(raw), year, visit.t)
    with tempfile.TemporaryDirectory() as directory:
        path = await write_book(book, visit.t, book_path(Path(directory), book, int(raw), fmt), fmt)
        body = await _read(path)
    audit(
        visit.work.session,
        actor=visit.person.id,
        action="console.meeting_book",
        subject_kind="group",
        subject_id=raw,
        at=visit.work.now,
        detail=f"{year} {fmt}",
    )
    return web.Response(
        body=body,
        content_type=CONTENT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{path.name}"'},
    )


async def _read(path: Path) -> bytes:
    return await asyncio.to_thread(path.read_bytes)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/meetings", meetings_page)
    app.router.add_get("/meetings/{group}/book", book_file)
