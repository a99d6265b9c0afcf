"""Repeats held back: during an outage the same failure is logged once an interval, then its
count."""

from __future__ import annotations

import io
import logging

from bot.infra.logs import RepeatedRecords

T0 = 1_800_000_000.0  # a record's creation time, given by the test


def _record(
    created: float,
    msg: str = "outbox %s could not be delivered",
    args: tuple[object, ...] = (7,),
    *,
    name: str = "bot.infra.outbox",
    level: int = logging.ERROR,
    error: BaseException | None = None,
) -> logging.LogRecord:
    exc_info = (type(error), error, None) if error is not None else None
    record = logging.LogRecord(name, level, __file__, 1, msg, args, exc_info)
    record.created = created
    return record


def test_a_repeated_failure_is_let_through_once_an_interval_then_counted() -> None:
    reported: list[logging.LogRecord] = []
    repeats = RepeatedRecords(reported.append, interval=60)
    refused = ConnectionRefusedError(111, "Connect call failed")
    assert repeats.filter(_record(T0, error=refused))
    held = [repeats.filter(_record(T0 + i / 4, args=(i,), error=refused)) for i in range(1, 200)]
    assert not any(held)  # 199 records in 50 s: the same logger, template and exception
    assert reported == []
    # The interval over, the next record of any kind brings the count, as its own record.
    assert repeats.filter(_record(T0 + 61, "update %s handled", (1,), level=logging.INFO))
    [summary] = reported
    assert (summary.name, summary.levelno, summary.exc_info) == ("bot.infra.outbox", logging.ERROR, None)
    assert summary.getMessage() == (
        "outbox 199 could not be delivered [repeated 199 time(s) in the 49.8 s after the first, not logged]"
    )
    assert repeats.filter(summary)  # the handler passes it back through the filter
    # Counted once: the next failure is let through in full, and its repeats counted afresh.
    assert repeats.filter(_record(T0 + 62, error=refused))
    assert not repeats.filter(_record(T0 + 63, error=refused))
    assert repeats.filter(_record(T0 + 200, error=refused))  # the record that ends it is let through
    assert len(reported) == 2 and "[repeated 1 time(s)" in reported[1].getMessage()


def test_the_counts_held_back_are_reported_at_exit() -> None:
    reported: list[logging.LogRecord] = []
    repeats = RepeatedRecords(reported.append, interval=3600)
    for i in range(5):
        assert repeats.filter(_record(T0 + i, error=TimeoutError())) is (i == 0)
    assert repeats.filter(_record(T0, "once only"))
    repeats.report_held_back()  # the process stops (atexit) long before the hour is over
    assert [r.getMessage() for r in reported] == [
        "outbox 7 could not be delivered [repeated 4 time(s) in the 4 s after the first, not logged]"
    ]


def test_a_failure_that_does_not_repeat_is_not_reported_again() -> None:
    reported: list[logging.LogRecord] = []
    repeats = RepeatedRecords(reported.append, interval=60)
    assert repeats.filter(_record(T0, error=TimeoutError()))
    assert repeats.filter(_record(T0 + 120, "something else"))
    assert reported == []
    assert repeats.filter(_record(T0 + 121, error=TimeoutError()))  # a fresh interval


def test_different_failures_and_normal_work_are_not_held_back() -> None:
    repeats = RepeatedRecords(lambda record: None, interval=60)
    assert repeats.filter(_record(T0, error=ConnectionRefusedError()))
    assert repeats.filter(_record(T0, error=TimeoutError()))  # another exception
    assert repeats.filter(_record(T0, name="bot.factory", error=TimeoutError()))  # another logger
    assert repeats.filter(_record(T0, "outbox: could not claim rows"))  # another message
    for i in range(100):  # below WARNING: every "update handled" line stays
        assert repeats.filter(_record(T0 + i / 10, "update %s handled", (i,), level=logging.INFO))
    plain = _record(T0 + 1, "the database is unavailable (%s)", ("OSError",), level=logging.WARNING)
    assert repeats.filter(plain) and plain.getMessage() == "the database is unavailable (OSError)"


def test_the_handler_writes_one_traceback_for_a_burst_and_then_the_count() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RepeatedRecords(handler.handle, interval=0.2))
    logger = logging.getLogger("tests.burst")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for attempt in range(50):
            try:
                raise ConnectionRefusedError(111, f"Connect call failed (attempt {attempt})")
            except ConnectionRefusedError:
                logger.exception("outbox: could not claim rows; trying again at the next run")
        record = _record(T0 * 2, "back", (), name="tests.burst", level=logging.WARNING)  # long after
        logger.handle(record)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    written = stream.getvalue().splitlines()
    assert sum(line.startswith("Traceback") for line in written) == 1
    first, count, back = [line for line in written if "could not claim rows" in line or line == "back"]
    assert first == "outbox: could not claim rows; trying again at the next run"
    assert count.startswith(f"{first} [repeated 49 time(s) in the ")
    assert count.endswith(" s after the first, not logged]")
    assert back == "back"
