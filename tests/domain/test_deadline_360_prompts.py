"""The deadline HR types (issue 19, finding 6): the example is always a working day that would
be accepted, and a 360 deadline on a day off is refused only while a working day is left."""

from __future__ import annotations

from datetime import date

from bot.kernel.methodology import load_profile
from bot.kernel.workdays import KAZAKHSTAN
from bot.legacy2018.rules import deadline_problem
from bot.legacy2018.rules import example_deadline as legacy_example
from bot.survey360.deadline_rules import DeadlineProblem, check_deadline, example_deadline

PROFILE = load_profile()


def test_the_example_is_a_working_day_that_is_accepted() -> None:
    for today in (date(2025, 12, 1), date(2025, 12, 26), date(2026, 1, 5), date(2026, 12, 10)):
        year = today.year if today.month > 1 else today.year - 1
        example = example_deadline(PROFILE, year, today, KAZAKHSTAN)
        assert KAZAKHSTAN.is_working_day(example), (today, example)
        assert check_deadline(PROFILE, year, example, today, KAZAKHSTAN).problem is None


def test_each_problem_is_named_for_what_it_is() -> None:
    today = date(2026, 12, 1)

    def problem(deadline: date | None, current: date | None = None) -> DeadlineProblem | None:
        return check_deadline(PROFILE, 2026, deadline, today, KAZAKHSTAN, current=current).problem

    assert problem(None) is DeadlineProblem.NOT_A_DATE
    assert problem(date(2026, 11, 30)) is DeadlineProblem.PAST
    assert problem(date(2027, 1, 11)) is DeadlineProblem.OUTSIDE
    assert problem(date(2026, 12, 26)) is DeadlineProblem.DAY_OFF  # a Saturday
    assert problem(date(2026, 12, 21), current=date(2026, 12, 22)) is DeadlineProblem.NOT_LATER
    saturday = check_deadline(PROFILE, 2026, date(2026, 12, 26), today, KAZAKHSTAN)
    assert saturday.example == date(2026, 12, 28)  # the Monday after


def test_a_day_off_at_the_end_of_the_window_offers_the_working_day_before() -> None:
    # 10.01.2026, clause 4's last day for 2025, is a Saturday: the Friday before is offered.
    check = check_deadline(PROFILE, 2025, date(2026, 1, 10), date(2025, 12, 1), KAZAKHSTAN)
    assert (check.problem, check.example) == (DeadlineProblem.DAY_OFF, date(2026, 1, 9))


def test_with_no_working_day_left_the_last_day_off_is_taken() -> None:
    # Saturday 10.01.2026 with the round's deadline already on Friday the 9th.
    check = check_deadline(
        PROFILE, 2025, date(2026, 1, 10), date(2026, 1, 9), KAZAKHSTAN, current=date(2026, 1, 9)
    )
    assert check.problem is None


def test_the_2018_methods_example_is_never_past() -> None:
    # Issue 19: the example was a fixed 29 January, past by February.
    assert legacy_example(2025, date(2025, 12, 1), KAZAKHSTAN) == date(2026, 1, 29)
    later = legacy_example(2025, date(2026, 2, 6), KAZAKHSTAN)  # a Friday
    assert later == date(2026, 2, 9)  # the Monday after: tomorrow is a Saturday
    assert deadline_problem(2025, later, date(2026, 2, 6), KAZAKHSTAN) is None
