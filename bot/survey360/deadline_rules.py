"""What HR may type as a 360 round's deadline, and the example the bot shows. Pure: today
and the working-day calendar are arguments.

Issue 19, finding 6: an example must be a date HR could type back and have accepted (not a
fixed date that has since passed), and a deadline on a weekend day or a public holiday is
refused with a working day offered instead, as the 2018 method's start already does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.kernel.methodology import Profile, deadline_window_360
from bot.kernel.workdays import WorkCalendar


class DeadlineProblem(StrEnum):
    NOT_A_DATE = "not_a_date"
    PAST = "past"
    OUTSIDE = "outside"  # clause 4: not within the year's window
    NOT_LATER = "not_later"  # a moved deadline must be later than the current one
    DAY_OFF = "day_off"


@dataclass(frozen=True, slots=True)
class DeadlineCheck:
    problem: DeadlineProblem | None
    example: date  # a deadline that would be accepted, to show with the refusal


def example_deadline(
    profile: Profile, year: int, today: date, calendar: WorkCalendar, *, after: date | None = None
) -> date:
    """A working day about a month ahead (or the first working day after a running round's
    current deadline ``after``), inside clause 4's window and not before today. When the window
    holds no working day that qualifies, its last day: the only date left to offer."""
    earliest, last = allowed_deadlines(profile, year, today, after)
    wanted = earliest if after else max(min(today + timedelta(days=30), last), earliest)
    return _working_day_near(wanted, earliest, last, calendar)


def check_deadline(
    profile: Profile,
    year: int,
    deadline: date | None,
    today: date,
    calendar: WorkCalendar,
    *,
    current: date | None = None,
) -> DeadlineCheck:
    """Whether ``deadline`` may be a 360 round's deadline on ``year``; ``current`` is the
    deadline of a running round being moved."""
    example = example_deadline(profile, year, today, calendar, after=current)
    if deadline is None:
        return DeadlineCheck(DeadlineProblem.NOT_A_DATE, example)
    if deadline < today:
        return DeadlineCheck(DeadlineProblem.PAST, example)
    first, last = deadline_window_360(profile, year)
    if not first <= deadline <= last:
        return DeadlineCheck(DeadlineProblem.OUTSIDE, example)
    if current is not None and deadline <= current:
        return DeadlineCheck(DeadlineProblem.NOT_LATER, example)
    if not calendar.is_working_day(deadline) and calendar.is_working_day(example):
        # A day off is refused only when a working day is left to choose instead.
        earliest, _ = allowed_deadlines(profile, year, today, current)
        return DeadlineCheck(DeadlineProblem.DAY_OFF, _working_day_near(deadline, earliest, last, calendar))
    return DeadlineCheck(None, example)


def allowed_deadlines(
    profile: Profile, year: int, today: date, current: date | None = None
) -> tuple[date, date]:
    """The first and last day a deadline may be set to now (the calendar HR chooses it in):
    within clause 4's window, not before today, after a running round's ``current`` deadline.
    The first is after the last when no day is left."""
    first, last = deadline_window_360(profile, year)
    return max(first, today, current + timedelta(days=1) if current else first), last


def _working_day_near(day: date, earliest: date, last: date, calendar: WorkCalendar) -> date:
    """The first working day from ``day`` on, or the last one before it when that would pass
    clause 4's last day; ``last`` itself when no working day is left between the bounds."""
    forward = calendar.on_or_after(day)
    if forward <= last:
        return forward
    backward = calendar.on_or_before(min(day, last))
    return backward if backward >= earliest else last
