"""Repeats held back: during an outage the same failure is logged once an interval, with a count."""

from __future__ import annotations

import io
import logging

from bot.logs import RepeatedRecords

T0 = 1_800_000_000.0  # a record's creation time, given by the test


def _record(
    created: float,
    msg: str = "outbox %s could not be delivered",
    args: tuple[object, ...] = (7,),
    *,
    name: str = "bot.delivery",
    level: int = logging.ERROR,
    error: BaseException | None = None,
) -> logging.LogRecord:
    exc_info = (type(error), error, None) if error is not None else None
    record = logging.LogRecord(name, level, __file__, 1, msg, args, exc_info)
    record.created = created
    return record


def test_a_repeated_failure_is_let_through_once_an_interval_with_its_count() -> None:
    repeats = RepeatedRecords(interval=60)
    refused = ConnectionRefusedError(111, "Connect call failed")
    assert repeats.filter(_record(T0, error=refused))
    held = [repeats.filter(_record(T0 + i / 4, args=(i,), error=refused)) for i in range(1, 200)]
    assert not any(held)  # 199 records in 50 s: the same logger, template and exception
    after = _record(T0 + 61, args=(8,), error=refused)
    assert repeats.filter(after)
    assert after.getMessage() == (
        "outbox 8 could not be delivered [repeated 199 time(s) in the last 61 s, not logged]"
    )
    # The count starts again from the record let through.
    assert not repeats.filter(_record(T0 + 62, error=refused))
    fresh = _record(T0 + 122, error=refused)
    assert repeats.filter(fresh)
    assert fresh.getMessage().endswith("[repeated 1 time(s) in the last 61 s, not logged]")


def test_different_failures_and_normal_work_are_not_held_back() -> None:
    repeats = RepeatedRecords(interval=60)
    assert repeats.filter(_record(T0, error=ConnectionRefusedError()))
    assert repeats.filter(_record(T0, error=TimeoutError()))  # another exception
    assert repeats.filter(_record(T0, name="bot.factory", error=TimeoutError()))  # another logger
    assert repeats.filter(_record(T0, "outbox: could not claim rows"))  # another message
    for i in range(100):  # below WARNING: every "update handled" line stays
        assert repeats.filter(_record(T0 + i, "update %s handled", (i,), level=logging.INFO))
    plain = _record(T0 + 1, "the database is unavailable (%s)", ("OSError",), level=logging.WARNING)
    assert repeats.filter(plain) and plain.getMessage() == "the database is unavailable (OSError)"


def test_the_handler_writes_one_traceback_for_a_burst() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RepeatedRecords(interval=60))
    logger = logging.getLogger("tests.burst")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for attempt in range(50):
            try:
                raise ConnectionRefusedError(111, f"Connect call failed (attempt {attempt})")
            except ConnectionRefusedError:
                logger.exception("outbox: could not claim rows; trying again at the next run")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    written = stream.getvalue()
    assert written.count("Traceback") == 1 and written.count("could not claim rows") == 1
