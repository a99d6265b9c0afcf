"""How long evaluation records are kept (clause 14: three years from the evaluation's end;
the number of years is a profile setting). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.kernel.eligibility import add_months


@dataclass(frozen=True, slots=True)
class Cutoffs:
    closed_before: date  # rounds closed before this day are past keeping
    plan_years_before: int  # work plans of earlier years are past keeping
    absences_ended_before: date


def retention_cutoffs(today: date, years: int) -> Cutoffs:
    """A round's evaluation ends when it is closed; a year's work plans end with its last
    quarter's deadline (10 January of the next year, clause 4)."""
    keep_from = add_months(today, -12 * years)
    # The plans of year Y end on 10 January Y+1, and are past keeping once that day is more
    # than ``years`` years ago.
    last_expired = today.year - years - 1 if date(today.year, 1, 10) < today else today.year - years - 2
    return Cutoffs(
        closed_before=keep_from, plan_years_before=last_expired + 1, absences_ended_before=keep_from
    )
