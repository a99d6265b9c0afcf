"""Which database each real-process scenario runs on. The database code itself runs on both
backends in tests/storage and tests/conversation; a scenario here costs a bot process (and
its imports) per start, so it runs once, on the backend it is about:

- the database away, two instances sharing the work: PostgreSQL (and Redis), nothing else;
- thirty SIGKILLs while people answer: PostgreSQL, the system of record of a large
  deployment, when TEST_DATABASE_URL is set; otherwise SQLite, so that `make test` alone
  still runs it;
- every other scenario (a round, HR's round, a quarter, a 2018 year, broadcasts): SQLite,
  the default deployment.
"""

from __future__ import annotations

import pytest

from tests.conftest import PG_URL, backend_of

_ON_POSTGRESQL = {"test_database_outage", "test_scaleout"}
_ON_POSTGRESQL_WHEN_THERE = {"test_kill_chaos"}


def _backend_for(module: str) -> str:
    if module in _ON_POSTGRESQL or (module in _ON_POSTGRESQL_WHEN_THERE and PG_URL is not None):
        return "postgresql"
    return "sqlite"


@pytest.fixture
def database_url(request: pytest.FixtureRequest, database_url: str) -> str:
    wanted = _backend_for(request.module.__name__.rpartition(".")[2])
    if backend_of(database_url) != wanted:
        pytest.skip(f"this scenario runs once, on {wanted} (tests/e2e/conftest.py)")
    return database_url
