"""`python -m bot report --commune … --period …`: a periodic report as .docx and/or .xlsx."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings


def add_report_commands(commands: Any) -> None:
    report = commands.add_parser(
        "report",
        help="periodic report of a commune (or a village) as .docx and .xlsx; "
        "`report settings` sets the documents' header and signer",
    )
    report.add_argument(
        "action", nargs="?", choices=("settings",), help="settings: the header and signer"
    )
    report.add_argument("--commune", required=True, help="the commune's code, e.g. 30073")
    report.add_argument(
        "--period",
        help="2026-Q3, 2026-H1, 2026, 2026-KDC (safe-area year) or 2026-07-01..2026-09-30",
    )
    settings = report.add_argument_group("report settings")
    settings.add_argument("--body", help='the issuing body, e.g. "Công an xã Thanh Mỹ"')
    settings.add_argument("--superior", help='its superior, e.g. "Công an tỉnh Đồng Tháp"')
    settings.add_argument("--number-suffix", help='after "BC-" in "Số: …/BC-…", e.g. CAX')
    settings.add_argument("--signer-title", help='e.g. "Trưởng Công an xã"')
    settings.add_argument("--signer-name", help="the signer's full name")
    settings.add_argument(
        "--recipient",
        action="append",
        help='one line of "Nơi nhận", repeated for each; replaces the list',
    )
    report.add_argument("--village", help="a village of the commune: its name or id")
    report.add_argument("--format", choices=("docx", "xlsx", "both"), default="both")
    report.add_argument("--out", type=Path, default=Path("."), help="the folder to write to")
    report.add_argument(
        "--safe-year-start",
        default="11-01",
        help="MM-DD the safe-area year starts on, in the year before (default 11-01)",
    )
    report.set_defaults(run=run_report)


async def run_settings(settings: Settings, args: argparse.Namespace) -> int:
    """Stores what is given, prints the settings in effect."""
    from storage.db import Database
    from storage.migrate import upgrade_async
    from storage.repos.org import commune_by_code
    from storage.repos.reports import save_report_settings

    await upgrade_async(settings.database_url)
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            if await commune_by_code(session, args.commune) is None:
                print(f"No commune with code {args.commune}.", file=sys.stderr)
                return 2
            row = await save_report_settings(
                session,
                args.commune,
                body=args.body,
                superior=args.superior,
                number_suffix=args.number_suffix,
                signer_title=args.signer_title,
                signer_name=args.signer_name,
                recipients=[r.strip() for r in args.recipient if r.strip()]
                if args.recipient
                else None,
            )
            shown = {
                "body": row.body,
                "superior": row.superior,
                "number suffix": row.number_suffix,
                "signer title": row.signer_title,
                "signer name": row.signer_name,
                "recipients": "; ".join(row.recipients or []),
            }
    finally:
        await db.close()
    print(f"Report settings of commune {args.commune}:")
    for name, value in shown.items():
        print(f"  {name}: {value or '(blank)'}")
    return 0


async def run_report(settings: Settings, args: argparse.Namespace) -> int:

    from bot.pledges.coverage import Unit, UnitKind
    from bot.reports import make_report
    from bot.reports.data import AckRule
    from bot.reports.periods import PeriodError, parse_month_day, parse_period
    from storage.base import utcnow
    from storage.db import Database
    from storage.migrate import upgrade_async
    from storage.repos.org import commune_by_code, village_named

    if args.action == "settings":
        return await run_settings(settings, args)
    if not args.period:
        print("--period is required (e.g. 2026-Q3).", file=sys.stderr)
        return 2
    try:
        period = parse_period(args.period, parse_month_day(args.safe_year_start))
    except PeriodError as exc:
        print(exc, file=sys.stderr)
        return 2
    formats = ("docx", "xlsx") if args.format == "both" else (args.format,)
    await upgrade_async(settings.database_url)
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            commune = await commune_by_code(session, args.commune)
            if commune is None:
                print(f"No commune with code {args.commune}.", file=sys.stderr)
                return 2
            unit = Unit(UnitKind.COMMUNE, commune.code)
            if args.village:
                village = await village_named(session, commune.code, args.village)
                if village is None:
                    print(f"No village {args.village!r} in {commune.name}.", file=sys.stderr)
                    return 2
                unit = Unit(UnitKind.VILLAGE, commune.code, village.id)
            report, paths = await make_report(
                session,
                unit,
                period,
                args.out,
                actor=None,
                tz=settings.timezone,
                now=utcnow(),
                ack=AckRule(settings.tip_ack_minutes, settings.tip_ack_minutes_urgent),
                formats=formats,
            )
    finally:
        await db.close()
    print(f"Report of {report.place}, {period.code} ({period.first} to {period.last}):")
    if report.tips is not None:
        print(f"  tips received: {report.tips.received}")
    total = report.pledges.coverage.counts
    print(f"  pledges {report.pledges.year}: {total.pledged}/{total.resident} households")
    print(f"  meetings held: {report.meetings.held}")
    for path in paths:
        print(f"Wrote {path}")
    return 0
