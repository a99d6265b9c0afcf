"""A watchdog for the event loop: says so in the log when the loop stops answering.

Everything the bot does shares one event loop; a piece of code that holds it (CPU work, a
blocking call, a thread holding the GIL) makes every person wait, and nothing else would
notice (issue 20: a ZIP of reports held the bot for 7 s). The loop beats every ``poll``
seconds (a ``call_later``) and measures, on the monotonic clock, how late each beat came: a
beat late by more than the threshold is a stall, logged as one WARNING line by the loop when
it runs again, with how long it stood still and the innermost frames of the project's own
code that its thread was running (the place seen most often during the stall). Neither the
wall clock nor when another thread gets to run changes what is measured.

What the loop's thread runs is sampled two ways while a beat is overdue:

* every ``poll`` seconds by the watchdog's thread (``sys._current_frames``); that thread
  needs the GIL, which the code holding the loop may not give up: a C call that never checks
  for a thread switch (a sort, a regular expression, a parser), or, under libfaketime's
  default "monotonic fix", any code at all (its ``pthread_cond_timedwait`` breaks the GIL's
  5 ms hand-over; docs/testing.md);
* once, at ``threshold`` past the beat that is due, by :mod:`faulthandler`'s own C thread,
  which reads the stacks without the GIL (``faulthandler.dump_traceback_later``, set again by
  the watchdog's thread after each beat). That timer is one per process: nothing else in the
  bot may use it while the watchdog runs.

Only file names, line numbers and function names: no values, so no personal data.
"""

from __future__ import annotations

import asyncio
import faulthandler
import logging
import os
import re
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The project's own code is everything under its root except the installed libraries.
LIBRARIES = ("site-packages", "dist-packages", f"{Path('.venv')}")
FRAMES_SHOWN = 3
_DUMP_LIMIT = 1 << 20  # bytes of faulthandler's dump read back (every thread's stack)
_THREAD = re.compile(r"^(?:Current thread|Thread) (0x[0-9a-f]+) \(most recent call first\):$")
_FRAME = re.compile(r'^  File "(.*)", line (\d+) in (.*)$')


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
        self._dump: IO[bytes] | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._stopping.clear()
        self._dump = tempfile.TemporaryFile()  # noqa: SIM115 -- closed by stop()
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
        faulthandler.cancel_dump_traceback_later()
        if self._dump is not None:
            self._dump.close()
            self._dump = None

    def _on_beat(self) -> None:
        """Run by the loop every ``poll`` seconds: late by more than the threshold is a stall."""
        assert self._loop is not None and self._dump is not None
        now = time.monotonic()
        late = now - self._due
        dump = self._dump.fileno()
        dumped = os.fstat(dump).st_size > 0
        if late > self.threshold:
            with self._seen_lock:
                seen, self._seen = self._seen, Counter()
            at_threshold = self._dumped(dump) if dumped else None
            if at_threshold is not None:
                seen[at_threshold] += 1
            where = seen.most_common(1)[0][0] if seen else "(not seen)"
            log.warning("the event loop stood still for %.0f ms, running %s", late * 1000, where)
        else:
            with self._seen_lock:
                self._seen.clear()
        if dumped:
            os.ftruncate(dump, 0)
        self._due = now + self.poll
        self._beat = self._loop.call_later(self.poll, self._on_beat)

    def _watch(self) -> None:
        """The watchdog's thread: keeps faulthandler's timer set for ``threshold`` past the
        loop's next beat, and samples the loop's thread while a beat is overdue."""
        assert self._dump is not None
        dump = self._dump.fileno()
        armed_for = 0.0
        while not self._stopping.wait(self.poll):
            due = self._due
            now = time.monotonic()
            if due != armed_for and due + self.threshold > now:
                faulthandler.dump_traceback_later(due + self.threshold - now, file=dump)
                armed_for = due
            if now - due > self.threshold:
                where = self._running_now()
                if where is not None and self._due == due:  # the beat is still overdue: seen in the stall
                    with self._seen_lock:
                        self._seen[where] += 1

    def _running_now(self) -> str | None:
        frame = sys._current_frames().get(self._loop_thread)
        return None if frame is None else describe(traceback.extract_stack(frame))

    def _dumped(self, dump: int) -> str | None:
        """The loop thread's stack in faulthandler's dump."""
        stack = loop_stack(os.pread(dump, _DUMP_LIMIT, 0).decode("utf-8", "replace"), self._loop_thread)
        return None if stack is None else describe(stack)


def loop_stack(dump: str, thread_id: int) -> traceback.StackSummary | None:
    """One thread's stack, outermost first, from faulthandler's text (innermost first)."""
    frames: list[traceback.FrameSummary] | None = None
    for line in dump.splitlines():
        if header := _THREAD.match(line):
            if frames is not None:
                break
            if int(header.group(1), 16) == thread_id:
                frames = []
        elif frames is not None and (frame := _FRAME.match(line)):
            filename, lineno, name = frame.groups()
            frames.append(traceback.FrameSummary(filename, int(lineno), name, lookup_line=False))
    return None if not frames else traceback.StackSummary.from_list(reversed(frames))


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
