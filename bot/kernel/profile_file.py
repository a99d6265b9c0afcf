"""A state body's own methodology profile, from a file (docs/profiles.md).

Every body approves its own copy of the methodology, and copies differ in a few settings
(deadline days, months in the post, grade names, wording). Such a body sets
``METHODOLOGY_PROFILE=/path/body.json``: a file that names a bundled profile (``extends``)
and gives only what differs. The file is checked against the published JSON Schema
(docs/profile.schema.json), merged over the bundled profile, then checked for what a schema
cannot say (grade borders in order, notice days before the deadline…). Every problem is one
line naming its key as a path (``quarterly.deadline_day``).

The merge (``merge``):
- objects merge key by key, so a text may change one language only;
- ``null`` removes a key: the body's copy has no such rule (``"quarterly": null``);
- lists of numbered or coded items merge item by item by that key (``KEYED_LISTS``): an item
  the base has is changed in the keys given, a new one is added at the end; a list named in
  the file's ``replace`` is taken whole instead, to drop or reorder items;
- any other value (a number, a string, a statement list, the KPI score table) replaces.

Results record the profile they were scored by: a file profile as ``body:<code>`` and the
file's own ``version``, so that it never passes for the bundled profile it extends.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from bot.kernel.methodology import Exclusions, Profile, bundled_data, parse_profile

BODY_PREFIX = "body:"  # a recorded code of a file profile: never that of a bundled one
SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "profile.schema.json"
# The lists merged item by item, by the last key of their path, and the key matching items.
KEYED_LISTS = {
    "scale_360": "value",
    "grade_bands": "code",
    "competencies": "no",  # questionnaires.<code>.competencies
    "parameters": "no",  # differentiation.parameters
    "grades": "code",  # legacy.kpi_count.grades
}
# The file's own keys, not the methodology's.
FILE_KEYS = ("$schema", "extends", "code", "version", "replace")
HIGHEST_SCORE = Decimal(5)  # KPI, differentiation and 360 scores all run up to 5


class ProfileFileError(ValueError):
    """The file cannot be used; ``problems`` holds one line per problem, each naming its key."""

    def __init__(self, source: str, problems: Iterable[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        if len(self.problems) == 1:  # one line, as every other setting's refusal
            super().__init__(f"{source}: {self.problems[0]}")
            return
        lines = [f"{source}: {len(self.problems)} problem(s)", *(f"  {p}" for p in self.problems)]
        super().__init__("\n".join(lines))


@dataclass(frozen=True, slots=True)
class ProfileFile:
    path: Path
    extends: str
    given: dict[str, Any]  # the file as written
    effective: dict[str, Any]  # the bundled profile with the file merged over it
    profile: Profile

    @property
    def overridden(self) -> tuple[str, ...]:
        """The paths of the settings the file gives, as ``profile show`` lists them."""
        methodology = {k: v for k, v in self.given.items() if k not in FILE_KEYS}
        return tuple(_leaf_paths(methodology, ""))


def is_profile_path(setting: str) -> bool:
    """Whether METHODOLOGY_PROFILE names a file rather than a bundled profile's code."""
    return "/" in setting or "\\" in setting or setting.endswith(".json")


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text("utf-8"))
    return loaded


def read_profile_file(path: Path) -> ProfileFile:
    """The profile a body's file describes; ProfileFileError listing every problem otherwise."""
    source = str(path)
    try:
        given = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ProfileFileError(source, [f"cannot be read: {exc.strerror or exc}"]) from exc
    except UnicodeDecodeError as exc:
        raise ProfileFileError(source, ["is not UTF-8 text"]) from exc
    except json.JSONDecodeError as exc:
        raise ProfileFileError(
            source, [f"not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"]
        ) from exc
    return profile_from_data(given, source, path)


def profile_from_data(given: Any, source: str, path: Path | None = None) -> ProfileFile:
    """The checks and the merge, on a file's parsed JSON."""
    problems = schema_problems(given)
    if problems:
        raise ProfileFileError(source, problems)
    replace = frozenset(given.get("replace", ()))
    methodology = {k: v for k, v in given.items() if k not in FILE_KEYS}
    effective = merge(bundled_data(given["extends"]), methodology, "", replace)
    effective["code"] = BODY_PREFIX + given["code"]
    effective["version"] = given["version"]
    problems = semantic_problems(effective)
    if problems:
        raise ProfileFileError(source, problems)
    try:
        profile = parse_profile(effective)
    except KeyError as exc:  # an item added by the file without all its keys
        raise ProfileFileError(source, [f"{exc.args[0]}: missing in an item the file adds"]) from exc
    except (ValueError, TypeError) as exc:
        raise ProfileFileError(source, [f"profile: {exc}"]) from exc
    return ProfileFile(
        path=path or Path(source), extends=given["extends"], given=given, effective=effective, profile=profile
    )


# --------------------------------------------------------------------------- the schema


def schema_problems(given: Any) -> list[str]:
    # jsonschema takes a moment to import: only a file profile pays for it.
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(given), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [_describe(error) for error in errors]


def _describe(error: Any) -> str:
    path = json_path(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        where = f"{path}." if path else ""
        return "; ".join(
            f"{where}{key}: unknown key ({path or 'the file'} takes {', '.join(allowed)})" for key in unknown
        )
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"{f'{path}.' if path else ''}{missing}: missing"
    if error.validator == "type":
        expected = error.validator_value
        names = [
            _TYPE_NAMES.get(str(t), str(t)) for t in (expected if isinstance(expected, list) else [expected])
        ]
        return f"{path}: {json.dumps(error.instance, ensure_ascii=False)} is not {' or '.join(names)}"
    if error.validator == "enum":
        choices = ", ".join(json.dumps(c, ensure_ascii=False) for c in error.validator_value)
        return (
            f"{path or 'the file'}: {json.dumps(error.instance, ensure_ascii=False)} is not one of {choices}"
        )
    return f"{path or 'the file'}: {error.message}"


_TYPE_NAMES = {
    "integer": "a whole number",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}


def json_path(parts: Iterable[Any]) -> str:
    """``quarterly.deadline_day``, ``grade_bands[1].min``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# --------------------------------------------------------------------------- the merge


def merge(base: Any, over: Any, path: str, replace: frozenset[str] = frozenset()) -> Any:
    """``over`` merged over ``base`` by the rules in this module's docstring; neither changes."""
    if isinstance(over, Mapping):
        merged = dict(base) if isinstance(base, Mapping) else {}
        for key, value in over.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = merge(merged.get(key), value, f"{path}.{key}" if path else key, replace)
        return merged
    key = KEYED_LISTS.get(path.rsplit(".", 1)[-1])
    if isinstance(over, list) and isinstance(base, list) and key is not None and path not in replace:
        merged_items = [copy.deepcopy(item) for item in base]
        index = {item.get(key): i for i, item in enumerate(merged_items) if isinstance(item, Mapping)}
        for item in over:
            found = index.get(item.get(key)) if isinstance(item, Mapping) else None
            if found is None:
                merged_items.append(merge(None, item, path, replace))
            else:
                merged_items[found] = merge(merged_items[found], item, path, replace)
        return merged_items
    return copy.deepcopy(over)  # a value, or a list given whole: as written, nulls and all


def _leaf_paths(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, Mapping) and value and not set(value) <= {"kk", "ru", "en"}:
        for key, inner in value.items():
            yield from _leaf_paths(inner, f"{path}.{key}" if path else key)
    else:
        yield path


# --------------------------------------------------------------------------- what a schema cannot say


def semantic_problems(effective: Mapping[str, Any]) -> list[str]:
    """Rules across keys, on the merged profile: each problem names its key."""
    return [
        *_band_problems(effective.get("grade_bands", [])),
        *_ordered("respondents.min", effective.get("respondents", {}), "min", "max"),
        *_ordered("kpi.min_kpis", effective.get("kpi") or {}, "min_kpis", "max_kpis"),
        *_ordered(
            "differentiation.min_score", effective.get("differentiation") or {}, "min_score", "max_score"
        ),
        *_quarterly_problems(effective.get("quarterly") or {}),
        *_distinct("scale_360", effective.get("scale_360", []), "value"),
        *_numbered(effective),
    ]


def _band_problems(bands: list[Mapping[str, Any]]) -> Iterator[str]:
    if not bands:
        return
    yield from _distinct("grade_bands", bands, "code")
    try:
        borders = [(str(band["code"]), Decimal(str(band["min"]))) for band in bands]
    except (KeyError, InvalidOperation):
        yield "grade_bands: every band needs a code and a min"
        return
    for (higher, high), (lower, low) in pairwise(borders):
        if low >= high:
            yield (
                f"grade_bands: the borders must fall from the highest band down, "
                f"but {lower!r} starts at {low}, not below {higher!r} at {high}"
            )
    lowest_code, lowest = borders[-1]
    if lowest != 0:
        yield f"grade_bands: the lowest band {lowest_code!r} starts at {lowest}; it must start at 0 so that every score has a grade"
    top_code, top = borders[0]
    if top > HIGHEST_SCORE:
        yield f"grade_bands: {top_code!r} starts at {top}, above the highest score {HIGHEST_SCORE}"


def _ordered(path: str, section: Mapping[str, Any], low: str, high: str) -> Iterator[str]:
    if (
        isinstance(section.get(low), int)
        and isinstance(section.get(high), int)
        and section[low] > section[high]
    ):
        prefix = path.rsplit(".", 1)[0]
        yield f"{path}: {section[low]} is more than {prefix}.{high} {section[high]}"


def _quarterly_problems(rules: Mapping[str, Any]) -> Iterator[str]:
    deadline = rules.get("deadline_day")
    for key in ("heads_notified_by_day", "employees_notified_by_day"):
        day = rules.get(key)
        if isinstance(day, int) and isinstance(deadline, int) and day > deadline:
            yield f"quarterly.{key}: the {day}th is after the quarter's deadline, the {deadline}th (quarterly.deadline_day)"


def _distinct(path: str, items: list[Mapping[str, Any]], key: str) -> Iterator[str]:
    seen = [item.get(key) for item in items]
    for value in sorted({v for v in seen if seen.count(v) > 1}, key=str):
        yield f"{path}: {key} {value!r} is given twice"


def _numbered(effective: Mapping[str, Any]) -> Iterator[str]:
    lists = [
        (f"questionnaires.{code}.competencies", (q or {}).get("competencies", []))
        for code, q in (effective.get("questionnaires") or {}).items()
    ]
    lists.append(
        ("differentiation.parameters", (effective.get("differentiation") or {}).get("parameters", []))
    )
    for path, items in lists:
        numbers = [item.get("no") for item in items]
        if numbers != list(range(1, len(numbers) + 1)):
            yield f"{path}: must be numbered 1..{len(numbers)} in order, got {numbers} (list it in replace to renumber)"


# --------------------------------------------------------------------------- the summary


def summary(profile: Profile, file: ProfileFile | None = None) -> list[str]:
    """The profile in a few lines, as ``profile check`` and ``profile show`` print it."""
    head = f"{profile.code} {profile.version}"
    if file is not None:
        base = load_bundled_version(file.extends)
        head += f" (extends {file.extends} {base}), from {file.path}"
    lines = [head, f"document: {profile.document.en}"]
    if file is not None:
        lines.append(f"the file changes: {', '.join(file.overridden) or 'nothing'}")
    lines.append(f"evaluated after {profile.min_months_in_post} month(s) in the post")
    if profile.exclusions is not None:
        lines.append("not evaluated: " + "; ".join(_exclusion_words(profile.exclusions)))
    if profile.has_360:
        forms = ", ".join(
            f"{code} ({len(q.competencies)} competencies, {len(q.statements)} statements)"
            for code, q in profile.questionnaires.items()
        )
        lines.append(
            f"360: {profile.min_respondents}-{profile.max_respondents} respondents, "
            f"by {profile.deadline_day_360} January; {forms}"
        )
    if profile.grade_bands:
        lines.append(
            "grades: "
            + "; ".join(f"{band.code} from {band.min_score} ({band.name.en})" for band in profile.grade_bands)
        )
    if profile.kpi is not None:
        lines.append(f"KPI: {profile.kpi.min_kpis}-{profile.kpi.max_kpis} a head")
    if profile.differentiation is not None:
        rules = profile.differentiation
        lines.append(
            f"differentiation: {len(rules.parameters)} parameters, {rules.min_score}-{rules.max_score}"
        )
    if profile.quarterly is not None:
        q = profile.quarterly
        lines.append(
            f"quarterly: evaluated by day {q.deadline_day} of the month after the quarter; heads notified by "
            f"day {q.heads_notified_by_day}, employees by day {q.employees_notified_by_day}; actual values "
            f"{q.actuals_working_days_before_deadline} working days before"
        )
    if profile.legacy is not None:
        count = profile.legacy.kpi_count
        lines.append(
            f"2018 method: {count.kpis} KPIs a year, commission of at least {profile.legacy.commission.min_members}"
        )
    tie = "the chair decides" if profile.chair_decides_tie else "the evaluator's score stands"
    lines.append(f"calibration: on a tie {tie}; documents kept {profile.retention_years} years")
    return lines


def _exclusion_words(rules: Exclusions) -> list[str]:
    words = []
    if rules.during_probation:
        words.append("on probation at the period's end")
    if rules.months_after_return is not None:
        words.append(f"back from social leave or study less than {rules.months_after_return} month(s)")
    return words or ["nobody beyond the time in the post"]


def load_bundled_version(code: str) -> str:
    return str(bundled_data(code)["version"])
