"""The loop watchdog (bot/infra/watchdog.py): a loop held by blocking work is reported, with
the function that held it; a loop that only awaits is not."""

from __future__ import annotations

import asyncio
import logging
import random
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
    # A loaded machine may stall the loop for a moment of its own too: only the hold must be
    # reported, once, with the function that held it.
    stalls = [r.getMessage() for r in caplog.records if "hold_the_loop_for" in r.getMessage()]
    assert len(stalls) == 1, [r.getMessage() for r in caplog.records]
    assert "tests/test_watchdog.py" in stalls[0]
    stalled_ms = int(stalls[0].split("for ")[1].split(" ms")[0])
    assert 250 < stalled_ms < 2000


def sort_in_c(numbers: list[float]) -> list[float]:
    """One C call that holds the GIL throughout and never lets another thread run."""
    return sorted(numbers)


async def test_a_c_call_that_keeps_the_gil_is_reported_with_its_caller(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No Python thread runs while sorted() holds the GIL: the stall is measured by the loop
    itself, and what ran is seen by the watchdog's thread when the GIL comes back, in the Python
    code around the call (this test, or the function that called sorted())."""
    rng = random.Random(17)
    numbers = [rng.random() for _ in range(1_500_000)]
    start = time.monotonic()
    sort_in_c(numbers[:300_000])
    if (time.monotonic() - start) * 5 < 0.2:  # the whole sort would be shorter than the threshold
        numbers *= 4
    watchdog = LoopWatchdog(0.1)
    with caplog.at_level(logging.WARNING, logger="bot.infra.watchdog"):
        watchdog.start()
        try:
            await asyncio.sleep(0.2)
            start = time.monotonic()
            sort_in_c(numbers)
            held = time.monotonic() - start
            await asyncio.sleep(0.2)
        finally:
            watchdog.stop()
    assert held > 0.2, f"the sort took only {held:.3f} s: no stall to see"
    stalls = [r.getMessage() for r in caplog.records if "tests/test_watchdog.py" in r.getMessage()]
    assert len(stalls) == 1, [r.getMessage() for r in caplog.records]
    assert "sort_in_c" in stalls[0] or "test_a_c_call_that_keeps_the_gil" in stalls[0], stalls


def test_no_timer_of_faulthandler_is_left_armed() -> None:
    """The watchdog must not use faulthandler's timer: its C thread reads the loop thread's
    frames without the GIL and crashed the bot (bot/infra/watchdog.py)."""
    import inspect

    import bot.infra.watchdog as module

    assert "dump_traceback_later(" not in inspect.getsource(module).replace("``dump_traceback_later``", "")


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
