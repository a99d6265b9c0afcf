"""The calibration session's decision (clauses 37-42). Pure.

Each member either supports the evaluator's score or proposes a corrected one (up or down,
inside the method's range) with a reason. The final score is the one more than half of the
members voted for (clause 41: "by majority"); when no score has a majority — a tie — the
evaluator's score stands, unless the profile lets the chair's vote decide. A member who did not
vote by the end of the session's day is absent: the majority is still of all the members, so
absences never let a minority change the score.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Outcome(StrEnum):
    UPHELD = "upheld"
    RAISED = "raised"
    LOWERED = "lowered"
    TIE_KEPT = "tie_kept"  # no majority: the evaluator's score stands


@dataclass(frozen=True, slots=True)
class Vote:
    member: int
    score: Decimal  # the evaluator's score when the member supports it
    reason: str | None = None  # required when the score differs


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    score: Decimal
    tally: dict[Decimal, int]


class VotingError(ValueError):
    pass


def decide(
    current: Decimal,
    votes: Sequence[Vote],
    members: int,
    *,
    low: Decimal,
    high: Decimal,
    chair: int | None = None,
) -> Decision:
    """The session's decision from the votes cast (every member's, or fewer when the session's
    day has ended). ``chair``: the member whose vote decides a tie, when the profile says so;
    None keeps the evaluator's score on a tie."""
    if len({v.member for v in votes}) != len(votes):
        raise VotingError("a member votes once")
    if len(votes) > members:
        raise VotingError(f"{len(votes)} votes from {members} members")
    for vote in votes:
        if not low <= vote.score <= high:
            raise VotingError(f"{vote.score} is outside {low}..{high}")
        if vote.score != current and not (vote.reason or "").strip():
            raise VotingError("a corrected score needs its reason")
    tally = Counter(vote.score for vote in votes)
    if not tally:
        return Decision(Outcome.TIE_KEPT, current, {})
    score, count = max(tally.items(), key=lambda item: (item[1], item[0] == current))
    if count * 2 <= members:
        # The chair breaks a tie between the most-voted scores; a chair in the minority does not.
        chair_vote = next((v for v in votes if v.member == chair), None)
        if chair_vote is None or tally[chair_vote.score] != count:
            return Decision(Outcome.TIE_KEPT, current, dict(tally))
        score = chair_vote.score
    if score == current:
        return Decision(Outcome.UPHELD, score, dict(tally))
    return Decision(Outcome.RAISED if score > current else Outcome.LOWERED, score, dict(tally))
