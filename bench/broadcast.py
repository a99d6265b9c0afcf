"""How close a broadcast gets to Telegram's limit, without sending anyone anything twice.

    python -m bench.broadcast [--recipients 3000] [--database sqlite|postgresql]
    python -m bench.broadcast --instances 2 [--no-shared-budget]   (PostgreSQL and Redis)

Each scenario builds a fresh database with N staff bound to Telegram ids, starts the Bot API
stand-in with Telegram's limits (30 messages a second for the bot, one a second per chat,
429 "retry after N" over them) and a network latency, on an event loop of its own (as
Telegram is: a pause of the bot's loop does not bunch up what the server sees), and sends
one broadcast through the real delivery (bot.factory), HR's progress message included.
Scenarios:

* ``clean``: everyone reachable;
* ``blocked_5pct``: 5% of the recipients blocked the bot (403);
* ``burst_429``: a third of the way through, Telegram answers a burst of calls with 429.

The rate is the number of send calls Telegram answered (delivered or 403) per second between
the first and the last one, as a share of the 30/s allowed (goal: at least 0.95). Checked:
no chat got the message twice, every reachable chat got it, the database's counts equal
what the stand-in accepted, and the stand-in never had to refuse a call on its own.
Writes bench/results/broadcast.json and prints a table.

With ``--instances N`` (the scale-out configuration: PostgreSQL, Redis) the delivery runs in N
bot processes of its own (``--serve-as``), each with its own engine, Bot session and outbox
worker pool, claiming rows from the same queue and pacing themselves through the budget they
share in Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/14). ``--no-shared-budget``
runs the same instances without Redis, to show what the shared budget prevents.

PostgreSQL: a throwaway database on BENCH_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from redis.asyncio import Redis
from sqlalchemy import select, update

from bench.support import fresh_database
from bot.broadcasts.service import Audience, AudienceKind, DeliveryCounts, broadcast_counts, start_broadcast
from bot.factory import Runtime, create_bot, create_delivery, create_runtime
from bot.infra.config import Settings
from bot.staff import people
from bot.staff.files import load_staff_file
from storage.migrate import upgrade
from storage.models import Employee
from tests.stand_in.server import BotApiStandIn, RateLimits, SendRecord

T = TypeVar("T")

TOKEN = "123456:BENCH"  # noqa: S105 (the stand-in's, not a secret)
TELEGRAM_BASE = 800_000_000
HR_CHAT = 42
LIMIT = 30.0  # Telegram's messages a second for a bot
GOAL = 0.95
RESULTS = Path(__file__).parent / "results" / "broadcast.json"
TEXT = "The annual 360 evaluation starts on Monday: please open the bot & check your questionnaires."


@dataclass(frozen=True)
class Outcome:
    scenario: str
    recipients: int
    delivered: int
    blocked: int
    failed: int
    duplicates: int  # chats that got the message more than once
    lost: int  # reachable chats that never got it
    db_matches_telegram: bool
    flood_429: int  # refusals by the stand-in's own limits: the sender outran Telegram
    injected_429: int
    window_s: float  # first to last answered send
    wall_s: float  # from the start of the delivery until it had finished, progress included
    rate: float  # answered sends a second over the window
    share: float  # rate / 30
    progress_edits: int

    @property
    def goal_met(self) -> bool:
        return self.share >= GOAL and not (self.duplicates or self.lost or self.flood_429)


def staff_csv(count: int) -> str:
    lines = ["employee_id,full_name,position,role,unit,manager_id,phone,language,appointed_on"]
    for n in range(1, count + 1):
        role, manager = ("head", "") if n == 1 else ("employee", "B00001")
        lines.append(
            f"B{n:05d},Surname{n} Name{n},Expert,{role},Unit {n % 10},{manager},"
            f"+7 705 {n:07d},{('kk', 'ru', 'en')[n % 3]},2020-01-01"
        )
    return "\n".join(lines) + "\n"


class StandInThread:
    """The stand-in on a thread and an event loop of its own, as Telegram is elsewhere: a
    pause of the bot's event loop does not bunch up what the server sees. Everything that
    touches the stand-in runs on its loop."""

    def __init__(self, limits: RateLimits, latency: float) -> None:
        self.limits, self.latency = limits, latency
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="stand-in", daemon=True)
        self._stand_in: BotApiStandIn | None = None

    async def __aenter__(self) -> StandInThread:
        self.thread.start()
        self._stand_in = await self.run(self._start())
        return self

    async def _start(self) -> BotApiStandIn:
        stand_in = BotApiStandIn(token=TOKEN, rate_limits=self.limits, latency=self.latency)
        await stand_in.start()
        return stand_in

    async def __aexit__(self, *exc: object) -> None:
        await self.run(self.stand_in.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        await asyncio.to_thread(self.thread.join)
        self.loop.close()

    @property
    def stand_in(self) -> BotApiStandIn:
        assert self._stand_in is not None
        return self._stand_in

    async def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))

    async def call(self, function: Callable[[], T]) -> T:
        async def on_its_loop() -> T:
            return function()

        return await self.run(on_its_loop())


@dataclass(frozen=True)
class Setup:
    recipients: int
    database: str
    rate: float
    latency: float
    instances: int = 1
    redis_url: str | None = None  # shared by the instances; None: each paces itself


async def run_scenario(name: str, setup: Setup) -> Outcome:
    recipients = setup.recipients
    async with fresh_database(setup.database, "broadcast") as url:
        await asyncio.to_thread(upgrade, url)
        limits = RateLimits(global_per_second=LIMIT, per_chat_per_second=1, retry_after=1)
        async with StandInThread(limits, setup.latency) as server:
            stand_in = server.stand_in
            settings = _settings(url, stand_in.base_url, setup.rate)
            runtime = create_runtime(settings)
            bot = create_bot(settings)
            delivery = create_delivery(runtime, bot)
            try:
                chats = await _populate(runtime, recipients)
                blocked = set(chats[::20]) if name == "blocked_5pct" else set()
                await server.call(lambda: _users(stand_in, chats, blocked))
                progress = await bot.send_message(HR_CHAT, "Sending…")  # as HR's screen does
                async with runtime.sessionmaker.begin() as session:
                    started = await start_broadcast(
                        session,
                        author_telegram_id=HR_CHAT,
                        audience=Audience(AudienceKind.EVERYONE),
                        text=TEXT,
                        attachment=None,
                        progress_chat_id=HR_CHAT,
                        progress_message_id=progress.message_id,
                        now=runtime.clock.now(),
                    )
                assert started.queued == recipients

                # With the instances in processes of their own, this process only plays Telegram.
                # A full garbage collection of its heap (the bench's staff, the stand-in's records)
                # stalls the stand-in for a few hundred ms while the instances go on sending, and
                # it then sees their requests as one burst: an artefact Telegram does not have.
                # Frozen objects are not scanned again, which keeps those pauses short.
                if setup.instances > 1:
                    gc.freeze()
                begun = time.monotonic()
                if setup.instances == 1:
                    run = asyncio.create_task(delivery.deliver_pending())
                else:
                    run = asyncio.create_task(_instances(setup, url, stand_in.base_url))
                if name == "burst_429":
                    await _burst_when(server, run, recipients // 3)
                await run
                wall = time.monotonic() - begun
                if setup.instances > 1:
                    gc.unfreeze()
                async with runtime.sessionmaker() as session:
                    counts = await broadcast_counts(session, started.broadcast_id)
            finally:
                await bot.session.close()
                await runtime.engine.dispose()
            log, sent = await server.call(lambda: (list(stand_in.send_log), Counter(stand_in.sent_counts)))
            edits = await server.call(lambda: stand_in.message(HR_CHAT, progress.message_id).edit_count)
            return _measure(name, log, sent, set(chats), blocked, counts, wall, edits)


def _settings(url: str, api: str, rate: float, **more: Any) -> Settings:
    return Settings(
        _env_file=None,
        bot_token=TOKEN,
        database_url=url,
        telegram_api_url=api,
        outbox_rate_per_second=rate,
        **more,
    )


async def _instances(setup: Setup, url: str, api: str) -> int:
    """Run the delivery in ``setup.instances`` processes at once, until the queue is empty."""
    if setup.redis_url is not None:
        redis = Redis.from_url(setup.redis_url)
        await redis.flushdb()  # the budget's keys from an earlier scenario
        await redis.aclose()
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.broadcast",
            "--serve-as",
            f"bench-{number}",
            env={
                **os.environ,
                "BENCH_SERVE_DATABASE": url,
                "BENCH_SERVE_API": api,
                "BENCH_SERVE_REDIS": setup.redis_url or "",
                "BENCH_SERVE_RATE": str(setup.rate),
            },
        )
        for number in range(1, setup.instances + 1)
    ]
    codes = [await process.wait() for process in processes]
    if any(codes):
        raise RuntimeError(f"an instance failed: exit codes {codes}")
    return 0


async def serve_as(instance: str) -> int:
    """One instance of the bot's delivery, as ``python -m bot`` runs it, until nothing is left."""
    env = os.environ
    settings = _settings(
        env["BENCH_SERVE_DATABASE"],
        env["BENCH_SERVE_API"],
        float(env["BENCH_SERVE_RATE"]),
        redis_url=env["BENCH_SERVE_REDIS"] or None,
        instance_name=instance,
    )
    runtime = create_runtime(settings)
    bot = create_bot(settings)
    delivery = create_delivery(runtime, bot)
    try:
        await delivery.deliver_pending()
    finally:
        await bot.session.close()
        await runtime.engine.dispose()
        if runtime.redis is not None:
            await runtime.redis.aclose()
    return 0


def _users(stand_in: BotApiStandIn, chats: list[int], blocked: set[int]) -> None:
    for chat in chats:
        stand_in.add_user(chat, language_code=None)
    for chat in blocked:
        stand_in.block(chat, notify=False)
    stand_in.add_user(HR_CHAT, "HR", language_code="en")


async def _populate(runtime: Runtime, count: int) -> list[int]:
    today = runtime.clock.today()
    validation = load_staff_file(staff_csv(count).encode("utf-8"), "staff.csv", today)
    assert validation.ok, [e.describe() for e in validation.errors[:5]]
    async with runtime.sessionmaker.begin() as session:
        await people.import_staff(session, validation, today)
        await session.execute(update(Employee).values(telegram_user_id=Employee.id + TELEGRAM_BASE))
        return sorted(chat for chat in await session.scalars(select(Employee.telegram_user_id)) if chat)


async def _burst_when(server: StandInThread, run: asyncio.Task[int], after: int) -> None:
    """Telegram answers the next calls with 429 once ``after`` messages went out: those in
    flight together all get it, as when Telegram's flood control kicks in."""
    stand_in = server.stand_in
    for _poll in range(1_000_000):
        if run.done() or await server.call(lambda: sum(stand_in.sent_counts.values())) >= after:
            break
        await asyncio.sleep(0.02)
    await server.call(lambda: stand_in.fail_next("sendMessage", 429, retry_after=1, times=5))


def _measure(
    name: str,
    log: list[SendRecord],
    sent: Counter[int],
    recipients: set[int],
    blocked: set[int],
    counts: DeliveryCounts,
    wall: float,
    edits: int,
) -> Outcome:
    answered = sorted(
        r.at for r in log if r.chat_id in recipients and r.method == "sendMessage" and r.status in (200, 403)
    )
    window = answered[-1] - answered[0] if len(answered) > 1 else 0.0
    rate = (len(answered) - 1) / window if window else 0.0
    delivered = {chat for chat in recipients if sent[chat]}
    return Outcome(
        scenario=name,
        recipients=len(recipients),
        delivered=counts.delivered,
        blocked=counts.blocked,
        failed=counts.failed,
        duplicates=sum(1 for chat in recipients if sent[chat] > 1),
        lost=len(recipients - blocked - delivered),
        db_matches_telegram=(counts.delivered, counts.blocked, counts.pending)
        == (len(delivered), len(blocked), 0),
        flood_429=sum(1 for r in log if r.status == 429 and not r.injected),
        injected_429=sum(1 for r in log if r.status == 429 and r.injected),
        window_s=round(window, 2),
        wall_s=round(wall, 2),
        rate=round(rate, 2),
        share=round(rate / LIMIT, 3),
        progress_edits=edits,
    )


def _table(outcomes: list[Outcome]) -> str:
    header = (
        f"{'scenario':<14}{'sent':>6}{'403':>6}{'fail':>6}{'dup':>5}{'lost':>6}{'429*':>6}"
        f"{'window s':>10}{'wall s':>9}{'msg/s':>8}{'of 30/s':>9}  goal"
    )
    rows = [
        f"{o.scenario:<14}{o.delivered:>6}{o.blocked:>6}{o.failed:>6}{o.duplicates:>5}{o.lost:>6}"
        f"{o.flood_429:>6}{o.window_s:>10.1f}{o.wall_s:>9.1f}{o.rate:>8.2f}{o.share:>9.1%}  "
        + ("met" if o.goal_met else "MISSED")
        for o in outcomes
    ]
    return "\n".join([header, *rows, "429*: refused by the stand-in's own limits (the sender went too fast)"])


async def main_async(args: argparse.Namespace) -> int:
    if args.serve_as:
        return await serve_as(args.serve_as)
    if args.instances > 1 and args.database != "postgresql":
        raise SystemExit("several instances run on PostgreSQL: add --database postgresql")
    shared = args.instances > 1 and not args.no_shared_budget
    setup = Setup(
        recipients=args.recipients,
        database=args.database,
        rate=args.rate,
        latency=args.latency,
        instances=args.instances,
        redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14") if shared else None,
    )
    outcomes = []
    for name in ("clean", "blocked_5pct", "burst_429"):
        print(
            f"{name}: {args.recipients} recipients on {args.database}, {args.instances} instance(s) …",
            file=sys.stderr,
            flush=True,
        )
        outcomes.append(await run_scenario(name, setup))
    report = {
        "recipients": args.recipients,
        "database": args.database,
        "instances": args.instances,
        "shared_budget": shared,
        "outbox_rate_per_second": args.rate,
        "telegram_limit_per_second": LIMIT,
        "latency_s": args.latency,
        "goal_share": GOAL,
        "scenarios": [{**asdict(o), "goal_met": o.goal_met} for o in outcomes],
    }
    results = (
        RESULTS if args.instances == 1 else RESULTS.with_name(f"broadcast-{args.instances}-instances.json")
    )
    if args.instances > 1 and not shared:
        results = results.with_name(results.stem + "-unshared.json")
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(_table(outcomes))
    print(f"written to {results}")
    return 0 if all(o.goal_met for o in outcomes) else 1


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcast", description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rate", type=float, default=LIMIT, help="OUTBOX_RATE_PER_SECOND (default 30)")
    parser.add_argument("--latency", type=float, default=0.15, help="seconds per Bot API call (default 0.15)")
    parser.add_argument("--instances", type=int, default=1, help="bot processes sending (default 1)")
    parser.add_argument("--no-shared-budget", action="store_true", help="instances without Redis")
    parser.add_argument("--serve-as", help=argparse.SUPPRESS)  # one instance, started by the benchmark
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    raise SystemExit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
