"""PostgreSQL away for 30 seconds in the middle of a round, as a restart or a network fault
makes it: the bot reaches the database through a TCP proxy the test cuts (every connection
dropped, new ones refused) and restores. Meanwhile presses are answered "temporarily
unavailable" and change nothing; the bot does not crash; once the database is back the
respondent carries on from the first unanswered statement and nothing is lost."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from storage.db import create_engine
from storage.models import DraftAnswer
from tests.e2e.support import (
    TOKEN,
    BotProcess,
    Respondents,
    add_staff_users,
    assignments_of,
    bot_environment,
    callbacks,
    cli,
    expected_means,
    exported_means,
    join_with_invites,
    start_360_round,
    statement_on_screen,
)
from tests.factories import STAFF_CSV, TELEGRAM_IDS
from tests.stand_in import BotApiStandIn

pytestmark = pytest.mark.e2e

OUTAGE = 30.0  # seconds
UNAVAILABLE = "Сервис временно недоступен"  # U2 speaks Russian


class TcpProxy:
    """Forwards a local port to the database; ``cut`` drops every connection and refuses new
    ones until ``restore``."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.server: asyncio.Server | None = None
        self.port = 0
        self.pipes: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        tasks = {
            asyncio.create_task(pipe(reader, upstream_writer)),
            asyncio.create_task(pipe(upstream_reader, writer)),
        }
        self.pipes |= tasks
        await asyncio.gather(*tasks, return_exceptions=True)
        self.pipes -= tasks

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()
        for task in list(self.pipes):
            task.cancel()
        await asyncio.gather(*self.pipes, return_exceptions=True)

    async def restore(self) -> None:
        await self.start()  # the same port again


async def _drafts(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(select(func.count()).select_from(DraftAnswer)) or 0)
    finally:
        await engine.dispose()


async def test_the_database_away_for_30_seconds_loses_nothing(
    empty_database_url: str, tmp_path: Path
) -> None:
    if empty_database_url.startswith("sqlite"):
        pytest.skip("an outage of the database server: PostgreSQL")
    url = make_url(empty_database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    async with BotApiStandIn(token=TOKEN, bot_username="bagalau_test_bot") as stand_in:
        add_staff_users(stand_in)
        direct = bot_environment(empty_database_url, stand_in)
        staff = tmp_path / "staff.csv"
        staff.write_text(STAFF_CSV, encoding="utf-8")
        await cli(direct, "import-staff", str(staff))
        bot = BotProcess(bot_environment(through_proxy, stand_in), tmp_path / "bot.log")
        await bot.start()
        try:
            await stand_in.wait_until_polling(timeout=30)
            await join_with_invites(stand_in, direct, tmp_path)
            campaign_id = await start_360_round(direct, ["U1", "E1", "E2", "E3"])
            respondents = Respondents(stand_in, await assignments_of(empty_database_url))
            opened = await respondents.open_first_task("U2")
            assert opened is not None
            _, message_id = opened
            await respondents.answer("U2", message_id, stop_after=5)
            stored = await _drafts(empty_database_url)

            await proxy.cut()
            chat = TELEGRAM_IDS["U2"]
            screen = stand_in.message(chat, message_id)
            assert statement_on_screen(screen) == 6
            press = next(d for d in callbacks(screen) if d.startswith("a:"))
            query = stand_in.press(chat, message_id, press)
            await stand_in.wait_for(lambda: query in stand_in.callback_answers, timeout=OUTAGE)
            assert UNAVAILABLE in (stand_in.callback_answers[query].get("text") or "")
            stand_in.send_text(chat, "/start")
            await stand_in.wait_for_message(chat, contains=UNAVAILABLE, timeout=OUTAGE)
            await asyncio.sleep(OUTAGE - 5)
            assert bot.process is not None and bot.process.returncode is None  # still running
            await proxy.restore()

            # Back: the press during the outage changed nothing; U2 goes on from statement 6.
            assert await _drafts(empty_database_url) == stored
            await asyncio.sleep(1)
            await respondents.answer("U2", message_id)
            await respondents.submit("U2", message_id)
            for person in ("D1", "U1", "U2", "E1", "E2", "E3"):
                await respondents.answer_everything(person)
        finally:
            await bot.stop()
            await proxy.cut()
    # Submitted answers are sealed ballots until the round closes (docs/security.md): close it,
    # then every answer given through the outage must be counted once.
    await cli(direct, "campaign-close", campaign_id)
    assert await exported_means(direct, campaign_id) == expected_means(respondents.answers)
    # The outage is in the log, not all over it: each failure once, then counted (bot/infra/logs.py).
    # Before, the outbox alone wrote 250 tracebacks in these 30 seconds.
    log = (tmp_path / "bot.log").read_text(encoding="utf-8")
    failures = _failures_with_traceback(log)
    # Which parts of the bot meet the outage depends on timing (a delivery under way, a progress
    # display, the planner): each of them once, never the same failure twice.
    assert 1 <= len(failures) <= 12, failures
    assert len(set(failures)) == len(failures), failures
    assert "could not claim rows; trying again at the next run [repeated " in log  # at exit, if not before


_NOT_AN_EXCEPTION = ("Traceback", "During handling", "The above exception")


def _failures_with_traceback(log: str) -> list[str]:
    """Each traceback's record (level, logger and message, without the time) and exception
    type: what bot/infra/logs.py lets through once per interval."""
    lines = log.splitlines()
    failures = []
    for number, line in enumerate(lines):
        if not line.startswith("Traceback") or number == 0 or lines[number - 1].count(" ") < 2:
            continue
        record = lines[number - 1].split(" ", 2)[2]
        block = []  # up to the next record, which starts with its date
        for later in lines[number + 1 :]:
            if later[:4].isdigit():
                break
            block.append(later)
        # The exception the record was logged with is the last one said (chained ones come first).
        said = [b for b in block if b and not b[0].isspace() and not b.startswith(_NOT_AN_EXCEPTION)]
        failures.append(f"{record} ({said[-1].split(':')[0] if said else ''})")
    return failures
