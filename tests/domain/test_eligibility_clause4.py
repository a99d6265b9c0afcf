"""004 clause 4 beyond the time in the post: no evaluation during the probation, nor in the first
three months after coming back from social leave or study; judged at the period's end, and only
where the profile has the rule (kz-2018, not the 2018 Koksu chapter nor the current seeds)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.kernel.eligibility import Ineligibility, ineligibility
from bot.kernel.methodology import Exclusions, load_profile
from bot.kernel.profile_file import ProfileFileError, profile_from_data, summary

YEAR_END = date(2025, 12, 31)
APPOINTED = date(2019, 5, 5)  # long enough in the post: only clause 4's exclusions decide
KZ_2018 = load_profile("kz-2018").exclusions


def test_the_2018_profile_carries_the_rule_and_the_others_do_not() -> None:
    assert load_profile("kz-2018").exclusions == Exclusions(during_probation=True, months_after_return=3)
    # 003's chapter 6 (amended clause 6) and 000/002 clause 5 name neither probation nor a return.
    for code in ("kz-2018-koksu", "kz-2023", "kz-2024"):
        assert load_profile(code).exclusions is None, code


@pytest.mark.parametrize(
    ("probation_ends_on", "expected"),
    [
        (date(2026, 1, 15), Ineligibility.ON_PROBATION),  # still on probation when the year closes
        (date(2026, 1, 1), Ineligibility.ON_PROBATION),
        (YEAR_END, None),  # its last day is the year's last day: ended by the year's end
        (date(2025, 6, 30), None),
        (None, None),  # the staff list does not say
    ],
)
def test_probation(probation_ends_on: date | None, expected: Ineligibility | None) -> None:
    assert (
        ineligibility(APPOINTED, YEAR_END, 3, exclusions=KZ_2018, probation_ends_on=probation_ends_on)
        is expected
    )


@pytest.mark.parametrize(
    ("returned_on", "expected"),
    [
        (date(2025, 10, 31), Ineligibility.TOO_SOON_AFTER_RETURN),  # two months before the end
        (date(2025, 10, 2), Ineligibility.TOO_SOON_AFTER_RETURN),  # a day short of three months
        (date(2025, 10, 1), None),  # exactly three months: 1 October – 31 December
        (date(2025, 3, 1), None),
        (date(2026, 1, 12), Ineligibility.TOO_SOON_AFTER_RETURN),  # away when the year closed
        (None, None),
    ],
)
def test_return_from_social_leave_or_study(returned_on: date | None, expected: Ineligibility | None) -> None:
    assert ineligibility(APPOINTED, YEAR_END, 3, exclusions=KZ_2018, returned_on=returned_on) is expected


def test_without_the_rule_neither_field_counts() -> None:
    def reason(exclusions: Exclusions | None) -> Ineligibility | None:
        return ineligibility(
            APPOINTED,
            YEAR_END,
            3,
            exclusions=exclusions,
            probation_ends_on=date(2026, 6, 1),
            returned_on=date(2025, 12, 1),
        )

    assert reason(None) is None
    assert reason(Exclusions()) is None
    assert reason(Exclusions(months_after_return=3)) is Ineligibility.TOO_SOON_AFTER_RETURN


def test_the_time_in_the_post_is_named_first() -> None:
    late = date(2025, 11, 1)

    reason = ineligibility(late, YEAR_END, 3, exclusions=KZ_2018, probation_ends_on=date(2026, 2, 1))

    assert reason is Ineligibility.TOO_SHORT_IN_POST


def test_profile_show_names_the_rule() -> None:
    lines = summary(load_profile("kz-2018"))

    assert (
        "not evaluated: on probation at the period's end; "
        "back from social leave or study less than 3 month(s)" in lines
    )
    assert not any(line.startswith("not evaluated") for line in summary(load_profile("kz-2018-koksu")))


def test_a_body_s_file_may_take_the_rule_or_change_it() -> None:
    def body(extends: str, exclusions: object) -> dict[str, object]:
        return {"extends": extends, "code": "mf", "version": "1", "exclusions": exclusions}

    added = profile_from_data(body("kz-2024", {"during_probation": True}), "body.json").profile
    assert added.exclusions == Exclusions(during_probation=True, months_after_return=None)
    six = profile_from_data(body("kz-2018", {"months_after_return": 6}), "body.json").profile
    assert six.exclusions == Exclusions(during_probation=True, months_after_return=6)  # merged key by key
    assert profile_from_data(body("kz-2018", None), "body.json").profile.exclusions is None
    with pytest.raises(ProfileFileError) as failure:
        profile_from_data(body("kz-2018", {"months_after_return": 0}), "body.json")
    assert failure.value.problems[0].startswith("exclusions.months_after_return:")
