"""Statements built once, for what runs on every update.

Building a statement with its values, and then its cache key, cost SQLAlchemy more than
running it did (`make bench`): the inbound path's statements are built here once per dialect,
with bound parameters, and only run after that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

Statement = TypeVar("Statement")
Insert = Callable[[Any], Any]  # sqlite.insert or postgresql.insert


class Prepared(Generic[Statement]):
    """One statement per dialect, built the first time a session of that dialect asks."""

    def __init__(self, build: Callable[[Insert], Statement]) -> None:
        self._build = build
        self._built: dict[str, Statement] = {}

    def of(self, session: AsyncSession) -> Statement:
        dialect = session.bind.dialect.name
        statement = self._built.get(dialect)
        if statement is None:
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = self._built[dialect] = self._build(insert)
        return statement
