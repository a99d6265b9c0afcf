"""The quarterly evaluation (clauses 4-6, 21-32): its calendar, who is evaluated and how,
the differentiation score and the year's result. Pure.

Heads of units are evaluated on their KPIs (chapter 2), the other corps B employees by the
differentiation method (chapter 3). Both end on the clause 7 grade bands; the year's result
is the mean of the quarters' scores (clause 4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from bot.kernel.eligibility import Ineligibility, add_months, ineligibility
from bot.kernel.methodology import DifferentiationRules, Exclusions, QuarterlyRules
from bot.kernel.scoring import round_score
from bot.kernel.workdays import WorkCalendar

QUARTERS = (1, 2, 3, 4)


class Method(StrEnum):
    KPI = "kpi"  # heads of units, appendices 1-3
    DIFFERENTIATION = "differentiation"  # corps B employees, appendix 4


class Absence(StrEnum):
    """Why a person takes no part in their evaluation (clauses 5-6): they are still evaluated,
    in the normal deadlines, without their participation."""

    LEAVE = "leave"  # annual or social leave
    SICK = "sick"  # temporary incapacity for work
    TRIP = "trip"  # business trip
    TRAINING = "training"  # internship, retraining or further training
    DISMISSED = "dismissed"  # left the body before the deadline (clause 6)


def method_for(role: str) -> Method:
    return Method.KPI if role == "head" else Method.DIFFERENTIATION


@dataclass(frozen=True, slots=True)
class QuarterSchedule:
    year: int
    quarter: int
    period_start: date
    period_end: date
    deadline: date  # evaluation done by the 10th of the month after the quarter (clause 4)
    heads_notified_by: date  # clause 26
    employees_notified_by: date  # clause 30
    actuals_due_by: date  # KPI actual values to the evaluator, 5 working days before (clause 22)


def quarter_period(year: int, quarter: int) -> tuple[date, date]:
    if quarter not in QUARTERS:
        raise ValueError(f"a quarter is 1 to 4, not {quarter}")
    start = date(year, 3 * quarter - 2, 1)
    return start, add_months(start, 3) - timedelta(days=1)


def quarter_schedule(
    year: int, quarter: int, rules: QuarterlyRules, calendar: WorkCalendar
) -> QuarterSchedule:
    start, end = quarter_period(year, quarter)
    next_month = end + timedelta(days=1)
    deadline = next_month.replace(day=rules.deadline_day)
    return QuarterSchedule(
        year=year,
        quarter=quarter,
        period_start=start,
        period_end=end,
        deadline=deadline,
        heads_notified_by=next_month.replace(day=rules.heads_notified_by_day),
        employees_notified_by=next_month.replace(day=rules.employees_notified_by_day),
        actuals_due_by=calendar.add(deadline, -rules.actuals_working_days_before_deadline),
    )


def year_schedule(year: int, rules: QuarterlyRules, calendar: WorkCalendar) -> tuple[QuarterSchedule, ...]:
    return tuple(quarter_schedule(year, quarter, rules, calendar) for quarter in QUARTERS)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


# ------------------------------------------------------------------------------ who


@dataclass(frozen=True, slots=True)
class Participation:
    """Whether and how a person is evaluated for a quarter."""

    excluded: Ineligibility | None  # not evaluated at all, with the reason
    absence: Absence | None  # evaluated without their participation, with the reason


@dataclass(frozen=True, slots=True)
class AbsencePeriod:
    kind: Absence
    starts_on: date
    ends_on: date

    def overlaps(self, start: date, end: date) -> bool:
        return self.starts_on <= end and start <= self.ends_on


def participation(
    *,
    appointed_on: date,
    left_on: date | None,
    absences: Sequence[AbsencePeriod],
    schedule: QuarterSchedule,
    min_months_in_post: int,
    today: date,
    exclusions: Exclusions | None = None,
    probation_ends_on: date | None = None,
    returned_on: date | None = None,
) -> Participation:
    """Clauses 5-6: too short in the post (or, where the profile has 004 clause 4's
    ``exclusions``, on probation or just back from social leave or study) → not evaluated;
    dismissed before the deadline → evaluated without them; absent during the evaluation (from
    today, or the period's end if later, to the deadline) → evaluated without their
    participation."""
    excluded = ineligibility(
        appointed_on,
        schedule.period_end,
        min_months_in_post,
        exclusions=exclusions,
        probation_ends_on=probation_ends_on,
        returned_on=returned_on,
    )
    if excluded is not None:
        return Participation(excluded, None)
    if left_on is not None and left_on <= schedule.deadline:
        return Participation(None, Absence.DISMISSED)
    window_start = max(today, schedule.period_end + timedelta(days=1))
    for period in absences:
        if period.overlaps(window_start, schedule.deadline):
            return Participation(None, period.kind)
    return Participation(None, None)


def kpi_due_after_return(
    absences: Sequence[AbsencePeriod],
    schedule: QuarterSchedule,
    today: date,
    calendar: WorkCalendar,
    working_days: int,
) -> date | None:
    """002 clause 5: a head absent during the evaluation has their KPIs evaluated within
    ``working_days`` after returning to work — by the last of them, counted from the first
    working day after the absence (the absences :func:`participation` looks at; the latest
    return when there are several). None: not absent during the evaluation."""
    window_start = max(today, schedule.period_end + timedelta(days=1))
    ends = [
        p.ends_on
        for p in absences
        if p.kind is not Absence.DISMISSED and p.overlaps(window_start, schedule.deadline)
    ]
    if not ends:
        return None
    back = calendar.on_or_after(max(ends) + timedelta(days=1))
    return calendar.add(back, working_days)


def sheet_due_on(deadline: date, kpi_due_on: date | None) -> date:
    """The day a sheet is due: the round's deadline, or, for an absent head's KPIs, the day
    set on the sheet after their return (002 clause 5), earlier or later than the deadline."""
    return kpi_due_on if kpi_due_on is not None else deadline


def sheet_overdue(deadline: date, kpi_due_on: date | None, today: date) -> bool:
    """Whether an open sheet is overdue on ``today``: past its due day (:func:`sheet_due_on`),
    not on the day itself. The one rule of HR's overview and digest, the evaluator's
    deadlines, the overdue counts and the alert to HR."""
    return today > sheet_due_on(deadline, kpi_due_on)


def plan_due_by(
    period_start: date, appointed_on: date, rules: QuarterlyRules, calendar: WorkCalendar
) -> date:
    """The KPIs are set within 10 working days of the period's start, or of the appointment
    when it came later (clause 22)."""
    return calendar.add(max(period_start, appointed_on) - timedelta(days=1), rules.plan_working_days)


def plan_needed(appointed_on: date, period_end: date, rules: QuarterlyRules) -> bool:
    """No KPIs are set when less than three months remain from the appointment to the end of
    the period (clause 22)."""
    return add_months(appointed_on, rules.plan_min_months_remaining) <= period_end + timedelta(days=1)


# --------------------------------------------------------------------------- scores


class ScoreOutOfRange(ValueError):
    """A score the methodology does not allow here."""


def differentiation_score(rules: DifferentiationRules, scores: Sequence[int]) -> Decimal:
    """The mean of the parameters' scores (appendix 4: their sum divided by their number)."""
    if len(scores) != len(rules.parameters):
        raise ValueError(f"{len(scores)} scores for {len(rules.parameters)} parameters")
    for score in scores:
        if score not in rules.scores:
            raise ScoreOutOfRange(f"{score} is outside {rules.min_score}..{rules.max_score}")
    return round_score(Decimal(sum(scores)) / len(scores))


def yearly_score(quarter_scores: Sequence[Decimal]) -> Decimal | None:
    """The year's result: the mean of the quarters the person was evaluated in (clause 4)."""
    if not quarter_scores:
        return None
    return round_score(sum(quarter_scores, Decimal(0)) / len(quarter_scores))
