"""Reports in the console: choose a unit (commune, or a village for its head) and a period, see
the main figures, download the .docx or .xlsx made by the same code as `/baocaoky` and the CLI.
Every download is written to the audit log."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.authz import Forbidden
from bot.people.personal_data import audit
from bot.pledges.coverage import unit_from_key, unit_name, units_in_reach
from bot.reports import FORMATS, load_report, write_report
from bot.reports.data import AckRule
from bot.reports.periods import PeriodError, parse_period, period_choices
from bot.tips.categories import category_labels
from bot.web.visit import Visit, render, visit_of

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def _units(request: web.Request) -> list[tuple[str, str]]:
    """The units this reader may report on, within the console's commune."""
    visit = visit_of(request)
    units = await units_in_reach(visit.work.session, visit.work.actor)
    return [
        (unit.key, await unit_name(visit.work.session, unit))
        for unit in units
        if unit.commune_code == visit.commune.code and unit.kind != "group"
    ]


async def _report(request: web.Request) -> Any:
    """The report asked for in the query, for this reader; Forbidden outside their reach."""
    visit = visit_of(request)
    keys = dict(await _units(request))
    key = request.query.get("unit", "")
    unit = await unit_from_key(visit.work.session, key) if key in keys else None
    if unit is None:
        raise Forbidden("no such unit for this reader")
    period = parse_period(request.query.get("period", ""))
    settings = visit.work.settings
    return await load_report(
        visit.work.session,
        unit,
        period,
        actor=visit.work.actor,
        tz=settings.timezone,
        now=visit.work.now,
        ack=AckRule(settings.tip_ack_minutes, settings.tip_ack_minutes_urgent),
    )


async def reports_page(request: web.Request) -> web.Response:
    visit = visit_of(request)
    units = await _units(request)
    if not units:
        raise Forbidden("no unit to report on")
    today = visit.work.now.astimezone(visit.work.settings.timezone).date()
    periods = [(c.key, c.label) for c in period_choices(visit.t, today)]
    report = None
    if request.query.get("unit") and request.query.get("period"):
        try:
            report = await _report(request)
        except PeriodError:
            report = None
    charts = await _charts(visit, report) if report is not None else []
    return render(
        request,
        "reports.html",
        {
            "units": units,
            "periods": periods,
            "report": report,
            "charts": charts,
            "query": request.query,
        },
    )


@dataclass(frozen=True)
class Chart:
    """A bar chart as plain rows (label, value, largest): drawn with <meter>, no script."""

    title: str
    bars: list[tuple[str, int]]
    top: int
    unit: str = ""


async def _charts(visit: Visit, report: Any) -> list[Chart]:
    t = visit.t
    charts = []
    if report.tips is not None and report.tips.received:
        labels = await category_labels(visit.work.session, t, visit.commune.code)
        by_category = sorted(report.tips.by_category.items(), key=lambda item: -item[1])
        bars = [(labels.get(key, key), count) for key, count in by_category]
        charts.append(Chart(t.gettext("Tips by category"), bars, max(n for _, n in bars)))
        by_village = sorted(report.tips.by_village.items(), key=lambda item: -item[1])
        charts.append(
            Chart(t.gettext("Tips by village"), by_village, max(n for _, n in by_village))
        )
    villages = report.pledges.coverage.villages
    if villages:
        bars = [(village.name, village.counts.percent) for village in villages]
        charts.append(Chart(t.gettext("Share of households pledged"), bars, 100, "%"))
    return charts


async def report_file(request: web.Request) -> web.Response:
    visit = visit_of(request)
    fmt = request.query.get("format", "")
    if fmt not in FORMATS:
        raise Forbidden("unknown format")
    try:
        report = await _report(request)
    except PeriodError as exc:
        raise Forbidden("bad period") from exc
    with tempfile.TemporaryDirectory() as directory:
        (path,) = await write_report(report, Path(directory), (fmt,))
        body = await _read(path)
    audit(
        visit.work.session,
        actor=visit.person.id,
        action="console.report_export",
        subject_kind="report",
        subject_id=report.unit.key,
        detail=f"{report.period.code} {fmt}",
        at=visit.work.now,
    )
    return web.Response(
        body=body,
        content_type=CONTENT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{path.name}"'},
    )


async def _read(path: Path) -> bytes:
    return await asyncio.to_thread(path.read_bytes)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/reports", reports_page)
    app.router.add_get("/reports/file", report_file)
