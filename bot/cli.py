"""`python -m bot …`: run the bot, chat in the terminal, migrate, seed the demo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.calendar.cli import add_calendar_commands
from bot.config import ConfigError, Settings, ensure_secret_key_in_env_file, load_settings
from bot.invite_cli import add_invite_commands
from bot.logging_setup import configure_logging
from bot.meetings.cli import add_meeting_commands
from bot.organisation.commands import add_org_commands
from bot.pledges.commands import add_pledge_commands
from bot.reports.cli import add_report_commands
from bot.runtime.ops.backup import add_backup_commands
from bot.scams.cli import add_scam_commands
from bot.security.cli import add_key_commands
from bot.tips.cli import add_tip_commands

log = logging.getLogger("bot")

DEMO_PERSON = "Trần Thị Lan"  # the sample resident of docs/examples/sample_commune.yaml
DEMO_COMMUNE = "30073"  # Xã Thanh Mỹ, the sample commune
CONSOLE_LOG = Path("data") / "console.log"


def _chats_in_terminal(args: argparse.Namespace, settings: Settings) -> bool:
    if args.command == "console":
        return True
    return args.command == "start" and not (settings.telegram_bot_token or settings.zalo_bot_token)


def _log_to_file(settings: Settings) -> None:
    """Logs of a terminal chat go to data/console.log; only warnings reach the terminal."""
    CONSOLE_LOG.parent.mkdir(parents=True, exist_ok=True)
    to_terminal = configure_logging(
        level=settings.log_level, fmt=settings.log_format, secrets=settings.secrets()
    )
    to_terminal.setLevel(logging.WARNING)
    to_file = logging.FileHandler(CONSOLE_LOG, encoding="utf-8")
    to_file.setFormatter(to_terminal.formatter)
    logging.getLogger().addHandler(to_file)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    # First start on a new machine: a fresh encryption key, kept in .env.
    if args.command == "start" and ensure_secret_key_in_env_file(Path(".env")):
        print("Generated BOT_SECRET_KEY into .env (keep it safe; back it up with the database).")
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if _chats_in_terminal(args, settings):
        _log_to_file(settings)  # the terminal shows the chat only
    else:
        configure_logging(
            level=settings.log_level, fmt=settings.log_format, secrets=settings.secrets()
        )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every URL, token included
    return asyncio.run(args.run(settings, args))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Bình Yên chatbot")
    commands = parser.add_subparsers(dest="command", required=True)

    start = commands.add_parser("start", help="what `make run` does: run the bot, or the demo")
    start.set_defaults(run=_start)

    run = commands.add_parser("run", help="run every channel whose token is configured")
    run.set_defaults(run=_run)

    console = commands.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument("--as", dest="person", default=DEMO_PERSON, help="person id or name")
    console.add_argument("--lang", default=None, choices=("vi", "en"))
    console.set_defaults(run=_console)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply migrations").set_defaults(run=_db_upgrade)

    demo = commands.add_parser("demo", help="the sample commune")
    demo_commands = demo.add_subparsers(dest="demo_command", required=True)
    demo_commands.add_parser("seed", help="load it (once)").set_defaults(run=_demo_seed)
    demo_commands.add_parser(
        "reset", help="empty the embedded database and load the sample afresh"
    ).set_defaults(run=_demo_reset)

    police = commands.add_parser("police", help="commune police settings")
    police_commands = police.add_subparsers(dest="police_command", required=True)
    desk = police_commands.add_parser(
        "desk", help="make a group chat the commune's police desk (where its tips arrive)"
    )
    desk.add_argument("--commune", required=True, help="the commune's code, e.g. 30073")
    desk.add_argument("--chat-id", required=True, help="the group chat's id")
    desk.add_argument("--channel", default="telegram", help="the messenger (default: telegram)")
    desk.set_defaults(run=_police_desk)

    add_invite_commands(commands)
    add_org_commands(commands)
    add_pledge_commands(commands)
    add_meeting_commands(commands)
    add_report_commands(commands)
    add_calendar_commands(commands)
    add_key_commands(commands)
    add_backup_commands(commands)
    add_scam_commands(commands)
    add_tip_commands(commands)
    return parser


async def _start(settings: Settings, args: argparse.Namespace) -> int:
    if settings.telegram_bot_token or settings.zalo_bot_token:
        return await _run(settings, args)
    try:
        settings.secret_key_bytes()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    print("No messenger token configured: starting the console demo on the embedded database.")
    await _db_upgrade(settings, args)
    await _demo_seed(settings, args)
    args.person, args.lang = DEMO_PERSON, None
    return await _demo_with_web_console(settings.model_copy(update={"web_console": True}), args)


async def _demo_with_web_console(settings: Settings, args: argparse.Namespace) -> int:
    """The terminal chat, and the web console beside it with a link for the sample's officer."""
    from bot.web.demo import console_beside_demo

    async with console_beside_demo(settings, DEMO_COMMUNE) as link:
        if link:
            print(f"Web console, signed in as the sample commune's police officer: {link}")
        return await _console(settings, args)


async def _run(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.runtime.app import serve_forever

    try:
        await serve_forever(settings)
    except ConfigError as exc:  # found only when a messenger answered, e.g. a rejected token
        print(exc, file=sys.stderr)
        return 2
    return 0


async def _console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import compile_catalogs
    from bot.runtime.channels.console import chat_in_terminal, find_person, link_console_account
    from bot.runtime.dialog.engine import DialogEngine
    from bot.security.keys import check_key_opens_data
    from handlers import build_flows
    from storage.db import Database
    from storage.migrate import upgrade_async

    compile_catalogs()
    await upgrade_async(settings.database_url)
    db = Database(settings.database_url)
    try:
        try:
            await check_key_opens_data(db, settings)
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 2
        person = await find_person(db, args.person)
        if person is None:
            print(
                f"No single person matches {args.person!r}; try their id or full name.",
                file=sys.stderr,
            )
            return 2
        language = args.lang or settings.bot_locale
        user_id = await link_console_account(db, person, language)
        engine = DialogEngine(db=db, flows=build_flows(), settings=settings)
        print(f"Chatting as {person.full_name}. Type /quit to leave.")
        await chat_in_terminal(engine=engine, db=db, user_id=user_id, language=language)
    finally:
        await db.close()
    return 0


async def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    from storage.migrate import upgrade_async

    await upgrade_async(settings.database_url)
    log.info("database is up to date")
    return 0


async def _demo_seed(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.crypto import FieldCipher
    from bot.demo import seed_sample_commune
    from storage.db import Database

    try:
        cipher = FieldCipher.of(settings)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    # A fresh machine's `demo seed` comes before any start: the tables come first.
    await _db_upgrade(settings, _args)
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            loaded = await seed_sample_commune(session, cipher)
    finally:
        await db.close()
    print("Sample commune loaded." if loaded else "Sample commune already present.")
    return 0


async def _demo_reset(settings: Settings, args: argparse.Namespace) -> int:
    """Back to a fresh sample (after "Xóa tài khoản", or a demo gone astray): only for the
    embedded SQLite database, never a real commune's PostgreSQL."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if not url.drivername.startswith("sqlite") or not url.database:
        print("demo reset works only on the embedded SQLite database.", file=sys.stderr)
        return 2
    path = Path(url.database)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    print(f"Emptied {path}.")
    await _db_upgrade(settings, args)
    return await _demo_seed(settings, args)


async def _police_desk(settings: Settings, args: argparse.Namespace) -> int:
    from bot.tips.police_chat import set_police_desk
    from storage.base import utcnow
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            try:
                commune, _ = await set_police_desk(
                    session,
                    args.commune,
                    channel=args.channel,
                    chat_id=str(args.chat_id),
                    actor=None,
                    now=utcnow(),
                )
            except LookupError:
                print(f"No commune with code {args.commune}.", file=sys.stderr)
                return 2
    finally:
        await db.close()
    print(f"Police desk of {commune.name}: {args.channel} chat {args.chat_id}.")
    return 0
