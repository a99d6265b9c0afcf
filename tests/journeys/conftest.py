"""The journeys' fixtures: a transcript snapshot (``screens``), the test process's clock stopped
at the journey's moment, and the real bot process on that same stopped clock.

Journeys run on SQLite only, like the other real-process scenarios (tests/e2e/conftest.py): the
database code runs on both backends in tests/storage and tests/conversation, and a journey costs
a bot process."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import make_url
from syrupy.assertion import SnapshotAssertion

from bot.factory import REMINDERS_PLANNED
from tests.conftest import backend_of
from tests.e2e.support import TOKEN, BotProcess, bot_environment, cli
from tests.factories import STAFF_CSV, TELEGRAM_IDS
from tests.journeys.frozen_bot import DUMP_STACKS
from tests.journeys.screens import ScreensExtension
from tests.journeys.walk import Person, Walk
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


# How long a bot process may take to begin long polling: about 5 s on an idle machine, 35 s seen
# with the machine's two cores shared by several test runs.
START_TIMEOUT = 150.0


@dataclass
class Bot:
    stand_in: BotApiStandIn
    env: dict[str, str]
    folder: Path
    process: BotProcess | None = None

    async def cli(self, *args: str) -> str:
        return await cli(self.env, *args)

    def walk(self, title: str, people: list[Person]) -> Walk:
        """A journey's recording, whose steps end when this bot has nothing left to do."""
        return Walk(self.stand_in, title, people, idle=self.idle, where=self.where)

    async def where(self) -> str:
        """The end of the bot's log after it has written every thread's stack there."""
        assert self.process is not None
        return await where_it_stands(self.process)

    def idle(self) -> bool:
        """Nothing left for the bot to do now: every update it has received handled (the inbox
        empty), nothing due in the outbox or being sent, no report being built. Read from its
        SQLite database (WAL: reading never holds the bot up); what is due later (a reminder's
        day) is not waited for."""
        database = make_url(self.env["DATABASE_URL"]).database
        now = datetime.now(UTC).replace(tzinfo=None)
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)) as db:
            if db.execute("SELECT 1 FROM update_inbox LIMIT 1").fetchone():
                return False
            if db.execute("SELECT 1 FROM report_jobs WHERE status = 'running' LIMIT 1").fetchone():
                return False
            owed = db.execute(
                "SELECT not_before FROM outbox WHERE status = 'sending' OR status = 'pending'"
            ).fetchall()
        return all(due is not None and _naive_utc(due) > now for (due,) in owed)

    async def start(self) -> None:
        """The bot process on the clock ``JOURNEY_NOW`` of ``env``, polling when this returns."""
        log = self.folder / "bot.log"
        logged_before = log.stat().st_size if log.exists() else 0  # a restart appends to it
        self.process = BotProcess(self.env, log)
        await self.process.start()
        await until_polling(self.stand_in, self.process)
        await until_planned(self.process, logged_before)

    async def stop(self) -> None:
        assert self.process is not None
        assert await self.process.stop(), "the bot did not stop by itself on SIGTERM"

    async def restart_at(self, moment: datetime, clock: time_machine.Traveller) -> None:
        """The bot stopped and started again with its clock at ``moment``, and this process's
        (the command line's, the stand-in's) moved there too: a journey's later day, such as the
        one a calibration session sits on. The database and the chats stay."""
        await self.stop()
        clock.move_to(moment)
        self.env = {**self.env, "JOURNEY_NOW": moment.isoformat()}
        await self.start()


def _naive_utc(stored: str) -> datetime:
    """A moment as SQLAlchemy keeps it in SQLite (UTC, with or without the offset)."""
    moment = datetime.fromisoformat(stored)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


async def until_planned(process: BotProcess, logged_before: int) -> None:
    """Wait until the bot's first reminder planning since this start is logged: a step ends when
    nothing is due in the outbox (``Bot.idle``), and before the planner ran at start, what it was
    about to queue (the session-day reminder after ``restart_at``) was not there to wait for, and
    came in some runs inside the step and in others not at all."""
    deadline = asyncio.get_running_loop().time() + START_TIMEOUT
    while REMINDERS_PLANNED.encode() not in process.log.read_bytes()[logged_before:]:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(
                f"the bot did not plan its reminders within {START_TIMEOUT:.0f} s of starting. "
                + await where_it_stands(process)
            )
        await asyncio.sleep(0.05)


async def until_polling(stand_in: BotApiStandIn, process: BotProcess) -> None:
    """Wait until the bot long-polls; if it does not in time, fail with where it stands: every
    thread's stack (frozen_bot.py dumps them on DUMP_STACKS) and the end of its log."""
    try:
        await stand_in.wait_until_polling(timeout=START_TIMEOUT)
    except TimeoutError as error:
        exited = process.process is not None and process.process.returncode is not None
        polls = sum(1 for name, _params in stand_in.requests if name == "getUpdates")
        raise AssertionError(
            f"the bot {'exited' if exited else 'is running but'} did not long-poll within "
            f"{START_TIMEOUT:.0f} s ({polls} getUpdates call(s) seen; {error}). "
            + await where_it_stands(process)
        ) from error


async def where_it_stands(process: BotProcess) -> str:
    """Whether the bot's process is still there (a bot that ends on SIGTERM or SIGKILL logs
    nothing), and the end of its log, after (if it runs) every thread's stack written there."""
    assert process.process is not None
    if process.process.returncode is None:
        process.process.send_signal(DUMP_STACKS)
        await asyncio.sleep(2)
    code = process.process.returncode
    state = (
        "The bot's process is running"
        if code is None
        else f"The bot's process has ended with code {code} (negative: the signal that ended it)"
    )
    log = process.log.read_text("utf-8", errors="replace")[-30_000:]
    return f"{state}. The end of its log (every thread's stack last, if it runs):\n{log}"


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
    """``clock`` (the fixture) has set this process's clock. The stand-in with the staff's
    accounts (Telegram in ``language``) and an HR officer's, the staff list imported (unless
    not), and the bot polling on the same clock."""
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
        try:
            await bot.start()
            yield bot
        finally:
            await bot.stop()
