"""002 clause 5 through to the day a sheet is due: an absent head's KPIs are evaluated within
five working days after the return, so their sheet is due that day, reminded of against it and
overdue only after it, while the round's other sheets keep the round's deadline.

Q4 2026: deadline Sunday 10 January 2027. U1, a head, is on leave from 14 December 2026 to
Friday 1 January 2027; 2 January is a Saturday holiday moved onto Monday the 4th, so U1 is back
on Tuesday the 5th; the five working days after it skip Thursday the 7th (Orthodox Christmas):
6, 8, 11, 12, 13 January."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.deadlines.rules import OPENS, Reminder, deadline_reminders
from bot.kernel.methodology import load_profile
from bot.kernel.workdays import KAZAKHSTAN
from bot.quarterly.rules import (
    Absence,
    AbsencePeriod,
    kpi_due_after_return,
    quarter_schedule,
    sheet_due_on,
    sheet_overdue,
)

QUARTERLY = load_profile("kz-2023").quarterly
assert QUARTERLY is not None
Q4 = quarter_schedule(2026, 4, QUARTERLY, KAZAKHSTAN)
DEADLINE = date(2027, 1, 10)
LEAVE = AbsencePeriod(Absence.LEAVE, date(2026, 12, 14), date(2027, 1, 1))
KPI_DUE = date(2027, 1, 13)


def test_the_calendar_of_these_days() -> None:
    assert Q4.deadline == DEADLINE
    assert [day for day in range(1, 14) if KAZAKHSTAN.is_working_day(date(2027, 1, day))] == [
        5,
        6,
        8,
        11,
        12,
        13,
    ]


def test_the_heads_kpis_are_due_five_working_days_after_the_return_over_a_holiday() -> None:
    assert kpi_due_after_return([LEAVE], Q4, date(2026, 12, 30), KAZAKHSTAN, 5) == KPI_DUE


def test_a_sheet_is_due_on_its_own_day_or_the_rounds() -> None:
    assert sheet_due_on(DEADLINE, KPI_DUE) == KPI_DUE
    assert sheet_due_on(DEADLINE, None) == DEADLINE
    # With a later deadline (the 2025 revision's 20th) a short absence makes it earlier: the
    # seed's five working days after the return, not the round's deadline.
    assert sheet_due_on(date(2027, 1, 20), KPI_DUE) == KPI_DUE


@pytest.mark.parametrize(
    ("today", "kpi_sheet", "other_sheet"),
    [
        (date(2027, 1, 8), False, False),
        (date(2027, 1, 10), False, False),  # the round's deadline
        (date(2027, 1, 11), False, True),  # past the round's deadline, not past the head's day
        (date(2027, 1, 12), False, True),
        (KPI_DUE, False, True),  # the due day itself
        (date(2027, 1, 14), True, True),
    ],
)
def test_overdue_on_exact_days(today: date, kpi_sheet: bool, other_sheet: bool) -> None:
    assert sheet_overdue(DEADLINE, KPI_DUE, today) is kpi_sheet
    assert sheet_overdue(DEADLINE, None, today) is other_sheet


def test_an_own_day_earlier_than_the_deadline_is_overdue_before_it() -> None:
    assert sheet_overdue(date(2027, 1, 20), KPI_DUE, date(2027, 1, 14))
    assert not sheet_overdue(date(2027, 1, 20), None, date(2027, 1, 14))


def test_the_sheets_reminders_count_back_from_its_own_day_over_the_holiday() -> None:
    due = deadline_reminders(KPI_DUE, KAZAKHSTAN, opened_at=datetime(2027, 1, 5, 10, 0))
    assert [(d.reminder, d.at) for d in due] == [
        (Reminder.THREE_DAYS, datetime.combine(date(2027, 1, 8), OPENS)),  # 13 ← 12, 11, 8
        (Reminder.ONE_DAY, datetime.combine(date(2027, 1, 12), OPENS)),
        (Reminder.DEADLINE_DAY, datetime.combine(KPI_DUE, OPENS)),
    ]
    # Planned once the round is past its own reminders: only those still ahead.
    later = deadline_reminders(KPI_DUE, KAZAKHSTAN, opened_at=datetime(2027, 1, 11, 10, 0))
    assert [d.reminder for d in later] == [Reminder.ONE_DAY, Reminder.DEADLINE_DAY]
