"""The process's logging: one line a record on standard error, and repeats held back.

While the database or Telegram is away, every update, outbox run and scheduler job fails the
same way, several times a second: a 36-second database outage wrote 350 tracebacks (42,940
lines), burying what came before and after it. ``RepeatedRecords`` lets the first of a kind
through and holds back the same record (logger, message template, exception type) for an
interval; the first one after the interval carries the count of those held back."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REPEAT_INTERVAL = 60.0  # seconds


@dataclass(slots=True)
class _Seen:
    since: float  # when the last record let through was made (LogRecord.created)
    held_back: int = 0


class RepeatedRecords(logging.Filter):
    """A handler's filter: records at ``level`` and above that repeat one let through less than
    ``interval`` seconds before are dropped and counted. Records below ``level`` all pass (the
    "update handled" lines of normal work are not repeats of a fault)."""

    MAX_KINDS = 1024  # messages formatted by the caller differ each time: forget the oldest

    def __init__(self, interval: float = REPEAT_INTERVAL, level: int = logging.WARNING) -> None:
        super().__init__()
        self.interval = interval
        self.level = level
        self._seen: dict[tuple[str, str, str | None], _Seen] = {}
        self._lock = threading.Lock()  # the scheduler's and the database driver's threads log too

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < self.level:
            return True
        error = record.exc_info[0] if record.exc_info else None
        key = (record.name, str(record.msg), error.__name__ if error is not None else None)
        with self._lock:
            seen = self._seen.get(key)
            if seen is not None and record.created - seen.since < self.interval:
                seen.held_back += 1
                return False
            self._seen.pop(key, None)
            self._seen[key] = _Seen(record.created)
            if len(self._seen) > self.MAX_KINDS:
                del self._seen[next(iter(self._seen))]
        if seen is not None and seen.held_back:
            # Formatted here, so that the count cannot clash with the record's own arguments.
            record.msg = (
                f"{record.getMessage()} [repeated {seen.held_back} time(s) in the last "
                f"{record.created - seen.since:.0f} s, not logged]"
            )
            record.args = None
        return True


def configure_logging(level: str | int) -> None:
    """Standard error at ``level``, repeats held back (see RepeatedRecords). Like
    ``logging.basicConfig``, it leaves a logging set up already (a test's capture) alone."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RepeatedRecords())
    logging.basicConfig(level=level, handlers=[handler])
    if logging.getLogger().level > logging.DEBUG:
        # The scheduler reports every outbox tick at INFO: seconds apart, all day long.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
