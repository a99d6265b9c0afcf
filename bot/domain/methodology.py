"""The approved methodology as data: profiles loaded from versioned JSON files.

A profile is one approved methodology (one seed in ``shared/seeds``). Everything the
domain needs to know about questionnaires, scales, grade bands and limits comes from
it, so that a body switching to another methodology changes data, not code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

SUPPORTED_LOCALES = ("kk", "ru", "en")


@dataclass(frozen=True, slots=True)
class Text:
    """One piece of methodology text in every supported language."""

    kk: str
    ru: str
    en: str

    def get(self, locale: str) -> str:
        return str(getattr(self, locale, None) or self.kk)

    @classmethod
    def from_json(cls, raw: dict[str, str]) -> Text:
        missing = [loc for loc in SUPPORTED_LOCALES if not raw.get(loc)]
        if missing:
            raise ValueError(f"text {raw!r} lacks {missing}")
        return cls(kk=raw["kk"], ru=raw["ru"], en=raw["en"])


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of a 360 questionnaire; ``no`` runs 1..N through the questionnaire."""

    no: int
    competency_no: int
    text: Text


@dataclass(frozen=True, slots=True)
class Competency:
    no: int
    # The questionnaire's heading and the result form's line differ in a few words in
    # the seed (e.g. "Нәтижеге бейімделу" vs "Нәтижеге бағдарлану"); both are kept.
    name: Text
    result_name: Text
    statements: tuple[Statement, ...]


@dataclass(frozen=True, slots=True)
class Questionnaire:
    code: str  # "heads" (appendix 5) or "employees" (appendix 6)
    appendix: int
    result_appendix: int
    title: Text
    competencies: tuple[Competency, ...]

    @property
    def statements(self) -> tuple[Statement, ...]:
        return tuple(s for c in self.competencies for s in c.statements)

    def statement(self, no: int) -> Statement:
        for statement in self.statements:
            if statement.no == no:
                return statement
        raise KeyError(no)

    def competency(self, no: int) -> Competency:
        for competency in self.competencies:
            if competency.no == no:
                return competency
        raise KeyError(no)


@dataclass(frozen=True, slots=True)
class ScalePoint:
    value: int
    label: Text


@dataclass(frozen=True, slots=True)
class GradeBand:
    code: str
    min_score: Decimal  # inclusive; the band holds scores from min_score up to the next band
    name: Text


@dataclass(frozen=True, slots=True)
class KpiScoreBand:
    """A row of the percent→score table (appendix 3): an achievement of ``from_percent`` or
    more (up to the next row) allows a score from ``min_score`` to ``max_score``."""

    from_percent: Decimal
    min_score: Decimal
    max_score: Decimal


@dataclass(frozen=True, slots=True)
class KpiRules:
    min_kpis: int
    max_kpis: int
    score_table: tuple[KpiScoreBand, ...]  # from the highest percentage down to 0


@dataclass(frozen=True, slots=True)
class Parameter:
    """One parameter of the differentiation sheet (appendix 4) with its criterion."""

    no: int
    name: Text
    criterion: Text


@dataclass(frozen=True, slots=True)
class DifferentiationRules:
    appendix: int
    min_score: int
    max_score: int
    parameters: tuple[Parameter, ...]

    @property
    def scores(self) -> range:
        return range(self.min_score, self.max_score + 1)


@dataclass(frozen=True, slots=True)
class QuarterlyRules:
    """The quarterly calendar (clauses 4, 22, 26, 30): days of the month after the quarter,
    and working-day leads."""

    deadline_day: int
    heads_notified_by_day: int
    employees_notified_by_day: int
    actuals_working_days_before_deadline: int
    plan_working_days: int
    plan_min_months_remaining: int


@dataclass(frozen=True, slots=True)
class Profile:
    code: str
    version: str
    document: Text
    min_months_in_post: int
    min_respondents: int
    max_respondents: int
    scale_360: tuple[ScalePoint, ...]
    grade_bands: tuple[GradeBand, ...]  # ordered from the highest band down
    questionnaires: dict[str, Questionnaire]
    kpi: KpiRules | None = None
    differentiation: DifferentiationRules | None = None
    quarterly: QuarterlyRules | None = None
    retention_years: int = 3  # evaluation documents are kept 3 years (clause 14)
    # Clause 41 says "by majority" and nothing of a tie: the evaluator's score then stands,
    # unless a body's methodology gives the session's chair the deciding vote.
    chair_decides_tie: bool = False

    def questionnaire(self, code: str) -> Questionnaire:
        return self.questionnaires[code]

    @property
    def statement_map(self) -> tuple[tuple[str, int, int], ...]:
        """(questionnaire, statement, competency) of every 360 statement: what the database
        groups answers by."""
        return tuple(
            (code, statement.no, statement.competency_no)
            for code, questionnaire in self.questionnaires.items()
            for statement in questionnaire.statements
        )

    @property
    def scale_values(self) -> frozenset[int]:
        return frozenset(point.value for point in self.scale_360)


DEFAULT_PROFILE = "kz-2023"


def _parse_questionnaire(code: str, raw: dict[str, Any]) -> Questionnaire:
    competencies = []
    statement_no = 0
    for comp_raw in raw["competencies"]:
        statements = []
        for text_raw in comp_raw["statements"]:
            statement_no += 1
            statements.append(
                Statement(no=statement_no, competency_no=comp_raw["no"], text=Text.from_json(text_raw))
            )
        competencies.append(
            Competency(
                no=comp_raw["no"],
                name=Text.from_json(comp_raw["name"]),
                result_name=Text.from_json(comp_raw["result_name"]),
                statements=tuple(statements),
            )
        )
    numbers = [c.no for c in competencies]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"questionnaire {code}: competencies must be numbered 1..N, got {numbers}")
    return Questionnaire(
        code=code,
        appendix=raw["appendix"],
        result_appendix=raw["result_appendix"],
        title=Text.from_json(raw["title"]),
        competencies=tuple(competencies),
    )


def _parse_kpi(raw: dict[str, Any] | None) -> KpiRules | None:
    if raw is None:
        return None
    table = tuple(
        KpiScoreBand(Decimal(row["from_percent"]), Decimal(row["min_score"]), Decimal(row["max_score"]))
        for row in raw["score_table"]
    )
    starts = [band.from_percent for band in table]
    if starts != sorted(starts, reverse=True) or starts[-1] != 0:
        raise ValueError("the KPI score table must run from the highest percentage down to 0")
    if any(band.min_score > band.max_score for band in table):
        raise ValueError("a KPI score band's minimum exceeds its maximum")
    return KpiRules(min_kpis=int(raw["min_kpis"]), max_kpis=int(raw["max_kpis"]), score_table=table)


def _parse_differentiation(raw: dict[str, Any] | None) -> DifferentiationRules | None:
    if raw is None:
        return None
    parameters = tuple(
        Parameter(no=int(p["no"]), name=Text.from_json(p["name"]), criterion=Text.from_json(p["criterion"]))
        for p in raw["parameters"]
    )
    if [p.no for p in parameters] != list(range(1, len(parameters) + 1)):
        raise ValueError("differentiation parameters must be numbered 1..N")
    rules = DifferentiationRules(
        appendix=int(raw["appendix"]),
        min_score=int(raw["min_score"]),
        max_score=int(raw["max_score"]),
        parameters=parameters,
    )
    if not 0 <= rules.min_score < rules.max_score <= 5:
        raise ValueError("differentiation scores must lie within 0..5")
    return rules


def _parse_quarterly(raw: dict[str, Any] | None) -> QuarterlyRules | None:
    if raw is None:
        return None
    return QuarterlyRules(**{name: int(raw[name]) for name in QuarterlyRules.__dataclass_fields__})


def parse_profile(raw: dict[str, Any]) -> Profile:
    bands = tuple(
        GradeBand(code=b["code"], min_score=Decimal(str(b["min"])), name=Text.from_json(b["name"]))
        for b in raw["grade_bands"]
    )
    if list(bands) != sorted(bands, key=lambda b: b.min_score, reverse=True) or bands[-1].min_score != 0:
        raise ValueError("grade bands must run from the highest down to a band starting at 0")
    return Profile(
        code=raw["code"],
        version=raw["version"],
        document=Text.from_json(raw["document"]),
        min_months_in_post=int(raw["min_months_in_post"]),
        min_respondents=int(raw["respondents"]["min"]),
        max_respondents=int(raw["respondents"]["max"]),
        scale_360=tuple(
            ScalePoint(value=int(p["value"]), label=Text.from_json(p["label"])) for p in raw["scale_360"]
        ),
        grade_bands=bands,
        questionnaires={code: _parse_questionnaire(code, q) for code, q in raw["questionnaires"].items()},
        kpi=_parse_kpi(raw.get("kpi")),
        differentiation=_parse_differentiation(raw.get("differentiation")),
        quarterly=_parse_quarterly(raw.get("quarterly")),
        retention_years=int(raw.get("retention_years", 3)),
        chair_decides_tie=bool(raw.get("calibration", {}).get("chair_decides_tie", False)),
    )


def _profile_data(code: str) -> dict[str, Any]:
    """A bundled profile's JSON. A profile may extend another (``"extends": CODE``): a body's
    methodology that differs from the typical one in a few settings gives only those, and
    takes the rest (questionnaires, tables, bands) from the one it extends."""
    raw: dict[str, Any] = json.loads(
        resources.files("bot.methodology").joinpath(f"{code}.json").read_text("utf-8")
    )
    base = raw.pop("extends", None)
    return {**_profile_data(base), **raw} if base else raw


@cache
def load_profile(code: str = DEFAULT_PROFILE) -> Profile:
    """Load a bundled profile by code (file ``bot/methodology/<code>.json``)."""
    return parse_profile(_profile_data(code))
