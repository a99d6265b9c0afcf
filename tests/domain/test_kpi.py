"""Appendix 3 of seed 002, row by row and at every border."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.kernel.methodology import KpiRules, Profile
from bot.quarterly.kpi_rules import KpiCountError, achievement_percent, allowed_range, kpi_final_score

D = Decimal

# The table as printed in the seed (with the 40-44,49 misprint read as 40-44,99).
SEED_TABLE = [
    ("100", None, "5", "5"),
    ("95", "99.99", "4.75", "4.99"),
    ("90", "94.99", "4.5", "4.74"),
    ("85", "89.99", "4.25", "4.49"),
    ("80", "84.99", "4", "4.24"),
    ("75", "79.99", "3.75", "3.99"),
    ("70", "74.99", "3.5", "3.74"),
    ("65", "69.99", "3.25", "3.49"),
    ("60", "64.99", "3", "3.24"),
    ("55", "59.99", "2.75", "2.99"),
    ("50", "54.99", "2.5", "2.74"),
    ("45", "49.99", "2.25", "2.49"),
    ("40", "44.99", "2", "2.24"),
    ("35", "39.99", "1.75", "1.99"),
    ("30", "34.99", "1.5", "1.74"),
    ("25", "29.99", "1.25", "1.49"),
    ("20", "24.99", "1", "1.24"),
    ("15", "19.99", "0.75", "0.99"),
    ("10", "14.99", "0.5", "0.74"),
    ("5", "9.99", "0.25", "0.49"),
    ("0", "4.99", "0", "0.24"),
]


@pytest.fixture
def rules(profile: Profile) -> KpiRules:
    assert profile.kpi is not None
    return profile.kpi


@pytest.mark.parametrize(("low", "high", "min_score", "max_score"), SEED_TABLE)
def test_every_row_and_its_borders(
    rules: KpiRules, low: str, high: str | None, min_score: str, max_score: str
) -> None:
    for percent in [low, "1000"] if high is None else [low, high]:
        found = allowed_range(rules, D(percent))
        assert (found.low, found.high) == (D(min_score), D(max_score)), percent
    below = D(low) - D("0.01")
    if below >= 0:  # one hundredth lower is the next row down
        assert allowed_range(rules, below).high < D(min_score)


def test_the_misprinted_row(rules: KpiRules) -> None:
    # The seed prints "40-44,49": 44,5-44,99 would have no score. Read as 40-44,99.
    for percent in ("44.49", "44.5", "44.99"):
        found = allowed_range(rules, D(percent))
        assert (found.low, found.high) == (D(2), D("2.24"))
    assert allowed_range(rules, D(45)).low == D("2.25")


def test_the_table_has_one_row_per_five_points(rules: KpiRules) -> None:
    assert len(rules.score_table) == 21
    assert [band.from_percent for band in rules.score_table] == [
        D(100),
        *[D(5 * k) for k in range(19, -1, -1)],
    ]


def test_scores_outside_the_range_are_not_allowed(rules: KpiRules) -> None:
    found = allowed_range(rules, D("96.5"))
    assert found.allows(D("4.75")) and found.allows(D("4.99"))
    assert not found.allows(D("5")) and not found.allows(D("4.74"))
    with pytest.raises(ValueError, match="negative"):
        allowed_range(rules, D("-0.01"))


@pytest.mark.parametrize(
    ("planned", "actual", "higher", "percent"),
    [
        ("200", "190", True, "95.00"),
        ("3", "2", True, "66.66"),  # cut, not rounded
        ("100", "99.999", True, "99.99"),  # never rounded up into the 100 % row
        ("10", "12", False, "83.33"),  # less is better: plan / actual
        ("10", "0", False, "100"),
        ("10", "25", True, "250.00"),
    ],
)
def test_achievement_percent(planned: str, actual: str, higher: bool, percent: str) -> None:
    assert achievement_percent(D(planned), D(actual), higher_is_better=higher) == D(percent)


def test_achievement_needs_a_plan() -> None:
    with pytest.raises(ValueError, match="planned value must be positive"):
        achievement_percent(D(0), D(5), higher_is_better=True)


def test_final_score_is_the_mean_of_three_to_five_kpis(rules: KpiRules) -> None:
    assert kpi_final_score(rules, [D(5), D("4.75"), D("4.5")]) == D("4.75")
    assert kpi_final_score(rules, [D(5), D(4), D(4), D(3), D("2.24")]) == D("3.65")
    for count in (2, 6):
        with pytest.raises(KpiCountError):
            kpi_final_score(rules, [D(5)] * count)
