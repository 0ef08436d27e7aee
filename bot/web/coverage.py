"""Pledge coverage per village and group with the households still missing, for a year, and
the same as a spreadsheet (the one the chat's "Household pledges: progress" sends; audited,
as it names households)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from aiohttp import web

from bot.authz import Action, Forbidden
from bot.people.personal_data import audit
from bot.pledges.coverage import (
    Unit,
    coverage,
    missing_households,
    unit_from_key,
    unit_name,
    units_in_reach,
)
from bot.pledges.report import write_coverage_workbook
from bot.web.visit import Visit, render, visit_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _units(visit: Visit) -> list[tuple[str, str]]:
    """The commune's units this person may read, as (key, name): the commune or villages."""
    session = visit.work.session
    units = [
        unit
        for unit in await units_in_reach(session, visit.work.actor)
        if unit.commune_code == visit.commune.code and unit.kind != "group"
    ]
    if not units:
        raise Forbidden("no unit in reach")
    return [(unit.key, await unit_name(session, unit)) for unit in units]


async def _chosen(request: web.Request, names: list[tuple[str, str]]) -> tuple[Unit, int]:
    """The unit and year asked for, checked against the reader's reach."""
    visit = visit_of(request)
    wanted = request.query.get("unit") or names[0][0]
    unit = await unit_from_key(visit.work.session, wanted) if wanted in dict(names) else None
    if unit is None:
        raise Forbidden("not this reader's unit")
    visit.work.require(Action.VIEW_COVERAGE, unit.scope)
    raw_year = request.query.get("year", "")
    year = (
        int(raw_year) if raw_year.isdigit() and 2000 < int(raw_year) < 2100 else _this_year(visit)
    )
    return unit, year


def _this_year(visit: Visit) -> int:
    return visit.work.now.astimezone(visit.work.settings.timezone).year


async def coverage_page(request: web.Request) -> web.Response:
    visit = visit_of(request)
    session = visit.work.session
    names = await _units(visit)
    unit, year = await _chosen(request, names)
    this_year = _this_year(visit)
    return render(
        request,
        "coverage.html",
        {
            "units": names,
            "unit_key": unit.key,
            "year": year,
            "years": [this_year - 1, this_year],
            "coverage": await coverage(session, unit, year),
            "missing": await missing_households(session, unit, year),
        },
    )


async def coverage_file(request: web.Request) -> web.Response:
    visit = visit_of(request)
    unit, year = await _chosen(request, await _units(visit))
    stamp = visit.work.now.astimezone(visit.work.settings.timezone).strftime("%Y%m%d-%H%M")
    name = f"camket-{year}-{unit.key.replace(':', '-')}-{stamp}.xlsx"
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        await write_coverage_workbook(
            visit.work.session, visit.t, unit, year, path, now=visit.work.now
        )
        body = await asyncio.to_thread(path.read_bytes)
    audit(
        visit.work.session,
        actor=visit.person.id,
        action="console.coverage_export",
        subject_kind="report",
        subject_id=unit.key,
        detail=str(year),
        at=visit.work.now,
    )
    return web.Response(
        body=body,
        content_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/coverage", coverage_page)
    app.router.add_get("/coverage/file", coverage_file)
