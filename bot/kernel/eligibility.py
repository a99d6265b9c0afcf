"""Who is evaluated in a period (clauses 5-6; 004 clause 4). Pure."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

from bot.kernel.methodology import Exclusions, Profile


class Ineligibility(StrEnum):
    TOO_SHORT_IN_POST = "too_short_in_post"
    APPOINTED_AFTER_PERIOD = "appointed_after_period"
    ON_PROBATION = "on_probation"
    TOO_SOON_AFTER_RETURN = "too_soon_after_return"


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _under_months(start: date, period_end: date, months: int) -> bool:
    # The last day of the period counts: from 1 October, three full months have passed by
    # 31 December; from 2 October, they have not.
    return add_months(start, months) > period_end + timedelta(days=1)


def ineligibility(
    appointed_on: date,
    period_end: date,
    min_months_in_post: int,
    *,
    exclusions: Exclusions | None = None,
    probation_ends_on: date | None = None,
    returned_on: date | None = None,
) -> Ineligibility | None:
    """Less than the profile's minimum time in the post by the end of the period means the
    person is not evaluated for it; everyone else is (absent people without their
    participation).

    Where the profile has 004 clause 4's ``exclusions``, also not evaluated: someone whose
    probation's last day comes after the period's end (still on probation when the period
    closes), and someone back from social leave or study less than the profile's months before
    the period's end, counted as the time in the post is. A return after the period's end
    means the person was away when it closed: not evaluated either. Judged at the period's
    end, never at the day HR starts the evaluation (bot/methodology/NOTES-kz-2018.md)."""
    if appointed_on > period_end:
        return Ineligibility.APPOINTED_AFTER_PERIOD
    if _under_months(appointed_on, period_end, min_months_in_post):
        return Ineligibility.TOO_SHORT_IN_POST
    if exclusions is None:
        return None
    if exclusions.during_probation and probation_ends_on is not None and probation_ends_on > period_end:
        return Ineligibility.ON_PROBATION
    months = exclusions.months_after_return
    if months is not None and returned_on is not None and _under_months(returned_on, period_end, months):
        return Ineligibility.TOO_SOON_AFTER_RETURN
    return None


class InPost(Protocol):
    """What the staff list says of a person that decides whether they are evaluated."""

    @property
    def appointed_on(self) -> date: ...
    @property
    def probation_ends_on(self) -> date | None: ...
    @property
    def returned_on(self) -> date | None: ...


def ineligibility_of(person: InPost, period_end: date, profile: Profile) -> Ineligibility | None:
    """``ineligibility`` for a person on the staff list, by the profile's rules."""
    return ineligibility(
        person.appointed_on,
        period_end,
        profile.min_months_in_post,
        exclusions=profile.exclusions,
        probation_ends_on=person.probation_ends_on,
        returned_on=person.returned_on,
    )
