"""`python -m bot scams import FILE --commune CODE`: a published fraud list into a commune's."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings


def add_scam_commands(commands: Any) -> None:
    scams = commands.add_parser("scams", help="the commune police's fraud warning list")
    scam_commands = scams.add_subparsers(dest="scams_command", required=True)
    imported = scam_commands.add_parser(
        "import", help="add a published list (.csv) to a commune's fraud warnings, all or nothing"
    )
    imported.add_argument(
        "file", type=Path, help=".csv: item, bank, warning, source, date, expires"
    )
    imported.add_argument("--commune", required=True, help="the commune's code, e.g. 30073")
    imported.add_argument("--source", default=None, help="where the list comes from")
    imported.set_defaults(run=run_import)


async def run_import(settings: Settings, args: argparse.Namespace) -> int:
    from collections import Counter

    from bot.i18n import Translator, compile_catalogs
    from bot.scams.lists import ListFileError, read_list
    from bot.scams.service import DEFAULT_WARNING, save_warning
    from storage.base import utcnow
    from storage.db import Database
    from storage.migrate import upgrade_async
    from storage.repos.org import commune_by_code

    compile_catalogs()
    try:
        listed, problems = read_list(args.file)
    except (OSError, UnicodeDecodeError, ListFileError) as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 1
    if problems:
        print("\n".join(f"{args.file}: {problem}" for problem in problems), file=sys.stderr)
        print("Nothing was imported.", file=sys.stderr)
        return 1
    await upgrade_async(settings.database_url)
    db = Database(settings.database_url)
    default = Translator("vi", settings.timezone).gettext(DEFAULT_WARNING)
    today = utcnow().astimezone(settings.timezone).date()
    outcomes: Counter[str] = Counter()
    try:
        async with db.transaction() as session:
            if await commune_by_code(session, args.commune) is None:
                print(f"No commune with code {args.commune}.", file=sys.stderr)
                return 2
            for row in listed:
                _warning, outcome = await save_warning(
                    session,
                    commune_code=args.commune,
                    item=row.item,
                    text=row.warning or default,
                    source=row.source or args.source or args.file.name,
                    listed_on=row.listed_on or today,
                    expires_on=row.expires_on,
                )
                outcomes[outcome] += 1
    finally:
        await db.close()
    print(
        f"{args.file}: {outcomes['created']} created, {outcomes['updated']} updated, "
        f"{outcomes['unchanged']} unchanged."
    )
    return 0
