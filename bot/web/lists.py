"""Coverage and lists: pledge coverage per village and group with the households still missing,
and the commune's household list uploaded (.xlsx/.csv), previewed, then applied by the same
import code as `python -m bot org import`."""

from __future__ import annotations

import asyncio
import re
import secrets
from pathlib import Path

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from bot.authz import Action, Forbidden, Scope
from bot.crypto import FieldCipher
from bot.organisation import import_files, read_files
from bot.organisation.report import OrgFileError, Report
from bot.people.personal_data import audit
from bot.pledges.coverage import (
    coverage,
    missing_households,
    unit_from_key,
    unit_name,
    units_in_reach,
)
from bot.web.app import Visit, config_of, render, visit_of

SUFFIXES = (".xlsx", ".csv")
UPLOAD = re.compile(r"^(\d+)-[0-9a-f]{16}\.(xlsx|csv)$")


async def coverage_page(request: web.Request) -> web.Response:
    visit = visit_of(request)
    session = visit.work.session
    units = [
        unit
        for unit in await units_in_reach(session, visit.work.actor)
        if unit.commune_code == visit.commune.code and unit.kind != "group"
    ]
    if not units:
        raise Forbidden("no unit in reach")
    names = [(unit.key, await unit_name(session, unit)) for unit in units]
    wanted = request.query.get("unit") or units[0].key
    unit = await unit_from_key(session, wanted) if wanted in dict(names) else None
    if unit is None:
        raise Forbidden("not this reader's unit")
    visit.work.require(Action.VIEW_COVERAGE, unit.scope)
    this_year = visit.work.now.astimezone(visit.work.settings.timezone).year
    raw_year = request.query.get("year", "")
    year = int(raw_year) if raw_year.isdigit() and 2000 < int(raw_year) < 2100 else this_year
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


def _may_import(visit: Visit) -> None:
    visit.work.require(Action.IMPORT_LISTS, Scope(visit.commune.code))


async def households_page(request: web.Request) -> web.Response:
    _may_import(visit_of(request))
    return render(request, "households.html", {"report": None})


async def preview(request: web.Request) -> web.Response:
    """Reads the upload, runs the import in a savepoint and rolls it back: what would change."""
    visit = visit_of(request)
    _may_import(visit)
    form = await request.post()
    upload = form.get("file")
    suffix = Path(getattr(upload, "filename", "") or "").suffix.lower()
    if not isinstance(upload, web.FileField) or suffix not in SUFFIXES:
        return render(request, "households.html", {"report": None, "bad_file": True})
    name = f"{visit.web_session.id}-{secrets.token_hex(8)}{suffix}"
    path = _uploads(request) / name
    await asyncio.to_thread(_save, path, upload.file.read())
    report = await _import(request, path, keep=False)
    if not report.ok:
        await asyncio.to_thread(path.unlink, True)
    return render(
        request, "households.html", {"report": report, "upload": name if report.ok else None}
    )


async def apply(request: web.Request) -> web.Response:
    visit = visit_of(request)
    _may_import(visit)
    name = str((await request.post()).get("upload", ""))
    found = UPLOAD.match(name)
    path = _uploads(request) / name
    if not found or int(found.group(1)) != visit.web_session.id or not await _exists(path):
        return render(request, "households.html", {"report": None, "bad_file": True})
    try:
        report = await _import(request, path, keep=True)
    finally:
        await asyncio.to_thread(path.unlink, True)
    if report.ok and report.changed:
        audit(
            visit.work.session,
            actor=visit.person.id,
            action="console.households_import",
            subject_kind="commune",
            subject_id=visit.commune.code,
            at=visit.work.now,
            detail=f"+{report.households.created} ~{report.households.updated}",
        )
    return render(request, "households.html", {"report": report, "applied": report.ok})


async def _import(request: web.Request, path: Path, *, keep: bool) -> Report:
    visit = visit_of(request)
    cipher = FieldCipher.of(visit.work.settings)
    try:
        files = await asyncio.to_thread(read_files, path, visit.commune.code)
    except OrgFileError as exc:
        return Report(error=str(exc))
    session = visit.work.session
    savepoint = await session.begin_nested()
    try:
        report = await import_files(session, cipher, files)
    except IntegrityError:
        await savepoint.rollback()
        return Report(error="the commune's data changed meanwhile; try again")
    if keep and report.ok:
        await savepoint.commit()
    else:
        await savepoint.rollback()
    return report


def _uploads(request: web.Request) -> Path:
    return Path(config_of(request).settings.media_dir) / "console-uploads"


def _save(path: Path, content: bytes) -> None:
    """Private to the bot's user: the list holds phone numbers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(content)


async def _exists(path: Path) -> bool:
    return await asyncio.to_thread(path.is_file)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/coverage", coverage_page)
    app.router.add_get("/households", households_page)
    app.router.add_post("/households/preview", preview)
    app.router.add_post("/households/apply", apply)
