"""Alembic environment: async engine, batch mode on SQLite, the project's naming convention."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from storage import models  # noqa: F401  (registers every table on Base.metadata)
from storage.base import Base
from storage.db import create_engine, is_sqlite

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    database_url = url or config.get_main_option("sqlalchemy.url") or ""
    context.configure(
        connection=connection,
        url=None if connection is not None else database_url,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite(database_url),
        compare_type=True,
        literal_binds=connection is None,
    )


def run_migrations_offline() -> None:
    _configure(url=config.get_main_option("sqlalchemy.url"))
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    _configure(connection=connection, url=config.get_main_option("sqlalchemy.url"))
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
