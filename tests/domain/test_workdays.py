"""Kazakhstan's working days on the real 2024-2026 calendars, the moved days off, the data
file HR can extend, and the arithmetic the deadlines use."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.infra.config import Settings
from bot.kernel.workdays import KAZAKHSTAN, WorkCalendar, bundled_calendar

HOLIDAYS = [
    # New Year, Orthodox Christmas, 8 March, Nauryz 21-23 March, 1 May, 7 May, 9 May,
    # Capital Day 6 July, Constitution Day 30 August, Republic Day 25 October, Independence
    # Day 16 December, Kurban ait (its first day, by the lunar calendar).
    *(date(year, 1, day) for year in (2024, 2025, 2026) for day in (1, 2, 7)),
    date(2024, 3, 8),
    date(2025, 3, 21),
    date(2026, 3, 23),
    date(2024, 5, 1),
    date(2024, 5, 7),
    date(2024, 5, 9),
    date(2025, 5, 1),
    date(2025, 5, 7),
    date(2025, 5, 9),
    date(2026, 5, 1),
    date(2026, 5, 7),
    date(2024, 7, 8),  # 6 July 2024 was a Saturday: Monday off
    date(2025, 7, 7),  # and a Sunday in 2025
    date(2026, 7, 6),
    date(2024, 8, 30),
    date(2025, 9, 1),  # 30 August 2025 was a Saturday
    date(2024, 10, 25),
    date(2025, 10, 27),  # 25 October 2025 was a Saturday
    date(2026, 10, 26),  # and a Sunday in 2026
    date(2024, 12, 16),
    date(2025, 12, 16),
    date(2026, 12, 16),
    date(2024, 6, 17),  # Kurban ait 2024 fell on Sunday 16 June: religious days are not moved,
    date(2025, 6, 6),
    date(2026, 5, 27),
]


@pytest.mark.parametrize("day", [d for d in HOLIDAYS if d != date(2024, 6, 17)])
def test_public_holidays_are_days_off(day: date) -> None:
    assert not KAZAKHSTAN.is_working_day(day), day


def test_kurban_ait_on_a_sunday_is_not_moved() -> None:
    assert not KAZAKHSTAN.is_working_day(date(2024, 6, 16)) and KAZAKHSTAN.is_working_day(date(2024, 6, 17))


@pytest.mark.parametrize(
    ("day_off", "working_weekend_day"),
    [
        (date(2024, 5, 8), date(2024, 5, 4)),  # Wednesday off for Saturday 4 May 2024
        (date(2025, 1, 3), date(2025, 1, 5)),  # Friday off for Sunday 5 January 2025
    ],
)
def test_the_governments_transferred_days(day_off: date, working_weekend_day: date) -> None:
    assert not KAZAKHSTAN.is_working_day(day_off)
    assert KAZAKHSTAN.is_working_day(working_weekend_day)


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        # Fri 27 Dec → Mon 30, Tue 31; 1-2 January off, 3 January moved off, Sat 4 Jan;
        # Sunday 5 January 2025 was a working day.
        (date(2024, 12, 27), 3, date(2025, 1, 5)),
        (date(2025, 3, 20), 1, date(2025, 3, 26)),  # Nauryz 21-25 March 2025 with the weekend
        # Mon 12 Jan 2026 back: 9, 8, (7 off), 6, 5, (weekend, 2 and 1 off), 31 December.
        (date(2026, 1, 12), -5, date(2025, 12, 31)),
        (date(2024, 5, 3), 1, date(2024, 5, 4)),  # the working Saturday counts
    ],
)
def test_adding_working_days_across_holidays_and_year_ends(start: date, count: int, expected: date) -> None:
    assert KAZAKHSTAN.add(start, count) == expected


def test_the_last_working_day_on_or_before() -> None:
    assert KAZAKHSTAN.on_or_before(date(2026, 1, 10)) == date(2026, 1, 9)  # a Saturday → Friday
    assert KAZAKHSTAN.on_or_before(date(2025, 3, 25)) == date(2025, 3, 20)  # Nauryz
    assert KAZAKHSTAN.on_or_before(date(2026, 4, 10)) == date(2026, 4, 10)  # a working Friday
    assert KAZAKHSTAN.on_or_after(date(2026, 3, 21)) == date(2026, 3, 26)


def test_the_bundled_file_adds_nothing_the_package_does_not_know() -> None:
    assert bundled_calendar().extra_days_off == frozenset() == bundled_calendar().extra_working_days


def test_hr_extends_the_calendar_with_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "calendar.json"
    path.write_text(json.dumps({"days_off": ["2026-12-31"], "working_days": ["2026-12-26"]}), "utf-8")
    monkeypatch.chdir(tmp_path)
    calendar = Settings(_env_file=None, calendar_file=path).calendar
    assert not calendar.is_working_day(date(2026, 12, 31)) and calendar.is_working_day(date(2026, 12, 26))
    assert calendar.add(date(2026, 12, 29), 2) == date(
        2027, 1, 5
    )  # 30 Dec, then 5 Jan (1-2 off, 3-4 weekend)
    path.write_text('{"days_off": ["31.12.2026"]}', "utf-8")
    with pytest.raises(ValueError, match="not a calendar file"):
        Settings(_env_file=None, calendar_file=path)


def test_extra_days_win_over_the_package() -> None:
    calendar = WorkCalendar(extra_working_days=[date(2026, 3, 23)])
    assert calendar.is_working_day(date(2026, 3, 23))
