"""A quarterly evaluation sheet as the people entitled to it see it (clause 20): the
evaluated person, their evaluator and the head of HR. The reports (appendix 2 and 4 PDFs,
the quarter's workbook) and the bot's result messages are drawn from these records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.methodology import GradeBand, Profile
from bot.kernel.scoring import grade_band
from bot.quarterly.kpi_rules import achievement_percent
from bot.quarterly.rules import Absence, Method
from storage.quarterly import PlanDTO, PlanRepo, QuarterRepo, ScoreDTO, SheetDTO


@dataclass(frozen=True, slots=True)
class KpiQuarterLine:
    """One KPI in one quarter: the plan, HR's actual value, the achievement and the score."""

    planned: Decimal
    due_on: date | None
    actual: Decimal | None
    percent: Decimal | None  # None until the actual value is known
    score: Decimal | None  # None until the evaluator scored it
    comment: str | None


@dataclass(frozen=True, slots=True)
class KpiLine:
    no: int  # the KPI's number in the work plan, 1..5
    name: str
    source: str  # the planning document or agreement it derives from
    unit: str  # unit of measure
    higher_is_better: bool
    key_result: str
    quarters: dict[int, KpiQuarterLine]  # every quarter of the plan, 1..4


@dataclass(frozen=True, slots=True)
class ParameterScore:
    no: int  # the differentiation parameter's number in the profile, 1..4
    score: int | None


@dataclass(frozen=True, slots=True)
class SheetRecord:
    sheet_id: int
    year: int
    quarter: int
    deadline: date
    method: Method
    employee_code: str  # the staff list's employee id
    full_name: str
    position: str
    unit: str
    evaluator_name: str | None
    status: str  # "open", "submitted" or "excluded"
    excluded_reason: str | None  # an Ineligibility value, or "no_plan"
    absence: Absence | None  # evaluated without their participation, and why
    kpis: tuple[KpiLine, ...]  # KPI sheets only
    parameters: tuple[ParameterScore, ...]  # differentiation sheets only
    justification: str | None  # differentiation: the evaluator's written justification
    final_score: Decimal | None
    band: GradeBand | None
    submitted_at: datetime | None
    acknowledged_at: datetime | None
    kpi_due_on: date | None = None  # an absent head's KPIs: after the return (002 clause 5)


async def sheet_records(
    session: AsyncSession, profile: Profile, campaign_id: int, *, sheet_id: int | None = None
) -> list[SheetRecord]:
    """The round's sheets (or one of them) as records; the caller checks who may see them."""
    repo = QuarterRepo(session)
    if sheet_id is None:
        sheets = await repo.sheets(campaign_id)
    else:  # one person's: not the whole round (a result is composed per notification)
        found = await repo.sheet(sheet_id)
        sheets = [found] if found is not None and found.campaign.id == campaign_id else []
    evaluators = await repo.names(s.evaluator_id for s in sheets if s.evaluator_id is not None)
    plans = PlanRepo(session)
    records = []
    for sheet in sheets:
        scores = await repo.scores(sheet.id)
        evaluator = evaluators.get(sheet.evaluator_id) if sheet.evaluator_id is not None else None
        kpis: tuple[KpiLine, ...] = ()
        parameters: tuple[ParameterScore, ...] = ()
        if sheet.method == Method.KPI:
            plan = await plans.get(sheet.plan_id) if sheet.plan_id is not None else None
            kpis = _kpi_lines(plan, sheet, scores) if plan is not None else ()
        elif profile.differentiation is not None:
            parameters = tuple(
                ParameterScore(p.no, int(scores[p.no].score) if p.no in scores else None)
                for p in profile.differentiation.parameters
            )
        final = sheet.final_score if sheet.status == "submitted" else None
        records.append(
            SheetRecord(
                sheet_id=sheet.id,
                year=sheet.campaign.year,
                quarter=sheet.campaign.quarter or 0,
                deadline=sheet.campaign.deadline,
                method=Method(sheet.method),
                employee_code=sheet.employee.employee_id,
                full_name=sheet.employee.full_name,
                position=sheet.employee.position,
                unit=sheet.employee.unit,
                evaluator_name=evaluator.full_name if evaluator else None,
                status=sheet.status,
                excluded_reason=sheet.excluded_reason,
                absence=Absence(sheet.absence) if sheet.absence else None,
                kpi_due_on=sheet.kpi_due_on,
                kpis=kpis,
                parameters=parameters,
                justification=sheet.justification,
                final_score=final,
                band=grade_band(profile, final) if final is not None else None,
                submitted_at=sheet.submitted_at,
                acknowledged_at=sheet.acknowledged_at,
            )
        )
    return records


def _kpi_lines(plan: PlanDTO, sheet: SheetDTO, scores: dict[int, ScoreDTO]) -> tuple[KpiLine, ...]:
    """Every quarter of the plan; the sheet's own quarter carries its scores and comments."""
    lines = []
    for kpi in plan.kpis:
        quarters = {}
        for quarter, value in kpi.quarters.items():
            score = scores.get(kpi.no) if quarter == sheet.campaign.quarter else None
            percent = None
            if value.actual is not None:
                percent = achievement_percent(
                    value.planned, value.actual, higher_is_better=kpi.higher_is_better
                )
            quarters[quarter] = KpiQuarterLine(
                planned=value.planned,
                due_on=value.due_on,
                actual=value.actual,
                percent=percent,
                score=score.score if score else None,
                comment=score.comment if score else None,
            )
        lines.append(
            KpiLine(kpi.no, kpi.name, kpi.source, kpi.unit, kpi.higher_is_better, kpi.key_result, quarters)
        )
    return tuple(lines)
