"""The few statements run on every answer, run straight on the database driver.

SQLAlchemy executing a statement from its cache costs about 100 µs of Python on this
machine's cores (an execution context, a result object, a greenlet switch, events), while
SQLite runs the answer path's statements in about 10 µs and asyncpg sends one in about as
much Python work: the statements of an answer were a quarter of the bot's time, most of it
SQLAlchemy's own (bench/answering.py). So a ``FixedStatement`` is compiled by SQLAlchemy once
per database (SQL text, the order of its parameters, their types' conversions both ways) and
then run on the session's own connection, inside the session's transaction, by the driver.

It stays SQLAlchemy's transaction: the session's connection is taken first, which begins it
(BEGIN IMMEDIATE on SQLite, storage/db.py), and on PostgreSQL the transaction SQLAlchemy's
asyncpg adapter would begin before its first statement is begun the same way. Commit and
rollback are the session's as before. When the driver raises, the statement is run again
through SQLAlchemy, which then meets the same fault and handles it as everywhere else (its
exception types, which the bot's "temporarily unavailable" reply tells apart, and dropping
connections found dead): a failed statement changed nothing, so running it again is safe.

Only statements whose values are all bound parameters or the database's own defaults qualify:
SQLAlchemy computes Python-side column defaults in its execution context, which this path
skips, so a statement that needs one is refused when it is first compiled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import Executable

from storage.sqlite_driver import sqlite3_of

log = logging.getLogger(__name__)

Converter = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positions: tuple[tuple[str, Converter], ...]  # the parameters in the SQL's order, each with
    # its conversion for the driver where its type has one
    compiled: Any  # SQLAlchemy's compiled statement, for the values bound in the statement itself
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # the columns whose driver values are converted

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        values = self.compiled.construct_params(parameters)
        return [
            values[name] if convert is None else convert(values[name]) for name, convert in self.positions
        ]

    def rows(self, raw_rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        if not self.results:
            return [tuple(row) for row in raw_rows]
        converted = []
        for row in raw_rows:
            values = list(row)
            for column, convert in self.results:
                values[column] = convert(values[column])
            converted.append(tuple(values))
        return converted


class FixedStatement:
    """A statement with bound parameters, run by the database's driver (see the module)."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    async def rows(self, session: AsyncSession, parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The statement's rows (none for a statement that returns none), as plain tuples."""
        connection = await _connection_of(session)
        sync_connection = connection.sync_connection
        assert sync_connection is not None  # a session's connection is always started
        dialect = sync_connection.dialect
        compiled = self._by_dialect.get(dialect.name) or self._compile(dialect)
        adapted = sync_connection.connection.dbapi_connection  # SQLAlchemy's adapter of the driver
        try:
            arguments = compiled.arguments(parameters)
            if dialect.name == "sqlite":
                raw_rows = sqlite3_of(adapted).execute(compiled.sql, arguments).fetchall()  # type: ignore[arg-type]
            else:
                # SQLAlchemy's adapter begins asyncpg's transaction before its first statement.
                if adapted._transaction is None:  # type: ignore[union-attr]
                    await adapted._start_transaction()  # type: ignore[union-attr]
                raw_rows = await adapted._connection.fetch(compiled.sql, *arguments)  # type: ignore[union-attr]
        except Exception as error:
            # The driver's own error is kept as the context of what SQLAlchemy raises; on
            # PostgreSQL that is "the transaction is aborted" for a fault that is not the
            # connection's, so the driver's error is named here too (its type: no values).
            log.warning(
                "statement failed in the driver (%s); running it through SQLAlchemy", type(error).__name__
            )
            result = await connection.execute(self.statement, dict(parameters))
            return [tuple(row) for row in result.all()] if result.returns_rows else []
        return compiled.rows(raw_rows)

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled: Any = cast(Any, self.statement).compile(dialect=dialect)
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError("a FixedStatement cannot compute Python-side column defaults")
        columns = getattr(self.statement, "exported_columns", ())
        binds = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        results = (column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
        self._by_dialect[dialect.name] = built = _Compiled(
            sql=compiled.string,
            positions=tuple((name, binds[name]) for name in compiled.positiontup or ()),
            compiled=compiled,
            results=tuple((column, convert) for column, convert in enumerate(results) if convert is not None),
        )
        return built


_TAKEN = "fixed_statements_connection"


async def _connection_of(session: AsyncSession) -> AsyncConnection:
    """The session's connection in its current transaction. Asking the session for it is a
    trip into SQLAlchemy's greenlet each time; within one transaction it is the same
    connection, so it is asked for once a transaction and kept with it. The innermost
    transaction counts: asking the session is also what emits the SAVEPOINT that
    ``begin_nested`` has only promised, so within a savepoint begun since, it is asked anew."""
    sync = session.sync_session
    root, savepoint = sync.get_transaction(), sync.get_nested_transaction()
    taken = session.info.get(_TAKEN)
    if root is not None and taken is not None and taken[0] is root and taken[1] is savepoint:
        return cast(AsyncConnection, taken[2])
    connection = await session.connection()
    session.info[_TAKEN] = (sync.get_transaction(), sync.get_nested_transaction(), connection)
    return connection
