"""`python -m bot meetings book --group … --year … [--format docx|xlsx]`: the meeting book."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.meetings.book import FORMATS


def add_meeting_commands(commands: Any) -> None:
    """Add `meetings book` to the subcommands of `python -m bot`."""
    meetings = commands.add_parser("meetings", help="group meetings: the meeting book")
    meeting_commands = meetings.add_subparsers(dest="meetings_command", required=True)
    book = meeting_commands.add_parser(
        "book", help="write a group's meeting book of one year (.docx) or its register (.xlsx)"
    )
    book.add_argument("--group", required=True, help="the group's id, or its name with --commune")
    book.add_argument("--commune", help="the commune's code, when --group is a name")
    book.add_argument("--village", help="the village's name, when the group's name is not unique")
    book.add_argument("--year", type=int, required=True, help="e.g. 2026")
    book.add_argument("--format", choices=FORMATS, default="docx")
    book.add_argument("--out", type=Path, default=Path("."), help="folder to write into")
    book.add_argument("--lang", choices=("vi", "en"), default="vi")
    book.set_defaults(run=run_book)


async def run_book(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import Translator, compile_catalogs
    from bot.invite_targets import InviteCliError, find_group, find_village
    from bot.meetings.book import book_path, load_book, write_book
    from storage.db import Database
    from storage.migrate import upgrade_async
    from storage.repos.org import commune_by_code, group_by_id

    compile_catalogs()
    await upgrade_async(settings.database_url)
    db = Database(settings.database_url)
    t = Translator(args.lang, settings.timezone)
    try:
        async with db.transaction() as session:
            if args.group.strip().isdigit() and not args.commune:
                group = await group_by_id(session, int(args.group))
                if group is None:
                    print(f"No group with id {args.group}.", file=sys.stderr)
                    return 2
            else:
                commune = await commune_by_code(session, (args.commune or "").strip())
                if commune is None:
                    print("Give the group's id, or --commune CODE with its name.", file=sys.stderr)
                    return 2
                try:
                    village = (
                        await find_village(session, commune, args.village) if args.village else None
                    )
                    group, _ = await find_group(session, commune, village, args.group)
                except InviteCliError as exc:
                    print(exc, file=sys.stderr)
                    return 2
            book = await load_book(session, group.id, args.year, t)
            path = book_path(args.out, book, group.id, args.format)
        await write_book(book, t, path, args.format)
    finally:
        await db.close()
    print(f"Wrote {path} ({len(book.entries)} meetings of {book.group}, {book.village}).")
    return 0
