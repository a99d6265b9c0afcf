"""The 2018 method's days (pure): a year's start (its year and deadline), the plan's 10 working
days from the period's beginning (004 clause 9), and the 5 working days after someone absent
during the evaluation is back (004 clause 4), at their borders with weekends and holidays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.kernel.methodology import load_profile
from bot.kernel.workdays import KAZAKHSTAN, WorkCalendar
from bot.legacy2018.rules import (
    StartProblem,
    absence_due,
    back_from_absence,
    deadline_problem,
    deadline_range,
    plan_due,
    year_problem,
)

TODAY = date(2025, 12, 1)  # a Monday


@pytest.mark.parametrize(
    ("year", "problem"),
    [(2017, StartProblem.YEAR), (2018, None), (2025, None), (2026, None), (2027, StartProblem.YEAR)],
)
def test_the_years_that_may_be_started(year: int, problem: StartProblem | None) -> None:
    assert year_problem(year, TODAY) is problem


@pytest.mark.parametrize(
    ("year", "deadline", "problem"),
    [
        (2025, date(2025, 12, 31), StartProblem.IN_THE_YEAR),  # the year's last day: not after it
        (2025, date(2026, 1, 1), StartProblem.DAY_OFF),  # New Year
        (2025, date(2026, 1, 2), StartProblem.DAY_OFF),
        (2025, date(2026, 1, 3), StartProblem.DAY_OFF),  # a Saturday
        (2025, date(2026, 1, 5), None),  # the first working day after the year
        (2025, date(2026, 1, 7), StartProblem.DAY_OFF),  # Orthodox Christmas
        (2024, date(2025, 12, 1), StartProblem.PAST),  # today is not the future
        (2024, date(2025, 12, 2), None),  # tomorrow is
        (2024, date(2025, 11, 28), StartProblem.PAST),
    ],
)
def test_a_years_deadline(year: int, deadline: date, problem: StartProblem | None) -> None:
    assert deadline_problem(year, deadline, TODAY, KAZAKHSTAN) is problem


@pytest.mark.parametrize("year", [2018, 2024, 2025, 2026])
def test_the_calendar_offers_exactly_the_deadlines_that_are_taken(year: int) -> None:
    """The wizard's calendar (handlers/legacy2018/start.py) offers the working days of
    ``deadline_range``: each of them passes ``deadline_problem``, and so does no day just outside."""
    first, last = deadline_range(year, TODAY)
    day = first
    while day <= last:
        expected = None if KAZAKHSTAN.is_working_day(day) else StartProblem.DAY_OFF
        assert deadline_problem(year, day, TODAY, KAZAKHSTAN) is expected, day
        day += timedelta(days=1)
    assert deadline_problem(year, first - timedelta(days=1), TODAY, KAZAKHSTAN) is not None
    assert last >= date(year + 1, 12, 31) and last >= TODAY + timedelta(days=365)  # a year to choose from


def test_a_deadline_moved_to_a_working_day_by_decree_is_taken() -> None:
    calendar = WorkCalendar(extra_working_days=[date(2026, 1, 3)])  # a Saturday made a working day
    assert deadline_problem(2025, date(2026, 1, 3), TODAY, calendar) is None


def test_the_plan_is_due_on_the_tenth_working_day_of_the_year() -> None:
    # 2026: 1-2 January are New Year, 3-4 a weekend, 7 January Christmas; the working days are
    # 5, 6, 8, 9, 12-16 and 19 January: the 10th is Monday the 19th.
    assert plan_due(2026, KAZAKHSTAN, 10) == date(2026, 1, 19)
    # 2025: 3 January was a day off moved from Sunday 5 January, which was worked.
    assert plan_due(2025, KAZAKHSTAN, 10) == date(2025, 1, 17)


def test_absent_people_are_evaluated_within_five_working_days_of_being_back() -> None:
    days = load_profile("kz-2018").legacy.absence_working_days  # type: ignore[union-attr]
    assert days == 5
    # Absent to Wednesday 14 January 2026: back on Thursday the 15th; the 5th working day after
    # it is Thursday the 22nd.
    assert back_from_absence(date(2026, 1, 14), KAZAKHSTAN) == date(2026, 1, 15)
    assert absence_due(date(2026, 1, 14), KAZAKHSTAN, days) == date(2026, 1, 22)
    # Absent to Friday 30 January: back on Monday 2 February, due Monday 9 February.
    assert back_from_absence(date(2026, 1, 30), KAZAKHSTAN) == date(2026, 2, 2)
    assert absence_due(date(2026, 1, 30), KAZAKHSTAN, days) == date(2026, 2, 9)
    # Absent to 31 December 2025: back on Monday 5 January (New Year and a weekend between);
    # 7 January is a holiday, so the 5 working days after it are 6, 8, 9, 12 and 13 January.
    assert back_from_absence(date(2025, 12, 31), KAZAKHSTAN) == date(2026, 1, 5)
    assert absence_due(date(2025, 12, 31), KAZAKHSTAN, days) == date(2026, 1, 13)
    # Chapter 6 of seed 003 has no such rule: its profile says none.
    assert load_profile("kz-2018-koksu").legacy.absence_working_days is None  # type: ignore[union-attr]
