"""`python -m bot backup --out FILE` and `python -m bot restore FILE`.

SQLite: the online backup API copies the database in one step under a read lock, so the copy is
a consistent snapshot even while the bot writes (WAL lets it go on writing meanwhile); the copy
is checked (`PRAGMA integrity_check`) before it replaces FILE. PostgreSQL has its own tools,
`pg_dump` and `pg_restore` (docs/DEPLOY.md); these commands say so rather than half-do it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import Settings
from storage.db import is_sqlite

POSTGRES_BACKUP = (
    "DATABASE_URL is PostgreSQL: back up with `pg_dump --format=custom --file=FILE DBNAME` "
    "and restore with `pg_restore --clean --if-exists --dbname=DBNAME FILE` (docs/DEPLOY.md)"
)


class BackupError(Exception):
    """One line for the operator."""


def add_backup_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    backup = commands.add_parser("backup", help="a consistent copy of the SQLite database")
    backup.add_argument("--out", required=True, type=Path, help="the file to write")
    backup.set_defaults(run=_backup)
    restore = commands.add_parser(
        "restore", help="replace the SQLite database with a backup (stop the bot first)"
    )
    restore.add_argument("file", type=Path, help="a file written by `backup`")
    restore.set_defaults(run=_restore)


def sqlite_file(database_url: str) -> Path:
    if not is_sqlite(database_url):
        raise BackupError(POSTGRES_BACKUP)
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("DATABASE_URL names no SQLite file")
    return Path(database)


def backup_sqlite(source: Path, out: Path) -> None:
    """Copy `source` to `out` through SQLite's online backup API, checked, then renamed."""
    if not source.exists():
        raise BackupError(f"no database at {source}")
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as reader,
        closing(sqlite3.connect(partial)) as copy,
    ):
        reader.execute("PRAGMA busy_timeout=10000")
        reader.backup(copy)  # all pages in one step: one consistent snapshot
        _check(copy, partial)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    os.replace(partial, out)


def restore_sqlite(backup: Path, target: Path) -> None:
    """Write `backup` over `target` through the backup API (its WAL and locks respected)."""
    if not backup.exists():
        raise BackupError(f"no file {backup}")
    with closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as source:
        _check(source, backup)
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(target)) as destination:
            destination.execute("PRAGMA busy_timeout=10000")
            source.backup(destination)


def _check(connection: sqlite3.Connection, path: Path) -> None:
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database ({exc})") from None
    if verdict != "ok":
        raise BackupError(f"{path} failed the integrity check: {verdict}")
    if "alembic_version" not in tables:
        raise BackupError(f"{path} is not a Bình Yên database")


async def _backup(settings: Settings, args: argparse.Namespace) -> int:
    try:
        source = sqlite_file(settings.database_url)
        await asyncio.to_thread(backup_sqlite, source, args.out)
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"Backed up {source} to {args.out} (keep BOT_SECRET_KEY with it).")
    return 0


async def _restore(settings: Settings, args: argparse.Namespace) -> int:
    from storage.migrate import upgrade_async

    try:
        target = sqlite_file(settings.database_url)
        await asyncio.to_thread(restore_sqlite, args.file, target)
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 2
    await upgrade_async(settings.database_url)  # a backup from an older version
    print(f"Restored {args.file} into {target}.")
    return 0
