"""Backups: `python -m bot backup` copies the SQLite database while the bot handles a stream of
updates, the copy is a consistent snapshot (every update in it has its replies, none without),
and `python -m bot restore` puts it back so the bot starts and answers from it."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from bot.config import Settings
from tests.conftest import POSTGRES_URL
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram_harness import bot_running, telegram_settings

ROOT = Path(__file__).resolve().parent.parent
FIRST_USER = 7000


def cli(settings: Settings, *args: str, database_url: str | None = None) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url or settings.database_url,
        "BOT_SECRET_KEY": settings.bot_secret_key or "",
        "TELEGRAM_BOT_TOKEN": "",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def finished(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = await asyncio.to_thread(process.communicate, timeout=120)
    return process.returncode, out, err


def counts(path: Path) -> tuple[int, int]:
    """(updates handled, replies queued) in a database file."""
    with closing(sqlite3.connect(path)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        handled = copy.execute("SELECT count(*) FROM processed_updates").fetchone()[0]
        replies = copy.execute("SELECT count(*) FROM outbox").fetchone()[0]
    return handled, replies


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's backup; PostgreSQL uses pg_dump")
async def test_a_backup_taken_while_updates_arrive_is_consistent_and_restores(
    settings: Settings, tmp_path: Path
) -> None:
    out, restored = tmp_path / "backup.db", tmp_path / "restored" / "binhyen.db"
    async with FakeTelegramAPI() as api:
        live = telegram_settings(settings, api, telegram_private_chat_interval=0.0)
        async with bot_running(live):
            user = FIRST_USER

            async def one_more() -> None:
                nonlocal user
                api.push_update(api.user_message("menu", user_id=user))
                await api.wait_for_messages(user, 1)
                user += 1

            # Residents keep writing, each answered before the next: one before the copy
            # starts, more while it runs, one after it is done.
            await one_more()
            backup = cli(live, "backup", "--out", str(out))
            while backup.poll() is None:
                await one_more()
            await one_more()
            code, said, err = await finished(backup)
            assert code == 0, err
            assert "Backed up" in said
        live_file = Path(settings.database_url.removeprefix("sqlite+aiosqlite:///"))
        handled, replies = counts(live_file)
        assert handled == user - FIRST_USER
        per_update = replies / handled
        assert per_update == int(per_update)

        copied_handled, copied_replies = counts(out)
        assert 0 < copied_handled < handled
        assert copied_replies == copied_handled * per_update  # a snapshot between transactions

        url = f"sqlite+aiosqlite:///{restored}"
        code, said, err = await finished(cli(live, "restore", str(out), database_url=url))
        assert code == 0, err
        assert counts(restored) == (copied_handled, copied_replies)
        from_backup = live.model_copy(update={"database_url": url})
        async with bot_running(from_backup):  # the key check passes on the restored data
            api.push_update(api.user_message("menu", user_id=7999))
            await api.wait_for_messages(7999, 1)


async def test_backup_on_postgresql_points_to_pg_dump(settings: Settings, tmp_path: Path) -> None:
    url = "postgresql+asyncpg://postgres@127.0.0.1:5432/binhyen"
    code, _, err = await finished(
        cli(settings, "backup", "--out", str(tmp_path / "x"), database_url=url)
    )
    assert code == 2
    assert "pg_dump" in err and len(err.strip().splitlines()) == 1


async def test_restore_refuses_a_file_that_is_not_a_backup(
    settings: Settings, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    target = tmp_path / "target.db"
    code, _, err = await finished(
        cli(settings, "restore", str(junk), database_url=f"sqlite+aiosqlite:///{target}")
    )
    assert code == 2 and "not a SQLite database" in err
    assert not target.exists()
