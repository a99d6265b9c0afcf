"""Shared fixtures. Every database test runs on SQLite, and on PostgreSQL too when
TEST_DATABASE_URL points at a server (`.ci/run` sets it); each PostgreSQL run works in a
database of its own, created for the test session and dropped after it."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.kernel.methodology import Profile, load_profile
from storage.db import create_engine, create_sessionmaker, normalise_url
from storage.models import Base

PG_URL = os.environ.get("TEST_DATABASE_URL")
# The tests' own secret sealing answers (storage/survey360/ballots.py), in the environment so that the
# settings the tests build and the bots they start as processes find it too.
TEST_BALLOT_SECRET = "tests-only-ballot-secret-0123456789abcdef"
os.environ.setdefault("BALLOT_SECRET", TEST_BALLOT_SECRET)
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


async def _admin(sql: str) -> None:
    assert PG_URL is not None
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    if PG_URL is None:
        yield None
        return
    name = f"bagalau_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = normalise_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


# Whether this process's PostgreSQL database holds exactly the current schema (create_all), so
# that the next test needs only its rows emptied. A test that asks for an empty database
# (migrations, end-to-end runs) drops the schema, and the next `engine` creates it again.
# Each xdist worker is a process of its own with a database of its own (``postgres_url``).
_postgres_schema_current = False


async def _schema_on_postgres(url: str) -> None:
    global _postgres_schema_current
    if _postgres_schema_current:
        # Emptying the tables is a fraction of the time of dropping and creating them again;
        # RESTART IDENTITY makes ids start from 1 as in a fresh database.
        tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        finally:
            await engine.dispose()
        return
    await _reset_postgres(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
    finally:
        await engine.dispose()
    _postgres_schema_current = True


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file holding the current schema, made once per process: a test copies it
    instead of creating sixty-odd tables again."""
    path = tmp_path_factory.mktemp("template") / "schema.db"

    async def create() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        try:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
        finally:
            await engine.dispose()

    asyncio.run(create())
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str | None) -> str:
    """The test's database, as it is: a file of its own on SQLite, this process's database on
    PostgreSQL. Ask for ``empty_database_url`` or ``engine`` to have it in a known state."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'bagalau.db'}"
    if postgres_url is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    return postgres_url


@pytest.fixture
async def empty_database_url(database_url: str) -> str:
    """A database with nothing in it (for migration and end-to-end tests)."""
    global _postgres_schema_current
    if backend_of(database_url) == "postgresql":
        _postgres_schema_current = False
        await _reset_postgres(database_url)
    return database_url


@pytest.fixture
async def engine(database_url: str, sqlite_template: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on a database holding the current schema and no rows."""
    if backend_of(database_url) == "postgresql":
        await _schema_on_postgres(database_url)
    else:
        database = make_url(database_url).database
        assert database is not None
        shutil.copyfile(sqlite_template, database)
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with create_sessionmaker(engine, ballot_secret=TEST_BALLOT_SECRET)() as session, session.begin():
        yield session


@pytest.fixture(scope="session")
def profile() -> Profile:
    return load_profile("kz-2023")


@pytest.fixture
def today() -> date:
    return date(2025, 12, 1)


def backend_of(url: str) -> str:
    return make_url(url).get_backend_name()


# Tests that flush the Redis database at TEST_REDIS_URL (test_faults.py, to wipe the
# conversation state) take turns: under xdist another worker's flush would pull the
# ground from under them. A lock file per Redis URL, held from a test's set-up to its
# teardown, is the turn (xdist's own `xdist_group` does not take under this pytest).
_FLUSH_REDIS = {"tests/conversation/test_faults.py", "tests/e2e/test_scaleout.py"}


def _flushes_redis(item: pytest.Item) -> bool:
    return item.path.relative_to(item.config.rootpath).as_posix() in _FLUSH_REDIS and (
        "redis" in getattr(item, "fixturenames", ()) or item.path.name == "test_scaleout.py"
    )


def _lock_file(name: str) -> Path:
    return (
        Path(tempfile.gettempdir()) / f"bagalau-tests-{hashlib.sha256(name.encode()).hexdigest()[:16]}.lock"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    with contextlib.ExitStack() as turns:
        redis_url = os.environ.get("TEST_REDIS_URL")
        if redis_url is not None and _flushes_redis(item):
            turns.enter_context(_turn(_lock_file(f"redis {redis_url}"), fcntl.LOCK_EX))
        if item.get_closest_marker("e2e") is not None:
            # Real bot processes: the two-instance scenario waits for its instances' health
            # within seconds, so it runs while no other worker runs a real process (they may
            # run side by side with each other and with in-process tests).
            exclusive = item.path.name == "test_scaleout.py"
            lock = _lock_file(f"e2e {item.config.rootpath}")
            turns.enter_context(_turn(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH))
        return (yield)


@contextlib.contextmanager
def _turn(path: Path, mode: int) -> Iterator[None]:
    with path.open("a") as lock:
        fcntl.flock(lock, mode)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
