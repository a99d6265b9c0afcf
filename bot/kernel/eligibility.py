"""Who is evaluated in a period (clauses 5-6). Pure."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum


class Ineligibility(StrEnum):
    TOO_SHORT_IN_POST = "too_short_in_post"
    APPOINTED_AFTER_PERIOD = "appointed_after_period"


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def ineligibility(appointed_on: date, period_end: date, min_months_in_post: int) -> Ineligibility | None:
    """Less than the profile's minimum time in the post by the end of the period means the
    person is not evaluated for it; everyone else is (absent people without their
    participation)."""
    if appointed_on > period_end:
        return Ineligibility.APPOINTED_AFTER_PERIOD
    if add_months(appointed_on, min_months_in_post) > period_end + timedelta(days=1):
        # The last day of the period counts: appointed on 1 October, the person has served
        # three full months by 31 December; appointed on 2 October, they have not.
        return Ineligibility.TOO_SHORT_IN_POST
    return None
