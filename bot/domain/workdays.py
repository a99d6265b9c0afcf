"""Working days (every "working day" deadline of the methodology). Pure.

A working day is neither a weekend day nor a public holiday of Kazakhstan; the ``holidays``
package knows the holidays, the days off moved onto weekdays and the weekend days made
working ones. Days a government decree moves after the package's release can be given
as ``extra_days_off`` / ``extra_working_days``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache

import holidays


@cache
def _kazakhstan(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("KZ", years=year)


class WorkCalendar:
    def __init__(self, extra_days_off: Iterable[date] = (), extra_working_days: Iterable[date] = ()) -> None:
        self.extra_days_off = frozenset(extra_days_off)
        self.extra_working_days = frozenset(extra_working_days)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        return bool(_kazakhstan(day.year).is_working_day(day))

    def add(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (before it when ``count`` is negative)."""
        step = timedelta(days=1 if count >= 0 else -1)
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


KAZAKHSTAN = WorkCalendar()
