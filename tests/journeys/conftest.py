"""The journeys' fixtures: a transcript snapshot (``screens``), the test process's clock stopped
at the journey's moment, and the real bot process on that same stopped clock.

Journeys run on SQLite only, like the other real-process scenarios (tests/e2e/conftest.py): the
database code runs on both backends in tests/storage and tests/conversation, and a journey costs
a bot process."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from syrupy.assertion import SnapshotAssertion

from tests.conftest import backend_of
from tests.e2e.support import TOKEN, BotProcess, bot_environment, cli
from tests.factories import STAFF_CSV, TELEGRAM_IDS
from tests.journeys.screens import ScreensExtension
from tests.stand_in import BotApiStandIn

# Monday 1 December 2025, 11:00 in Astana: the conversation tests' moment (tests/conversation/
# conftest.py). A 360 round for 2025 is open (clause 4: by 10 January), Q4 runs, days are working.
JOURNEY_NOW = datetime(2025, 12, 1, 6, 0, tzinfo=UTC)
HR = 5001


@pytest.fixture
def database_url(database_url: str) -> str:
    if backend_of(database_url) != "sqlite":
        pytest.skip("journeys run once, on SQLite (tests/journeys/conftest.py)")
    return database_url


@pytest.fixture
def screens(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(ScreensExtension)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """This process's clock (the command line run in it, the stand-in) from JOURNEY_NOW on."""
    with time_machine.travel(JOURNEY_NOW, tick=True) as traveller:
        yield traveller


def staff_csv(language: str, staff: str = STAFF_CSV) -> str:
    """A staff list with everyone's language ``language``: a journey is in one language."""
    lines = staff.strip().splitlines()
    rows = [",".join([*line.split(",")[:7], language, *line.split(",")[8:]]) for line in lines[1:]]
    return "\n".join([lines[0], *rows]) + "\n"


@dataclass
class Bot:
    stand_in: BotApiStandIn
    env: dict[str, str]
    folder: Path

    async def cli(self, *args: str) -> str:
        return await cli(self.env, *args)


@contextlib.asynccontextmanager
async def running_bot(
    database_url: str,
    folder: Path,
    language: str,
    clock: time_machine.Traveller,
    *,
    import_staff: bool = True,
    staff: str = STAFF_CSV,
    **env: str,
) -> AsyncIterator[Bot]:
    """``clock`` (the fixture) has set this process's clock. The stand-in with the staff's accounts (Telegram in ``language``) and an HR officer's,
    the staff list imported (unless not), and the bot polling on the stopped clock."""
    async with BotApiStandIn(token=TOKEN, bot_username="bagalau_test_bot") as stand_in:
        for person, telegram_id in TELEGRAM_IDS.items():
            stand_in.add_user(telegram_id, first_name=person, language_code=language)
        stand_in.add_user(HR, first_name="Gulnar", language_code=language)
        environment = bot_environment(
            database_url,
            stand_in,
            JOURNEY_NOW=JOURNEY_NOW.isoformat(),
            HR_ADMIN_IDS=str(HR),
            **env,
        )
        bot = Bot(stand_in, environment, folder)
        if import_staff:
            staff_file = folder / "staff.csv"
            staff_file.write_text(staff_csv(language, staff), encoding="utf-8")
            await bot.cli("import-staff", str(staff_file))
        process = BotProcess(environment, folder / "bot.log", module="tests.journeys.frozen_bot")
        await process.start()
        try:
            await stand_in.wait_until_polling(timeout=240)
            yield bot
        finally:
            assert await process.stop(), "the bot did not stop by itself on SIGTERM"
