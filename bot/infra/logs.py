"""The process's logging: one line a record on standard error, and repeats held back.

While the database or Telegram is away, every update, outbox run and scheduler job fails the
same way, several times a second: a 36-second database outage wrote 350 tracebacks (42,940
lines), burying what came before and after it. ``RepeatedRecords`` lets the first of a kind
through and holds back the same record (logger, message template, exception type) for an
interval, then says how many it held back."""

from __future__ import annotations

import atexit
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REPEAT_INTERVAL = 60.0  # seconds


@dataclass(slots=True)
class _Seen:
    since: float  # when the record let through was made (LogRecord.created)
    level: int
    held_back: int = 0
    last: str = ""  # the last held back, as it would have read
    last_at: float = 0.0


class RepeatedRecords(logging.Filter):
    """A handler's filter: records at ``level`` and above that repeat one let through less than
    ``interval`` seconds before are dropped and counted. Once the interval is over, at the next
    record of any kind, the count is reported through ``report`` (the handler's ``handle``) as
    one record: the last one held back, "[repeated N time(s) …, not logged]". Records below
    ``level`` all pass: the "update handled" lines of normal work are not repeats of a fault."""

    MAX_KINDS = 1024  # messages formatted by the caller differ each time: forget the oldest

    def __init__(
        self,
        report: Callable[[logging.LogRecord], object],
        interval: float = REPEAT_INTERVAL,
        level: int = logging.WARNING,
    ) -> None:
        super().__init__()
        self.report = report
        self.interval = interval
        self.level = level
        self._seen: dict[tuple[str, str, str | None], _Seen] = {}
        self._next_end = math.inf  # the earliest end of an interval: most records look no further
        self._lock = threading.Lock()  # the scheduler's and the database driver's threads log too

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "repeats", False):  # a count this filter reported
            return True
        for summary in self._ended(record.created):
            self.report(summary)
        if record.levelno < self.level:
            return True
        error = record.exc_info[0] if record.exc_info else None
        key = (record.name, str(record.msg), error.__name__ if error is not None else None)
        with self._lock:
            seen = self._seen.get(key)
            if seen is not None:
                seen.held_back += 1
                seen.last, seen.last_at = record.getMessage(), record.created
                return False
            self._seen[key] = _Seen(record.created, record.levelno)
            self._next_end = min(self._next_end, record.created + self.interval)
            if len(self._seen) > self.MAX_KINDS:
                del self._seen[next(iter(self._seen))]
        return True

    def report_held_back(self) -> None:
        """Report every count now, intervals over or not: at the process's exit."""
        for summary in self._ended(time.time(), everything=True):
            self.report(summary)

    def _ended(self, now: float, *, everything: bool = False) -> list[logging.LogRecord]:
        """The counts of the kinds whose interval is over, which are forgotten: their next
        record is let through in full."""
        with self._lock:
            if now < self._next_end and not everything:
                return []
            ended = [
                (key, seen)
                for key, seen in self._seen.items()
                if everything or now - seen.since >= self.interval
            ]
            for key, _seen in ended:
                del self._seen[key]
            self._next_end = min(
                (seen.since + self.interval for seen in self._seen.values()), default=math.inf
            )
        summaries = []
        for (name, _template, _error), seen in ended:
            if seen.held_back:
                summary = logging.LogRecord(
                    name,
                    seen.level,
                    __file__,
                    0,
                    f"{seen.last} [repeated {seen.held_back} time(s) in the "
                    f"{round(seen.last_at - seen.since, 1):g} s after the first, not logged]",
                    None,
                    None,
                )
                summary.created, summary.repeats = now, True
                summaries.append(summary)
        return summaries


def configure_logging(level: str | int) -> None:
    """Standard error at ``level``, repeats held back (see RepeatedRecords). Like
    ``logging.basicConfig``, it leaves a logging set up already (a test's capture) alone."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    repeats = RepeatedRecords(handler.handle)
    handler.addFilter(repeats)
    logging.basicConfig(level=level, handlers=[handler])
    if handler in logging.getLogger().handlers:
        # Registered after logging's own exit hook, so it runs before the handlers close.
        atexit.register(repeats.report_held_back)
    if logging.getLogger().level > logging.DEBUG:
        # The scheduler reports every outbox tick at INFO: seconds apart, all day long.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
