"""The loop watchdog (bot/infra/watchdog.py): a loop held by blocking work is reported, with
the function that held it; a loop that only awaits is not."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import pytest

from bot.infra.watchdog import LoopWatchdog


def hold_the_loop_for(seconds: float) -> None:
    """Work on the loop's thread that never yields: what the watchdog is for. A busy loop, not
    time.sleep, whose absolute-deadline sleep libfaketime refuses (EINVAL) when the suite runs
    under a faked date."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


async def test_a_blocked_loop_is_reported_once_with_what_held_it(caplog: pytest.LogCaptureFixture) -> None:
    watchdog = LoopWatchdog(0.25)
    with caplog.at_level(logging.WARNING, logger="bot.infra.watchdog"):
        watchdog.start()
        try:
            await asyncio.sleep(0.1)
            hold_the_loop_for(0.4)
            await asyncio.sleep(0.2)  # the loop answers: the stall is logged
        finally:
            watchdog.stop()
    stalls = [r.getMessage() for r in caplog.records]
    assert len(stalls) == 1, stalls
    assert "hold_the_loop_for" in stalls[0] and "tests/test_watchdog.py" in stalls[0]
    stalled_ms = int(stalls[0].split("for ")[1].split(" ms")[0])
    assert 250 < stalled_ms < 2000


async def test_a_loop_that_only_awaits_is_not_reported(caplog: pytest.LogCaptureFixture) -> None:
    watchdog = LoopWatchdog(0.25)
    with caplog.at_level(logging.WARNING, logger="bot.infra.watchdog"):
        watchdog.start()
        try:
            for _ in range(5):
                await asyncio.sleep(0.1)
        finally:
            watchdog.stop()
    assert not caplog.records


async def test_stopping_joins_the_thread() -> None:
    watchdog = LoopWatchdog(0.25)
    watchdog.start()
    assert watchdog.running
    watchdog.stop()
    assert not watchdog.running
    assert not any(t.name == "loop-watchdog" for t in threading.enumerate())
