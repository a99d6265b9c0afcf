"""Who has left the body, and whose result goes to them in writing: one rule for the quarterly
sheet, the 360 round and the 2018 method (bot/kernel/leaving.py), the profile deciding where the
body's text says so (000 clause 11, 003 clauses 12 and 69; not 001, 002, 004)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.kernel.leaving import has_left, owed_in_writing
from bot.kernel.methodology import bundled_data, load_profile, parse_profile
from bot.kernel.profile_file import schema_problems

LEFT = date(2025, 12, 1)


@pytest.mark.parametrize(
    ("active", "left_on", "left"),
    [
        (True, None, False),  # on the staff list
        (False, LEFT, True),  # the import took them off the list that day
        (False, None, True),  # off the list, no day known (set inactive before the day was kept)
        (True, LEFT, True),  # a leaving day recorded ahead of the import
    ],
)
def test_has_left(active: bool, left_on: date | None, left: bool) -> None:
    assert has_left(active=active, left_on=left_on) is left


@pytest.mark.parametrize(
    ("code", "in_writing"),
    [
        ("kz-2024", True),  # seed 000 clause 11, second part
        ("kz-2018-koksu", True),  # seed 003 clause 12, second part, and clause 69
        ("kz-2023", False),  # seed 002 clause 11: through the information system, no written route
        ("kz-2018", False),  # seed 004 clause 41: in writing for everyone, nothing for those who left
    ],
)
def test_each_bundled_profile_says_whether_those_who_left_are_told_in_writing(
    code: str, in_writing: bool
) -> None:
    profile = load_profile(code)
    assert profile.dismissed_in_writing is in_writing
    assert profile.acquaintance_working_days == 2  # clause 11 (000, 002), 12 (003), 40 (004)
    assert owed_in_writing(profile, active=False, left_on=LEFT) is in_writing
    assert owed_in_writing(profile, active=True, left_on=None) is False  # nobody on the list


def test_the_rule_follows_the_profiles_data_not_its_code() -> None:
    """A body whose copy of 002 adds the written route gets it without a code change."""
    kz_2023 = load_profile("kz-2023")
    assert owed_in_writing(replace(kz_2023, dismissed_in_writing=True), active=False, left_on=LEFT)


def test_the_profile_reads_the_acquaintance_keys() -> None:
    raw = bundled_data("kz-2023")
    changed = parse_profile({**raw, "acquaintance": {"working_days": 3, "dismissed_in_writing": True}})
    assert (changed.acquaintance_working_days, changed.dismissed_in_writing) == (3, True)
    absent = parse_profile({k: v for k, v in raw.items() if k != "acquaintance"})
    assert (absent.acquaintance_working_days, absent.dismissed_in_writing) == (2, False)


def test_a_bodys_file_may_set_the_written_route_and_the_schema_names_a_wrong_value() -> None:
    body = {"extends": "kz-2023", "code": "body", "version": "1"}
    assert schema_problems({**body, "acquaintance": {"dismissed_in_writing": True}}) == []
    problems = schema_problems({**body, "acquaintance": {"dismissed_in_writing": "yes"}})
    assert len(problems) == 1 and "acquaintance.dismissed_in_writing" in problems[0]
