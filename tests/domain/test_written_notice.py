"""000 clause 11: a person who left the body is acquainted with the result in writing within
two working days after the evaluation ends; the 5 working days to apply (clause 12) run from
the delivery HR records."""

from __future__ import annotations

from datetime import date

import pytest

from bot.kernel.workdays import KAZAKHSTAN, WorkCalendar
from bot.quarterly.appeals import window_closes
from bot.quarterly.written_rules import (
    Channel,
    DeliveryRefusal,
    acquainted_on,
    check_delivery,
    parse_delivery,
    written_notice_due,
)


@pytest.mark.parametrize(
    ("evaluated_on", "due_on"),
    [
        (date(2025, 12, 22), date(2025, 12, 24)),  # Monday → Wednesday
        (date(2025, 12, 15), date(2025, 12, 18)),  # Monday; 16 December, Independence Day, is off
        (date(2025, 12, 12), date(2025, 12, 17)),  # Friday; 16 December, Independence Day, is off
        (date(2026, 1, 5), date(2026, 1, 8)),  # Monday; 7 January, Orthodox Christmas, is off
        (date(2026, 1, 9), date(2026, 1, 13)),  # Friday → the next Tuesday
        (date(2026, 3, 6), date(2026, 3, 11)),  # Friday; 8 March falls on a Sunday, moved to Monday
        (date(2026, 3, 20), date(2026, 3, 27)),  # Friday before Nauryz (21-25 March off)
        (date(2026, 1, 10), date(2026, 1, 13)),  # submitted on a Saturday: two working days on
    ],
)
def test_the_notice_is_due_two_working_days_after_the_evaluation(evaluated_on: date, due_on: date) -> None:
    assert written_notice_due(evaluated_on, KAZAKHSTAN) == due_on


def test_a_day_off_moved_by_hr_moves_the_due_day() -> None:
    calendar = KAZAKHSTAN.merged({"days_off": ["2025-12-24"]})
    assert isinstance(calendar, WorkCalendar)
    assert written_notice_due(date(2025, 12, 22), calendar) == date(2025, 12, 25)


def test_the_appeal_window_counts_from_the_delivery() -> None:
    # Read in the bot on 5 January, but delivered in writing on 9 January: the delivery counts.
    assert acquainted_on(date(2026, 1, 5), date(2026, 1, 9)) == date(2026, 1, 9)
    assert acquainted_on(date(2026, 1, 5), None) == date(2026, 1, 5)
    assert acquainted_on(None, None) is None
    # Delivered Friday 9 January 2026: five working days → Friday 16 January.
    assert window_closes(date(2026, 1, 9), KAZAKHSTAN) == date(2026, 1, 16)


@pytest.mark.parametrize(
    ("sent_on", "reference", "refusal"),
    [
        (date(2026, 1, 6), "KZ123456789", None),
        (date(2026, 1, 5), "KZ123456789", None),  # the day of the evaluation itself
        (date(2026, 1, 4), "KZ123456789", DeliveryRefusal.BEFORE_RESULT),
        (date(2026, 1, 9), "KZ123456789", DeliveryRefusal.FUTURE),
        (date(2026, 1, 6), "   ", DeliveryRefusal.EMPTY_REFERENCE),
        (date(2026, 1, 6), "x" * 201, DeliveryRefusal.TOO_LONG),
    ],
)
def test_a_delivery_record(sent_on: date, reference: str, refusal: DeliveryRefusal | None) -> None:
    assert (
        check_delivery(sent_on, reference, evaluated_on=date(2026, 1, 5), today=date(2026, 1, 8)) is refusal
    )


@pytest.mark.parametrize(
    ("args", "parsed"),
    [
        ("12 letter 05.01.2026 KZ 123 456", (12, Channel.REGISTERED_LETTER, date(2026, 1, 5), "KZ 123 456")),
        ("3 EMAIL 2026-01-06 ref 7", (3, Channel.EMAIL, date(2026, 1, 6), "ref 7")),
        ("3 phone 6.1.2026 №15", (3, Channel.TELEPHONOGRAM, date(2026, 1, 6), "№15")),
        ("3 pigeon 06.01.2026 ref", None),
        ("3 letter 31.02.2026 ref", None),
        ("3 letter 06.01.2026", None),
        ("x letter 06.01.2026 ref", None),
        (None, None),
    ],
)
def test_parsing_a_delivery(args: str | None, parsed: tuple[int, Channel, date, str] | None) -> None:
    assert parse_delivery(args) == parsed
