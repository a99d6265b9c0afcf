"""A body's own profile file (bot/kernel/profile_file.py, docs/profiles.md): the schema, the
merge over a bundled profile, the checks a schema cannot make, the code results record."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.kernel.methodology import bundled_data, load_profile
from bot.kernel.profile_file import (
    SCHEMA_FILE,
    ProfileFileError,
    merge,
    profile_from_data,
    read_profile_file,
    schema_problems,
)

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
BUNDLED = ("kz-2018", "kz-2018-koksu", "kz-2023", "kz-2024")


def body(**changes: Any) -> dict[str, Any]:
    return {"extends": "kz-2024", "code": "mf", "version": "2025-10-01", **changes}


def problems_of(raw: dict[str, Any]) -> tuple[str, ...]:
    with pytest.raises(ProfileFileError) as failure:
        profile_from_data(raw, "body.json")
    return failure.value.problems


# --------------------------------------------------------------------------- the merge


def test_only_what_differs_changes() -> None:
    profile = profile_from_data(body(quarterly={"deadline_day": 20}), "body.json").profile
    base = load_profile("kz-2024")
    assert profile.quarterly is not None and base.quarterly is not None
    assert profile.quarterly.deadline_day == 20
    assert profile.quarterly.heads_notified_by_day == base.quarterly.heads_notified_by_day  # kept
    assert profile.questionnaires == base.questionnaires and profile.grade_bands == base.grade_bands
    assert profile.min_months_in_post == base.min_months_in_post == 1


def test_a_text_changes_in_the_languages_given() -> None:
    bands = [{"code": "effective", "name": {"ru": "Эффективно"}}]
    band = profile_from_data(body(grade_bands=bands), "body.json").profile.grade_bands[0]
    assert band.name.ru == "Эффективно"
    assert band.name.kk == "Функционалдық міндеттерді тиімді орындайды"  # the base's (seed 000 clause 7)
    assert band.min_score == Decimal("4.0")


def test_coded_items_merge_by_their_key_and_new_ones_are_added() -> None:
    bands = [
        {"code": "satisfactory", "min": 1.5},
        {"code": "proper", "min": 3.5},
    ]
    profile = profile_from_data(body(grade_bands=bands), "body.json").profile
    assert [(b.code, b.min_score) for b in profile.grade_bands] == [
        ("effective", Decimal("4.0")),
        ("proper", Decimal("3.5")),
        ("satisfactory", Decimal("1.5")),
        ("unsatisfactory", Decimal("0.0")),
    ]
    merged = merge([{"no": 1, "a": 1}, {"no": 2, "a": 2}], [{"no": 3, "a": 3}], "parameters")
    assert merged == [{"no": 1, "a": 1}, {"no": 2, "a": 2}, {"no": 3, "a": 3}]


def test_a_list_in_replace_is_taken_whole() -> None:
    two = [
        {"code": "effective", "min": 3, "name": {"kk": "тиімді", "ru": "эффективно", "en": "effective"}},
        {"code": "not", "min": 0, "name": {"kk": "тиімсіз", "ru": "неэффективно", "en": "not effective"}},
    ]
    profile = profile_from_data(body(grade_bands=two, replace=["grade_bands"]), "body.json").profile
    assert [b.code for b in profile.grade_bands] == ["effective", "not"]


def test_statements_are_replaced_whole_within_their_competency() -> None:
    wording = [{"kk": "Жаңа мәтін", "ru": "Новый текст", "en": "New text"}]
    heads = {"competencies": [{"no": 2, "statements": wording}]}
    profile = profile_from_data(body(questionnaires={"heads": heads}), "body.json").profile
    base = load_profile("kz-2024").questionnaire("heads")
    changed = profile.questionnaire("heads")
    assert [s.text.en for s in changed.competency(2).statements] == ["New text"]
    assert changed.competency(1) == base.competency(1)
    assert changed.competency(2).name == base.competency(2).name


def test_null_removes_a_rule() -> None:
    after_return = body(extends="kz-2023", quarterly={"kpi_after_return_working_days": None})
    rules = profile_from_data(after_return, "body.json").profile.quarterly
    assert rules is not None and rules.kpi_after_return_working_days is None
    assert profile_from_data(body(quarterly=None), "body.json").profile.quarterly is None


def test_the_base_is_not_changed_by_a_merge() -> None:
    before = json.dumps(bundled_data("kz-2024"), sort_keys=True)
    profile_from_data(body(grade_bands=[{"code": "proper", "min": 3.5}]), "body.json")
    assert json.dumps(bundled_data("kz-2024"), sort_keys=True) == before
    assert load_profile("kz-2024").grade_bands[1].min_score == Decimal("3.0")


# --------------------------------------------------------------------------- the problems


def test_a_wrong_key_is_named_with_its_path() -> None:
    (problem,) = problems_of(body(quarterly={"deadline_days": 20}))
    assert problem.startswith("quarterly.deadline_days: unknown key")
    assert "deadline_day," in problem  # what the section takes


def test_a_wrong_type_is_named_with_its_path() -> None:
    assert problems_of(body(quarterly={"deadline_day": "20"})) == (
        'quarterly.deadline_day: "20" is not a whole number',
    )
    assert problems_of(body(min_months_in_post=1.5)) == ("min_months_in_post: 1.5 is not a whole number",)


def test_every_problem_is_one_line() -> None:
    problems = problems_of(body(extends="kz-2030", quarterly={"deadline_day": 40}, retention=3))
    assert len(problems) == 3
    assert all("\n" not in p for p in problems)
    assert any(p.startswith('extends: "kz-2030" is not one of') for p in problems)
    assert "quarterly.deadline_day: 40 is greater than the maximum of 30" in problems
    assert any(p.startswith("retention: unknown key") for p in problems)


def test_the_file_keys_are_required() -> None:
    assert set(problems_of({"extends": "kz-2024"})) == {"code: missing", "version: missing"}


def test_grade_borders_out_of_order() -> None:
    (problem,) = problems_of(body(grade_bands=[{"code": "proper", "min": 4.5}]))
    assert problem == (
        "grade_bands: the borders must fall from the highest band down, "
        "but 'proper' starts at 4.5, not below 'effective' at 4.0"
    )


def test_the_bands_must_cover_the_scale_down_to_zero() -> None:
    (problem,) = problems_of(body(grade_bands=[{"code": "unsatisfactory", "min": 1}]))
    assert problem.startswith("grade_bands: the lowest band 'unsatisfactory' starts at 1")


def test_results_are_not_given_after_the_deadline() -> None:
    (problem,) = problems_of(body(quarterly={"deadline_day": 20, "heads_notified_by_day": 25}))
    assert problem.startswith("quarterly.heads_notified_by_day: the 25th is after the quarter's deadline")


def test_crossed_limits_and_numbering() -> None:
    assert problems_of(body(respondents={"min": 8})) == ("respondents.min: 8 is more than respondents.max 7",)
    extra = [
        {"no": 9, "name": {"kk": "а", "ru": "б", "en": "c"}, "criterion": {"kk": "а", "ru": "б", "en": "c"}}
    ]
    (problem,) = problems_of(body(differentiation={"parameters": extra}))
    assert problem.startswith("differentiation.parameters: must be numbered 1..5 in order")


def test_a_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "body.json"
    path.write_text('{"extends": "kz-2024",}', encoding="utf-8")
    with pytest.raises(ProfileFileError) as failure:
        read_profile_file(path)
    assert failure.value.problems == (
        "not JSON: line 1 column 23: Expecting property name enclosed in double quotes",
    )


# --------------------------------------------------------------------------- what results record


def test_a_file_profile_is_recorded_as_the_body_s(tmp_path: Path) -> None:
    path = tmp_path / "body.json"
    path.write_text(json.dumps(body(code="mf-2025", version="2025-10-01")), encoding="utf-8")
    profile = load_profile(str(path))
    # Never the bundled code it extends: its rounds were not scored by kz-2024.
    assert (profile.code, profile.version) == ("body:mf-2025", "2025-10-01")
    assert len(profile.code) <= 32 and len(profile.version) <= 32  # campaigns.profile_code/_version
    # A round is closed or moved with the profile it recorded, found by that code.
    assert load_profile("body:mf-2025") is profile


def test_a_recorded_file_profile_not_configured_is_said() -> None:
    with pytest.raises(ValueError, match="set METHODOLOGY_PROFILE to that file"):
        load_profile("body:nobody")


# --------------------------------------------------------------------------- the published files


@pytest.mark.parametrize("code", BUNDLED)
def test_the_schema_covers_every_key_of_the_bundled_profiles(code: str) -> None:
    """Each bundled profile, given whole as a file, is valid: a body may override any key."""
    whole = json.loads((ROOT / "bot" / "methodology" / f"{code}.json").read_text("utf-8"))
    whole.update(extends=code, code="whole", version="1")
    assert schema_problems(whole) == []


def test_the_example_is_valid_and_on_the_2025_revision_s_deadlines() -> None:
    file = read_profile_file(DOCS / "profile-example.json")
    assert file.profile.quarterly is not None and file.profile.quarterly.deadline_day == 20


def test_the_guide_lists_every_key_of_the_schema() -> None:
    guide = (DOCS / "profiles.md").read_text("utf-8")
    missing = [
        path for path in _schema_paths(json.loads(SCHEMA_FILE.read_text("utf-8"))) if f"`{path}`" not in guide
    ]
    assert missing == []


def _schema_paths(schema: dict[str, Any]) -> list[str]:
    defs = schema["$defs"]

    def walk(node: dict[str, Any], path: str) -> list[str]:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return [path] if name in ("text", "full_text", "decimal") else walk(defs[name], path)
        found = [path] if path else []
        if set(node.get("properties", {})) == {"kk", "ru", "en"}:
            return found  # a text, listed as one key
        for key, inner in node.get("properties", {}).items():
            found += walk(inner, f"{path}.{key}" if path else key)
        if isinstance(node.get("additionalProperties"), dict):
            found += walk(node["additionalProperties"], f"{path}.<code>")
        if isinstance(node.get("items"), dict):
            found += walk(node["items"], f"{path}[]")
        return found

    return walk(schema, "")
