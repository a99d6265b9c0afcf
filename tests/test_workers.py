"""The worker processes (bot/infra/workers.py) run below the bot's CPU priority, so that a
ZIP of hundreds of PDFs on every core leaves the event loop the CPU whenever it needs it."""

from __future__ import annotations

import os

from bot.infra.workers import WORKER_NICENESS, Workers


async def test_workers_run_at_a_lower_priority_than_the_bot() -> None:
    workers = Workers("kk", size=1)
    try:
        # os.nice(0) changes nothing and returns the process's niceness.
        assert await workers.run(os.nice, 0) == min(19, os.nice(0) + WORKER_NICENESS)
    finally:
        workers.shutdown()
