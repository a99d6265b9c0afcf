"""A watchdog for the event loop: says so in the log when the loop stops answering.

Everything the bot does shares one event loop; a piece of code that holds it (CPU work, a
blocking call, a thread holding the GIL) makes every person wait, and nothing else would
notice (issue 20: a ZIP of reports held the bot for 7 s). The loop beats every ``poll``
seconds (a ``call_later``) and measures, on the monotonic clock, how late each beat came: a
beat late by more than the threshold is a stall, logged as one WARNING line by the loop when
it runs again, with how long it stood still and the innermost frames of the project's own
code that its thread was running (the place seen most often during the stall). Neither the
wall clock nor when another thread gets to run changes what is measured.

What the loop's thread runs is sampled every ``poll`` seconds while a beat is overdue, by the
watchdog's own thread (``sys._current_frames``, with the GIL). A C call that holds the GIL
throughout (a sort, a regular expression, a parser) lets no thread sample it: it is seen as
the Python code that called it, when the GIL comes back, and the stall is measured all the same.

Not with :mod:`faulthandler`'s timer (``dump_traceback_later``), which an earlier version re-armed
after each beat: its C thread reads the other threads' frames without the GIL, and when it fired
while the loop's thread was running Python it crashed the process now and then (SIGSEGV; the
journeys' bots and a benchmark's bot, on a loaded machine; ``faulthandler``'s own limitation, seen
with a timer firing every half millisecond on a thread running deep calls: exit 139 within
seconds, and never without the timer).

Only file names, line numbers and function names: no values, so no personal data.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The project's own code is everything under its root except the installed libraries.
LIBRARIES = ("site-packages", "dist-packages", f"{Path('.venv')}")
FRAMES_SHOWN = 3


class LoopWatchdog:
    """Start it on the loop's own thread (:meth:`start`), stop it there before the loop ends."""

    def __init__(self, threshold: float = 0.25, *, poll: float | None = None) -> None:
        self.threshold = threshold
        self.poll = poll if poll is not None else min(0.05, threshold / 5)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._beat: asyncio.TimerHandle | None = None
        self._due = 0.0  # when the loop's next beat is due (monotonic)
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._seen: Counter[str] = Counter()  # the watchdog thread's samples of this stall
        self._seen_lock = threading.Lock()

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._stopping.clear()
        self._due = time.monotonic() + self.poll
        self._beat = self._loop.call_later(self.poll, self._on_beat)
        self._thread = threading.Thread(target=self._watch, name="loop-watchdog", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stopping.set()
        if self._beat is not None:
            self._beat.cancel()
            self._beat = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _on_beat(self) -> None:
        """Run by the loop every ``poll`` seconds: late by more than the threshold is a stall."""
        assert self._loop is not None
        now = time.monotonic()
        late = now - self._due
        if late > self.threshold:
            with self._seen_lock:
                seen, self._seen = self._seen, Counter()
            where = seen.most_common(1)[0][0] if seen else "(not seen)"
            log.warning("the event loop stood still for %.0f ms, running %s", late * 1000, where)
        else:
            with self._seen_lock:
                self._seen.clear()
        self._due = now + self.poll
        self._beat = self._loop.call_later(self.poll, self._on_beat)

    def _watch(self) -> None:
        """The watchdog's thread: samples the loop's thread while a beat is overdue."""
        while not self._stopping.wait(self.poll):
            due = self._due
            if time.monotonic() - due > self.threshold:
                where = self._running_now()
                if where is not None and self._due == due:  # the beat is still overdue: seen in the stall
                    with self._seen_lock:
                        self._seen[where] += 1

    def _running_now(self) -> str | None:
        frame = sys._current_frames().get(self._loop_thread)
        if frame is None:
            return None
        # Names and line numbers only: reading the source lines (linecache) gives the GIL back
        # at each file, and the sample would come after the stall it was taken in.
        stack = traceback.StackSummary.extract(traceback.walk_stack(frame), lookup_lines=False)
        stack.reverse()
        return describe(stack)


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
