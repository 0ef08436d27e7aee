"""`python -m bot pledge text|report`: a commune's pledge text, and the coverage spreadsheet."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings


def add_pledge_commands(commands: Any) -> None:
    """Add `pledge text` and `pledge report` to the subcommands of `python -m bot`."""
    pledge = commands.add_parser("pledge", help="household safety pledges: texts and coverage")
    pledge_commands = pledge.add_subparsers(dest="pledge_command", required=True)

    text = pledge_commands.add_parser(
        "text",
        help="store a commune's pledge text for a year from a file (a new version), or show "
        "the text in effect",
    )
    text.add_argument("--commune", required=True, help="the commune's code, e.g. 30073")
    text.add_argument("--year", required=True, type=int, help="the year, e.g. 2026")
    text.add_argument(
        "--file", type=Path, help=".yaml (mode, vi, en) or .txt (one commitment a line)"
    )
    text.set_defaults(run=run_text)

    report = pledge_commands.add_parser(
        "report", help="coverage of a commune: numbers here, every household in an .xlsx"
    )
    report.add_argument("--commune", required=True, help="the commune's code, e.g. 30073")
    report.add_argument("--year", required=True, type=int, help="the year, e.g. 2026")
    report.add_argument("--out", type=Path, help="the .xlsx to write (camket_CODE_YEAR.xlsx)")
    report.add_argument("--lang", choices=("vi", "en"), default=None, help="the sheet's language")
    report.set_defaults(run=run_report)


async def run_text(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import Translator, compile_catalogs
    from bot.pledges.texts import (
        PledgeTextError,
        applicable_text,
        items_of,
        parse_text_file,
        store_text,
        version_label,
    )
    from storage.base import utcnow
    from storage.db import Database
    from storage.migrate import upgrade_async
    from storage.repos.org import commune_by_code

    compile_catalogs()
    try:
        parsed = parse_text_file(args.file) if args.file else None
    except PledgeTextError as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 1
    await upgrade_async(settings.database_url)
    db = Database(settings.database_url)
    t = Translator("en", settings.timezone)
    try:
        async with db.transaction() as session:
            commune = await commune_by_code(session, args.commune)
            if commune is None:
                print(f"No commune with code {args.commune}.", file=sys.stderr)
                return 2
            if parsed is None:
                text, created = await applicable_text(session, commune.code, args.year), False
            else:
                try:
                    text, created = await store_text(
                        session, commune.code, args.year, parsed, utcnow()
                    )
                except PledgeTextError as exc:
                    print(f"{args.file}: {exc}", file=sys.stderr)
                    return 1
            label = version_label(t, text, commune.name)
    finally:
        await db.close()
    if parsed is not None:
        print(
            f"Stored: {label}."
            if created
            else f"Unchanged: the text in effect is the same ({label})."
        )
    else:
        print(f"In effect for {commune.name} in {args.year}: {label}.")
    for number, item in enumerate(items_of(text, "vi"), start=1):
        print(f"{number}. {item}")
    return 0


async def run_report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import Translator, compile_catalogs
    from bot.pledges.coverage import Unit, UnitKind
    from bot.pledges.report import write_coverage_workbook
    from storage.base import utcnow
    from storage.db import Database
    from storage.migrate import upgrade_async
    from storage.repos.org import commune_by_code

    compile_catalogs()
    await upgrade_async(settings.database_url)
    out = args.out or Path(f"camket_{args.commune}_{args.year}.xlsx")
    t = Translator(args.lang or settings.bot_locale, settings.timezone)
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            commune = await commune_by_code(session, args.commune)
            if commune is None:
                print(f"No commune with code {args.commune}.", file=sys.stderr)
                return 2
            unit = Unit(UnitKind.COMMUNE, commune.code)
            report = await write_coverage_workbook(session, t, unit, args.year, out, now=utcnow())
    finally:
        await db.close()
    total = report.counts
    print(
        f"Household safety pledges, {commune.name}, {args.year}: {total.pledged} of "
        f"{total.resident} resident households ({total.percent}%)."
    )
    for village in report.villages:
        counts = village.counts
        print(f"  {village.name}: {counts.pledged}/{counts.resident} ({counts.percent}%)")
    print(f"Wrote {out}")
    return 0
