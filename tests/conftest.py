"""Shared fixtures. Every database test runs on SQLite, and on PostgreSQL too when
TEST_DATABASE_URL points at a server (`.ci/run` sets it); each PostgreSQL run works in a
database of its own, created for the test session and dropped after it."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.domain.methodology import Profile, load_profile
from storage.db import create_engine, create_sessionmaker, normalise_url
from storage.models import Base

PG_URL = os.environ.get("TEST_DATABASE_URL")
# The tests' own secret sealing answers (storage/ballots.py), in the environment so that the
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


@pytest.fixture(params=BACKENDS)
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str | None) -> str:
    """A database with nothing in it (for migration and end-to-end tests)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'bagalau.db'}"
    if postgres_url is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    await _reset_postgres(postgres_url)
    return postgres_url


@pytest.fixture
async def engine(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a database holding the current schema."""
    engine = create_engine(empty_database_url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
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
