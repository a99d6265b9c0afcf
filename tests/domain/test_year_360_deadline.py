"""Clause 4 (seeds 000 and 002 alike): the 360 evaluation, on the year's result, is done "есепті
жылдан кейінгі айдың оныншы күнінен кешіктірілмей" — by the 10th of the month after the year.
A round's deadline lies between the year's first day and that day; the day is profile data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.kernel.methodology import deadline_360_allowed, deadline_window_360, load_profile


@pytest.mark.parametrize("code", ["kz-2023", "kz-2024"])
def test_the_window_runs_from_the_year_to_the_tenth_of_january(code: str) -> None:
    profile = load_profile(code)
    assert profile.deadline_day_360 == 10
    assert deadline_window_360(profile, 2026) == (date(2026, 1, 1), date(2027, 1, 10))


@pytest.mark.parametrize(
    ("year", "deadline", "allowed"),
    [
        (2026, date(2027, 6, 30), False),  # the case
        (2026, date(2027, 1, 11), False),
        (2026, date(2027, 1, 10), True),
        (2026, date(2026, 12, 20), True),  # in the year's last weeks, on the year's result
        (2026, date(2026, 1, 1), True),
        (2026, date(2025, 12, 31), False),  # before the year evaluated begins
        (2028, date(2029, 1, 10), True),
    ],
)
def test_a_deadline_after_the_tenth_of_january_is_refused(year: int, deadline: date, allowed: bool) -> None:
    assert deadline_360_allowed(load_profile("kz-2023"), year, deadline) is allowed


def test_a_body_whose_day_differs_changes_data() -> None:
    profile = replace(load_profile("kz-2023"), deadline_day_360=20)
    assert deadline_window_360(profile, 2026)[1] == date(2027, 1, 20)
    assert deadline_360_allowed(profile, 2026, date(2027, 1, 20))
