"""The calibration session's decision (clauses 37-42). Pure.

Each member either supports the evaluator's score or proposes a corrected one (up or down,
inside the method's range) with a reason. Clause 41 (000, 001 and 002 alike): "Қорытынды баға
калибрлеу сессиясы қатысушыларының басым (көпшілік) дауысымен қабылданады" — the final score is
taken by the majority of the session's *participants*. Reading taken: the participants are the
members who took part, i.e. voted by the end of the session's day; a member named who did not
vote took no part and counts neither for nor against. The final score is the one more than
half of those votes were for; when no score has that — a tie — the evaluator's score stands
(the clause names no other rule), unless the profile lets the chair's vote decide. (The bot
used to require a majority of every member named, so a member's absence counted against any
correction: not what the clause says.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from bot.deadlines.rules import CLOSES, OPENS


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
    day has ended): the majority is of the votes cast, the participants' (clause 41).
    ``members``: how many were named, to check the votes against. ``chair``: the member whose
    vote decides a tie, when the profile says so; None keeps the evaluator's score on a tie."""
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
    if count * 2 <= len(votes):
        # The chair breaks a tie between the most-voted scores; a chair in the minority does not.
        chair_vote = next((v for v in votes if v.member == chair), None)
        if chair_vote is None or tally[chair_vote.score] != count:
            return Decision(Outcome.TIE_KEPT, current, dict(tally))
        score = chair_vote.score
    if score == current:
        return Decision(Outcome.UPHELD, score, dict(tally))
    return Decision(Outcome.RAISED if score > current else Outcome.LOWERED, score, dict(tally))


def session_times(day: date, now_local: datetime, step_minutes: int = 30) -> list[time]:
    """The times a session may start on ``day``: working hours (09:00 to 19:00) in steps,
    the ones already past left out when ``day`` is today. Pure."""
    times, moment = [], datetime.combine(day, OPENS)
    while moment.time() < CLOSES and moment.date() == day:
        if moment > now_local:
            times.append(moment.time())
        moment += timedelta(minutes=step_minutes)
    return times
