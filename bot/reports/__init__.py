"""Periodic reports: tips, household pledges and group meetings of a commune, a village or a
group over a quarter, a half year, a year, the safe-area year or any range of days, as .docx
(with charts) and .xlsx.

`make_report` is the one entry: it checks who asks (bot.authz), computes the numbers
(bot.reports.data) and writes the files (bot.reports.docx, bot.reports.xlsx).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.authz import Action, Actor, allowed, require
from bot.pledges.coverage import Unit
from bot.reports.data import AckRule, Report, build_report
from bot.reports.periods import Period
from storage.repos.org import commune_by_code

FORMATS = ("docx", "xlsx")


async def load_report(
    session: AsyncSession,
    unit: Unit,
    period: Period,
    *,
    actor: Actor | None,
    tz: ZoneInfo,
    now: datetime,
    ack: AckRule,
) -> Report:
    """The numbers this reader may see; `actor` None is the operator at the command line.
    Raises bot.authz.Forbidden outside the reader's scope."""
    if actor is None:
        with_tips = with_rows = True
    else:
        require(actor, Action.VIEW_REPORT, unit.scope)
        with_rows = allowed(actor, Action.VIEW_REPORT_TIP_ROWS, unit.scope)
        commune = await commune_by_code(session, unit.commune_code)
        with_tips = with_rows or bool(
            commune
            and commune.leaders_see_tip_counts
            and allowed(actor, Action.VIEW_TIP_COUNTS, unit.scope)
        )
    return await build_report(
        session, unit, period, tz=tz, now=now, ack=ack, with_tips=with_tips, with_tip_rows=with_rows
    )


def report_stem(report: Report) -> str:
    ident = report.unit.key.replace(":", "-")
    return f"bao-cao-{report.period.code.replace('..', '_')}-{ident}"


async def write_report(
    report: Report, directory: Path, formats: tuple[str, ...], stem: str | None = None
) -> list[Path]:
    """The files, written off the event loop (charts and documents take a moment)."""
    from bot.reports.docx import write_docx
    from bot.reports.xlsx import write_xlsx

    stem = stem or report_stem(report)
    paths = []
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}")
        writer = write_docx if fmt == "docx" else write_xlsx
        paths.append(await asyncio.to_thread(writer, report, directory / f"{stem}.{fmt}"))
    return paths


async def make_report(
    session: AsyncSession,
    unit: Unit,
    period: Period,
    directory: Path,
    *,
    actor: Actor | None,
    tz: ZoneInfo,
    now: datetime,
    ack: AckRule,
    formats: tuple[str, ...] = FORMATS,
) -> tuple[Report, list[Path]]:
    report = await load_report(session, unit, period, actor=actor, tz=tz, now=now, ack=ack)
    return report, await write_report(report, directory, formats)
