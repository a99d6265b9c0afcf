"""The 2018 method (seed 004; seed 003's chapter 6): the yearly KPI count, the competency sheet
by behaviour indicators, and the evaluation commission's vote. Pure.

The rules' figures (5 KPIs, three quarters, a quorum of two thirds, the chair's deciding vote)
come from the profile (``Profile.legacy``), so that a body whose text differs changes data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.kernel.methodology import (
    CommissionRules,
    CompetencyRules,
    CountGrade,
    IndicatorGroup,
    KpiCountRules,
    LegacyCompetency,
)
from bot.kernel.workdays import WorkCalendar

# ------------------------------------------------------------------------ the year's days

FIRST_YEAR = 2018  # the method was approved in 2018: no year before it is evaluated under it


class StartProblem(StrEnum):
    """Why a year cannot be started with this year and deadline."""

    YEAR = "year"  # before the method, or later than next year
    IN_THE_YEAR = "in_the_year"  # the deadline falls in the year it evaluates (or before)
    PAST = "past"  # the deadline is today or has passed
    DAY_OFF = "day_off"  # a weekend day or a public holiday


def year_problem(year: int, today: date) -> StartProblem | None:
    return None if FIRST_YEAR <= year <= today.year + 1 else StartProblem.YEAR


def deadline_problem(year: int, deadline: date, today: date, calendar: WorkCalendar) -> StartProblem | None:
    """A year's deadline must be a working day after the year and after today."""
    if deadline <= date(year, 12, 31):
        return StartProblem.IN_THE_YEAR
    if deadline <= today:
        return StartProblem.PAST
    if not calendar.is_working_day(deadline):
        return StartProblem.DAY_OFF
    return None


def deadline_range(year: int, today: date) -> tuple[date, date]:
    """The days a year's deadline is chosen from in the calendar: after the year and after
    today, up to the end of the year after it (or a year from today, for a year started late).
    ``deadline_problem`` still says which of them are days off."""
    first = max(date(year + 1, 1, 1), today + timedelta(days=1))
    return first, max(date(year + 1, 12, 31), today + timedelta(days=366))


def example_deadline(year: int, today: date, calendar: WorkCalendar) -> date:
    """A deadline to show as the example (issue 19): the first working day from the 29th of
    January after the year, or from tomorrow once that is later, so that it is accepted."""
    return calendar.on_or_after(max(date(year + 1, 1, 29), today + timedelta(days=1)))


def plan_due(year: int, calendar: WorkCalendar, working_days: int) -> date:
    """The last day to set the plan: within ``working_days`` after the evaluation period (the
    year) begins (004 clause 9; the clause counts from the period, not from an appointment)."""
    return calendar.add(date(year, 1, 1), working_days)


def back_from_absence(last_day_absent: date, calendar: WorkCalendar) -> date:
    """The day a person absent up to ``last_day_absent`` (inclusive) is back: the next working day."""
    return calendar.on_or_after(last_day_absent + timedelta(days=1))


def absence_due(last_day_absent: date, calendar: WorkCalendar, working_days: int) -> date:
    """Someone on leave, sick, on a trip or in training during the evaluation is evaluated within
    ``working_days`` after resuming work (004 clause 4): the last of them."""
    return calendar.add(back_from_absence(last_day_absent, calendar), working_days)


# ----------------------------------------------------------------------------- KPI count


class KpiSheetProblem(StrEnum):
    WRONG_COUNT = "wrong_count"  # the plan must hold exactly the profile's number of KPIs
    NO_FACTS = "no_facts"  # "met" or "not met" must rest on facts (clause 22)


def kpi_count_grade(rules: KpiCountRules, met: int) -> CountGrade:
    """The grade for ``met`` of the plan's KPIs met (004 clause 18): all met → the best grade,
    one fewer → the next, and so on down to the grade for fewer than the lowest threshold."""
    if not 0 <= met <= rules.kpis:
        raise ValueError(f"{met} KPIs met of {rules.kpis}")
    return next(grade for grade in rules.grades if met >= grade.min_met)


def kpi_sheet_problems(rules: KpiCountRules, facts: Sequence[str | None]) -> list[KpiSheetProblem]:
    """What keeps a KPI sheet (one fact text per KPI, None when missing) from going to the
    superior manager."""
    problems = []
    if len(facts) != rules.kpis:
        problems.append(KpiSheetProblem.WRONG_COUNT)
    if any(not (fact or "").strip() for fact in facts):
        problems.append(KpiSheetProblem.NO_FACTS)
    return problems


# ----------------------------------------------------------------------- competency sheet


class CategoryProblem(StrEnum):
    UNKNOWN = "unknown"
    NOT_LISTED = "not_listed"  # the seed lists the code for no group of this competency (E-G-2)


@dataclass(frozen=True, slots=True)
class CompetencyVerdict:
    competency: LegacyCompetency
    seen: frozenset[int]  # indexes (0-based) into the group's effective indicators
    total: int
    meets: bool
    not_seen: tuple[int, ...]  # what the sheet lists when the competency does not meet


def competencies_for(rules: CompetencyRules, *, serves_public: bool) -> tuple[LegacyCompetency, ...]:
    """The competencies a person is assessed on: the two public-service ones only for posts
    whose duties include public services (appendix 3, the footnote)."""
    return tuple(c for c in rules.competencies if serves_public or not c.public_service_only)


def indicator_group(competency: LegacyCompetency, category: str, *, heads_unit: bool) -> IndicatorGroup:
    """The indicators of ``competency`` for a post of ``category``. Appendix 4 prints E-3 in two
    groups, once as the head of a structural unit and once as chief inspectors: a head of a unit
    takes the first, anyone else the second (NOTES-kz-2018.md)."""
    groups = [g for g in competency.groups if category in g.categories]
    if not groups:
        raise LookupError(f"{competency.code}: no indicators for category {category}")
    if len(groups) == 1:
        return groups[0]
    return groups[0] if heads_unit else groups[-1]


def category_problem(rules: CompetencyRules, category: str | None) -> CategoryProblem | None:
    """Why a person of ``category`` cannot be assessed by the sheet (None: they can)."""
    if category is None or category not in rules.categories:
        return CategoryProblem.UNKNOWN
    if any(not any(category in g.categories for g in c.groups) for c in rules.competencies):
        return CategoryProblem.NOT_LISTED
    return None


def meets_expectations(rules: CompetencyRules, seen: int, total: int) -> bool:
    """004 clause 27: three quarters or more of the indicators seen. Whole numbers only, so
    that 3 of 4 meets and 5 of 7 (0.714…) does not, with no rounding on the way."""
    if not 0 <= seen <= total or total == 0:
        raise ValueError(f"{seen} indicators seen of {total}")
    return seen * rules.meets_denominator >= total * rules.meets_numerator


def assess_competency(
    rules: CompetencyRules,
    competency: LegacyCompetency,
    group: IndicatorGroup,
    seen: Set[int],
) -> CompetencyVerdict:
    total = len(group.effective)
    if any(not 0 <= index < total for index in seen):
        raise ValueError(f"{competency.code}: indicator out of range in {sorted(seen)}")
    meets = meets_expectations(rules, len(seen), total)
    return CompetencyVerdict(
        competency=competency,
        seen=frozenset(seen),
        total=total,
        meets=meets,
        not_seen=() if meets else tuple(i for i in range(total) if i not in seen),
    )


# --------------------------------------------------------------------------- commission


class Choice(StrEnum):
    APPROVE = "approve"  # the result as evaluated (004 clause 37, 1)
    REVISE = "revise"  # the result corrected (clause 37, 2; clause 38)


@dataclass(frozen=True, slots=True)
class CommissionVote:
    member: int
    choice: Choice
    corrected: str | None = None  # the corrected result (a grade code) when revising


@dataclass(frozen=True, slots=True)
class CommissionDecision:
    quorate: bool
    choice: Choice | None  # None: no valid decision (no quorum, or no majority)
    corrected: str | None
    tally: Mapping[tuple[Choice, str | None], int]
    chair_decided: bool  # the votes were tied and the chair's vote decided

    @property
    def no_majority(self) -> bool:
        """A quorate sitting where no option was carried: the result stays before the commission."""
        return self.quorate and self.choice is None


class SittingProblem(StrEnum):
    TOO_FEW_MEMBERS = "too_few_members"
    NO_CHAIR = "no_chair"
    SECRETARY_IS_MEMBER = "secretary_is_member"


def composition_problems(
    rules: CommissionRules, members: Set[int], chair: int | None, secretary: int | None
) -> list[SittingProblem]:
    """What is wrong with a commission as named: at least ``min_members`` members, a chair
    among them, and a secretary who is not a member (004 clauses 5, 34)."""
    problems = []
    if len(members) < rules.min_members:
        problems.append(SittingProblem.TOO_FEW_MEMBERS)
    if chair is None or chair not in members:
        problems.append(SittingProblem.NO_CHAIR)
    if secretary is not None and secretary in members:
        problems.append(SittingProblem.SECRETARY_IS_MEMBER)
    return problems


def quorum(rules: CommissionRules, members: int) -> int:
    """The fewest members present for a valid sitting: two thirds of the composition, rounded
    up (clause 30: "кем дегенде үштен екісі")."""
    return -(-members * rules.quorum_numerator // rules.quorum_denominator)


def decide(
    rules: CommissionRules,
    members: Set[int],
    chair: int,
    present: Set[int],
    votes: Sequence[CommissionVote],
) -> CommissionDecision:
    """The commission's open vote on one result (004 clauses 30, 32-34, 37-38; 003 clauses 58-66).
    Only members vote: the secretary (and anyone else) is ignored. Without a quorum of members
    present there is no decision.

    Clause 33: "Дауыс беру қорытындысы Комиссия мүшелерінің көпшілік дауысымен айқындалады.
    Дауыс саны тең болған жағдайда ... төрағасының дауысы шешуші". The decision voted on is one of
    clause 37's: approve the result, or revise it — and a revision is a decision only with its
    corrected result (clause 38), so each option is "approve" or "revise to this grade". Read:
    an option is carried by more than half of the members present at the sitting (a member
    present who gave no vote on this result is not counted for any option). The votes are
    equal when an option has exactly half of them: the chair's vote decides, i.e. the option
    is carried when the chair is in that half and the profile gives the chair the deciding
    vote. Otherwise nothing is decided — with revise→x, revise→x, approve, revise→y, revise→z
    no decision was taken by a majority, neither to revise to x (2 of 5) nor to approve (1 of
    5) — and the result stays before the commission for a further sitting (an open vote is
    not taken back, so the members vote afresh there)."""
    present_members = present & members
    counted = [v for v in votes if v.member in present_members]
    tally = Counter(_option(v) for v in counted)
    if len(present_members) < quorum(rules, len(members)):
        return CommissionDecision(False, None, None, dict(tally), False)
    seats = len(present_members)
    carried = [option for option, count in tally.items() if count * 2 > seats]
    if carried:
        choice, corrected = carried[0]
        return CommissionDecision(True, choice, corrected, dict(tally), False)
    chair_vote = next((v for v in counted if v.member == chair), None)
    if rules.chair_decides_tie and chair_vote is not None and tally[_option(chair_vote)] * 2 == seats:
        choice, corrected = _option(chair_vote)
        return CommissionDecision(True, choice, corrected, dict(tally), True)
    return CommissionDecision(True, None, None, dict(tally), False)


def _option(vote: CommissionVote) -> tuple[Choice, str | None]:
    return (vote.choice, vote.corrected if vote.choice is Choice.REVISE else None)
