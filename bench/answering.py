"""How fast people can answer, and how much memory the bot takes doing it, against a bare
aiogram bot making the same Telegram calls (bench/bare_bot.py).

    python -m bench.answering [--staff 100000] [--evaluated 20000] [--respondents 20]
                              [--answers 24] [--waves 6] [--database sqlite|postgresql|both]

The database holds ``--staff`` people bound to Telegram and a running 360 round evaluating
``--evaluated`` of them, each with 5 colleagues and a self-assessment to fill (the bot plans
their reminders at start, as it would). The real bot (``python -m bot run``) long-polls the
Bot API stand-in; ``--respondents`` scripted people at once open their first questionnaire
and answer ``--answers`` statements each, every press waiting for the bot's edit; then the
same people do the same against the bare bot, which runs meanwhile on a stand-in of its own;
``--waves`` times in all, alternating (one wave lasts a few seconds, too short a sample on a
noisy machine, and alternating lets what else the machine does weigh on both bots alike).

Figures, for each database: answers a second (presses answered over the wall time of the
answering, which everyone in a wave starts together once their questionnaire is open), the
p95 time from a press to the bot's edit, and the process's peak RSS (VmHWM) after the run;
each as a ratio to the bare bot's in the same run. Goals: throughput at least 0.5 of the bare
bot's; peak memory at most 2 times. Writes bench/results/answering.json; each
bot's log goes to the temporary directory (bench-answering-*.log).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.support import colleagues_of, fresh_database, insert_in_chunks, questionnaire_of, staff_rows
from bot.kernel.methodology import load_profile, suggested_deadline_360
from storage.db import create_engine
from storage.migrate import upgrade
from storage.models import Assignment, Campaign, CampaignSubject, Employee, OutboxMessage
from tests.stand_in.server import BotApiStandIn, JsonDict

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "answering.json"
TOKEN = "123456:BENCH"  # noqa: S105 (the stand-in's, not a secret)
BALLOT_SECRET = "bench-only-ballot-secret-0123456789abcdef"  # noqa: S105 (sealing the bench's answers)
TELEGRAM_BASE = 700_000_000
COLLEAGUES = 5
GOAL_THROUGHPUT, GOAL_MEMORY = 0.5, 2.0


@dataclass(frozen=True)
class Run:
    bot: str  # "bagalau/sqlite", "bagalau/postgresql" or "bare"
    presses: int
    answers_per_second: float
    p95_ms: float
    median_ms: float
    peak_rss_mib: float


async def fill(url: str, staff: int, evaluated: int, respondents: int, seed: int = 11) -> list[int]:
    """The people and the round; returns the Telegram ids of ``respondents`` people with a
    colleague's questionnaire to fill."""
    rng = random.Random(seed)
    profile = load_profile()
    now = datetime.now(UTC)
    people = staff_rows(staff, telegram_base=TELEGRAM_BASE, joined_at=now)
    subjects: list[dict[str, Any]] = []
    assignments: list[dict[str, Any]] = []
    actors: list[int] = []
    for pk in range(1, evaluated + 1):
        subjects.append(
            {"id": pk, "campaign_id": 1, "employee_id": pk, "questionnaire": questionnaire_of(pk)}
        )
        assignments.append({"subject_id": pk, "respondent_id": pk, "relation": "self", "submitted": False})
        for colleague in colleagues_of(pk, staff, COLLEAGUES, rng):
            assignments.append(
                {"subject_id": pk, "respondent_id": colleague, "relation": "peer", "submitted": False}
            )
            if len(actors) < respondents and colleague not in actors:
                actors.append(colleague)
    campaign = {
        "id": 1,
        "kind": "360",
        "year": now.year,
        "deadline": suggested_deadline_360(profile, now.year, now.date(), 20),  # clause 4
        "status": "running",
        "profile_code": profile.code,
        "profile_version": profile.version,
        "started_at": now,
    }
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await insert_in_chunks(
                connection,
                (
                    (Campaign, [campaign]),
                    (Employee, people),
                    (CampaignSubject, subjects),
                    (Assignment, assignments),
                ),
            )
    finally:
        await engine.dispose()
    return [TELEGRAM_BASE + pk for pk in actors]


class Answers:
    """Futures resolved by the stand-in as the bot answers: the next message sent or edited
    in each chat."""

    def __init__(self, stand_in: BotApiStandIn) -> None:
        self.waiting: dict[int, asyncio.Future[float]] = {}
        stand_in.on_call = self._seen

    def _seen(self, method: str, params: JsonDict) -> None:
        if method not in ("sendMessage", "editMessageText"):
            return
        future = self.waiting.pop(int(params.get("chat_id") or 0), None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())

    def expect(self, chat: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[chat] = future
        return future


class Barrier:
    """Everyone opens their questionnaire first; the answering, which is what is timed,
    starts together."""

    def __init__(self, parties: int) -> None:
        self.parties, self.arrived, self.event = parties, 0, asyncio.Event()
        self.released_at = 0.0

    async def wait(self) -> None:
        self.arrived += 1
        if self.arrived == self.parties:
            self.released_at = time.perf_counter()
            self.event.set()
        await self.event.wait()


def _buttons(stand_in: BotApiStandIn, chat: int, message_id: int) -> list[str]:
    message = stand_in.message(chat, message_id)
    return [b["callback_data"] for b in message.buttons if b.get("callback_data")]


async def respondent(
    stand_in: BotApiStandIn, answers: Answers, chat: int, count: int, bare: bool, ready: Barrier
) -> list[float]:
    """Open the first questionnaire, wait for everyone else to have theirs open, and answer
    ``count`` statements; the latency of each."""
    reply = answers.expect(chat)
    stand_in.send_text(chat, "/start")
    await asyncio.wait_for(reply, 60)
    message_id = stand_in.last_message(chat).message_id
    if not bare:  # the task list first: open the first questionnaire
        opening = next(d for d in _buttons(stand_in, chat, message_id) if d.startswith("n:"))
        reply = answers.expect(chat)
        stand_in.press(chat, message_id, opening)
        await asyncio.wait_for(reply, 60)
    await ready.wait()
    latencies = []
    for _ in range(count):
        scores = [d for d in _buttons(stand_in, chat, message_id) if d.startswith("a:")]
        if not scores:
            break
        reply = answers.expect(chat)
        pressed = time.perf_counter()
        stand_in.press(chat, message_id, scores[len(scores) // 2])
        latencies.append(await asyncio.wait_for(reply, 60) - pressed)
    return latencies


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


async def _outbox_settled(url: str) -> None:
    """The bot plans every respondent's reminders at start; the answering waits for that."""
    engine = create_engine(url)
    try:
        previous = -1
        while True:
            async with engine.connect() as connection:
                rows = int(await connection.scalar(select(func.count()).select_from(OutboxMessage)) or 0)
            if rows == previous and rows > 0:
                return
            previous = rows
            await asyncio.sleep(2)
    finally:
        await engine.dispose()


class Running:
    """A bot process long-polling a stand-in of its own, ready for waves of respondents."""

    def __init__(self, label: str, command: list[str], env: dict[str, str], chats: list[int]) -> None:
        self.label, self.command, self.env, self.chats = label, command, env, chats
        self.latencies: list[float] = []
        self.wall = 0.0

    async def __aenter__(self) -> Running:
        self.stack = AsyncExitStack()
        self.stand_in = await self.stack.enter_async_context(BotApiStandIn(token=TOKEN))
        for chat in self.chats:
            self.stand_in.add_user(chat, first_name=f"R{chat}", language_code="en")
        self.answers = Answers(self.stand_in)
        self.log = (Path(tempfile.gettempdir()) / f"bench-answering-{self.label.replace('/', '-')}.log").open(
            "wb"
        )
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            *self.command,
            env={
                **os.environ,
                **self.env,
                "PYTHONPATH": str(ROOT),
                "BOT_TOKEN": TOKEN,
                "BALLOT_SECRET": os.environ.get("BALLOT_SECRET", BALLOT_SECRET),
                "TELEGRAM_API_URL": self.stand_in.base_url,
            },
            cwd=ROOT,
            stdout=self.log,
            stderr=self.log,
        )
        await self.stand_in.wait_until_polling(timeout=300)
        return self

    async def wave(self, chats: list[int], count: int) -> None:
        ready = Barrier(len(chats))
        bare = self.label == "bare"
        people = await asyncio.gather(
            *(respondent(self.stand_in, self.answers, chat, count, bare, ready) for chat in chats)
        )
        self.wall += time.perf_counter() - ready.released_at
        self.latencies += [latency for person in people for latency in person]

    def result(self) -> Run:
        latencies = sorted(self.latencies)
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        return Run(
            self.label,
            len(latencies),
            len(latencies) / self.wall,
            p95 * 1000,
            statistics.median(latencies) * 1000,
            peak_rss_mib(self.process.pid),
        )

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            self.process.terminate()
            await self.process.wait()
            self.log.close()
        finally:
            await self.stack.aclose()


async def measure(database: str, args: argparse.Namespace) -> tuple[Run, Run]:
    """Both bots run at once, each idle while the other is answered: the waves alternate
    between them, so that what else the machine is doing weighs on both alike."""
    async with fresh_database(database, "answering") as url:
        await asyncio.to_thread(upgrade, url)
        actors = await fill(url, args.staff, args.evaluated, args.respondents * args.waves)
        waves = [
            actors[start : start + args.respondents] for start in range(0, len(actors), args.respondents)
        ]
        env = {
            "DATABASE_URL": url,
            "LOG_LEVEL": "WARNING",
            "OUTBOX_POLL_SECONDS": "0.5",
            "DEFAULT_LOCALE": "en",
        }
        async with (
            Running(f"bagalau/{database}", ["-m", "bot", "run"], env, actors) as ours,
            Running("bare", ["-m", "bench.bare_bot"], {}, actors) as bare,
        ):
            await _outbox_settled(url)
            for wave in waves:
                await ours.wave(wave, args.answers)
                await bare.wave(wave, args.answers)
            return ours.result(), bare.result()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--staff", type=int, default=100_000)
    parser.add_argument("--evaluated", type=int, default=20_000)
    parser.add_argument("--respondents", type=int, default=20)
    parser.add_argument("--answers", type=int, default=24)
    parser.add_argument("--waves", type=int, default=6)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    rows: list[dict[str, Any]] = []
    ok = True
    print(
        f"{'bot':<20} {'answers/s':>9} {'p95 ms':>7} {'median':>7} {'peak MiB':>8} {'speed':>6} {'memory':>6}"
    )
    for kind in kinds:
        ours, bare = asyncio.run(measure(kind, args))
        speed, memory = (
            ours.answers_per_second / bare.answers_per_second,
            ours.peak_rss_mib / bare.peak_rss_mib,
        )
        ok = ok and speed >= GOAL_THROUGHPUT and memory <= GOAL_MEMORY
        for run in (ours, bare):
            print(
                f"{run.bot:<20} {run.answers_per_second:>9.1f} {run.p95_ms:>7.1f} {run.median_ms:>7.1f} "
                f"{run.peak_rss_mib:>8.1f}" + (f" {speed:>6.2f} {memory:>6.2f}" if run is ours else "")
            )
        rows.append(
            {
                "database": kind,
                "staff": args.staff,
                "evaluated": args.evaluated,
                "respondents": args.respondents,
                "waves": args.waves,
                "bagalau": asdict(ours),
                "bare": asdict(bare),
                "throughput_ratio": round(speed, 2),
                "p95_ratio": round(ours.p95_ms / bare.p95_ms, 2),
                "memory_ratio": round(memory, 2),
                "goals": {"throughput_ratio_at_least": GOAL_THROUGHPUT, "memory_ratio_at_most": GOAL_MEMORY},
            }
        )
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
