from decimal import Decimal

import pytest

from bot.kernel.methodology import Profile
from bot.kernel.scoring import (
    AnswerCount,
    grade_band,
    is_withheld,
    mean_score,
    result_from_answers,
    round_score,
)


@pytest.mark.parametrize(
    ("score", "band"),
    [
        ("0", "unsatisfactory"),
        ("1.99", "unsatisfactory"),
        ("2.00", "satisfactory"),
        ("2.99", "satisfactory"),
        ("3.00", "proper"),
        ("3.99", "proper"),
        ("4.00", "effective"),
        ("5.00", "effective"),
        # Scores are shown with two decimals; the band follows what is shown.
        ("1.994", "unsatisfactory"),
        ("1.995", "satisfactory"),
        ("3.995", "effective"),
    ],
)
def test_grade_band_borders(profile: Profile, score: str, band: str) -> None:
    assert grade_band(profile, Decimal(score)).code == band


def test_grade_band_refuses_negative(profile: Profile) -> None:
    with pytest.raises(ValueError, match="negative"):
        grade_band(profile, Decimal("-0.01"))


def test_round_score_half_up() -> None:
    assert round_score(Decimal("4.335")) == Decimal("4.34")
    assert round_score(Decimal(13) / 3) == Decimal("4.33")


def _answers(questionnaire_size: int, scores: list[int]) -> list[AnswerCount]:
    """Every respondent gives the same score to all statements: one respondent per score."""
    counts: dict[tuple[int, int], int] = {}
    for score in scores:
        for statement_no in range(1, questionnaire_size + 1):
            counts[(statement_no, score)] = counts.get((statement_no, score), 0) + 1
    return [AnswerCount(s, v, c) for (s, v), c in counts.items()]


def test_means_exclude_the_self_assessment(profile: Profile) -> None:
    questionnaire = profile.questionnaire("employees")
    others = _answers(24, [3, 4, 5])
    self_answers = dict.fromkeys(range(1, 25), 1)
    result = result_from_answers(profile, questionnaire, others, self_answers, n_respondents=3)
    assert not result.withheld
    assert all(c.mean == Decimal("4.00") for c in result.competencies)
    assert all(c.self_score == Decimal("1.00") for c in result.competencies)
    assert result.overall == Decimal("4.00")
    assert result.band is not None and result.band.code == "effective"
    assert all(c.n_answers == 9 for c in result.competencies)  # 3 respondents × 3 statements


def test_competency_mean_is_sum_over_answers(profile: Profile) -> None:
    questionnaire = profile.questionnaire("heads")
    # Competency 1 holds statements 1-3: answers 5,4,4 / 3,3,3 / 5,5,2 → 34 / 9 = 3.78
    others = [
        AnswerCount(1, 5, 2),
        AnswerCount(1, 3, 1),
        AnswerCount(2, 4, 1),
        AnswerCount(2, 3, 1),
        AnswerCount(2, 5, 1),
        AnswerCount(3, 4, 1),
        AnswerCount(3, 3, 1),
        AnswerCount(3, 2, 1),
    ]
    result = result_from_answers(profile, questionnaire, others, {}, n_respondents=3)
    first = result.competencies[0]
    assert first.mean == Decimal("3.78")
    assert first.self_score is None
    assert result.competencies[1].mean is None  # nobody answered competency 2 here
    assert result.overall == Decimal("3.78")


def test_overall_is_mean_of_all_answers_not_of_rounded_means(profile: Profile) -> None:
    questionnaire = profile.questionnaire("employees")
    # Competency 1: 13/3 = 4.333…, competency 2: 14/3 = 4.666…; overall 27/6 = 4.50.
    others = [AnswerCount(1, 5, 1), AnswerCount(2, 4, 1), AnswerCount(3, 4, 1)]
    others += [AnswerCount(4, 5, 1), AnswerCount(5, 5, 1), AnswerCount(6, 4, 1)]
    result = result_from_answers(profile, questionnaire, others, {}, n_respondents=3)
    assert result.competencies[0].mean == Decimal("4.33")
    assert result.competencies[1].mean == Decimal("4.67")
    assert result.overall == Decimal("4.50")


@pytest.mark.parametrize(("respondents", "withheld"), [(0, True), (2, True), (3, False), (7, False)])
def test_anonymity_threshold(profile: Profile, respondents: int, withheld: bool) -> None:
    assert is_withheld(profile, respondents) is withheld
    questionnaire = profile.questionnaire("employees")
    result = result_from_answers(profile, questionnaire, _answers(24, [4] * respondents), {}, respondents)
    assert result.withheld is withheld
    if withheld:
        assert result.overall is None and result.band is None
        assert all(c.mean is None and c.n_answers == 0 for c in result.competencies)


def test_weakest_competencies_for_training(profile: Profile) -> None:
    questionnaire = profile.questionnaire("employees")
    others = [AnswerCount(s, 2 if s <= 3 else 5 if s > 6 else 3, 3) for s in range(1, 25)]
    result = result_from_answers(profile, questionnaire, others, {}, n_respondents=3)
    assert [c.competency_no for c in result.weakest(2)] == [1, 2]


@pytest.mark.parametrize(
    ("points", "answers", "shown"),
    [
        (7, 2, "3.50"),
        (10, 3, "3.33"),
        (11, 3, "3.67"),
        (799, 200, "4.00"),
        (797, 200, "3.99"),
        (25, 5, "5.00"),
    ],
)
def test_a_mean_is_rounded_half_up_to_two_decimals_every_time(points: int, answers: int, shown: str) -> None:
    # 799/200 = 3.995 rounds up; asked twice, the remembered value is the same.
    assert mean_score(points, answers) == Decimal(shown)
    assert mean_score(points, answers) == Decimal(shown)
