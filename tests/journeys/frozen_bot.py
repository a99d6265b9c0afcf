"""``python -m tests.journeys.frozen_bot run``: the bot, as ``python -m bot run`` starts it, with
its clock set to ``JOURNEY_NOW`` (an ISO moment) when it starts, so that every date a journey's
screens show is the same on every run (docs/screens/README.md).

The clock is moved with time-machine inside this process: the bot's own code still reads
``SystemClock`` and nothing in it knows it is being tested. The clock goes on ticking from that
moment: the outbox is an APScheduler interval job, which a stopped clock would never run. A
journey lasts well under the hour, so the date and the hour a screen shows are stable; a
screen that showed minutes of the present moment would not be (none does, docs/screens/)."""

from __future__ import annotations

import atexit
import faulthandler
import os
import signal
import sys
from datetime import datetime
from pathlib import Path

import time_machine

from bot.cli import main

# SIGUSR1 writes every thread's stack to standard error (the bot's log): what the journey does
# when the bot has not begun polling in time (tests/journeys/conftest.py), to show where it stands.
DUMP_STACKS = signal.SIGUSR1


def run() -> int:
    faulthandler.enable(all_threads=True)  # a crash writes where every thread was to the log
    faulthandler.register(DUMP_STACKS, all_threads=True)
    moment = datetime.fromisoformat(os.environ["JOURNEY_NOW"])
    with time_machine.travel(moment, tick=True):
        return main(sys.argv[1:])


def forked(env: dict[str, str], log: str, root: str) -> None:
    """``run`` in a process forked from the tests' fork server (tests/e2e/support.py,
    ``BotProcess``), which imported the bot once: what ``python -m tests.journeys.frozen_bot run``
    with ``env``, in ``root``, writing to ``log`` would do, without its seconds of imports.
    The process is this one alone (no other thread), so its environment may be rewritten."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(root)
    written = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(written, sys.stdout.fileno())
    os.dup2(written, sys.stderr.fileno())
    os.close(written)
    sys.argv = [str(Path(__file__)), "run"]
    code = run()
    # A forked child ends with os._exit, which runs no exit hooks; a new interpreter would run
    # them (the log's held-back repeats are reported by one, bot/infra/logs.py).
    atexit._run_exitfuncs()
    raise SystemExit(code)


if __name__ == "__main__":
    raise SystemExit(run())
