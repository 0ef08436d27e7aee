"""The few statements every update runs, on the driver's connection.

Through a session, a compiled and cached Core statement still cost about 80 µs on SQLite
against some 25 µs for the same statement on the sqlite3 connection: the session's and the
connection's machinery (the greenlet hop, the execution context, the result) was a third of an
update's CPU in `make bench`. These statements are compiled once per dialect by SQLAlchemy, with
its type conversions and Python-side defaults, and then run on the connection of the session's
own transaction: same statement, same transaction, same commit. On SQLite that is the sqlite3
connection on the loop (storage/sqlite_inline.py); on PostgreSQL, asyncpg's connection under
SQLAlchemy's adapter, in the transaction the adapter begins, with its type codecs and asyncpg's
own prepared statements, errors translated as the adapter does.

Nothing pending in the session is flushed first (the session would autoflush): these
statements touch tables no ORM object of a turn does, or write the turn's own account and
conversation (storage/repos/senders.py, conversations.py); the commit flushes the rest.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ClauseElement
from sqlalchemy.util import greenlet_spawn

from storage.sqlite_inline import InlineConnection

Params = Mapping[str, Any]


@dataclass(frozen=True)
class Outcome:
    rows: list[tuple[Any, ...]]
    rowcount: int

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters, in their order in `sql`
    convert: tuple[Callable[[Any], Any] | None, ...]  # each parameter's type conversion
    defaults: dict[str, Callable[[], Any]]  # Python-side column defaults
    fixed: dict[str, Any]  # the values written into the statement itself, converted
    # Each column's conversion as read (SQLite keeps times as text): a SELECT's or RETURNING's.
    read: tuple[Callable[[Any], Any] | None, ...] = ()
    positional: bool = True  # the driver takes the values in order (sqlite3, asyncpg)
    returns_rows: bool = False  # a SELECT, or RETURNING


class Direct:
    """A Core statement, given every value by name, run as directly as its dialect allows.

    `build(dialect name)` makes the statement, once per dialect; `columns`: for an INSERT, the
    columns given values (the others take their defaults)."""

    def __init__(self, build: Callable[[str], ClauseElement], columns: Sequence[str] = ()) -> None:
        self._build = build
        self._statements: dict[str, ClauseElement] = {}
        self.columns = tuple(columns)
        self._compiled: dict[tuple[str, str], _Compiled] = {}  # by dialect and driver

    def statement(self, dialect: str) -> ClauseElement:
        if (statement := self._statements.get(dialect)) is None:
            statement = self._statements[dialect] = self._build(dialect)
        return statement

    async def run(self, session: AsyncSession, params: Params | Sequence[Params]) -> Outcome:
        """Run once, or once for each set of values (without RETURNING: an executemany)."""
        connection = await _connection(session)
        dialect = session.bind.dialect
        compiled = self._compiled.get((dialect.name, dialect.driver)) or self._compile(dialect)
        if isinstance(connection, InlineConnection):
            return await run_inline(connection, compiled, params)
        if dialect.driver == "asyncpg":
            try:
                return await run_asyncpg(connection, compiled, params, dialect)
            except DBAPIError as failed:
                if failed.connection_invalidated:  # as the session would: the pool lets it go
                    await (await session.connection()).invalidate(failed)
                raise
        if compiled.positional:
            return await run_adapted(connection, compiled, params, dialect.loaded_dbapi.Error)
        # A driver whose parameters go by name (not asyncpg's nor sqlite3's): as any statement.
        with session.sync_session.no_autoflush:
            result = await session.execute(self.statement(dialect.name), params)  # type: ignore[arg-type]
        rows = [tuple(row) for row in result] if result.returns_rows else []
        return Outcome(rows, result.rowcount)

    def _compile(self, dialect: Dialect) -> _Compiled:
        statement = self.statement(dialect.name)
        compiled = statement.compile(dialect=dialect, column_keys=list(self.columns) or None)
        names = tuple(compiled.positiontup or ())
        convert = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in names
        )
        defaults = {
            **{
                column.key: _default_of(column, column.default)
                for column in compiled.insert_prefetch
            },
            **{
                column.key: _default_of(column, column.onupdate)
                for column in compiled.update_prefetch
            },
        }
        fixed = {
            name: _converted(bind.effective_value, processor)
            for name, processor in zip(names, convert, strict=True)
            if not (bind := compiled.binds[name]).required and name not in defaults
        }
        read = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.exported_columns  # a SELECT's, or RETURNING's
        )
        if not any(read):
            read = ()
        positional = compiled.positiontup is not None or not compiled.binds
        returns_rows = bool(compiled.returning) or statement.is_select
        made = _Compiled(
            compiled.string, names, convert, defaults, fixed, read, positional, returns_rows
        )
        self._compiled[dialect.name, dialect.driver] = made
        return made


async def run_inline(
    connection: InlineConnection, compiled: _Compiled, params: Params | Sequence[Params]
) -> Outcome:
    """On SQLite: its own connection, on the loop (a locked database is waited for in a
    thread, as `InlineConnection` does for any statement)."""
    cursor = connection._conn.cursor()
    return await _run(connection._run, cursor, compiled, params, sqlite3.Error)


async def run_asyncpg(
    adapter: Any, compiled: _Compiled, params: Params | Sequence[Params], dialect: Dialect
) -> Outcome:
    """On PostgreSQL: asyncpg's connection under SQLAlchemy's adapter, in the transaction the
    adapter began (or begins now, as its cursor would) and SQLAlchemy commits.

    Through the adapter's cursor a statement cost about twice asyncpg's own round trip (the
    greenlet hop and the cursor); asyncpg keeps the prepared statements itself, with the type
    codecs SQLAlchemy set on the connection, so the values and rows are the adapter's."""
    connection, error = adapter.driver_connection, dialect.loaded_dbapi.Error
    try:
        try:
            if adapter._transaction is None:
                await adapter._start_transaction()
            if not isinstance(params, dict):
                values = [_values(compiled, one) for one in params]
                await connection.executemany(compiled.sql, values)
                return Outcome([], -1)
            if not compiled.returns_rows:
                status = await connection.execute(compiled.sql, *_values(compiled, params))
                return Outcome([], _rowcount(status))
            records = await connection.fetch(compiled.sql, *_values(compiled, params))
        except Exception as failed:
            if isinstance(failed, error):
                raise
            adapter._handle_exception(failed)  # raises it as the adapter's DBAPI error
    except error as failed:
        lost = dialect.is_disconnect(failed, adapter, None)
        raise DBAPIError.instance(
            compiled.sql, None, failed, error, hide_parameters=True, connection_invalidated=lost
        ) from failed
    if compiled.read:
        return Outcome([_read(compiled.read, tuple(row)) for row in records], len(records))
    return Outcome([tuple(row) for row in records], len(records))


async def run_adapted(
    connection: Any, compiled: _Compiled, params: Params | Sequence[Params], error: type
) -> Outcome:
    """Another driver's DBAPI adapter that takes its values in order (aiosqlite's, for a
    SQLite database the inline connection does not open), without the session's machinery."""
    return await _run(greenlet_spawn, connection.cursor(), compiled, params, error)


def _rowcount(status: str) -> int:
    """asyncpg's command status ("UPDATE 1", "INSERT 0 1", "DELETE 3"): its last number."""
    count = status.rpartition(" ")[2]
    return int(count) if count.isdigit() else -1


async def _run(
    call: Callable[..., Awaitable[Any]],
    cursor: Any,
    compiled: _Compiled,
    params: Params | Sequence[Params],
    error: type,
) -> Outcome:
    """`call(method, *args)` runs one of the cursor's methods as its driver needs."""
    try:
        if isinstance(params, dict):  # not the Mapping ABC: its check costs every statement
            await call(cursor.execute, compiled.sql, _values(compiled, params))
            rows = [tuple(row) for row in cursor.fetchall()] if cursor.description else []
            if compiled.read:
                rows = [_read(compiled.read, row) for row in rows]
            return Outcome(rows, cursor.rowcount)
        values = [_values(compiled, one) for one in params]
        await call(cursor.executemany, compiled.sql, values)
        return Outcome([], cursor.rowcount)
    except error as failed:
        # As SQLAlchemy raises it (an IntegrityError is a conflict the engine retries), without
        # the values: they may be personal data, and exceptions are logged.
        raise DBAPIError.instance(
            compiled.sql, None, failed, error, hide_parameters=True
        ) from failed
    finally:
        cursor.close()


def _values(compiled: _Compiled, params: Params) -> list[Any]:
    values = []
    for name, convert in zip(compiled.names, compiled.convert, strict=True):
        if name in params:
            values.append(_converted(params[name], convert))
        elif name in compiled.fixed:
            values.append(compiled.fixed[name])
        else:
            values.append(_converted(compiled.defaults[name](), convert))
    return values


def _read(read: tuple[Callable[[Any], Any] | None, ...], row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(
        value if convert is None else convert(value)
        for value, convert in zip(row, read, strict=True)
    )


def _converted(value: Any, convert: Callable[[Any], Any] | None) -> Any:
    # None is SQL NULL, as the ORM inserts it (a JSON column would otherwise hold 'null').
    return value if convert is None or value is None else convert(value)


def _default_of(column: Any, default: Any) -> Callable[[], Any]:
    if default is None or not (default.is_scalar or default.is_callable):
        raise ValueError(f"{column}: a default computed by the database cannot be run directly")
    if default.is_scalar:
        return lambda: default.arg
    return lambda: default.arg(None)  # SQLAlchemy wraps a no-argument callable to take a context


async def _connection(session: AsyncSession) -> Any:
    """The driver's connection of the session's transaction, begun: SQLite's own, or
    SQLAlchemy's adapter for asyncpg.

    Kept for the transaction only: a statement on the connection outside a transaction begun
    by SQLAlchemy would commit on its own."""
    transaction = session.sync_session.get_transaction()
    kept = session.info.get("driver")
    if kept is not None and transaction is not None and kept[0] is transaction:
        return kept[1]
    connection = await session.connection()  # begins the transaction if it has not yet
    raw = await connection.get_raw_connection()
    found = raw.driver_connection
    if not isinstance(found, InlineConnection):
        found = raw.dbapi_connection
    session.info["driver"] = (session.sync_session.get_transaction(), found)
    return found
