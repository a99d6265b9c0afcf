"""What HR's ZIP of a large round costs everyone else: the real bot builds every result PDF
of a closed 360 round while other people use it.

    python -m bench.reports_load [--people 300] [--talkers 20]
        [--database-url URL [--database sqlite|postgresql|both]]

The database (a throwaway SQLite file; with ``--database-url``, a database created on that
PostgreSQL server and dropped afterwards) holds a closed 360 round of ``--people`` evaluated
people (bench/results_360.py's round: 5 colleagues' answers each), ``--talkers`` of them
bound to Telegram, and an HR head. The real bot (``python -m bot run``) long-polls the Bot
API stand-in (tests/stand_in). Each talker sends commands (/start, /language, /deadlines,
/help) and presses a button of what the bot answers when it has one (English, on /language),
one after another, each waiting for the bot's reply: a few rounds to warm up, not counted;
then for 15 s with nothing else going on (``idle``); then while HR's "All reports (ZIP)" is
built and its files uploaded (``loaded``), until the last file arrives; then idle again for
15 s. The idle figures are those of both idle phases together.

Printed, with the goals beside them:

* the ZIP's wall time, from HR's press to its last file reaching Telegram, and reports a second
  (goal: 300 reports in 60 s on 2 cores);
* peak RSS of the bot's process and its worker processes together, sampled every 0.1 s
  through the idle and loaded phases (goal: at most 600 MiB for 10,000 reports), and their
  PSS, which counts the pages they share once, sampled every second;
* the talkers' reply latency p50 / p95 / max while the ZIP is built, and each divided by the
  same figure measured idle (goals: p95 at most 1.5 times idle, max at most 1 s);
* the loaded phase in two, while the PDFs are drawn and while the files are uploaded: the
  replies' p95 in each, and how late the benchmark's own event loop (the stand-in, the
  talkers) ran its timers in each phase, the part of a latency that is the harness's;
* how many event-loop stalls the watchdog logged from HR's press on (bot/infra/watchdog.py; at
  start-up the bot collects its whole heap once before freezing it, which may be one).

Writes bench/results/reports_load.json; the bot's log goes to the temporary directory
(bench-reports-load-sqlite.log, -postgresql.log). Takes under a minute with ``--people 30``, about 20 with
``--people 10000``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update

from bench.results_360 import fill_closed_round
from bench.support import fresh_database
from bot.kernel.access import Role
from bot.staff.access import seed_roles
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.models import Employee
from tests.stand_in.server import BotApiStandIn, JsonDict

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "reports_load.json"
TOKEN = "123456:BENCH"  # noqa: S105 (the stand-in's, not a secret)
BALLOT_SECRET = "bench-only-ballot-secret-0123456789abcdef"  # noqa: S105 (the bench's own)
TELEGRAM_BASE = 710_000_000
HR_HEAD = 709_999_999
_PART = re.compile(r"File (\d+) of (\d+)\.")
# /language answers with buttons: the press (English again) writes the person's choice.
COMMANDS = ("/start", "/language", "/deadlines", "/help")
# A few rounds of every talker's commands to warm up, not counted: the first of each command
# warms caches the loaded phase finds warm. Then the idle phases, before HR's press and after
# the last file, each IDLE_SECONDS of talking (a press may follow each command): 5,600 to
# 8,300 replies in all on the development machine. Their length matters more than their
# count: the machine's own speed drifts over tens of seconds (the same CPU work took 2.3 to
# 3.6 s from one minute to the next there, nothing else running), and a ZIP of 300 people is
# some 20 to 35 s of it. Idle phases of 18 commands a talker (920 replies, 2 to 3 s each, as
# before 7 December) sampled a fifth of the machine time the loaded phase did, and the ratio
# swung with the drift: the idle p95 before and after one job differed by up to 63 ms (119
# and 182).
WARM_UP_ROUNDS, IDLE_SECONDS = 4, 15.0
LAG_TICK = 0.01  # the benchmark's own event loop, checked this often (LoopLag)
FREEZE_EVERY = 1.0  # seconds between two freezes of the benchmark's heap (frozen_heap)
RSS_EVERY, PSS_EVERY = 0.1, 1.0  # seconds between two readings of the bot's memory (sample_peak)
PAGE_BYTES, MIB = os.sysconf("SC_PAGE_SIZE"), 1024 * 1024
REPLY_TIMEOUT = 120.0
# Goals (issue 20).
GOAL_P95_RATIO, GOAL_MAX_S, GOAL_REPORTS_PER_S, GOAL_RSS_MIB_AT_10000 = 1.5, 1.0, 300 / 60, 600.0


@dataclass(frozen=True)
class Figures:
    database: str
    people: int
    talkers: int
    zip_seconds: float
    reports_per_second: float
    peak_rss_mib: float
    peak_pss_mib: float
    bot_peak_rss_mib: float  # the bot's own process, without its workers
    rss_before_mib: float  # bot + workers just before HR's press (the workers start at the first job)
    idle_ms: dict[str, float]  # before the press and after the last file together
    idle_before_ms: dict[str, float]
    idle_after_ms: dict[str, float]
    loaded_ms: dict[str, float]
    ratios: dict[str, float]
    replies_idle: int
    replies_loaded: int
    loop_stalls: int  # logged from HR's press on (start-up's are not the job's)
    files: int  # documents HR received: the ZIP's numbered files
    # The loaded phase in two: while the PDFs are drawn (HR's press to the job's last progress
    # edit, "n of n"), and while the files are uploaded (from then to the last file); the
    # replies whose command was sent in each.
    building_s: float
    uploading_s: float
    building_ms: dict[str, float]
    uploading_ms: dict[str, float]
    replies_building: int
    replies_uploading: int
    # How late the benchmark's own event loop (the stand-in and the talkers) ran its timers, max
    # and p99 in each phase: the part of a latency that is the harness's, not the bot's.
    harness_lag_ms: dict[str, dict[str, float]]


class Replies:
    """Futures the stand-in resolves as the bot answers: the next message sent or edited in a
    chat, or the answer to a pressed button; and the moment HR's file arrives."""

    def __init__(self, stand_in: BotApiStandIn) -> None:
        self.chats: dict[int, asyncio.Future[float]] = {}
        self.queries: dict[str, asyncio.Future[float]] = {}
        self.document = asyncio.get_running_loop().create_future()
        self.files = 0  # documents HR has received
        self.hr_edits: list[float] = []  # when the job's progress message was edited
        self.first_file: float | None = None
        stand_in.on_call = self._seen

    def _seen(self, method: str, params: JsonDict) -> None:
        now = time.perf_counter()
        if method == "sendDocument" and int(params.get("chat_id") or 0) == HR_HEAD:
            # A large round's reports come in numbered files, sent once all are written
            # (bot/reports/jobs.py): the job is over with the last one, "File n of n" (HR reads
            # English here), or with the only one, which has no such line.
            self.files += 1
            if self.first_file is None:
                self.first_file = now
            part = _PART.search(str(params.get("caption") or ""))
            if (part is None or part[1] == part[2]) and not self.document.done():
                self.document.set_result(now)
            return
        if method == "editMessageText" and int(params.get("chat_id") or 0) == HR_HEAD:
            self.hr_edits.append(now)
        if method == "answerCallbackQuery":
            future = self.queries.pop(str(params.get("callback_query_id")), None)
        elif method in ("sendMessage", "editMessageText", "sendPhoto"):
            future = self.chats.pop(int(params.get("chat_id") or 0), None)
        else:
            return
        if future is not None and not future.done():
            future.set_result(now)

    def expect_in(self, chat: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.chats[chat] = future
        return future


Reply = tuple[float, float]  # when the command or press was sent, and how long the reply took


async def talk(
    stand_in: BotApiStandIn, replies: Replies, chat: int, rounds: int | None, until: asyncio.Event
) -> list[Reply]:
    """Commands, each followed by a press of the first button of the reply when it has one;
    ``rounds`` commands, or until ``until`` is set. Every reply, with when it was asked for."""
    timed: list[Reply] = []
    turn = 0
    while (rounds is None and not until.is_set()) or (rounds is not None and turn < rounds):
        reply = replies.expect_in(chat)
        started = time.perf_counter()
        stand_in.send_text(chat, COMMANDS[turn % len(COMMANDS)])
        timed.append((started, await asyncio.wait_for(reply, REPLY_TIMEOUT) - started))
        turn += 1
        shown = stand_in.last_message(chat)
        buttons = [b["callback_data"] for b in shown.buttons if b.get("callback_data")]
        if not buttons or (rounds is None and until.is_set()):
            continue
        buttons.sort(key=lambda data: not data.endswith(":en"))  # their language: nothing changes
        answered = asyncio.get_running_loop().create_future()
        edited = replies.expect_in(chat)
        started = time.perf_counter()
        replies.queries[stand_in.press(chat, shown.message_id, buttons[0])] = answered
        done, pending = await asyncio.wait(
            {answered, edited}, timeout=REPLY_TIMEOUT, return_when="FIRST_COMPLETED"
        )
        for future in pending:
            future.cancel()
        if not done:
            raise TimeoutError(f"no reply to a press in chat {chat}")
        timed.append((started, next(iter(done)).result() - started))
    return timed


class LoopLag:
    """How late this process's event loop runs a timer due every LAG_TICK: when the stand-in
    (here, in the benchmark's process) is busy, say parsing a 45 MB upload, the talkers' replies
    are noticed late, and that delay is the harness's, not the bot's."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []  # (when, how late)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            due = time.perf_counter() + LAG_TICK
            await asyncio.sleep(LAG_TICK)
            now = time.perf_counter()
            self.samples.append((now, max(0.0, now - due)))

    async def stop(self) -> None:
        self._task.cancel()
        with suppress(asyncio.CancelledError):
            await self._task

    def between(self, *windows: tuple[float, float]) -> dict[str, float]:
        lags = sorted(
            lag for when, lag in self.samples if any(start <= when < end for start, end in windows)
        ) or [0.0]
        return {"p99": lags[int(0.99 * (len(lags) - 1))] * 1000, "max": lags[-1] * 1000}


@asynccontextmanager
async def frozen_heap() -> AsyncIterator[None]:
    """Keeps the benchmark's own garbage collections short. The stand-in keeps every message
    and update of the run (some 130,000 of each at 10,000 people), and a full collection of a
    heap that size stopped this process for over a second, every talker's reply noticed that
    late (a first run at 10,000: a 1,106 ms lag of this loop, a 1,437 ms "reply"). Every
    FREEZE_EVERY the young generations are collected and what survives is frozen, out of
    every later collection's way; the little cyclic garbage that has reached the old
    generation by then stays until the end."""

    async def freeze() -> None:
        while True:
            await asyncio.sleep(FREEZE_EVERY)
            gc.collect(1)
            gc.freeze()

    task = asyncio.create_task(freeze())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        gc.unfreeze()


def tree_pids(pid: int) -> list[int]:
    """The process and its children (the worker processes), from the children files of its
    threads: a few small reads, where a walk of /proc reads every process on the machine."""
    pids = [pid]
    with suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with suppress(OSError):
                pids += [int(child) for child in (task / "children").read_text().split()]
    return pids


def tree_rss_mib(pids: list[int]) -> tuple[float, float]:
    """RSS of the processes together, and of the first alone, from /proc/PID/statm: the kernel
    keeps the count, nothing is walked. The sum counts the pages the processes share
    (libraries) once per process."""
    sizes = []
    for pid in pids:
        try:
            sizes.append(int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES)
        except (OSError, ValueError, IndexError):
            sizes.append(0)  # a process that ended meanwhile
    return sum(sizes) / MIB, sizes[0] / MIB


def tree_pss_mib(pids: list[int]) -> float:
    """PSS of the processes together, which shares their common pages out, from
    /proc/PID/smaps_rollup: the kernel walks each process's page tables for it, holding its
    memory-map lock (about 2 ms for a 250 MiB process here)."""
    pss_kib = 0
    for pid in pids:
        with suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss_kib += int(line.split()[1])
    return pss_kib / 1024


async def sample_peak(pid: int, stop: asyncio.Event) -> tuple[float, float, float]:
    """Peak RSS of the tree and of the bot alone, read every RSS_EVERY (a fraction of a
    millisecond, on this loop), and peak PSS, read every PSS_EVERY (milliseconds of the
    kernel's, in a thread), until ``stop``. It runs through the idle phases as well as the
    loaded one, so that whatever it costs the bot and the harness weighs on both sides of the
    ratios. As it was before 7 December, only during the job and every 0.1 s a walk of all of
    /proc and of each process's page tables, main's p95 ratios in one hour were 1.50, 1.40 and
    1.28 with it and 1.27, 1.15 and 1.08 without it (docs/benchmarks.md)."""
    peak_rss = peak_pss = peak_own = 0.0
    pss_due = 0.0
    while not stop.is_set():
        pids = tree_pids(pid)
        rss, own = tree_rss_mib(pids)
        peak_rss, peak_own = max(peak_rss, rss), max(peak_own, own)
        if time.monotonic() >= pss_due:
            peak_pss = max(peak_pss, await asyncio.to_thread(tree_pss_mib, pids))
            pss_due = time.monotonic() + PSS_EVERY
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RSS_EVERY)
    return peak_rss, peak_pss, peak_own


def percentiles(timed: list[Reply]) -> dict[str, float]:
    ordered = sorted(latency for _, latency in timed) or [0.0]
    return {
        "p50": statistics.median(ordered) * 1000,
        "p95": ordered[int(0.95 * (len(ordered) - 1))] * 1000,
        "max": ordered[-1] * 1000,
    }


async def fill(url: str, people: int, talkers: int) -> list[int]:
    """The closed round, the talkers bound to Telegram, the HR head; the talkers' chat ids."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    try:
        await fill_closed_round(engine, people)
        async with engine.begin() as connection:
            for pk in range(1, talkers + 1):
                await connection.execute(
                    update(Employee)
                    .where(Employee.id == pk)
                    .values(telegram_user_id=TELEGRAM_BASE + pk, joined_at=now)
                )
        async with create_sessionmaker(engine, ballot_secret=BALLOT_SECRET).begin() as session:
            await seed_roles(session, [HR_HEAD], Role.HR_HEAD, now)
    finally:
        await engine.dispose()
    return [TELEGRAM_BASE + pk for pk in range(1, talkers + 1)]


@asynccontextmanager
async def running_bot(
    url: str, chats: list[int], log: Path
) -> AsyncIterator[tuple[BotApiStandIn, asyncio.subprocess.Process]]:
    async with BotApiStandIn(token=TOKEN) as stand_in:
        for chat in [*chats, HR_HEAD]:
            stand_in.add_user(chat, first_name=f"P{chat}", language_code="en")
        with log.open("wb") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run",
                env={
                    **os.environ,
                    "PYTHONPATH": str(ROOT),
                    "BOT_TOKEN": TOKEN,
                    "BALLOT_SECRET": BALLOT_SECRET,
                    "TELEGRAM_API_URL": stand_in.base_url,
                    "DATABASE_URL": url,
                    "DEFAULT_LOCALE": "en",
                    "LOG_LEVEL": "WARNING",
                },
                cwd=ROOT, stdout=output, stderr=output,
            )  # fmt: skip
            try:
                await stand_in.wait_until_polling(timeout=300)
                yield stand_in, process
            finally:
                process.terminate()
                await process.wait()


async def press_all_reports(stand_in: BotApiStandIn, replies: Replies) -> float:
    """HR: /rounds, the round, "All reports (ZIP)"; the moment of the last press."""
    reply = replies.expect_in(HR_HEAD)
    stand_in.send_text(HR_HEAD, "/rounds")
    await asyncio.wait_for(reply, REPLY_TIMEOUT)
    reply = replies.expect_in(HR_HEAD)
    stand_in.press_button(HR_HEAD, None, "360 · ")
    await asyncio.wait_for(reply, REPLY_TIMEOUT)
    pressed = time.perf_counter()
    stand_in.press_button(HR_HEAD, None, "All reports (ZIP)")
    return pressed


async def idle_phase(
    stand_in: BotApiStandIn, replies: Replies, chats: list[int], *, rounds: int | None = None
) -> tuple[list[Reply], tuple[float, float]]:
    """Every talker at once, nothing else going on, for ``rounds`` commands each or else for
    IDLE_SECONDS: their replies, and when the phase began and ended (the benchmark's own lag
    is read over that window)."""
    began = time.perf_counter()
    over = asyncio.Event()
    timer = asyncio.get_running_loop().call_later(IDLE_SECONDS, over.set)
    try:
        talked = await asyncio.gather(*(talk(stand_in, replies, chat, rounds, over) for chat in chats))
    finally:
        timer.cancel()
    return [reply for person in talked for reply in person], (began, time.perf_counter())


def _stalls(log: Path) -> int:
    """The stalls the bot's watchdog has logged so far (bot/infra/watchdog.py)."""
    return log.read_text(errors="replace").count("the event loop stood still")


async def measure(kind: str, args: argparse.Namespace) -> Figures:
    admin = args.database_url or "sqlite"
    if kind == "postgresql":
        os.environ["BENCH_POSTGRES_URL"] = admin
    async with fresh_database(kind, "reports") as url:
        await asyncio.to_thread(upgrade, url)
        chats = await fill(url, args.people, args.talkers)
        log = Path(tempfile.gettempdir()) / f"bench-reports-load-{kind}.log"
        async with running_bot(url, chats, log) as (stand_in, process), frozen_heap():
            replies = Replies(stand_in)
            await idle_phase(stand_in, replies, chats, rounds=WARM_UP_ROUNDS)  # not counted
            lag = LoopLag()
            stop_sampling = asyncio.Event()
            sampler = asyncio.create_task(sample_peak(process.pid or 0, stop_sampling))
            before, before_window = await idle_phase(stand_in, replies, chats)
            rss_before = tree_rss_mib(tree_pids(process.pid or 0))[0]
            built = asyncio.Event()
            stalls_before = _stalls(log)  # start-up's full collection before its gc.freeze() among them
            pressed = await press_all_reports(stand_in, replies)
            talking = asyncio.gather(*(talk(stand_in, replies, c, None, built) for c in chats))
            arrived = await asyncio.wait_for(replies.document, args.timeout)
            built.set()
            loaded = await talking
            after, after_window = await idle_phase(stand_in, replies, chats)
            stop_sampling.set()
            peak_rss, peak_pss, bot_peak_rss = await sampler
            await lag.stop()
        stalls = _stalls(log) - stalls_before
    idle_all = before + after
    loaded_all = [x for person in loaded for x in person if x[0] < arrived]
    # The uploads begin after the job's last progress edit ("n of n", just before the first
    # file is sent); the first file is seen only once its upload is over.
    first_file = replies.first_file or arrived
    uploads_began = max((t for t in replies.hr_edits if pressed < t < first_file), default=pressed)
    building = [x for x in loaded_all if x[0] < uploads_began]
    uploading = [x for x in loaded_all if x[0] >= uploads_began]
    idle_ms, loaded_ms = percentiles(idle_all), percentiles(loaded_all)
    wall = arrived - pressed
    return Figures(
        kind,
        args.people,
        args.talkers,
        wall,
        args.people / wall,
        peak_rss,
        peak_pss,
        bot_peak_rss,
        rss_before,
        idle_ms,
        percentiles(before),
        percentiles(after),
        loaded_ms,
        {key: loaded_ms[key] / idle_ms[key] for key in idle_ms},
        len(idle_all),
        len(loaded_all),
        stalls,
        replies.files,
        uploads_began - pressed,
        arrived - uploads_began,
        percentiles(building),
        percentiles(uploading),
        len(building),
        len(uploading),
        {
            "idle": lag.between(before_window, after_window),
            "building": lag.between((pressed, uploads_began)),
            "uploading": lag.between((uploads_began, arrived)),
        },
    )


def report(f: Figures) -> bool:
    """Print the figures beside the goals; True when every goal that applies is met."""
    rss_goal = GOAL_RSS_MIB_AT_10000 if f.people >= 10_000 else None
    checks = [
        ("ZIP wall time", f"{f.zip_seconds:.1f} s ({f.reports_per_second:.1f} reports/s)",
         f"≥ {GOAL_REPORTS_PER_S:.1f} reports/s (300 in 60 s)", f.reports_per_second >= GOAL_REPORTS_PER_S),
        ("peak RSS, bot + workers", f"{f.peak_rss_mib:.0f} MiB (PSS {f.peak_pss_mib:.0f} MiB)",
         f"≤ {GOAL_RSS_MIB_AT_10000:.0f} MiB at 10,000 reports", None if rss_goal is None else f.peak_rss_mib <= rss_goal),
        ("of which the bot's own; before", f"{f.bot_peak_rss_mib:.0f} MiB; {f.rss_before_mib:.0f} MiB before the press", "", None),
        ("reply p50 loaded / idle", f"{f.loaded_ms['p50']:.0f} / {f.idle_ms['p50']:.0f} ms = {f.ratios['p50']:.2f}×", "", None),
        ("reply p95 loaded / idle", f"{f.loaded_ms['p95']:.0f} / {f.idle_ms['p95']:.0f} ms = {f.ratios['p95']:.2f}×",
         f"≤ {GOAL_P95_RATIO}×", f.ratios["p95"] <= GOAL_P95_RATIO),
        ("reply max loaded / idle", f"{f.loaded_ms['max']:.0f} / {f.idle_ms['max']:.0f} ms = {f.ratios['max']:.2f}×",
         f"max ≤ {GOAL_MAX_S * 1000:.0f} ms", f.loaded_ms["max"] <= GOAL_MAX_S * 1000),
        ("replies measured idle / loaded", f"{f.replies_idle} / {f.replies_loaded}", "", None),
        ("idle p95 before / after the job", f"{f.idle_before_ms['p95']:.0f} / {f.idle_after_ms['p95']:.0f} ms", "", None),
        ("p95 drawing / uploading", f"{f.building_ms['p95']:.0f} ms ({f.replies_building} in {f.building_s:.0f} s) / "
         f"{f.uploading_ms['p95']:.0f} ms ({f.replies_uploading} in {f.uploading_s:.0f} s)", "", None),
        ("harness's own lag, max idle / drawing / uploading",
         " / ".join(f"{f.harness_lag_ms[phase]['max']:.0f}" for phase in ("idle", "building", "uploading")) + " ms", "", None),
        ("event-loop stalls from the press on", str(f.loop_stalls), "", None),
        ("files HR received", str(f.files), "", None),
    ]  # fmt: skip
    print(f"\n{f.database}: {f.people} people, {f.talkers} talking meanwhile")
    for name, value, goal, met in checks:
        verdict = "" if met is None else ("met" if met else "NOT MET")
        print(f"  {name:<32} {value:<34} {goal:<32} {verdict}")
    return all(met is not False for *_, met in checks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--talkers", type=int, default=20)
    parser.add_argument(
        "--database-url", help="a PostgreSQL server (postgresql://…/postgres) to run on as well as SQLite"
    )
    parser.add_argument(
        "--database", choices=("sqlite", "postgresql", "both"),
        help="which to run on (default: both with --database-url, else SQLite)",
    )  # fmt: skip
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds the ZIP may take at most")
    args = parser.parse_args(argv)
    chosen = args.database or ("both" if args.database_url else "sqlite")
    if chosen != "sqlite" and not args.database_url:
        parser.error("PostgreSQL needs --database-url")
    kinds = ("sqlite", "postgresql") if chosen == "both" else (chosen,)
    # Each database's figures printed and written as soon as measured: under load one run
    # takes many minutes, and a run stopped on PostgreSQL keeps SQLite's.
    figures, ok = [], True
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    for kind in kinds:
        figures.append(asyncio.run(measure(kind, args)))
        ok = report(figures[-1]) and ok
        sys.stdout.flush()
        RESULTS.write_text(json.dumps([asdict(f) for f in figures], indent=2) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
