"""Working days (every "working day" deadline of the methodology). Pure.

A working day is neither a weekend day nor a public holiday of Kazakhstan; the ``holidays``
package knows the holidays, the days off moved onto weekdays and the weekend days made
working ones. Days a government decree moves after the package's release are data: the
bundled ``bot/methodology/calendar-kz.json`` and, for HR, the file ``CALENDAR_FILE`` names
(the same shape), given here as ``extra_days_off`` / ``extra_working_days``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

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

    def on_or_before(self, day: date) -> date:
        """The last working day on or before ``day`` (a deadline on a holiday falls back)."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def on_or_after(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def merged(self, raw: dict[str, Any]) -> WorkCalendar:
        """This calendar with a calendar file's days added (``days_off``, ``working_days``:
        ISO dates)."""
        return WorkCalendar(
            self.extra_days_off | {date.fromisoformat(day) for day in raw.get("days_off", [])},
            self.extra_working_days | {date.fromisoformat(day) for day in raw.get("working_days", [])},
        )

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


def bundled_calendar() -> WorkCalendar:
    """Kazakhstan's calendar with the bundled file of moved days."""
    text = resources.files("bot.methodology").joinpath("calendar-kz.json").read_text("utf-8")
    return WorkCalendar().merged(json.loads(text))


KAZAKHSTAN = bundled_calendar()
