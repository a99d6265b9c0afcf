"""SQLite statements run on the event loop's own thread.

aiosqlite runs SQLite in a thread of its own, and SQLAlchemy's adapter makes three or four
trips there a statement (make a cursor, execute, fetch the rows, close the cursor), each
waiting for a busy event loop to come round again and, for the GIL, for the loop's thread to
let go. On SQLite every transaction holds the write lock from its first statement (see
storage/db.py), so an update's few statements kept everyone else waiting through some 25
turns of the loop: 11 ms a transaction for well under a millisecond of SQLite's work
(bench/answering.py). A statement on a local file takes tens of microseconds and a commit in
WAL mode about 0.2 ms with its fsync, so they are simply run where they are asked for: a
transaction's statements then follow one another without giving the loop away, and the lock
is held for as long as the work takes.

The price: a long statement (a report over a large round), or waiting for the lock while a
command-line import in another process holds it (busy_timeout), holds up the loop meanwhile;
on SQLite the other updates would be waiting for that lock anyway (a large organisation runs
on PostgreSQL, README "Running for a large organisation"). Connecting and closing
still go through aiosqlite's thread, which is why the sqlite3 connection is opened with
``check_same_thread=False``; the two threads never use it at once (SQLAlchemy's pool hands
a connection to one user at a time).

Passed to SQLAlchemy as the aiosqlite dialect's DBAPI module (``create_async_engine(...,
module=...)``), so URLs and everything else stay as they are.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT


class InPlaceCursor(AsyncAdapt_aiosqlite_cursor):
    """A statement from start to finish at once: execute, then keep the description, the
    rows, the row count and the last row id; the sqlite3 cursor is closed straight away."""

    __slots__ = ("_description", "_lastrowid", "_rowcount", "arraysize")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount, self.arraysize = -1, 1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    async def _async_soft_close(self) -> None:
        return None  # nothing left open

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> None:
        self._run(operation, seq_of_parameters, many=True)

    def _run(self, operation: str, parameters: Any, *, many: bool) -> None:
        cursor = sqlite3_of(self._adapt_connection).cursor()
        try:
            if many:
                cursor.executemany(operation, parameters)
            elif parameters is None:
                cursor.execute(operation)
            else:
                cursor.execute(operation, parameters)
            self._description = cursor.description
            self._rows = collections.deque(cursor.fetchall() if self._description else ())
            self._rowcount, self._lastrowid = cursor.rowcount, cursor.lastrowid
        finally:
            cursor.close()


class InPlaceConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = InPlaceCursor  # type: ignore[assignment]  # a subclass of the one declared

    def commit(self) -> None:
        # In place too, though a commit waits for the disk (the WAL's fsync, about 0.2 ms here):
        # in aiosqlite's thread the loop would go on with other updates meanwhile, but the
        # connection, the pool's only one, and SQLite's lock would stay taken until the loop came
        # back to this update, and every update needing the database waits for them
        # (bench/answering.py: 0.43 that way, 0.63 in place).
        try:
            sqlite3_of(self).commit()
        except Exception as error:
            self._handle_exception(error)

    def rollback(self) -> None:
        try:
            sqlite3_of(self).rollback()
        except Exception as error:
            self._handle_exception(error)


def sqlite3_of(adapted: AsyncAdapt_dbapi_connection) -> sqlite3.Connection:
    """The sqlite3 connection inside aiosqlite's (its ``_conn`` raises once it is closed,
    which SQLAlchemy recognises as a closed connection)."""
    connection: aiosqlite.Connection = adapted._connection  # type: ignore[assignment]
    return connection._conn


class InPlaceDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> InPlaceConnection:
        kw["check_same_thread"] = False  # SQLAlchemy asks for it already; we depend on it
        adapted = super().connect(*arg, **kw)
        return InPlaceConnection(self, adapted._connection)


def in_place_dbapi() -> InPlaceDBAPI:
    return InPlaceDBAPI(aiosqlite, sqlite3)
