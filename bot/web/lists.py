"""The commune's household list uploaded (.xlsx/.csv), previewed, then applied by the same
import code as `python -m bot org import`."""

from __future__ import annotations

import asyncio
import re
import secrets
from pathlib import Path

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from bot.authz import Action, Scope
from bot.crypto import FieldCipher
from bot.organisation import import_files, read_files
from bot.organisation.report import OrgFileError, Report
from bot.people.personal_data import audit
from bot.web.visit import Visit, config_of, render, visit_of

SUFFIXES = (".xlsx", ".csv")
UPLOAD = re.compile(r"^(\d+)-[0-9a-f]{16}\.(xlsx|csv)$")


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
    app.router.add_get("/households", households_page)
    app.router.add_post("/households/preview", preview)
    app.router.add_post("/households/apply", apply)
