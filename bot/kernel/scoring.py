"""Scores, grade bands and the 360 result (clauses 7 and 35, appendices 7-8). Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from bot.kernel.methodology import GradeBand, Profile, Questionnaire

CENT = Decimal("0.01")


def round_score(value: Decimal) -> Decimal:
    """Round to two decimals, half up: the forms show scores with two decimals."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=65_536)
def mean_score(points: int, answers: int) -> Decimal:
    """``points / answers`` rounded as the forms show it. Remembered: a round of 10,000 people
    has some 200,000 means but only a few thousand distinct (points, answers) pairs, and the
    Decimal arithmetic was a quarter of its report's time (bench/results_360.py)."""
    return round_score(Decimal(points) / answers)


def grade_band(profile: Profile, score: Decimal) -> GradeBand:
    """The band a score falls in. The score is rounded first, so 3.995 counts as 4.00."""
    rounded = round_score(score)
    if rounded < 0:
        raise ValueError(f"a score cannot be negative: {score}")
    for band in profile.grade_bands:
        if rounded >= band.min_score:
            return band
    raise AssertionError("the lowest band starts at 0")  # parse_profile guarantees it


@dataclass(frozen=True, slots=True)
class AnswerCount:
    """How many non-self answers gave ``score`` to statement ``statement_no``."""

    statement_no: int
    score: int
    count: int


@dataclass(frozen=True, slots=True)
class Total:
    """Answers to one competency's statements: the sum of their scores and how many there are.
    The database keeps them per person and competency as questionnaires are submitted
    (storage/survey360/answers.py); the means are built here."""

    points: int
    answers: int


def competency_totals(questionnaire: Questionnaire, counts: Iterable[AnswerCount]) -> dict[int, Total]:
    """Colleagues' answer counts added up per competency."""
    competency_of = {s.no: s.competency_no for s in questionnaire.statements}
    points: dict[int, int] = {}
    answers: dict[int, int] = {}
    for count in counts:
        competency_no = competency_of[count.statement_no]
        points[competency_no] = points.get(competency_no, 0) + count.score * count.count
        answers[competency_no] = answers.get(competency_no, 0) + count.count
    return {no: Total(points[no], answers[no]) for no in points}


def answer_totals(questionnaire: Questionnaire, answers: Mapping[int, int]) -> dict[int, Total]:
    """One questionnaire's answers (statement → score), a colleague's or the self-assessment,
    added up per competency."""
    return competency_totals(questionnaire, (AnswerCount(no, score, 1) for no, score in answers.items()))


@dataclass(frozen=True, slots=True)
class CompetencyResult:
    competency_no: int
    mean: Decimal | None  # None when withheld or nobody answered
    self_score: Decimal | None
    n_answers: int


@dataclass(frozen=True, slots=True)
class Result360:
    competencies: tuple[CompetencyResult, ...]
    overall: Decimal | None
    band: GradeBand | None
    n_respondents: int
    withheld: bool

    def weakest(self, count: int = 3) -> tuple[CompetencyResult, ...]:
        """The least developed competencies (clause 36: training planning)."""
        scored = [c for c in self.competencies if c.mean is not None]
        return tuple(sorted(scored, key=lambda c: (c.mean, c.competency_no))[:count])


def is_withheld(profile: Profile, n_respondents: int) -> bool:
    """A result is shown only once enough colleagues answered, or anonymity breaks."""
    return n_respondents < profile.min_respondents


def compute_360_result(
    profile: Profile,
    questionnaire: Questionnaire,
    others: Mapping[int, Total],
    own: Mapping[int, Total],
    n_respondents: int,
) -> Result360:
    """Per-competency means of the colleagues' answers (``others``, by competency); the
    self-assessment (``own``) is shown beside them and never enters a mean (clause 35)."""
    withheld = is_withheld(profile, n_respondents)
    results = []
    for competency in questionnaire.competencies:
        colleagues, self_assessed = others.get(competency.no), own.get(competency.no)
        n = colleagues.answers if colleagues else 0
        mean = None if withheld or not colleagues or n == 0 else mean_score(colleagues.points, n)
        self_score = (
            mean_score(self_assessed.points, self_assessed.answers)
            if self_assessed and self_assessed.answers
            else None
        )
        results.append(CompetencyResult(competency.no, mean, self_score, 0 if withheld else n))

    total = sum(t.answers for t in others.values())
    overall = None
    if not withheld and total:
        # Every answer weighs the same: the mean over all answers, not a mean of rounded means.
        overall = mean_score(sum(t.points for t in others.values()), total)
    return Result360(
        competencies=tuple(results),
        overall=overall,
        band=grade_band(profile, overall) if overall is not None else None,
        n_respondents=n_respondents,
        withheld=withheld,
    )


def result_from_answers(
    profile: Profile,
    questionnaire: Questionnaire,
    counts: Iterable[AnswerCount],
    self_answers: Mapping[int, int],
    n_respondents: int,
) -> Result360:
    """:func:`compute_360_result` from answer counts and the self-assessment by statement."""
    return compute_360_result(
        profile,
        questionnaire,
        competency_totals(questionnaire, counts),
        answer_totals(questionnaire, self_answers),
        n_respondents,
    )
