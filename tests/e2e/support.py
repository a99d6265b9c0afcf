"""What the end-to-end tests share: the bot as a real process, the command line, and
scripted respondents answering through the Bot API stand-in."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import multiprocessing
import os
import signal
import socket
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from multiprocessing.process import BaseProcess
from pathlib import Path
from unittest import mock

from sqlalchemy import select

from bot.cli import main as cli_main
from bot.infra.callbacks import Action, AnswerCb, NavCb, TasksCb
from bot.kernel.methodology import load_profile, suggested_deadline_360
from storage.db import create_engine
from storage.models import Assignment, CampaignSubject, Employee
from tests.factories import TELEGRAM_IDS
from tests.journeys import frozen_bot
from tests.stand_in import BotApiStandIn, SentMessage

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST"
# The moment every scenario here happens at, whatever the day the suite runs: the test's process
# travels to it (tests/e2e/conftest.py) and its clock goes on from there; each bot process it
# starts begins at the test's own present moment (``BotProcess``), so the two agree, restarts
# included. Dates a scenario chooses (a deadline, a sitting, the quarter) come from it. A
# Tuesday, 09:00 in Almaty.
E2E_NOW = datetime(2026, 10, 6, 4, 0, tzinfo=UTC)
E2E_TODAY = E2E_NOW.date()
LANGUAGES = {"D1": "kk", "U1": "kk", "U2": "ru", "E1": "kk", "E2": "en", "E3": "kk", "E4": "ru", "E5": "kk"}


def free_port() -> int:
    """A TCP port nobody listens on now, for a bot instance's webhook server."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_environment(database_url: str, stand_in: BotApiStandIn, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": database_url,
        "TELEGRAM_API_URL": stand_in.base_url,
        "OUTBOX_POLL_SECONDS": "0.2",
        "DEFAULT_LOCALE": "kk",
        "LOG_LEVEL": "INFO",
        **extra,
    }


def add_staff_users(stand_in: BotApiStandIn) -> None:
    for person, telegram_id in TELEGRAM_IDS.items():
        stand_in.add_user(telegram_id, first_name=person, language_code=LANGUAGES[person])


def scripted_score(respondent: str, subject: str, statement: int) -> int:
    """What each respondent answers: varied, deterministic, easy to recompute."""
    return (ord(respondent[-1]) * 3 + ord(subject[-1]) * 2 + len(respondent) + statement * 7) % 5 + 1


def expected_means(answers: dict[tuple[str, str], dict[int, int]]) -> dict[tuple[str, int], tuple[str, int]]:
    """By hand: per subject and competency (statements 3c-2..3c), the sum of the colleagues'
    scores over the number of their answers, half up to two decimals; self excluded."""
    sums: dict[tuple[str, int], list[int]] = defaultdict(list)
    respondents: dict[str, int] = defaultdict(int)
    for (respondent, subject), scores in answers.items():
        if respondent == subject:
            continue
        respondents[subject] += 1
        for statement, score in scores.items():
            sums[(subject, (statement - 1) // 3 + 1)].append(score)
    return {
        key: (
            str((Decimal(sum(v)) / len(v)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)),
            respondents[key[0]],
        )
        for key, v in sums.items()
    }


# Bot processes are forked from a server that imported the bot once per test process
# (multiprocessing's forkserver), not started as new interpreters: with aiogram 3.31's 442
# types, a new interpreter spent 8 to 10 s of CPU importing the bot before it polled, once per
# start, and the thirty kills alone start 31 bots per mode (docs/testing.md). The server
# imports what ``python -m tests.journeys.frozen_bot run`` imports before it polls; nothing in
# those modules reads the environment or the clock at import.
_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(["tests.journeys.frozen_bot", "bot.factory"])


class ForkedBot:
    """A running bot process, with what the scenarios ask of ``asyncio.subprocess.Process``."""

    def __init__(self, process: BaseProcess) -> None:
        self._process = process

    @classmethod
    def start(cls, env: dict[str, str], log: Path) -> ForkedBot:
        """Blocks while the fork server starts (once per test process): call it in a thread."""
        process = _FORKS.Process(target=frozen_bot.forked, args=(env, str(log), str(ROOT)), name="bot")
        process.start()
        return cls(process)

    @property
    def pid(self) -> int:
        assert self._process.pid is not None
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        """The exit code, the signal that ended it as a negative number, or None while it runs."""
        return self._process.exitcode

    def send_signal(self, number: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):  # ended since
                os.kill(self.pid, number)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    async def wait(self) -> int:
        """Until it ends: the fork server writes the exit status to the sentinel then."""
        if (code := self.returncode) is not None:
            return code
        loop = asyncio.get_running_loop()
        ended = asyncio.Event()
        loop.add_reader(self._process.sentinel, ended.set)
        try:
            await ended.wait()
        finally:
            loop.remove_reader(self._process.sentinel)
        code = self.returncode
        assert code is not None
        return code


class BotProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        """The bot as ``python -m tests.journeys.frozen_bot run`` runs it (forked, see
        ``ForkedBot``): the bot with its clock set at start (tests/journeys/frozen_bot.py) to
        ``JOURNEY_NOW`` of ``env``, or when ``env`` has none, to this process's present moment
        (see ``E2E_NOW``), writing its log to ``log``."""
        self.env, self.log = env, log
        self.process: ForkedBot | None = None

    async def start(self) -> None:
        env = {"JOURNEY_NOW": datetime.now(UTC).isoformat(), **self.env}
        self.process = await asyncio.to_thread(ForkedBot.start, env, self.log)

    async def stop(self, timeout: float = 15) -> bool:
        """SIGTERM, as systemd stops it; True if the bot exited by itself within ``timeout``
        (otherwise it is killed)."""
        if self.process is None or self.process.returncode is not None:
            return True
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            await self.kill()
            return False
        return True

    async def kill(self) -> None:
        """A crash: SIGKILL, no chance to record anything."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def cli(env: dict[str, str], *args: str) -> str:
    """``python -m bot ARGS`` with ``env`` as its environment; its standard output.

    Run in this process, in a thread (the command runs its own event loop), rather than as a
    process of its own: the scenarios need the command's effect on the database the running
    bot shares, and a new interpreter spends about two seconds importing the bot for each
    command. The command line as a process (exit codes, standard error, start-up) is what
    tests/cli/ tests."""
    return await asyncio.to_thread(_cli_in_process, env, args)


_CLI_TURN = threading.Lock()  # the environment and standard streams are the process's


def _cli_in_process(env: dict[str, str], args: tuple[str, ...]) -> str:
    out, err = io.StringIO(), io.StringIO()
    with _CLI_TURN, _environment(env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli_main(list(args))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 2
    assert code == 0, f"{args}: exit {code}\n{out.getvalue()}\n{err.getvalue()}"
    return out.getvalue()


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """``os.environ`` is ``env`` for the command. The mapping is swapped, not the process's
    environment rewritten: putenv and unsetenv while another thread calls getenv is undefined
    in C, and libfaketime calls getenv from the clock functions it hooks, so rewriting it
    crashed pytest workers under faketime. Settings and ``os.getenv`` read the swapped
    mapping; the worker processes a command may start inherit the C environment, and read no
    settings (their jobs come with their arguments)."""
    with mock.patch.object(os, "environ", dict(env)):
        yield


async def start_360_round(env: dict[str, str], employees: list[str], *, days: int = 20) -> str:
    """Create and start a 360 round of these people with a deadline ``days`` away (at most),
    from the command line; the round's id."""
    # The year is today's (``E2E_NOW``), the deadline ``days`` away but no later than clause 4's
    # 10 January after it.
    today = date.today()
    deadline = suggested_deadline_360(load_profile(), today.year, today, days).isoformat()
    created = await cli(
        env, "campaign-create", "--kind", "360", "--year", str(today.year), "--deadline", deadline,
        "--employees", ",".join(employees),
    )  # fmt: skip
    campaign_id = created.split()[1]
    await cli(env, "campaign-start", campaign_id)
    return campaign_id


async def exported_means(env: dict[str, str], campaign_id: str) -> dict[tuple[str, int], tuple[str, int]]:
    """`results ID --format csv`, keyed like :func:`expected_means`."""
    exported = await cli(env, "results", campaign_id, "--format", "csv")
    return {
        (row["employee_id"], int(row["competency_no"])): (row["mean"], int(row["n_responses"]))
        for row in csv.DictReader(io.StringIO(exported))
    }


async def join_with_invites(stand_in: BotApiStandIn, env: dict[str, str], folder: Path) -> int:
    """Everyone in the staff list opens their personal link (from the `invites` command) in
    the running bot; returns how many joined."""
    output = folder / "invites.csv"
    await cli(env, "invites", "--output", str(output))
    invites = list(csv.DictReader(io.StringIO(output.read_text("utf-8-sig"))))
    for row in invites:
        chat = TELEGRAM_IDS[row["employee_id"]]
        stand_in.send_text(chat, "/start " + row["link"].split("start=")[1])
        await stand_in.wait_for_message(chat, contains=row["full_name"], timeout=15)
    return len(invites)


_TO_THE_LIST = TasksCb().pack()


def callbacks(message: SentMessage) -> list[str]:
    return [b["callback_data"] for b in message.buttons if b.get("callback_data")]


def statement_on_screen(message: SentMessage) -> int | None:
    answers = [AnswerCb.unpack(d) for d in callbacks(message) if d.startswith("a:")]
    return answers[0].statement if answers else None


def nav_button(message: SentMessage, action: Action) -> str | None:
    for data in callbacks(message):
        if data.startswith("n:") and NavCb.unpack(data).action is action:
            return data
    return None


class Respondents:
    """Scripted people answering through the stand-in, recording what they answered."""

    def __init__(self, stand_in: BotApiStandIn, assignments: dict[int, tuple[str, str]]) -> None:
        self.stand_in = stand_in
        self.assignments = assignments  # assignment id → (respondent, subject)
        self.answers: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)

    async def open_list(self, person: str) -> SentMessage:
        """The reply to /start. A notice the outbox sends meanwhile (the round has started, a
        reminder) carries the button to the list, which the list itself never does."""
        chat = TELEGRAM_IDS[person]
        self.stand_in.mark_seen(chat)
        self.stand_in.send_text(chat, "/start")
        return await self.stand_in.wait_for_message(
            chat,
            predicate=lambda m: m.kind == "text" and m.edit_count == 0 and _TO_THE_LIST not in callbacks(m),
        )

    async def open_first_task(self, person: str) -> tuple[int, int] | None:
        """Opens the first questionnaire in the list; returns (assignment id, message id)."""
        listing = await self.open_list(person)
        opens = [NavCb.unpack(d) for d in callbacks(listing) if d.startswith("n:")]
        if not opens:
            return None
        chat = TELEGRAM_IDS[person]
        self.stand_in.press(chat, listing.message_id, opens[0].pack())
        await self.stand_in.wait_for(
            lambda: statement_on_screen(self.stand_in.message(chat, listing.message_id)) is not None
        )
        return opens[0].assignment, listing.message_id

    async def answer(self, person: str, message_id: int, stop_after: int | None = None) -> None:
        chat = TELEGRAM_IDS[person]
        while True:
            message = self.stand_in.message(chat, message_id)
            statement = statement_on_screen(message)
            if statement is None or (stop_after is not None and statement > stop_after):
                return
            assignment = AnswerCb.unpack(callbacks(message)[0]).assignment
            respondent, subject = self.assignments[assignment]
            score = scripted_score(respondent, subject, statement)
            self.stand_in.press(
                chat, message_id, AnswerCb(assignment=assignment, statement=statement, score=score).pack()
            )
            self.answers[(respondent, subject)][statement] = score
            await self._wait_until_moved_on(chat, message_id, statement)

    async def _wait_until_moved_on(self, chat: int, message_id: int, statement: int) -> None:
        await self.stand_in.wait_for(
            lambda: statement_on_screen(self.stand_in.message(chat, message_id)) != statement, timeout=15
        )

    def _button(self, chat: int, message_id: int, action: Action) -> str | None:
        return nav_button(self.stand_in.message(chat, message_id), action)

    async def submit(self, person: str, message_id: int) -> None:
        """Submit on the review screen, then confirm."""
        chat = TELEGRAM_IDS[person]
        submit = self._button(chat, message_id, Action.SUBMIT)
        assert submit is not None, self.stand_in.describe_chat(chat)
        self.stand_in.press(chat, message_id, submit)
        await self.stand_in.wait_for(lambda: self._button(chat, message_id, Action.CONFIRM) is not None)
        confirm = self._button(chat, message_id, Action.CONFIRM)
        assert confirm is not None
        self.stand_in.press(chat, message_id, confirm)
        await self.stand_in.wait_for(lambda: self._button(chat, message_id, Action.CONFIRM) is None)

    async def answer_everything(self, person: str) -> None:
        while (opened := await self.open_first_task(person)) is not None:
            _, message_id = opened
            await self.answer(person, message_id)
            await self.submit(person, message_id)


async def assignments_of(database_url: str) -> dict[int, tuple[str, str]]:
    engine = create_engine(database_url)
    respondent, subject_person = Employee.__table__.alias(), Employee.__table__.alias()
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(Assignment.id, respondent.c.employee_id, subject_person.c.employee_id)
                .join(respondent, respondent.c.id == Assignment.respondent_id)
                .join(CampaignSubject, CampaignSubject.id == Assignment.subject_id)
                .join(subject_person, subject_person.c.id == CampaignSubject.employee_id)
            )
            return {row[0]: (row[1], row[2]) for row in rows.all()}
    finally:
        await engine.dispose()


class Screen:
    """One chat's live message (a sheet, a list): press a button and wait until the message
    has changed; type an answer and follow the reply, which becomes the live message."""

    def __init__(self, stand_in: BotApiStandIn, chat: int, message: SentMessage) -> None:
        self.stand_in, self.chat, self.message_id = stand_in, chat, message.message_id

    @property
    def now(self) -> SentMessage:
        return self.stand_in.message(self.chat, self.message_id)

    async def press(self, data: str) -> SentMessage:
        version = self.now.version
        self.stand_in.press(self.chat, self.message_id, data)
        await self.stand_in.wait_for(lambda: self.now.version > version, timeout=15)
        return self.now

    async def type(self, text: str, reply: Callable[[SentMessage], bool] | None = None) -> SentMessage:
        """The reply is the next message, or the next one ``reply`` accepts (other notices may
        arrive in between)."""
        since = self.stand_in.last_message(self.chat).message_id
        self.stand_in.send_text(self.chat, text)
        answer = await self.stand_in.wait_for_message(
            self.chat, predicate=lambda m: m.message_id > since and (reply is None or reply(m)), timeout=15
        )
        self.message_id = answer.message_id
        return answer
