"""`python -m bot org import FILE` and `python -m bot org export`: the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.config import ConfigError, Settings
from bot.crypto import FieldCipher

if TYPE_CHECKING:
    from storage.db import Database


def add_org_commands(commands: Any) -> None:
    """Add `org import` and `org export` to the subcommands of `python -m bot`."""
    org = commands.add_parser("org", help="the commune's lists: import and export")
    org_commands = org.add_subparsers(dest="org_command", required=True)

    load = org_commands.add_parser(
        "import", help="import a structure .yaml, or a households .xlsx/.csv (all or nothing)"
    )
    load.add_argument("file", type=Path, help="commune .yaml, or households .xlsx or .csv")
    load.add_argument("--commune", help="the commune's code (needed for a households file)")
    load.add_argument("-v", "--verbose", action="store_true", help="list every row's outcome")
    load.add_argument(
        "--lang", choices=("en", "vi"), default="en", help="the language of the rows' messages"
    )
    load.set_defaults(run=run_import)

    dump = org_commands.add_parser("export", help="write the commune's lists, ready to re-import")
    dump.add_argument("--commune", required=True, help="the commune's code, e.g. 30073")
    dump.add_argument("--out", type=Path, default=Path("."), help="folder to write into")
    dump.add_argument("--format", choices=("csv", "xlsx"), default="csv", help="households file")
    dump.set_defaults(run=run_export)


async def run_import(settings: Settings, args: argparse.Namespace) -> int:
    """Print the report; 0 if the files were imported (or nothing had to change), else 1."""
    from bot.i18n import Translator, compile_catalogs
    from bot.organisation.apply import import_path
    from storage.db import Database
    from storage.migrate import upgrade_async

    cipher = _cipher(settings)
    if cipher is None:
        return 2
    await upgrade_async(settings.database_url)
    db = Database(settings.database_url)
    try:
        report = await import_path(db, cipher, args.file, args.commune)
        compile_catalogs()
        t = Translator(args.lang, settings.timezone)
        print(report.render(t, verbose=args.verbose))
        if report.ok and report.commune_code:
            await print_personal_codes(db, settings, report.commune_code)
    finally:
        await db.close()
    return 0 if report.ok else 1


async def print_personal_codes(
    db: Database, settings: Settings, commune_code: str, out: TextIO | None = None
) -> None:
    """Each leader's, officer's and admin's personal code, with the message that hands it over:
    the only way their messenger account gets their role (a name typed in the chat never does)."""
    from bot.i18n import Translator
    from bot.people.personal_invites import codes_for_unclaimed_staff, handout_text
    from storage.base import utcnow

    out = out or sys.stdout
    async with db.transaction() as session:
        codes = await codes_for_unclaimed_staff(session, commune_code, now=utcnow())
    if not codes:
        return
    t = Translator(settings.bot_locale, settings.timezone)
    print(
        f"\nPersonal codes ({len(codes)}): hand each one to its person only, in person or by a "
        "private message. Each works once, for 7 days; a new one: run the import again after "
        "it expired, or /moicanbo in the chat (commune admins).",
        file=out,
    )
    for code in codes:
        print(f"\n--- {code.person.full_name}: {code.invite.code}", file=out)
        print(handout_text(t, code, bot_username=settings.telegram_bot_username), file=out)


async def run_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.organisation.export import export_commune
    from bot.organisation.report import OrgFileError
    from storage.db import Database
    from storage.migrate import upgrade_async

    cipher = _cipher(settings)
    if cipher is None:
        return 2
    await upgrade_async(settings.database_url)
    db = Database(settings.database_url)
    try:
        paths = await export_commune(db, cipher, args.commune, args.out, args.format)
    except OrgFileError as exc:
        print(f"Export failed: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.close()
    for path in paths:
        print(f"Wrote {path}")
    print("They hold phone numbers: keep them where only commune staff can read them.")
    return 0


def _cipher(settings: Settings) -> FieldCipher | None:
    """The field cipher, or None after saying why there is none (no BOT_SECRET_KEY)."""
    try:
        return FieldCipher.of(settings)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return None
