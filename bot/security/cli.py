"""`python -m bot keys …`: a new key, and re-encrypting the data under the current one."""

from __future__ import annotations

import argparse
import sys

from bot.config import ConfigError, Settings, generate_secret_key


def add_key_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    keys = commands.add_parser("keys", help="the encryption key (BOT_SECRET_KEY)")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    key_commands.add_parser("new", help="print a fresh key").set_defaults(run=_new)
    rotate = key_commands.add_parser(
        "rotate",
        help="re-encrypt everything under BOT_SECRET_KEY (old keys in BOT_OLD_SECRET_KEYS); "
        "safe to interrupt and run again",
    )
    rotate.add_argument("--batch", type=int, default=500, help="rows per transaction")
    rotate.set_defaults(run=_rotate)


async def _new(_settings: Settings, _args: argparse.Namespace) -> int:
    print(generate_secret_key())
    return 0


async def _rotate(settings: Settings, args: argparse.Namespace) -> int:
    from bot.security.keys import rotate_keys
    from storage.db import Database
    from storage.migrate import upgrade_async

    try:
        settings.secret_key_bytes()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    await upgrade_async(settings.database_url)
    db = Database(settings.database_url)
    try:
        report = await rotate_keys(db, settings, batch_size=args.batch)
    finally:
        await db.close()
    rewritten = sum(report.rewritten.values())
    print(
        f"Re-encrypted {rewritten} values under BOT_SECRET_KEY; the numbers and links of "
        f"{report.rekeyed_fraud_tips} fraud tips re-keyed."
    )
    if report.unreadable:
        where = ", ".join(f"{name}: {count}" for name, count in sorted(report.unreadable.items()))
        print(
            f"Not readable with BOT_SECRET_KEY or BOT_OLD_SECRET_KEYS, left as they are: {where}",
            file=sys.stderr,
        )
        return 1
    print("Done: BOT_OLD_SECRET_KEYS can now be emptied.")
    return 0
