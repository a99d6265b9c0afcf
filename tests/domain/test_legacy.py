"""The 2018 method (seed 004, and seed 003's chapter 6): KPI count grades, the three-quarters
rule of the competency sheet, and the commission's quorum, tie and secretary rules."""

from __future__ import annotations

import math

import pytest

from bot.kernel.methodology import CompetencyRules, LegacyRules, load_profile
from bot.legacy2018.rules import (
    CategoryProblem,
    Choice,
    CommissionVote,
    KpiSheetProblem,
    SittingProblem,
    assess_competency,
    category_problem,
    competencies_for,
    composition_problems,
    decide,
    indicator_group,
    kpi_count_grade,
    kpi_sheet_problems,
    meets_expectations,
    quorum,
)


def legacy(code: str) -> LegacyRules:
    rules = load_profile(code).legacy
    assert rules is not None
    return rules


def sheet_rules() -> CompetencyRules:
    rules = legacy("kz-2018").competencies
    assert rules is not None
    return rules


# ----------------------------------------------------------------------------- KPI count

# 004 clause 18 and 003 clause 50, word for word: each profile keeps its own grade names.
GRADES_004 = {5: "өте жақсы", 4: "тиімді", 3: "қанағаттанарлық", 2: "қанағаттанарлықсыз"}
GRADES_003 = {
    5: "Функционалдық міндеттерді тиімді орындайды",
    4: "Функционалдық міндеттерді тиісті түрде орындайды",
    3: "Функционалдық міндеттерін қанағаттанарлық орындайды",
    2: "Функционалдық міндеттерін қанағаттанарлықсыз орындайды",
}


@pytest.mark.parametrize("met", range(6))
@pytest.mark.parametrize(("profile", "names"), [("kz-2018", GRADES_004), ("kz-2018-koksu", GRADES_003)])
def test_every_grade_of_the_kpi_count(profile: str, names: dict[int, str], met: int) -> None:
    rules = legacy(profile).kpi_count
    assert rules.kpis == 5  # "НМИ саны 5 құрайды" (004 clause 14, 003 clause 48)
    assert kpi_count_grade(rules, met).name.kk == names[max(met, 2)]  # fewer than 3: unsatisfactory


def test_a_count_outside_the_plan_is_refused() -> None:
    rules = legacy("kz-2018").kpi_count
    for met in (-1, 6):
        with pytest.raises(ValueError):
            kpi_count_grade(rules, met)


def test_a_kpi_sheet_needs_exactly_five_kpis_each_with_its_facts() -> None:
    rules = legacy("kz-2018").kpi_count
    assert kpi_sheet_problems(rules, ["act No. 1"] * 5) == []
    assert kpi_sheet_problems(rules, ["act No. 1"] * 4) == [KpiSheetProblem.WRONG_COUNT]
    assert kpi_sheet_problems(rules, ["act No. 1"] * 4 + ["  "]) == [KpiSheetProblem.NO_FACTS]
    assert kpi_sheet_problems(rules, ["a", None, "c"]) == [
        KpiSheetProblem.WRONG_COUNT,
        KpiSheetProblem.NO_FACTS,
    ]


def test_the_deadlines_of_the_kpi_sheet() -> None:
    rules = legacy("kz-2018").kpi_count
    assert (rules.resubmit_working_days, rules.to_commission_working_days) == (2, 2)  # clauses 23, 24
    assert (rules.plan_appendix, rules.sheet_appendix) == (1, 2)
    koksu = legacy("kz-2018-koksu").kpi_count
    assert (koksu.plan_appendix, koksu.sheet_appendix) == (9, 10)  # 003 clauses 44, 49


# ----------------------------------------------------------------------- competency sheet


# (borders) the smallest number seen that meets three quarters, for each group size.
@pytest.mark.parametrize(
    ("total", "least"), [(1, 1), (2, 2), (3, 3), (4, 3), (5, 4), (6, 5), (7, 6), (8, 6), (9, 7), (10, 8)]
)
def test_three_quarters_at_its_border(total: int, least: int) -> None:
    rules = sheet_rules()
    assert meets_expectations(rules, least, total)
    assert not meets_expectations(rules, least - 1, total)
    assert all(meets_expectations(rules, seen, total) for seen in range(least, total + 1))


def category_groups() -> list[tuple[str, bool, str, int]]:
    """(category, heads a unit, competency, indicator count) for every category of appendix 4."""
    rules = sheet_rules()
    cases = []
    for category in rules.categories:
        for heads_unit in (True, False) if category == "E-3" else (category in {"E-1", "E-2", "E-R-1"},):
            for competency in rules.competencies:
                group = indicator_group(competency, category, heads_unit=heads_unit)
                cases.append((category, heads_unit, competency.code, len(group.effective)))
    return cases


@pytest.mark.parametrize(("category", "heads_unit", "competency", "total"), category_groups())
def test_three_quarters_for_each_categorys_indicators(
    category: str, heads_unit: bool, competency: str, total: int
) -> None:
    rules = sheet_rules()
    item = next(c for c in rules.competencies if c.code == competency)
    group = indicator_group(item, category, heads_unit=heads_unit)
    least = math.ceil(total * 3 / 4)
    verdict = assess_competency(rules, item, group, set(range(least)))
    assert verdict.meets and verdict.not_seen == ()
    below = assess_competency(rules, item, group, set(range(1, least)))  # the first one not seen
    assert not below.meets
    assert below.not_seen == (0, *range(least, total))  # the sheet lists every indicator not seen


def test_the_catalogue_has_the_seeds_shape() -> None:
    rules = sheet_rules()
    assert [c.sheet_name.kk for c in rules.competencies] == [
        "Қызметті басқару",
        "Ынтымақтастық",
        "Шешім қабылдау",
        "Жеделділік",
        "Өздігінен даму",
        "Қызметті тұтынушыға бағдарлану",
        "Қызметті тұтынушыларды хабарландыру",
        "Адалдық",
        "Жауапкершілік",
        "Бастамашылдық",
        "Стресске орнықтылық",
    ]  # appendix 3, rows 1-11
    assert all(len(g.effective) <= 10 for c in rules.competencies for g in c.groups)  # clause 26
    assert (rules.meets_numerator, rules.meets_denominator) == (3, 4)


def test_the_public_service_competencies_only_for_posts_that_serve_the_public() -> None:
    rules = sheet_rules()
    everyone = competencies_for(rules, serves_public=True)
    inward = competencies_for(rules, serves_public=False)
    assert len(everyone) == 11
    assert [c.no for c in everyone if c not in inward] == [6, 7]  # the rows marked * in appendix 3


def test_e3_heads_of_units_and_chief_inspectors_take_different_indicators() -> None:
    rules = sheet_rules()
    management = rules.competencies[0]
    head = indicator_group(management, "E-3", heads_unit=True)
    inspector = indicator_group(management, "E-3", heads_unit=False)
    assert "E-2" in head.categories and "E-4" in inspector.categories
    assert indicator_group(management, "E-4", heads_unit=True) is inspector  # one group: no choice


def test_categories_the_sheet_cannot_assess() -> None:
    rules = sheet_rules()
    assert category_problem(rules, "E-R-4") is None
    assert category_problem(rules, None) is CategoryProblem.UNKNOWN
    assert category_problem(rules, "E-G-2") is CategoryProblem.UNKNOWN  # not in the seed's appendix 4
    with pytest.raises(LookupError):
        indicator_group(rules.competencies[0], "E-G-2", heads_unit=False)


def test_an_indicator_out_of_range_is_refused() -> None:
    rules = sheet_rules()
    competency = rules.competencies[0]
    group = indicator_group(competency, "E-1", heads_unit=True)
    with pytest.raises(ValueError):
        assess_competency(rules, competency, group, {len(group.effective)})


# --------------------------------------------------------------------------- commission

MEMBERS = {1, 2, 3, 4, 5}
CHAIR, SECRETARY = 1, 99


@pytest.mark.parametrize(("members", "needed"), [(5, 4), (6, 4), (7, 5), (8, 6), (9, 6), (10, 7)])
def test_quorum_is_two_thirds_rounded_up(members: int, needed: int) -> None:
    assert quorum(legacy("kz-2018").commission, members) == needed


def test_without_a_quorum_there_is_no_decision() -> None:
    rules = legacy("kz-2018").commission
    votes = [CommissionVote(m, Choice.APPROVE) for m in (1, 2, 3)]
    decision = decide(rules, MEMBERS, CHAIR, {1, 2, 3, SECRETARY}, votes)  # the secretary is no member
    assert not decision.quorate and decision.choice is None
    assert decide(rules, MEMBERS, CHAIR, {1, 2, 3, 4}, votes).quorate


def test_the_majority_decides_and_the_secretary_does_not_vote() -> None:
    rules = legacy("kz-2018").commission
    votes = [
        CommissionVote(2, Choice.REVISE, "effective"),
        CommissionVote(3, Choice.REVISE, "effective"),
        CommissionVote(4, Choice.REVISE, "effective"),
        CommissionVote(1, Choice.APPROVE),
        CommissionVote(5, Choice.APPROVE),
        CommissionVote(SECRETARY, Choice.APPROVE),  # ignored: would make it 3 to 3
    ]
    decision = decide(rules, MEMBERS, CHAIR, {*MEMBERS, SECRETARY}, votes)
    assert (decision.choice, decision.corrected, decision.chair_decided) == (
        Choice.REVISE,
        "effective",
        False,
    )
    assert decision.tally == {(Choice.REVISE, "effective"): 3, (Choice.APPROVE, None): 2}


def test_a_tie_is_decided_by_the_chairs_vote() -> None:
    rules = legacy("kz-2018").commission
    assert rules.chair_decides_tie  # 004 clause 33; 003 clause 61
    members = {1, 2, 3, 4, 5, 6}
    three_approve = [CommissionVote(m, Choice.APPROVE) for m in (CHAIR, 2, 3)]
    three_revise = [CommissionVote(m, Choice.REVISE, "satisfactory") for m in (4, 5, 6)]
    decision = decide(rules, members, CHAIR, members, three_approve + three_revise)
    assert (decision.choice, decision.corrected, decision.chair_decided) == (Choice.APPROVE, None, True)

    chair_revises = [CommissionVote(m, Choice.REVISE, "satisfactory") for m in (CHAIR, 2, 3)]
    others_approve = [CommissionVote(m, Choice.APPROVE) for m in (4, 5, 6)]
    decision = decide(rules, members, CHAIR, members, chair_revises + others_approve)
    assert (decision.choice, decision.corrected, decision.chair_decided) == (
        Choice.REVISE,
        "satisfactory",
        True,
    )


def test_a_tie_the_chair_is_not_part_of_decides_nothing() -> None:
    # Every member votes to revise, but no corrected result has a majority: 2, 2 and the chair's 1.
    rules = legacy("kz-2018").commission
    votes = [
        CommissionVote(2, Choice.REVISE, "effective"),
        CommissionVote(3, Choice.REVISE, "effective"),
        CommissionVote(4, Choice.REVISE, "satisfactory"),
        CommissionVote(5, Choice.REVISE, "satisfactory"),
        CommissionVote(CHAIR, Choice.REVISE, "excellent"),
    ]
    decision = decide(rules, MEMBERS, CHAIR, MEMBERS, votes)
    assert (decision.choice, decision.corrected, decision.chair_decided) == (None, None, False)
    assert decision.quorate and decision.no_majority


def _votes(*options: tuple[Choice, str | None]) -> list[CommissionVote]:
    """Members 1 (the chair), 2, 3 … vote in this order."""
    return [CommissionVote(member, choice, grade) for member, (choice, grade) in enumerate(options, start=1)]


X = (Choice.REVISE, "excellent")
Y = (Choice.REVISE, "effective")
Z = (Choice.REVISE, "satisfactory")
A = (Choice.APPROVE, None)


@pytest.mark.parametrize(
    ("options", "present", "expected", "by_chair"),
    [
        # The case: "revise to x" on 2 of 5 is no decision; nor is approving on 1 of 5.
        ((X, X, A, Y, Z), 5, None, False),
        ((A, X, X, Y, Z), 5, None, False),  # the chair's vote decides only equal votes
        ((X, X, X, Y, A), 5, X, False),  # 3 of 5 for one corrected result
        ((A, A, X, X, Y), 5, None, False),  # 3 of 5 would revise, but to no one result
        ((A, A, A, X, Y), 5, A, False),  # 3 of 5 approve
        ((X, X, A, A), 4, X, True),  # 2 to 2: the chair's side
        ((A, X, A, Y), 4, A, True),  # approve 2 of 4, the chair among them
        ((X, A, A, Y), 4, None, False),  # approve has half, but the chair is not in it
        # 4 present, the fourth gave no vote on this result: it counts for no option.
        ((X, X, A), 4, X, True),  # 2 of 4, the chair among them
        ((A, X, X), 4, None, False),  # 2 of 4 without the chair
        ((X, X, X), 4, X, False),  # 3 of the 4 present
    ],
)
def test_an_option_needs_a_majority_of_the_members_present(
    options: tuple[tuple[Choice, str | None], ...],
    present: int,
    expected: tuple[Choice, str | None] | None,
    by_chair: bool,
) -> None:
    rules = legacy("kz-2018").commission
    members = {1, 2, 3, 4, 5}
    decision = decide(rules, members, CHAIR, set(range(1, present + 1)), _votes(*options))
    assert decision.quorate
    assert ((decision.choice, decision.corrected) if decision.choice else None) == expected
    assert decision.chair_decided is by_chair
    assert decision.no_majority is (expected is None)


def test_the_commission_as_named() -> None:
    rules = legacy("kz-2018").commission
    assert composition_problems(rules, MEMBERS, CHAIR, SECRETARY) == []
    assert composition_problems(rules, {1, 2, 3, 4}, CHAIR, SECRETARY) == [SittingProblem.TOO_FEW_MEMBERS]
    assert composition_problems(rules, MEMBERS, 7, 5) == [
        SittingProblem.NO_CHAIR,
        SittingProblem.SECRETARY_IS_MEMBER,
    ]


def test_each_profile_keeps_its_own_notice() -> None:
    assert legacy("kz-2018").commission.notice_working_days == 7  # 004 clause 29
    assert legacy("kz-2018-koksu").commission.notice_working_days == 3  # 003 clause 57
    for code in ("kz-2018", "kz-2018-koksu"):
        commission = legacy(code).commission
        assert (commission.acquaintance_working_days, commission.agency_appeal_working_days) == (2, 10)
