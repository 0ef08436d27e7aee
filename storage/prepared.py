"""Statements built once, for what runs on every update.

Building a statement with its values, and then its cache key, cost SQLAlchemy more than
running it did (`make bench`): the inbound path's statements are built once per dialect, with
bound parameters, and only run after that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

Statement = TypeVar("Statement")


class Prepared(Generic[Statement]):
    """One statement per dialect, built from the first session of that dialect that asks."""

    def __init__(self, build: Callable[[AsyncSession], Statement]) -> None:
        self._build = build
        self._built: dict[str, Statement] = {}

    def of(self, session: AsyncSession) -> Statement:
        dialect = session.bind.dialect.name
        statement = self._built.get(dialect)
        if statement is None:
            statement = self._built[dialect] = self._build(session)
        return statement
