"""When reminders go out: 3 and 1 working days before a deadline and on its morning, only on
working days from 09:00 to 19:00 local time."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.deadlines.rules import Due, Reminder, deadline_reminders, next_send_slot
from bot.kernel.workdays import KAZAKHSTAN


@pytest.mark.parametrize(
    ("moment", "slot"),
    [
        (datetime(2026, 1, 5, 10, 30), datetime(2026, 1, 5, 10, 30)),  # a working Monday morning
        (datetime(2026, 1, 5, 7, 0), datetime(2026, 1, 5, 9, 0)),  # too early: at nine
        (datetime(2026, 1, 5, 19, 0), datetime(2026, 1, 6, 9, 0)),  # evening: the next morning
        (datetime(2026, 1, 6, 23, 59), datetime(2026, 1, 8, 9, 0)),  # 7 January is a holiday
        (datetime(2026, 3, 20, 20, 0), datetime(2026, 3, 26, 9, 0)),  # weekend and Nauryz
        (datetime(2025, 1, 4, 12, 0), datetime(2025, 1, 5, 9, 0)),  # Sunday 5 Jan 2025 was working
    ],
)
def test_the_next_moment_a_message_may_go_out(moment: datetime, slot: datetime) -> None:
    assert next_send_slot(moment, KAZAKHSTAN) == slot


def test_reminders_of_a_deadline_on_a_saturday_after_a_holiday() -> None:
    # 10 January 2026 is a Saturday: the last working day is Friday the 9th; one working day
    # before it is the 8th; three are the 5th (7 January is a holiday).
    due = deadline_reminders(date(2026, 1, 10), KAZAKHSTAN, opened_at=datetime(2025, 12, 1, 11, 0))
    assert due == [
        Due(Reminder.THREE_DAYS, datetime(2026, 1, 5, 9, 0)),
        Due(Reminder.ONE_DAY, datetime(2026, 1, 8, 9, 0)),
        Due(Reminder.DEADLINE_DAY, datetime(2026, 1, 9, 9, 0)),
    ]


def test_reminders_already_past_when_the_round_opens_are_not_sent() -> None:
    due = deadline_reminders(date(2026, 4, 10), KAZAKHSTAN, opened_at=datetime(2026, 4, 8, 15, 0))
    assert due == [
        Due(Reminder.ONE_DAY, datetime(2026, 4, 9, 9, 0)),
        Due(Reminder.DEADLINE_DAY, datetime(2026, 4, 10, 9, 0)),
    ]
    assert deadline_reminders(date(2026, 4, 10), KAZAKHSTAN, opened_at=datetime(2026, 4, 10, 9, 0)) == []
