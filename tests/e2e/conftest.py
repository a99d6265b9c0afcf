"""Which database each real-process scenario runs on. The database code itself runs on both
backends in tests/storage and tests/conversation; a scenario here costs a bot process per
start (forked from one that imported the bot, tests/e2e/support.py), so it runs once, on the
backend it is about:

- the database away, two instances sharing the work, thirty SIGKILLs while people answer:
  PostgreSQL (and Redis), the system of record of a large deployment. `.ci/run` runs them;
  `make test` alone (SQLite) skips them. The kills ran on SQLite in `make test` until they were
  a third of its time (170 s of the two workers' 750 s). What they check, that no update is
  lost or doubled, rests on the inbox and the update log, the same code on both databases;
  tests/conversation/test_one_transaction.py checks its transactions on SQLite too;
- every other scenario (a round, HR's round, a quarter, a 2018 year, broadcasts): SQLite,
  the default deployment.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from tests.conftest import backend_of
from tests.e2e.support import E2E_NOW

_ON_POSTGRESQL = {"test_database_outage", "test_scaleout", "test_kill_chaos"}


def _backend_for(module: str) -> str:
    return "postgresql" if module in _ON_POSTGRESQL else "sqlite"


@pytest.fixture
def database_url(request: pytest.FixtureRequest, database_url: str) -> str:
    wanted = _backend_for(request.module.__name__.rpartition(".")[2])
    if backend_of(database_url) != wanted:
        where = "; .ci/run runs it" if wanted == "postgresql" else ""
        pytest.skip(f"this scenario runs once, on {wanted}{where} (tests/e2e/conftest.py)")
    return database_url


@pytest.fixture(autouse=True)
def e2e_clock() -> Iterator[None]:
    """This process's clock (the command line run in it, the dates a scenario chooses) from
    E2E_NOW on; each bot process starts from this clock's present moment (support.BotProcess)."""
    with time_machine.travel(E2E_NOW, tick=True):
        yield
