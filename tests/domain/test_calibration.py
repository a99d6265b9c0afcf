"""The calibration session's majority (clause 41): five members, the three kinds of outcome
and a tie, with and without the chair's deciding vote; the majority of the participants (the
members who voted), not of every member named."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.calibration.rules import Decision, Outcome, Vote, VotingError, decide

D = Decimal
CURRENT = D("3.25")
LOW, HIGH = D(0), D(5)  # a differentiation or KPI score lies within 0..5


def _votes(*scores: str) -> list[Vote]:
    return [
        Vote(member, D(score), None if D(score) == CURRENT else "argued at the session")
        for member, score in enumerate(scores, start=1)
    ]


@pytest.mark.parametrize(
    ("scores", "outcome", "final"),
    [
        (("3.25", "3.25", "3.25", "4.00", "2.50"), Outcome.UPHELD, "3.25"),
        (("4.00", "4.00", "4.00", "3.25", "3.25"), Outcome.RAISED, "4.00"),
        (("2.50", "2.50", "3.25", "2.50", "4.00"), Outcome.LOWERED, "2.50"),
        # No score has more than half: the evaluator's score stands.
        (("3.25", "3.25", "4.00", "4.00", "2.50"), Outcome.TIE_KEPT, "3.25"),
        (("4.00", "4.00", "2.50", "2.50", "3.00"), Outcome.TIE_KEPT, "3.25"),
    ],
)
def test_five_members(scores: tuple[str, ...], outcome: Outcome, final: str) -> None:
    decision = decide(CURRENT, _votes(*scores), 5, low=LOW, high=HIGH)
    assert (decision.outcome, decision.score) == (outcome, D(final))
    assert sum(decision.tally.values()) == 5


def test_the_chair_decides_a_tie_when_the_profile_says_so() -> None:
    votes = _votes("4.00", "4.00", "3.25", "3.25", "2.50")
    assert decide(CURRENT, votes, 5, chair=1, low=LOW, high=HIGH) == Decision(
        Outcome.RAISED, D("4.00"), {D("4.00"): 2, D("3.25"): 2, D("2.50"): 1}
    )
    assert decide(CURRENT, votes, 5, chair=3, low=LOW, high=HIGH).outcome is Outcome.UPHELD
    assert decide(CURRENT, votes, 5, low=LOW, high=HIGH).outcome is Outcome.TIE_KEPT


def test_every_member_votes_once_inside_the_range_with_reasons() -> None:
    doubled = [*_votes("3.25", "3.25", "3.25", "3.25"), Vote(1, CURRENT)]
    with pytest.raises(VotingError, match="a member votes once"):
        decide(CURRENT, doubled, 5, low=LOW, high=HIGH)
    with pytest.raises(VotingError, match="6 votes from 5 members"):
        decide(CURRENT, _votes("3.25", "3.25", "3.25", "3.25", "3.25", "3.25"), 5, low=LOW, high=HIGH)
    with pytest.raises(VotingError, match="outside"):
        decide(CURRENT, _votes("3.25", "3.25", "3.25", "3.25", "5.50"), 5, low=LOW, high=HIGH)
    silent = [*_votes("3.25", "3.25", "3.25", "3.25"), Vote(5, D("4.00"))]
    with pytest.raises(VotingError, match="needs its reason"):
        decide(CURRENT, silent, 5, low=LOW, high=HIGH)


@pytest.mark.parametrize(
    ("scores", "outcome", "final"),
    [
        (("4.00", "4.00", "4.00"), Outcome.RAISED, "4.00"),
        # Two of the three who voted: a majority of the participants, though not of the five named.
        (("4.00", "4.00", "3.25"), Outcome.RAISED, "4.00"),
        (("2.50", "2.50", "3.25"), Outcome.LOWERED, "2.50"),
        (("4.00", "4.00"), Outcome.RAISED, "4.00"),
        (("3.25",), Outcome.UPHELD, "3.25"),
        # Half of those who voted is no majority.
        (("4.00", "4.00", "3.25", "3.25"), Outcome.TIE_KEPT, "3.25"),
        (("4.00", "2.50"), Outcome.TIE_KEPT, "3.25"),
        # Nobody voted: the evaluator's score stands.
        ((), Outcome.TIE_KEPT, "3.25"),
    ],
)
def test_the_majority_is_of_the_participants(scores: tuple[str, ...], outcome: Outcome, final: str) -> None:
    """Clause 41: "калибрлеу сессиясы қатысушыларының басым дауысымен". Of five members named,
    those who did not vote by the end of the session's day took no part: the majority is of
    the votes cast."""
    decision = decide(CURRENT, _votes(*scores), 5, low=LOW, high=HIGH)
    assert (decision.outcome, decision.score) == (outcome, D(final))
    assert sum(decision.tally.values()) == len(scores)


def test_a_chair_in_the_minority_does_not_decide() -> None:
    votes = _votes("4.00", "4.00", "2.50", "2.50", "3.00")
    assert decide(CURRENT, votes, 5, chair=5, low=LOW, high=HIGH).outcome is Outcome.TIE_KEPT
    assert decide(CURRENT, votes, 5, chair=3, low=LOW, high=HIGH).score == D("2.50")


def test_session_times_are_working_hours_in_half_hours_and_never_past() -> None:
    from datetime import date, datetime, time

    from bot.calibration.rules import session_times

    day = date(2025, 12, 10)
    whole_day = session_times(day, datetime(2025, 12, 9, 20, 0))
    assert whole_day[0] == time(9, 0) and whole_day[-1] == time(18, 30) and len(whole_day) == 20
    assert session_times(day, datetime(2025, 12, 10, 15, 0))[0] == time(15, 30)  # today: not 15:00
    assert session_times(day, datetime(2025, 12, 10, 18, 30)) == []
