"""The quarterly evaluation's pure domain: the working-day calendar of Kazakhstan, the quarter's
schedule, who takes part, the KPI plan's dates, the differentiation and the year's scores.

Every expected date is computed by hand from the 2026 (and early 2027) Kazakh public holidays
the ``holidays`` package knows:
    2026: 1-2 Jan, 7 Jan, 8 Mar (Sun) → 9 Mar, 21-23 Mar (Sat-Mon) → +24, 25 Mar, 1 May, 7 May,
          9 May (Sat) → 11 May, 27 May (Eid al-Adha), 6 Jul, 25 Oct (Sun) → 26 Oct, 16 Dec.
    2027: 1-2 Jan (Fri-Sat) → +4 Jan, 7 Jan.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import holidays
import pytest

from bot.kernel.eligibility import Ineligibility
from bot.kernel.methodology import DifferentiationRules, Profile, QuarterlyRules, load_profile
from bot.kernel.scoring import grade_band
from bot.kernel.workdays import KAZAKHSTAN, WorkCalendar
from bot.quarterly.rules import (
    Absence,
    AbsencePeriod,
    Method,
    Participation,
    QuarterSchedule,
    ScoreOutOfRange,
    differentiation_score,
    kpi_due_after_return,
    method_for,
    participation,
    plan_due_by,
    plan_needed,
    quarter_of,
    quarter_period,
    quarter_schedule,
    year_schedule,
    yearly_score,
)

D = Decimal


@pytest.fixture
def rules(profile: Profile) -> QuarterlyRules:
    assert profile.quarterly is not None
    return profile.quarterly


@pytest.fixture
def differentiation(profile: Profile) -> DifferentiationRules:
    assert profile.differentiation is not None
    return profile.differentiation


# ------------------------------------------------------------------------ calendar


def test_the_holiday_package_knows_the_2026_days_used_here() -> None:
    # The expectations below rest on this list; if a new package release moves a day, this
    # test says so first.
    kz = holidays.country_holidays("KZ", years=2026)
    for day in (
        date(2026, 1, 1),
        date(2026, 1, 2),
        date(2026, 1, 7),
        date(2026, 3, 9),
        date(2026, 3, 23),
        date(2026, 3, 24),
        date(2026, 3, 25),
        date(2026, 7, 6),
        date(2026, 12, 16),
    ):
        assert day in kz, day
    assert date(2027, 1, 4) in holidays.country_holidays("KZ", years=2027)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 1),  # New Year, Thursday
        date(2026, 1, 2),  # New Year, Friday
        date(2026, 1, 7),  # Orthodox Christmas, Wednesday
        date(2026, 3, 9),  # 8 March fell on a Sunday: Monday off
        date(2026, 3, 23),  # Nowruz, Monday
        date(2026, 3, 25),  # Nowruz's Saturday and Sunday moved to Tuesday and Wednesday
        date(2026, 7, 6),  # Capital Day, Monday
        date(2026, 12, 16),  # Independence Day, Wednesday
        date(2026, 3, 21),  # a Saturday
        date(2026, 3, 29),  # a Sunday
    ],
)
def test_holidays_and_weekends_are_not_working_days(day: date) -> None:
    assert not KAZAKHSTAN.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [date(2026, 1, 5), date(2026, 1, 6), date(2026, 3, 20), date(2026, 3, 26), date(2026, 12, 15)],
)
def test_ordinary_weekdays_are_working_days(day: date) -> None:
    assert KAZAKHSTAN.is_working_day(day)


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2026, 1, 13), 0, date(2026, 1, 13)),  # nothing to add
        (date(2026, 1, 13), 2, date(2026, 1, 15)),  # Tue + 2 = Thu, no day off in between
        # Fri 9 Jan + 1: Sat 10, Sun 11 skipped → Mon 12.
        (date(2026, 1, 9), 1, date(2026, 1, 12)),
        # Mon 12 Jan - 1: Sun 11, Sat 10 skipped → Fri 9.
        (date(2026, 1, 12), -1, date(2026, 1, 9)),
        # Fri 20 Mar + 1: Sat 21, Sun 22, Nowruz Mon 23, Tue 24, Wed 25 skipped → Thu 26.
        (date(2026, 3, 20), 1, date(2026, 3, 26)),
        # Thu 26 Mar - 1: the same five days backwards → Fri 20.
        (date(2026, 3, 26), -1, date(2026, 3, 20)),
        # Fri 20 Mar + 3: Thu 26 (1), Fri 27 (2), Sat 28 and Sun 29 skipped, Mon 30 (3).
        (date(2026, 3, 20), 3, date(2026, 3, 30)),
        # Wed 31 Dec 2025 + 1: 1-2 Jan holidays, 3-4 Jan weekend → Mon 5 Jan 2026 (across the year).
        (date(2025, 12, 31), 1, date(2026, 1, 5)),
        # Tue 6 Jan + 1: Wed 7 Jan Christmas → Thu 8.
        (date(2026, 1, 6), 1, date(2026, 1, 8)),
        # Fri 8 Jan 2027 - 2: Thu 7 Christmas skipped, Wed 6 (1), Tue 5 (2).
        (date(2027, 1, 8), -2, date(2027, 1, 5)),
        # Tue 5 Jan 2027 - 1: Mon 4 (New Year observed), Sun 3, Sat 2, Fri 1 skipped → Thu 31 Dec 2026.
        (date(2027, 1, 5), -1, date(2026, 12, 31)),
    ],
)
def test_add_working_days(start: date, count: int, expected: date) -> None:
    assert KAZAKHSTAN.add(start, count) == expected


def test_extra_days_off_and_extra_working_days_override_the_package() -> None:
    # A decree makes Monday 5 January 2026 a day off: Wed 31 Dec + 1 skips to Tue 6 Jan.
    moved_off = WorkCalendar(extra_days_off=[date(2026, 1, 5)])
    assert not moved_off.is_working_day(date(2026, 1, 5))
    assert moved_off.add(date(2025, 12, 31), 1) == date(2026, 1, 6)
    assert KAZAKHSTAN.is_working_day(date(2026, 1, 5))  # the shared calendar is untouched

    # A decree makes Saturday 3 January a working day: Wed 31 Dec + 1 is that Saturday.
    moved_on = WorkCalendar(extra_working_days=[date(2026, 1, 3)])
    assert moved_on.is_working_day(date(2026, 1, 3))
    assert moved_on.add(date(2025, 12, 31), 1) == date(2026, 1, 3)

    # A holiday made a working day counts too: Fri 20 Mar + 1 = Mon 23 Mar (Nowruz worked).
    nowruz_worked = WorkCalendar(extra_working_days=[date(2026, 3, 23)])
    assert nowruz_worked.add(date(2026, 3, 20), 1) == date(2026, 3, 23)
    assert nowruz_worked.working_days_between(date(2026, 3, 20), date(2026, 3, 26)) == 2


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 1, 12), date(2026, 1, 12), 0),  # nothing after start
        (date(2026, 1, 12), date(2026, 1, 9), 0),  # end before start
        (date(2026, 1, 9), date(2026, 1, 12), 1),  # Fri → Mon: Mon only
        # After Fri 20 Mar up to Fri 27 Mar: Thu 26, Fri 27 (Sat-Wed off).
        (date(2026, 3, 20), date(2026, 3, 27), 2),
        # March 2026: 31 days - 9 weekend days (Sat 7, 14, 21, 28; Sun 1, 8, 15, 22, 29)
        # - 4 weekday holidays (Mon 9, Mon 23, Tue 24, Wed 25) = 18.
        (date(2026, 2, 28), date(2026, 3, 31), 18),
        # January 2026: 31 - 9 weekend days (Sat 3, 10, 17, 24, 31; Sun 4, 11, 18, 25)
        # - 3 weekday holidays (Thu 1, Fri 2, Wed 7) = 19.
        (date(2025, 12, 31), date(2026, 1, 31), 19),
    ],
)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    assert KAZAKHSTAN.working_days_between(start, end) == expected


def test_working_days_between_agrees_with_add() -> None:
    for count in (1, 5, 10, 40):
        end = KAZAKHSTAN.add(date(2026, 3, 1), count)
        assert KAZAKHSTAN.working_days_between(date(2026, 3, 1), end) == count


# ------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("year", "quarter", "start", "end"),
    [
        (2026, 1, date(2026, 1, 1), date(2026, 3, 31)),
        (2026, 2, date(2026, 4, 1), date(2026, 6, 30)),
        (2026, 3, date(2026, 7, 1), date(2026, 9, 30)),
        (2026, 4, date(2026, 10, 1), date(2026, 12, 31)),
        (2024, 1, date(2024, 1, 1), date(2024, 3, 31)),  # a leap year: still 31 March
    ],
)
def test_quarter_period(year: int, quarter: int, start: date, end: date) -> None:
    assert quarter_period(year, quarter) == (start, end)
    assert quarter_of(start) == quarter_of(end) == quarter


@pytest.mark.parametrize("quarter", [0, 5, -1])
def test_quarter_period_refuses_a_bad_quarter(quarter: int) -> None:
    with pytest.raises(ValueError, match="a quarter is 1 to 4"):
        quarter_period(2026, quarter)


EXPECTED_2026 = [
    QuarterSchedule(
        year=2026,
        quarter=1,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        deadline=date(2026, 4, 10),  # a Friday
        heads_notified_by=date(2026, 4, 5),
        employees_notified_by=date(2026, 4, 10),
        # Back from Fri 10 Apr: Thu 9 (1), Wed 8 (2), Tue 7 (3), Mon 6 (4), weekend, Fri 3 (5).
        actuals_due_by=date(2026, 4, 3),
    ),
    QuarterSchedule(
        year=2026,
        quarter=2,
        period_start=date(2026, 4, 1),
        period_end=date(2026, 6, 30),
        deadline=date(2026, 7, 10),  # a Friday
        heads_notified_by=date(2026, 7, 5),
        employees_notified_by=date(2026, 7, 10),
        # A holiday inside the five days: Thu 9 (1), Wed 8 (2), Tue 7 (3), Mon 6 Capital Day,
        # weekend, Fri 3 (4), Thu 2 (5).
        actuals_due_by=date(2026, 7, 2),
    ),
    QuarterSchedule(
        year=2026,
        quarter=3,
        period_start=date(2026, 7, 1),
        period_end=date(2026, 9, 30),
        deadline=date(2026, 10, 10),  # a Saturday: the 10th all the same
        heads_notified_by=date(2026, 10, 5),
        employees_notified_by=date(2026, 10, 10),
        # Back from Sat 10 Oct: Fri 9 (1), Thu 8 (2), Wed 7 (3), Tue 6 (4), Mon 5 (5).
        actuals_due_by=date(2026, 10, 5),
    ),
    QuarterSchedule(
        year=2026,
        quarter=4,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 12, 31),
        deadline=date(2027, 1, 10),  # a Sunday, in the next year
        heads_notified_by=date(2027, 1, 5),
        employees_notified_by=date(2027, 1, 10),
        # Back from Sun 10 Jan 2027: Sat 9, Fri 8 (1), Thu 7 Christmas, Wed 6 (2), Tue 5 (3),
        # Mon 4 New Year observed, Sun 3, Sat 2 and Fri 1 New Year, Thu 31 Dec (4), Wed 30 Dec (5).
        actuals_due_by=date(2026, 12, 30),
    ),
]


@pytest.mark.parametrize("expected", EXPECTED_2026, ids=lambda s: f"Q{s.quarter}")
def test_quarter_schedule_2026(rules: QuarterlyRules, expected: QuarterSchedule) -> None:
    assert quarter_schedule(2026, expected.quarter, rules, KAZAKHSTAN) == expected


def test_year_schedule_2026(rules: QuarterlyRules) -> None:
    assert year_schedule(2026, rules, KAZAKHSTAN) == tuple(EXPECTED_2026)


def test_quarter_schedule_follows_the_calendar_given(rules: QuarterlyRules) -> None:
    # Fri 3 Apr 2026 declared a day off: the fifth working day before Fri 10 Apr is Thu 2 Apr.
    calendar = WorkCalendar(extra_days_off=[date(2026, 4, 3)])
    assert quarter_schedule(2026, 1, rules, calendar).actuals_due_by == date(2026, 4, 2)


def test_quarter_schedule_refuses_a_bad_quarter(rules: QuarterlyRules) -> None:
    with pytest.raises(ValueError, match="a quarter is 1 to 4"):
        quarter_schedule(2026, 5, rules, KAZAKHSTAN)


# --------------------------------------------------------------------- participation

Q4 = EXPECTED_2026[3]  # 1 Oct - 31 Dec 2026, deadline 10 Jan 2027
IN_EVALUATION = date(2027, 1, 4)  # "today": between the quarter's end and its deadline
LONG_AGO = date(2020, 1, 15)


def _participation(
    *,
    appointed_on: date = LONG_AGO,
    left_on: date | None = None,
    absences: tuple[AbsencePeriod, ...] = (),
    today: date = IN_EVALUATION,
    min_months_in_post: int = 3,
) -> Participation:
    return participation(
        appointed_on=appointed_on,
        left_on=left_on,
        absences=absences,
        schedule=Q4,
        min_months_in_post=min_months_in_post,
        today=today,
    )


def test_profile_asks_three_months_in_the_post(profile: Profile) -> None:
    assert profile.min_months_in_post == 3


@pytest.mark.parametrize(
    ("appointed_on", "expected"),
    [
        (date(2026, 10, 1), Participation(None, None)),  # 1 Oct - 31 Dec: three full months
        (date(2026, 9, 30), Participation(None, None)),
        (date(2026, 10, 2), Participation(Ineligibility.TOO_SHORT_IN_POST, None)),
        (date(2026, 12, 31), Participation(Ineligibility.TOO_SHORT_IN_POST, None)),
        (date(2027, 1, 1), Participation(Ineligibility.APPOINTED_AFTER_PERIOD, None)),
    ],
)
def test_time_in_the_post(appointed_on: date, expected: Participation) -> None:
    assert _participation(appointed_on=appointed_on) == expected


@pytest.mark.parametrize(
    ("appointed_on", "excluded"),
    [
        (date(2026, 12, 1), None),  # 1-31 Dec: one full month
        (date(2026, 12, 2), Ineligibility.TOO_SHORT_IN_POST),
    ],
)
def test_time_in_the_post_under_the_2024_profile(appointed_on: date, excluded: Ineligibility | None) -> None:
    """Seed 000 (profile kz-2024) asks for one month, not three (clause 5)."""
    months = load_profile("kz-2024").min_months_in_post
    assert _participation(appointed_on=appointed_on, min_months_in_post=months) == Participation(
        excluded, None
    )


@pytest.mark.parametrize(
    ("left_on", "absence"),
    [
        (date(2026, 11, 15), Absence.DISMISSED),  # left during the quarter
        (date(2027, 1, 2), Absence.DISMISSED),  # left after the quarter, before the deadline
        (date(2027, 1, 10), Absence.DISMISSED),  # left on the deadline itself
        (date(2027, 1, 11), None),  # left after the deadline: evaluated normally
    ],
)
def test_dismissal(left_on: date, absence: Absence | None) -> None:
    assert _participation(left_on=left_on) == Participation(None, absence)


@pytest.mark.parametrize("kind", [Absence.LEAVE, Absence.SICK, Absence.TRIP, Absence.TRAINING])
def test_every_absence_kind_overlapping_the_evaluation(kind: Absence) -> None:
    away = AbsencePeriod(kind, date(2026, 12, 20), date(2027, 1, 6))
    assert _participation(absences=(away,)) == Participation(None, kind)


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "absent"),
    [
        (date(2026, 12, 1), date(2026, 12, 30), False),  # over before the quarter ended
        (date(2026, 12, 1), date(2026, 12, 31), False),  # over on its last day
        (date(2027, 1, 11), date(2027, 1, 20), False),  # starts after the deadline
        (date(2027, 1, 10), date(2027, 1, 20), True),  # starts on the deadline
        (date(2027, 1, 1), date(2027, 1, 3), False),  # after the quarter, but over before today
        (date(2027, 1, 1), date(2027, 1, 4), True),  # still away today
        (date(2026, 12, 1), date(2027, 2, 1), True),  # spans the whole evaluation
    ],
)
def test_absence_window(starts_on: date, ends_on: date, absent: bool) -> None:
    result = _participation(absences=(AbsencePeriod(Absence.SICK, starts_on, ends_on),))
    assert result == Participation(None, Absence.SICK if absent else None)


def test_the_window_starts_at_the_quarters_end_when_today_is_earlier() -> None:
    # Evaluating early (15 Dec): an absence 20-25 Dec is over before the quarter ends.
    early = date(2026, 12, 15)
    over = AbsencePeriod(Absence.LEAVE, date(2026, 12, 20), date(2026, 12, 25))
    assert _participation(absences=(over,), today=early) == Participation(None, None)
    from_new_year = AbsencePeriod(Absence.LEAVE, date(2026, 12, 20), date(2027, 1, 1))
    assert _participation(absences=(from_new_year,), today=early) == Participation(None, Absence.LEAVE)


def test_the_first_overlapping_absence_is_the_reason() -> None:
    old = AbsencePeriod(Absence.TRIP, date(2026, 11, 1), date(2026, 11, 5))
    sick = AbsencePeriod(Absence.SICK, date(2027, 1, 3), date(2027, 1, 8))
    leave = AbsencePeriod(Absence.LEAVE, date(2027, 1, 9), date(2027, 1, 20))
    assert _participation(absences=(old, sick, leave)) == Participation(None, Absence.SICK)


def test_exclusion_takes_precedence_over_absence_and_dismissal() -> None:
    away = AbsencePeriod(Absence.LEAVE, date(2026, 12, 20), date(2027, 1, 20))
    result = _participation(appointed_on=date(2026, 10, 2), left_on=date(2027, 1, 5), absences=(away,))
    assert result == Participation(Ineligibility.TOO_SHORT_IN_POST, None)


def test_dismissal_takes_precedence_over_absence() -> None:
    away = AbsencePeriod(Absence.TRAINING, date(2026, 12, 20), date(2027, 1, 20))
    assert _participation(left_on=date(2027, 1, 5), absences=(away,)) == Participation(
        None, Absence.DISMISSED
    )


def test_method_follows_the_role() -> None:
    assert method_for("head") is Method.KPI
    assert method_for("employee") is Method.DIFFERENTIATION


# ------------------------------------------------------------------------ KPI plans


@pytest.mark.parametrize(
    ("period_start", "appointed_on", "expected"),
    [
        # From 1 Jan 2026: 1-2 Jan off, weekend, Mon 5 (1), Tue 6 (2), Wed 7 Christmas, Thu 8 (3),
        # Fri 9 (4), Mon 12-Fri 16 (5-9), Mon 19 (10).
        (date(2026, 1, 1), LONG_AGO, date(2026, 1, 19)),
        # From Wed 1 Apr 2026 (a working day, counted): 1-3 Apr (1-3), 6-10 Apr (4-8),
        # Mon 13 (9), Tue 14 (10).
        (date(2026, 4, 1), LONG_AGO, date(2026, 4, 14)),
        # Appointed Wed 18 Mar 2026, later than the period's start: 18-20 Mar (1-3),
        # Nowruz 23-25 Mar, 26-27 Mar (4-5), 30 Mar-3 Apr (6-10).
        (date(2026, 1, 1), date(2026, 3, 18), date(2026, 4, 3)),
        # Appointed on Saturday 21 Mar (Nowruz's first day): 26-27 Mar (1-2), 30 Mar-3 Apr (3-7),
        # Mon 6-Wed 8 Apr (8-10).
        (date(2026, 1, 1), date(2026, 3, 21), date(2026, 4, 8)),
        # Appointed before the period: the period's start counts.
        (date(2026, 4, 1), date(2026, 3, 18), date(2026, 4, 14)),
    ],
)
def test_plan_due_by(rules: QuarterlyRules, period_start: date, appointed_on: date, expected: date) -> None:
    assert plan_due_by(period_start, appointed_on, rules, KAZAKHSTAN) == expected


@pytest.mark.parametrize(
    ("appointed_on", "needed"),
    [
        (date(2026, 1, 1), True),
        (date(2026, 9, 30), True),
        (date(2026, 10, 1), True),  # exactly three months to 31 Dec
        (date(2026, 10, 2), False),  # less than three months left: no KPIs
        (date(2026, 12, 1), False),
    ],
)
def test_plan_needed(rules: QuarterlyRules, appointed_on: date, needed: bool) -> None:
    assert plan_needed(appointed_on, date(2026, 12, 31), rules) is needed


def test_plan_needed_at_a_quarter_end(rules: QuarterlyRules) -> None:
    # Q1 2026 ends 31 March: from 1 January three months remain, from 2 January not.
    assert plan_needed(date(2026, 1, 1), date(2026, 3, 31), rules) is True
    assert plan_needed(date(2026, 1, 2), date(2026, 3, 31), rules) is False


# -------------------------------------------------------------------------- scores


@pytest.mark.parametrize(
    ("scores", "expected", "band"),
    [
        ((4, 4, 4, 3), "3.75", "proper"),
        ((5, 4, 4, 4), "4.25", "effective"),
        ((1, 2, 2, 2), "1.75", "unsatisfactory"),
        ((3, 3, 3, 4), "3.25", "proper"),
        ((2, 2, 2, 2), "2.00", "satisfactory"),
        ((4, 4, 4, 4), "4.00", "effective"),
        ((5, 5, 5, 5), "5.00", "effective"),
        ((1, 1, 1, 1), "1.00", "unsatisfactory"),
    ],
)
def test_differentiation_score(
    profile: Profile, differentiation: DifferentiationRules, scores: tuple[int, ...], expected: str, band: str
) -> None:
    score = differentiation_score(differentiation, scores)
    assert score == D(expected)
    assert score.as_tuple().exponent == -2  # two decimals, as on the form
    assert grade_band(profile, score).code == band


@pytest.mark.parametrize("count", [0, 3, 5])
def test_differentiation_needs_one_score_per_parameter(
    differentiation: DifferentiationRules, count: int
) -> None:
    with pytest.raises(ValueError, match=f"{count} scores for 4 parameters") as raised:
        differentiation_score(differentiation, [4] * count)
    assert not isinstance(raised.value, ScoreOutOfRange)


@pytest.mark.parametrize("bad", [0, 6, -1])
def test_differentiation_refuses_a_score_outside_one_to_five(
    differentiation: DifferentiationRules, bad: int
) -> None:
    with pytest.raises(ScoreOutOfRange, match=f"{bad} is outside 1..5"):
        differentiation_score(differentiation, [4, 4, bad, 4])


@pytest.mark.parametrize(
    ("quarters", "expected", "band"),
    [
        (("4.25", "3.50", "4.00", "3.75"), "3.88", "proper"),  # 15.50 / 4 = 3.875 → 3.88
        (("3.50", "3.75"), "3.63", "proper"),  # 3.625: half up (half even would give 3.62)
        (("4.25", "4.00"), "4.13", "effective"),  # 4.125: half up (half even would give 4.12)
        (("4.00", "4.00", "3.99"), "4.00", "effective"),  # 3.9966… shows as 4.00: effective
        (("3.75",), "3.75", "proper"),  # one quarter evaluated
        (("1.75", "2.00", "2.25"), "2.00", "satisfactory"),
        (("1.00", "2.00", "1.99"), "1.66", "unsatisfactory"),  # 4.99 / 3 = 1.6633…
    ],
)
def test_yearly_score(profile: Profile, quarters: tuple[str, ...], expected: str, band: str) -> None:
    score = yearly_score([D(q) for q in quarters])
    assert score == D(expected)
    assert score is not None and score.as_tuple().exponent == -2
    assert grade_band(profile, score).code == band


def test_yearly_score_of_no_quarter_is_none() -> None:
    assert yearly_score([]) is None


# --------------------------------------------------------------------- the profile


def test_profile_differentiation_parameters(differentiation: DifferentiationRules) -> None:
    assert differentiation.appendix == 4
    assert (differentiation.min_score, differentiation.max_score) == (1, 5)
    assert list(differentiation.scores) == [1, 2, 3, 4, 5]
    assert [p.no for p in differentiation.parameters] == [1, 2, 3, 4]
    assert [p.name.en for p in differentiation.parameters] == [
        "Quality of performing functional duties",
        "Meeting the deadlines of tasks",
        "Independence and initiative",
        "Labour discipline",
    ]
    assert differentiation.parameters[0].name.ru == "Качество исполнения функциональных обязанностей"
    assert differentiation.parameters[3].name.kk == "Еңбек тәртібін сақтау"
    for parameter in differentiation.parameters:
        for text in (parameter.name, parameter.criterion):
            assert text.kk and text.ru and text.en
            assert len({text.kk, text.ru, text.en}) == 3  # three languages, not one copied


def test_profile_quarterly_rules(rules: QuarterlyRules) -> None:
    assert rules == QuarterlyRules(
        deadline_day=10,
        heads_notified_by_day=5,
        employees_notified_by_day=10,
        actuals_working_days_before_deadline=5,
        plan_working_days=10,
        plan_min_months_remaining=3,
        kpi_after_return_working_days=5,  # 002 clause 5
    )


def test_profile_fixture_is_the_bundled_default(profile: Profile) -> None:
    # load_profile() and load_profile("kz-2023") are two cache keys: equal, not identical.
    assert profile == load_profile() and profile.code == "kz-2023"
    assert profile.kpi is not None and (profile.kpi.min_kpis, profile.kpi.max_kpis) == (3, 5)


# ------------------------------------------------ 002 clause 5: an absent head's KPIs after return


def _kpi_due(*absences: AbsencePeriod, today: date = IN_EVALUATION) -> date | None:
    return kpi_due_after_return(absences, Q4, today, KAZAKHSTAN, 5)


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "due"),
    [
        # Back on Thursday 21 January 2027; the fifth working day after it.
        (date(2026, 12, 20), date(2027, 1, 20), date(2027, 1, 28)),
        # Away to Friday 8 January: back on Monday the 11th.
        (date(2027, 1, 4), date(2027, 1, 8), date(2027, 1, 18)),
        # Away to 6 January: the 7th is a holiday, back on Friday the 8th.
        (date(2026, 12, 28), date(2027, 1, 6), date(2027, 1, 15)),
        # Over before "today" (4 January), or starting after the deadline: not absent.
        (date(2026, 12, 20), date(2027, 1, 3), None),
        (date(2027, 1, 11), date(2027, 1, 20), None),
    ],
)
def test_an_absent_heads_kpis_are_due_five_working_days_after_the_return(
    starts_on: date, ends_on: date, due: date | None
) -> None:
    assert _kpi_due(AbsencePeriod(Absence.SICK, starts_on, ends_on)) == due


def test_the_latest_return_counts_and_a_dismissal_is_no_absence() -> None:
    sick = AbsencePeriod(Absence.SICK, date(2027, 1, 3), date(2027, 1, 8))
    leave = AbsencePeriod(Absence.LEAVE, date(2027, 1, 9), date(2027, 1, 20))
    assert _kpi_due(sick, leave) == date(2027, 1, 28)
    assert _kpi_due(AbsencePeriod(Absence.DISMISSED, date(2027, 1, 5), date(2027, 1, 5))) is None


def test_the_profiles_follow_their_seed_on_an_absent_heads_kpis() -> None:
    """002 clause 5 (kz-2023): within 5 working days after the return; 000 clause 5 (kz-2024):
    without them in the normal deadlines."""
    rules_2023, rules_2024 = load_profile("kz-2023").quarterly, load_profile("kz-2024").quarterly
    assert rules_2023 is not None and rules_2023.kpi_after_return_working_days == 5
    assert rules_2024 is not None and rules_2024.kpi_after_return_working_days is None
    # Everything else in the quarterly calendar is the same in both seeds.
    assert replace(rules_2024, kpi_after_return_working_days=5) == rules_2023
