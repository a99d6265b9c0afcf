"""Engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.sqlite_driver import in_place_dbapi, sqlite3_of

ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


def normalise_url(raw: str) -> URL:
    """Accept plain ``sqlite:///`` and ``postgresql://`` URLs and pick the async driver."""
    url = make_url(raw)
    if url.drivername in ASYNC_DRIVERS:
        url = url.set(drivername=ASYNC_DRIVERS[url.drivername])
    return url


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def create_engine(raw_url: str, **kwargs: Any) -> AsyncEngine:
    url = normalise_url(raw_url)
    if is_sqlite(url):
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # One writer at a time; wait for the lock instead of failing at once.
        kwargs.setdefault("connect_args", {"timeout": 30})
        kwargs.setdefault("module", in_place_dbapi())
        if url.database and url.database != ":memory:":
            # Every transaction takes the write lock (below), so a second connection of this
            # process could only wait for it, in SQLite's busy handler, which sleeps and polls
            # (up to 100 ms a turn). Waiting for the pool's one connection is an asyncio wait
            # instead, woken the moment it is free; other processes (the command line) still
            # meet the busy timeout.
            kwargs.setdefault("pool_size", 1)
            kwargs.setdefault("max_overflow", 0)
    else:
        # No ping before each use (a round trip on every update): a connection found dead fails
        # its update ("temporarily unavailable", nothing half-stored) and makes the pool drop
        # every connection older than it, so the next one connects afresh. The outbox poller
        # uses the connections in turn every few seconds, so it is the one that usually finds
        # them dead after a restart (tests/e2e/test_database_outage.py).
        # Kept open for as many updates as are usually handled at once: a connection opened
        # beyond the pool is closed when returned, and asyncpg's prepared statements with it,
        # so under load every update paid for a new connection (bench/answering.py).
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 20)
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock when a transaction begins, not at its first write: two
    updates handled at once then queue up (busy_timeout) instead of one of them failing
    on a stale snapshot. SQLAlchemy's documented recipe for pysqlite/aiosqlite, with the
    statement given to sqlite3 itself: through SQLAlchemy's execution it cost more than the
    answer's statements that follow it (storage/fixed.py). A failure (the lock not had within
    the busy timeout) is raised as SQLAlchemy would raise it, which the bot's replies know."""
    try:
        sqlite3_of(connection.connection.dbapi_connection).execute("BEGIN IMMEDIATE")
    except sqlite3.Error as error:
        raise DBAPIError.instance("BEGIN IMMEDIATE", None, error, sqlite3.Error) from error


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, emit BEGIN (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
