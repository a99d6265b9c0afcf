"""Engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.survey360.answer_view import CREATE_ANSWER_GIVEN
from storage.survey360.ballots import SESSION_KEY, BallotKeys

log = logging.getLogger(__name__)

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


def create_engine(raw_url: str, *, migrating: bool = False, **kwargs: Any) -> AsyncEngine:
    """``migrating``: for the migrations, whose connections lack the answer path's temporary
    view (storage/survey360/answer_view.py): SQLite checks every trigger, the temporary ones
    too, when a migration renames a table, and the view's would fail while the tables it
    writes are being rebuilt."""
    url = normalise_url(raw_url)
    if is_sqlite(url):
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # One writer at a time; wait for the lock instead of failing at once.
        # aiosqlite runs it in its own thread, so waiting for a lock another process holds
        # (a command-line import) never holds up the event loop.
        kwargs.setdefault("connect_args", {"timeout": 30})
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
        if not migrating:
            event.listen(engine.sync_engine, "connect", _sqlite_answer_view)
    return engine


# Execution options of the session's connection (see ``redoable`` and ``writes_first``), and the
# key under which a SQLite connection's ``info`` remembers its present ``synchronous`` setting.
REDOABLE = "bagalau_redoable"
WRITES_FIRST = "bagalau_writes_first"
_SYNCHRONOUS = "bagalau_synchronous"


async def redoable(session: AsyncSession, *, writes_first: bool = False) -> None:
    """Declare the session's transaction, before its first statement, one that can be done
    again from a record already on disk: the handling of an update from the inbox, whose row
    was committed durably before Telegram was told it arrived (bot/infra/inbox.py) and is
    deleted by this very transaction. On SQLite its commit then does not wait for the disk
    (``synchronous=NORMAL`` in WAL mode): it survives the bot's process being killed like any
    other commit; after a power loss or a crash of the machine it may be rolled back, with
    every later one, and the update's row is back in the inbox to be handled again. The next
    durable commit (the inbox's next store) writes it to disk with all those before it. An
    fsync was most of the time the pool's one connection was held for an answer
    (docs/benchmarks.md). Other databases: no effect.

    ``writes_first``: see the function of that name."""
    await session.connection(execution_options={REDOABLE: True, WRITES_FIRST: writes_first})


async def writes_first(session: AsyncSession) -> None:
    """Declare, before its first statement, that the session's transaction begins with a
    write (the inbox's store, the handling of an update, which begins by taking it out of the
    inbox). On SQLite no ``BEGIN IMMEDIATE`` of its own is sent then: Python's sqlite3 begins
    the transaction itself right before that first write, in the same call, and a transaction
    whose first statement writes takes the write lock there, as ``BEGIN IMMEDIATE`` would. A
    statement is three trips to aiosqlite's thread, each a wait for the busy event loop while
    the pool's one connection is held (docs/benchmarks.md). A transaction declared so that
    reads first would run that read outside it. Other databases: no effect."""
    await session.connection(execution_options={WRITES_FIRST: True})


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock when a transaction begins, not at its first write: two
    updates handled at once then queue up (busy_timeout) instead of one of them failing
    on a stale snapshot. SQLAlchemy's documented recipe for pysqlite/aiosqlite. A transaction
    that begins with a write (``writes_first``) is begun by the driver with that write.

    Before it, the connection's ``synchronous`` is set to what the transaction needs (see
    ``redoable``) when it is not that already: runs of transactions of one kind pay nothing."""
    options = connection.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return  # no transaction wanted (a checkpoint)
    synchronous = "NORMAL" if options.get(REDOABLE) else "FULL"
    if connection.info.get(_SYNCHRONOUS, "FULL") != synchronous:
        connection.exec_driver_sql(f"PRAGMA synchronous={synchronous}")
        connection.info[_SYNCHRONOUS] = synchronous
    if not options.get(WRITES_FIRST):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 (in its legacy transaction control, "DEFERRED" here) begins a transaction
    # before a write when none is open: only a transaction declared ``writes_first`` has none
    # open then; every other one is begun by _sqlite_begin_immediate. A deferred transaction
    # whose first statement writes takes the write lock with it.
    dbapi_connection.isolation_level = "DEFERRED"
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Every commit waits for the disk unless its transaction is ``redoable``.
    cursor.execute("PRAGMA synchronous=FULL")
    # Deleted rows (ballots once counted, drafts once submitted) are overwritten with zeros
    # in the file, not left in free pages (docs/security.md).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_answer_view(dbapi_connection: Any, _record: Any) -> None:
    # The answer path's one statement for the draft and the cursor (storage/survey360/answer_view.py).
    cursor = dbapi_connection.cursor()
    for statement in CREATE_ANSWER_GIVEN:
        cursor.execute(statement)
    cursor.close()


def create_sessionmaker(
    engine: AsyncEngine, *, ballot_secret: str | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions on ``engine``; with ``ballot_secret`` they can seal and open answers
    (storage/survey360/ballots.py), without it answering raises MissingBallotSecretError."""
    info = {SESSION_KEY: BallotKeys(ballot_secret)} if ballot_secret is not None else {}
    return async_sessionmaker(engine, expire_on_commit=False, info=info)


_CHECKPOINTS: set[asyncio.Task[None]] = set()  # running ones, kept from the garbage collector


def checkpoint_after_commit(session: AsyncSession) -> None:
    """On SQLite, once the session's transaction commits, copy the write-ahead log into the
    database file and truncate it: the log otherwise keeps page images of every commit since
    the last checkpoint (each ballot as it was added). A checkpoint cannot run inside a
    transaction, and the pool's one connection is the session's until it is released, so it
    runs in a task of its own right after. A process that ends first (the command line) closes
    its last connection, which checkpoints and removes the log anyway."""
    engine = session.bind
    if not isinstance(engine, AsyncEngine) or not is_sqlite(engine.url):
        return

    def committed(_session: Any) -> None:
        task = asyncio.get_running_loop().create_task(checkpoint(engine))
        _CHECKPOINTS.add(task)
        task.add_done_callback(_CHECKPOINTS.discard)

    event.listen(session.sync_session, "after_commit", committed, once=True)


async def checkpoints_done() -> None:
    """Wait for the checkpoints under way: before disposing of the engine at a process's end
    (the command line), so that none is cut off halfway."""
    if _CHECKPOINTS:
        await asyncio.gather(*_CHECKPOINTS, return_exceptions=True)


async def checkpoint(engine: AsyncEngine) -> None:
    """``PRAGMA wal_checkpoint(TRUNCATE)`` outside any transaction (SQLite only)."""
    if not is_sqlite(engine.url):
        return
    try:
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except Exception:  # the next checkpoint, or closing the database, does it
        log.warning("the write-ahead log could not be checkpointed now", exc_info=True)
