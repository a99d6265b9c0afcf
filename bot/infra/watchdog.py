"""A watchdog for the event loop: says so in the log when the loop stops answering.

Everything the bot does shares one event loop; a piece of code that holds it (CPU work, a
blocking call, a thread holding the GIL) makes every person wait, and nothing else would
notice (issue 20: a ZIP of reports held the bot for 7 s). A daemon thread posts a ping to
the loop every few tens of milliseconds; when one has waited longer than the threshold, it
looks at what the loop's thread is running at that moment and, once the loop answers again,
logs one WARNING line: how long the loop stood still and the innermost frames of the
project's own code. Only file names, line numbers and function names: no values, so no
personal data.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
import traceback
from pathlib import Path

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The project's own code is everything under its root except the installed libraries.
LIBRARIES = ("site-packages", "dist-packages", f"{Path('.venv')}")
FRAMES_SHOWN = 3


class LoopWatchdog:
    """Start it on the loop's own thread (:meth:`start`), stop it before the loop ends."""

    def __init__(self, threshold: float = 0.25, *, poll: float | None = None) -> None:
        self.threshold = threshold
        self.poll = poll if poll is not None else min(0.05, threshold / 5)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._answered = threading.Event()

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._watch, name="loop-watchdog", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _watch(self) -> None:
        assert self._loop is not None
        while not self._stopping.is_set():
            self._answered.clear()
            sent = time.monotonic()
            try:
                self._loop.call_soon_threadsafe(self._answered.set)
            except RuntimeError:  # the loop is closed
                return
            where = None
            while not self._answered.wait(self.poll):
                if self._stopping.is_set():
                    return
                if where is None and time.monotonic() - sent > self.threshold:
                    where = self._running_now()  # seen during the stall, reported after it
            if where is not None:
                stalled = time.monotonic() - sent
                log.warning("the event loop stood still for %.0f ms, running %s", stalled * 1000, where)
            self._stopping.wait(self.poll)

    def _running_now(self) -> str:
        frame = sys._current_frames().get(self._loop_thread)
        if frame is None:
            return "(unknown)"
        return describe(traceback.extract_stack(frame))


def describe(stack: traceback.StackSummary) -> str:
    """The innermost frames of the project's own code, innermost last; the innermost frame of
    any code when none is the project's."""
    own = [f for f in stack if _is_own(f.filename)] or list(stack)[-1:]
    return " < ".join(f"{_relative(f.filename)}:{f.lineno} {f.name}" for f in reversed(own[-FRAMES_SHOWN:]))


def _is_own(filename: str) -> bool:
    return filename.startswith(str(PROJECT_ROOT)) and not any(part in filename for part in LIBRARIES)


def _relative(filename: str) -> str:
    path = Path(filename)
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else path.name
