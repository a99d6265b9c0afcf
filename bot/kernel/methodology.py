"""The approved methodology as data: profiles loaded from versioned JSON files.

A profile is one approved methodology (one seed in ``shared/seeds``). Everything the
domain needs to know about questionnaires, scales, grade bands and limits comes from
it, so that a body switching to another methodology changes data, not code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from bot.kernel.workdays import KAZAKHSTAN, WorkCalendar

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
    # The questionnaire form's heading (seed 002, appendices 5-6) and the result form's line
    # (appendices 7-8, as clause 34 lists them) differ in a few words in the seed (e.g.
    # "Нәтижеге бейімделу" vs "Нәтижеге бағдарлану"); both are kept. ``result_name`` is the one
    # name every screen and file shows, the respondent's questionnaire as the person's report;
    # ``name`` is shown beside it only where it differs, to connect it with the paper form.
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
    # A head absent (leave, sickness, a trip, training) during the evaluation: 002 clause 5 has
    # their KPIs evaluated "жұмысқа шыққаннан кейін бес жұмыс күні ішінде" — within these working
    # days after the return to work; None: 000 clause 5, without them in the normal deadlines.
    # (Differentiation and 360 are without the person in the normal deadlines in both.)
    kpi_after_return_working_days: int | None = None


@dataclass(frozen=True, slots=True)
class CountGrade:
    """A grade of the KPI count method: given when at least ``min_met`` KPIs were met."""

    code: str
    min_met: int
    name: Text


@dataclass(frozen=True, slots=True)
class KpiCountRules:
    """The 2018 KPI count method (004 clauses 9-24; 003 clauses 44-56): exactly ``kpis`` KPIs a
    year, each met or not; the number met gives the grade. The superior manager agrees or
    returns the sheet, which comes back within ``resubmit_working_days``."""

    kpis: int
    grades: tuple[CountGrade, ...]  # from the most KPIs met down to a grade for 0
    plan_appendix: int
    sheet_appendix: int
    resubmit_working_days: int
    to_commission_working_days: int  # HR puts the signed sheet before the commission


@dataclass(frozen=True, slots=True)
class IndicatorGroup:
    """The behaviour indicators of one competency for a set of position categories."""

    categories: tuple[str, ...]
    effective: tuple[Text, ...]
    ineffective: tuple[Text, ...]


@dataclass(frozen=True, slots=True)
class Category:
    code: str  # E-1 … E-G-4 (appendix 4)
    name: Text
    also_printed_as: Text | None = None  # E-3 is printed with two descriptions (NOTES-kz-2018.md)


@dataclass(frozen=True, slots=True)
class LegacyCompetency:
    no: int  # the row of the competency sheet (appendix 3)
    code: str
    name: Text  # as appendix 4 names it
    sheet_name: Text  # as the sheet (appendix 3) prints it
    public_service_only: bool  # only for posts whose duties include public services
    groups: tuple[IndicatorGroup, ...]


@dataclass(frozen=True, slots=True)
class CompetencyRules:
    """The competency assessment by behaviour indicators (004 clauses 25-28, appendices 3-4):
    a competency "meets expectations" when at least ``meets_numerator/meets_denominator`` of
    its indicators were seen."""

    sheet_appendix: int
    indicators_appendix: int
    meets_numerator: int
    meets_denominator: int
    categories: dict[str, Category]
    competencies: tuple[LegacyCompetency, ...]  # in the order of the sheet
    public_service_note: Text | None = None  # appendix 3's footnote on the starred competencies


@dataclass(frozen=True, slots=True)
class CommissionRules:
    """The evaluation commission (004 clauses 5, 29-43; 003 clauses 57-71)."""

    min_members: int
    quorum_numerator: int  # a sitting is valid with at least this share of the members present
    quorum_denominator: int
    notice_working_days: int  # the schedule reaches the evaluators this many working days ahead
    chair_decides_tie: bool
    acquaintance_working_days: int  # HR acquaints the person with the result within this
    agency_appeal_working_days: int  # appeal to the civil service agency within this
    protocol_appendix: int


@dataclass(frozen=True, slots=True)
class LegacyRules:
    """The 2018 method: a yearly KPI count, a competency sheet, and a commission that approves
    or revises both. ``competencies`` is None where a body's text has no competency part
    (003's chapter 6)."""

    kpi_count: KpiCountRules
    commission: CommissionRules
    competencies: CompetencyRules | None = None
    # Someone absent during the evaluation is evaluated within these working days of being back
    # (004 clause 4); None where the text has no such rule (003's chapter 6 is itself for them).
    absence_working_days: int | None = None


@dataclass(frozen=True, slots=True)
class Exclusions:
    """Who is not evaluated beyond the time in the post (004 clause 4): someone whose probation
    has not ended by the period's end, and someone back from social leave or study less than
    ``months_after_return`` months before it. None where the text has no such rule."""

    during_probation: bool = False
    months_after_return: int | None = None


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
    # Clause 4: the 360 evaluation, on the year's result, is done "есепті жылдан кейінгі айдың
    # оныншы күнінен кешіктірілмей" — by this day of the month after the year (000 and 002 alike).
    deadline_day_360: int = 10
    # Clause 41 says "by majority" and nothing of a tie: the evaluator's score then stands,
    # unless a body's methodology gives the session's chair the deciding vote.
    chair_decides_tie: bool = False
    legacy: LegacyRules | None = None  # the 2018 method (kz-2018 profiles)
    exclusions: Exclusions | None = None  # 004 clause 4; None: only the time in the post
    # HR acquaints the person with a result within these working days of the evaluation's end
    # (000 and 002 clause 11, 003 clause 12, 004 clause 40: two in each).
    acquaintance_working_days: int = 2
    # The text says how to acquaint someone who left the body: in writing, by a registered
    # letter, telephonogram, telegram, text message or e-mail (000 clause 11's second part, 003
    # clause 12's and clause 69). The bot then sends them nothing and HR records the delivery.
    dismissed_in_writing: bool = False

    @property
    def has_360(self) -> bool:
        return bool(self.questionnaires)

    def questionnaire(self, code: str) -> Questionnaire:
        return self.questionnaires[code]

    @property
    def scale_values(self) -> frozenset[int]:
        return frozenset(point.value for point in self.scale_360)


DEFAULT_PROFILE = "kz-2023"


def deadline_window_360(profile: Profile, year: int) -> tuple[date, date]:
    """The first and last day a 360 round on ``year`` may have as its deadline: the evaluation is
    of the year's result, so not before the year begins, and it is done by the profile's day of
    the month after the year (clause 4: the 10th of January)."""
    return date(year, 1, 1), date(year + 1, 1, profile.deadline_day_360)


def deadline_360_allowed(profile: Profile, year: int, deadline: date) -> bool:
    first, last = deadline_window_360(profile, year)
    return first <= deadline <= last


def suggested_deadline_360(
    profile: Profile, year: int, today: date, days: int, calendar: WorkCalendar = KAZAKHSTAN
) -> date:
    """A deadline ``days`` after ``today`` for a 360 round on ``year``, brought back to the last day
    clause 4 allows, then to the working day on or before it (a day off is refused when typed in
    the chat). For the current year that day is at least 10 days ahead (10 January after
    31 December), so the deadline is always in the future, whatever the date."""
    wanted = min(today + timedelta(days=days), deadline_window_360(profile, year)[1])
    working = calendar.on_or_before(wanted)
    return working if working > today else wanted


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
    optional = {"kpi_after_return_working_days"}
    required = {name: int(raw[name]) for name in QuarterlyRules.__dataclass_fields__ if name not in optional}
    after_return = raw.get("kpi_after_return_working_days")
    return QuarterlyRules(
        **required, kpi_after_return_working_days=None if after_return is None else int(after_return)
    )


def _texts(raw: list[dict[str, str]]) -> tuple[Text, ...]:
    return tuple(Text.from_json(item) for item in raw)


def _parse_kpi_count(raw: dict[str, Any]) -> KpiCountRules:
    grades = tuple(
        CountGrade(code=g["code"], min_met=int(g["min_met"]), name=Text.from_json(g["name"]))
        for g in raw["grades"]
    )
    thresholds = [g.min_met for g in grades]
    if thresholds != sorted(thresholds, reverse=True) or thresholds[-1] != 0 or thresholds[0] > raw["kpis"]:
        raise ValueError("KPI count grades must run from the most KPIs met down to 0")
    return KpiCountRules(
        kpis=int(raw["kpis"]),
        grades=grades,
        plan_appendix=int(raw["plan_appendix"]),
        sheet_appendix=int(raw["sheet_appendix"]),
        resubmit_working_days=int(raw["resubmit_working_days"]),
        to_commission_working_days=int(raw["to_commission_working_days"]),
    )


def _parse_competency_rules(raw: dict[str, Any]) -> CompetencyRules:
    catalogue = _json_data(raw["indicators"])  # the appendix 4 catalogue is a file of its own
    categories = {
        code: Category(
            code=code,
            name=Text.from_json(item),
            also_printed_as=Text.from_json(item["also_printed_as"]) if "also_printed_as" in item else None,
        )
        for code, item in catalogue["categories"].items()
    }
    competencies = tuple(
        LegacyCompetency(
            no=int(item["sheet_no"]),
            code=item["code"],
            name=Text.from_json(item["name"]),
            sheet_name=Text.from_json(item["sheet_name"]),
            public_service_only=bool(item["public_service_only"]),
            groups=tuple(
                IndicatorGroup(
                    categories=tuple(group["categories"]),
                    effective=_texts(group["effective"]),
                    ineffective=_texts(group["ineffective"]),
                )
                for group in item["groups"]
            ),
        )
        for item in sorted(catalogue["competencies"], key=lambda item: int(item["sheet_no"]))
    )
    if [c.no for c in competencies] != list(range(1, len(competencies) + 1)):
        raise ValueError("the competency sheet's rows must be numbered 1..N")
    for competency in competencies:
        for group in competency.groups:
            unknown = set(group.categories) - set(categories)
            if unknown:
                raise ValueError(f"{competency.code}: unknown position categories {sorted(unknown)}")
            if not 0 < len(group.effective) <= int(raw["max_indicators"]):
                raise ValueError(f"{competency.code}: 1 to {raw['max_indicators']} indicators a competency")
    share = raw["meets_share"]
    return CompetencyRules(
        sheet_appendix=int(raw["sheet_appendix"]),
        indicators_appendix=int(raw["indicators_appendix"]),
        meets_numerator=int(share[0]),
        meets_denominator=int(share[1]),
        categories=categories,
        competencies=competencies,
        public_service_note=Text.from_json(raw["public_service_note"])
        if "public_service_note" in raw
        else None,
    )


def _parse_legacy(raw: dict[str, Any] | None) -> LegacyRules | None:
    if raw is None:
        return None
    commission = raw["commission"]
    rules = CommissionRules(
        min_members=int(commission["min_members"]),
        quorum_numerator=int(commission["quorum"][0]),
        quorum_denominator=int(commission["quorum"][1]),
        notice_working_days=int(commission["notice_working_days"]),
        chair_decides_tie=bool(commission["chair_decides_tie"]),
        acquaintance_working_days=int(commission["acquaintance_working_days"]),
        agency_appeal_working_days=int(commission["agency_appeal_working_days"]),
        protocol_appendix=int(commission["protocol_appendix"]),
    )
    competencies = raw.get("competencies")
    return LegacyRules(
        kpi_count=_parse_kpi_count(raw["kpi_count"]),
        commission=rules,
        competencies=_parse_competency_rules(competencies) if competencies else None,
        absence_working_days=int(raw["absence_working_days"]) if "absence_working_days" in raw else None,
    )


def _parse_exclusions(raw: dict[str, Any] | None) -> Exclusions | None:
    if raw is None:
        return None
    months = raw.get("months_after_return")
    rules = Exclusions(
        during_probation=bool(raw.get("during_probation", False)),
        months_after_return=None if months is None else int(months),
    )
    if rules.months_after_return is not None and not 1 <= rules.months_after_return <= 24:
        raise ValueError("exclusions.months_after_return must lie within 1..24")
    return rules


def parse_profile(raw: dict[str, Any]) -> Profile:
    bands = tuple(
        GradeBand(code=b["code"], min_score=Decimal(str(b["min"])), name=Text.from_json(b["name"]))
        for b in raw.get("grade_bands", ())
    )
    # The 2018 method gives grades by a count, not a score: its profiles have no bands.
    if bands and (
        list(bands) != sorted(bands, key=lambda b: b.min_score, reverse=True) or bands[-1].min_score != 0
    ):
        raise ValueError("grade bands must run from the highest down to a band starting at 0")
    respondents = raw.get("respondents", {"min": 0, "max": 0})
    return Profile(
        code=raw["code"],
        version=raw["version"],
        document=Text.from_json(raw["document"]),
        min_months_in_post=int(raw["min_months_in_post"]),
        min_respondents=int(respondents["min"]),
        max_respondents=int(respondents["max"]),
        scale_360=tuple(
            ScalePoint(value=int(p["value"]), label=Text.from_json(p["label"]))
            for p in raw.get("scale_360", ())
        ),
        grade_bands=bands,
        questionnaires={
            code: _parse_questionnaire(code, q) for code, q in raw.get("questionnaires", {}).items()
        },
        kpi=_parse_kpi(raw.get("kpi")),
        differentiation=_parse_differentiation(raw.get("differentiation")),
        quarterly=_parse_quarterly(raw.get("quarterly")),
        retention_years=int(raw.get("retention_years", 3)),
        deadline_day_360=int(raw.get("year_360", {}).get("deadline_day", 10)),
        chair_decides_tie=bool(raw.get("calibration", {}).get("chair_decides_tie", False)),
        legacy=_parse_legacy(raw.get("legacy")),
        exclusions=_parse_exclusions(raw.get("exclusions")),
        acquaintance_working_days=int(raw.get("acquaintance", {}).get("working_days", 2)),
        dismissed_in_writing=bool(raw.get("acquaintance", {}).get("dismissed_in_writing", False)),
    )


def _json_data(name: str) -> dict[str, Any]:
    """A bundled data file, ``bot/methodology/<name>.json``."""
    raw: dict[str, Any] = json.loads(
        resources.files("bot.methodology").joinpath(f"{name}.json").read_text("utf-8")
    )
    return raw


def bundled_data(code: str) -> dict[str, Any]:
    """A bundled profile's JSON. A profile may extend another (``"extends": CODE``): a body's
    methodology that differs from the typical one in a few settings gives only those, and
    takes the rest (questionnaires, tables, bands) from the one it extends. Bundled profiles
    replace whole top-level sections; a body's file merges deeper (bot/kernel/profile_file.py)."""
    raw = _json_data(code)
    base = raw.pop("extends", None)
    return {**bundled_data(base), **raw} if base else raw


class RecordedProfileMissingError(ValueError):
    """A round recorded a body's profile file that this process is not configured with: it is
    not closed, started or scored by another profile in its place."""

    def __init__(self, code: str) -> None:
        super().__init__(
            f"the round was made under the profile {code}, a body's profile file; "
            "set METHODOLOGY_PROFILE to that file"
        )


# The file profiles loaded in this process, by the code their rounds record (``body:<code>``):
# a round is closed or moved with the profile it recorded, looked up here by that code.
_FILE_PROFILES: dict[str, Profile] = {}


def load_profile(code: str = DEFAULT_PROFILE) -> Profile:
    """A profile by METHODOLOGY_PROFILE's value or a round's recorded code: a bundled code
    (``bot/methodology/<code>.json``), a body's file (a path, docs/profiles.md), or the
    recorded code of the file profile this process was configured with."""
    from bot.kernel.profile_file import BODY_PREFIX, is_profile_path

    if is_profile_path(code):
        profile = _load_file(code)
        _FILE_PROFILES[profile.code] = profile
        return profile
    if code.startswith(BODY_PREFIX):
        try:
            return _FILE_PROFILES[code]
        except KeyError:
            raise RecordedProfileMissingError(code) from None
    return _load_bundled(code)


class RecordsProfile(Protocol):
    """A round as far as its rules go: the profile it was made under (``campaigns.profile_code``)."""

    @property
    def profile_code(self) -> str: ...


def profile_of_round(campaign: RecordsProfile) -> Profile:
    """The rules a round was made under, whatever the bot is configured with today: a round
    started under one profile is scored, shown and printed under it (its results, workbooks,
    PDFs), never under the one configured since. A body's file profile the process was not
    configured with raises RecordedProfileMissingError."""
    return load_profile(campaign.profile_code)


@cache
def _load_file(path: str) -> Profile:
    from bot.kernel.profile_file import read_profile_file

    return read_profile_file(Path(path)).profile


@cache
def _load_bundled(code: str) -> Profile:
    return parse_profile(bundled_data(code))
