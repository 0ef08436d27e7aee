"""Fixtures: a migrated database per test (a real SQLite file, or the PostgreSQL named by
TEST_DATABASE_URL), settings that point at it, and the dialog engine over it."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text, update

from bot.config import Settings, generate_secret_key, load_settings
from bot.i18n import compile_catalogs
from bot.runtime.dialog.engine import DialogEngine
from handlers import build_flows
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Commune

# Every Zalo and terminal rendering of every test is checked as a text page (issue #13).
pytest_plugins = ["tests.text_page_guard"]

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
# Reference data loaded by migrations; everything else is emptied between tests.
KEEP_TABLES = {"alembic_version", "provinces", "communes", "tip_categories"}
COMMUNE_REFERENCE_COLUMNS = {"code", "province_code", "name", "kind", "name_folded", "lat", "lon"}


@pytest.fixture(scope="session", autouse=True)
def _catalogs() -> None:
    compile_catalogs()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per session: a template SQLite file, or the PostgreSQL test database."""
    if POSTGRES_URL:
        _reset_postgres(POSTGRES_URL)
        upgrade(POSTGRES_URL)
        return POSTGRES_URL
    template = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{template}")
    return str(template)


def _reset_postgres(url: str) -> None:
    import asyncio

    async def drop_everything() -> None:
        db = Database(url)
        async with db.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await db.close()

    asyncio.run(drop_everything())


@pytest.fixture
async def database_url(migrated_template: str, tmp_path: Path) -> AsyncIterator[str]:
    if POSTGRES_URL:
        await _truncate_postgres(POSTGRES_URL)
        yield POSTGRES_URL
        return
    path = tmp_path / "binhyen.db"
    shutil.copyfile(migrated_template, path)
    yield f"sqlite+aiosqlite:///{path}"


async def _truncate_postgres(url: str) -> None:
    db = Database(url)
    async with db.engine.begin() as connection:
        tables = (
            await connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
        ).scalars()
        names = [f'"{name}"' for name in tables if name not in KEEP_TABLES]
        if names:
            await connection.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        # A commune's settings (every column but the official list's) back to their defaults,
        # whichever columns later migrations add: one test's "ấp" must not reach the next.
        settings = {
            column.name: column.default.arg if column.default is not None else None
            for column in Commune.__table__.columns
            if column.name not in COMMUNE_REFERENCE_COLUMNS
        }
        await connection.execute(update(Commune.__table__).values(**settings))
        await connection.execute(text("DELETE FROM tip_categories WHERE commune_code IS NOT NULL"))
    await db.close()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        _env_file=None,
        database_url=database_url,
        bot_secret_key=generate_secret_key(),
        media_dir=tmp_path / "media",
        telegram_bot_token=None,
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url)
    yield database
    await database.close()


@pytest.fixture
def engine(db: Database, settings: Settings) -> DialogEngine:
    return DialogEngine(db=db, flows=build_flows(), settings=settings)
