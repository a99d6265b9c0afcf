"""A year's sheets under the 2018 method: the individual plan (set within PLAN_DAYS working days,
004 clause 9), the KPI sheet and the competency sheet, each filled by the direct manager and
agreed or returned by the superior manager (bot/legacy2018/service.py has the year itself)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.methodology import (
    Category,
    CompetencyRules,
    IndicatorGroup,
    LegacyCompetency,
    LegacyRules,
)
from bot.kernel.workdays import WorkCalendar
from bot.legacy2018.rules import (
    CompetencyVerdict,
    assess_competency,
    category_problem,
    competencies_for,
    indicator_group,
    kpi_count_grade,
    kpi_sheet_problems,
    meets_expectations,
)
from bot.legacy2018.service import (
    LEGACY_DECIDE,
    LEGACY_DECIDED,
    LegacyError,
    Refusal,
    is_approver,
    is_evaluator,
    sheet_of,
)
from bot.quarterly.upload_rules import LegacyPlanRows
from storage.dto import CampaignDTO, EmployeeDTO
from storage.legacy2018 import (
    CompetencyOutcome,
    LegacyKpiRow,
    LegacyRepo,
    LegacySheetDTO,
)
from storage.outbox import OutboxRepo
from storage.staff.employees import EmployeeRepo

# ---------------------------------------------------------------------------- the plan


async def submit_plan(
    session: AsyncSession, sheet_id: int, evaluator: EmployeeDTO | None, kpis: Sequence[LegacyKpiRow]
) -> Refusal | None:
    """The plan (appendix 1) by the direct manager (``evaluator``; None: HR from the command
    line): exactly the profile's number of KPIs, each with every column filled. Goes to the
    superior manager, or is approved at once when there is nobody above."""
    sheet, _campaign, rules = await sheet_of(session, sheet_id)
    if evaluator is not None and not is_evaluator(sheet, evaluator):
        return Refusal.NOT_YOURS
    complete = all(k.name and k.source and k.unit and k.planned and k.due and k.key_result for k in kpis)
    if (
        len(kpis) != rules.kpi_count.kpis
        or not complete
        or [k.no for k in kpis] != list(range(1, len(kpis) + 1))
    ):
        return Refusal.INCOMPLETE
    repo = LegacyRepo(session)
    if not (await repo.save_plan(sheet_id, kpis) and await repo.submit_plan(sheet_id)):
        return Refusal.WRONG_STATE
    if sheet.approver_id is None:
        await repo.approve_plan(sheet_id)
    else:
        await OutboxRepo(session).enqueue_again(sheet.approver_id, LEGACY_DECIDE, sheet_id)
    return None


@dataclass(frozen=True, slots=True)
class PlanImport:
    saved: list[str]  # staff ids whose plan went to the superior manager (or was approved)
    problems: list[tuple[str, Refusal | str]]  # staff id and why; nothing is saved when any

    @property
    def ok(self) -> bool:
        return not self.problems


async def import_plans(
    session: AsyncSession,
    campaign: CampaignDTO,
    plans: Sequence[LegacyPlanRows],
    evaluator: EmployeeDTO | None,
) -> PlanImport:
    """Plans from a table (``quarter_files.validate_legacy_plans``): the uploading manager's own
    people only (any, from the command line). All or nothing: one problem and nothing is saved."""
    repo = LegacyRepo(session)
    people = await EmployeeRepo(session).by_external_ids([plan.employee_code for plan in plans])
    problems: list[tuple[str, Refusal | str]] = []
    targets = []
    for plan in plans:
        person = people.get(plan.employee_code)
        sheet = await repo.sheet_of(campaign.id, person.id) if person is not None else None
        if sheet is None or sheet.excluded_reason is not None:
            problems.append((plan.employee_code, "not evaluated in this round"))
        elif evaluator is not None and sheet.evaluator_id != evaluator.id:
            problems.append((plan.employee_code, Refusal.NOT_YOURS))
        elif sheet.plan_status not in ("draft", "returned"):
            problems.append((plan.employee_code, Refusal.WRONG_STATE))
        else:
            targets.append((plan, sheet))
    if problems:
        return PlanImport([], problems)
    for plan, sheet in targets:
        rows = [
            LegacyKpiRow(k.no, k.name, k.source, k.unit, k.planned, k.due, k.key_result) for k in plan.kpis
        ]
        refusal = await submit_plan(session, sheet.id, evaluator, rows)
        assert refusal is None, (plan.employee_code, refusal)  # checked above
    return PlanImport([plan.employee_code for plan, _ in targets], [])


async def decide_plan(
    session: AsyncSession,
    sheet_id: int,
    approver: EmployeeDTO,
    *,
    approve: bool,
    comment: str | None,
    today: date,
    calendar: WorkCalendar,
) -> Refusal | None:
    """Approve the plan, or return it with what to correct: it comes back within the profile's
    working days (004 clause 12)."""
    repo = LegacyRepo(session)
    return await _decide(
        session,
        sheet_id,
        approver,
        agree=lambda: repo.approve_plan(sheet_id) if approve else None,
        give_back=lambda comment, by: repo.return_plan(sheet_id, comment, by),
        comment=comment,
        today=today,
        calendar=calendar,
    )


async def _decide(
    session: AsyncSession,
    sheet_id: int,
    approver: EmployeeDTO,
    *,
    agree: Callable[[], Awaitable[bool] | None],
    give_back: Callable[[str, date], Awaitable[bool]],
    comment: str | None,
    today: date,
    calendar: WorkCalendar,
) -> Refusal | None:
    """The superior manager's decision on a plan or a KPI sheet: ``agree`` (which gives None
    when the decision is to return it) or ``give_back`` with the comment, due back within the
    profile's working days; the direct manager is told either way."""
    sheet, _campaign, rules = await sheet_of(session, sheet_id)
    if not is_approver(sheet, approver):
        return Refusal.NOT_YOURS
    agreed = agree()
    if agreed is not None:
        done = await agreed
    elif not (comment or "").strip():
        return Refusal.INCOMPLETE
    else:
        resubmit_by = calendar.add(today, rules.kpi_count.resubmit_working_days)
        done = await give_back((comment or "").strip(), resubmit_by)
    if not done:
        return Refusal.WRONG_STATE
    if sheet.evaluator_id is not None and sheet.evaluator_id != approver.id:
        await OutboxRepo(session).enqueue_again(sheet.evaluator_id, LEGACY_DECIDED, sheet_id)
    return None


# ----------------------------------------------------------------------- the KPI sheet


@dataclass(frozen=True, slots=True)
class SheetOverview:
    """A person's year as their direct manager sees it."""

    campaign: CampaignDTO
    rules: LegacyRules
    sheet: LegacySheetDTO
    person: EmployeeDTO
    kpis: list[LegacyKpiRow]

    @property
    def kpi_editable(self) -> bool:
        return self.sheet.plan_status == "approved" and self.sheet.kpi_status in ("open", "returned")

    @property
    def kpis_entered(self) -> int:
        return sum(1 for k in self.kpis if k.met is not None and k.facts)


async def overview(session: AsyncSession, sheet_id: int, evaluator: EmployeeDTO) -> SheetOverview | Refusal:
    try:
        sheet, campaign, rules = await sheet_of(session, sheet_id)
    except LookupError:
        return Refusal.NOT_YOURS
    if not is_evaluator(sheet, evaluator):
        return Refusal.NOT_YOURS
    person = (await EmployeeRepo(session).many({sheet.employee_id}))[sheet.employee_id]
    return SheetOverview(campaign, rules, sheet, person, await LegacyRepo(session).kpis(sheet_id))


async def record_kpi(
    session: AsyncSession,
    sheet_id: int,
    evaluator: EmployeeDTO,
    no: int,
    *,
    actual: str,
    met: bool,
    facts: str,
) -> Refusal | None:
    sheet, _campaign, _rules = await sheet_of(session, sheet_id)
    if not is_evaluator(sheet, evaluator):
        return Refusal.NOT_YOURS
    if not facts.strip() or not actual.strip():
        return Refusal.INCOMPLETE  # "met" rests on facts (004 clause 22)
    done = await LegacyRepo(session).record_kpi(
        sheet_id, no, actual=actual.strip(), met=met, facts=facts.strip()
    )
    return None if done else Refusal.WRONG_STATE


async def submit_kpi_sheet(
    session: AsyncSession, sheet_id: int, evaluator: EmployeeDTO, now: datetime
) -> Refusal | None:
    """The KPI sheet (appendix 2) with its grade by the count of KPIs met (004 clause 18)."""
    sheet, _campaign, rules = await sheet_of(session, sheet_id)
    if not is_evaluator(sheet, evaluator):
        return Refusal.NOT_YOURS
    repo = LegacyRepo(session)
    kpis = await repo.kpis(sheet_id)
    if kpi_sheet_problems(rules.kpi_count, [k.facts for k in kpis]) or any(k.met is None for k in kpis):
        return Refusal.INCOMPLETE
    met = sum(1 for k in kpis if k.met)
    grade = kpi_count_grade(rules.kpi_count, met)
    if not await repo.submit_kpi_sheet(sheet_id, met, grade.code, now):
        return Refusal.WRONG_STATE
    if sheet.approver_id is None:
        await repo.agree_kpi_sheet(sheet_id, now)
    else:
        await OutboxRepo(session).enqueue_again(sheet.approver_id, LEGACY_DECIDE, sheet_id)
    return None


async def decide_kpi_sheet(
    session: AsyncSession,
    sheet_id: int,
    approver: EmployeeDTO,
    *,
    agree: bool,
    comment: str | None,
    today: date,
    now: datetime,
    calendar: WorkCalendar,
) -> Refusal | None:
    """Agree with the sheet, or return it when the facts are too thin (004 clauses 21-23)."""
    repo = LegacyRepo(session)
    return await _decide(
        session,
        sheet_id,
        approver,
        agree=lambda: repo.agree_kpi_sheet(sheet_id, now) if agree else None,
        give_back=lambda comment, by: repo.return_kpi_sheet(sheet_id, comment, by),
        comment=comment,
        today=today,
        calendar=calendar,
    )


# ------------------------------------------------------------------ the competency sheet


def _sheet_rules(rules: LegacyRules) -> CompetencyRules:
    if rules.competencies is None:
        raise LegacyError("this profile has no competency assessment")
    return rules.competencies


async def toggle_indicator(
    session: AsyncSession, sheet_id: int, evaluator: EmployeeDTO, competency_no: int, indicator: int
) -> bool | Refusal:
    """Mark an effective indicator seen, or unmark it: the new state."""
    sheet, _campaign, rules = await sheet_of(session, sheet_id)
    if not is_evaluator(sheet, evaluator):
        return Refusal.NOT_YOURS
    sheet_rules = _sheet_rules(rules)
    if category_problem(sheet_rules, sheet.position_category):
        return Refusal.NO_CATEGORY
    competency = next(
        (
            c
            for c in competencies_for(sheet_rules, serves_public=sheet.serves_public)
            if c.no == competency_no
        ),
        None,
    )
    assert sheet.position_category is not None
    if competency is None:
        return Refusal.WRONG_STATE
    group = indicator_group(competency, sheet.position_category, heads_unit=sheet.heads_unit)
    if not 0 <= indicator < len(group.effective):
        return Refusal.WRONG_STATE
    state = await LegacyRepo(session).toggle_indicator(sheet_id, competency_no, indicator)
    return Refusal.WRONG_STATE if state is None else state


@dataclass(frozen=True, slots=True)
class CompetencyScreen:
    """One competency of a person's sheet as the direct manager fills it."""

    sheet: LegacySheetDTO
    person: EmployeeDTO
    year: int
    rules: CompetencyRules
    category: Category
    competencies: tuple[LegacyCompetency, ...]  # the person's, in the sheet's order
    position: int  # of the competency shown, in ``competencies``
    group: IndicatorGroup
    seen: frozenset[int]

    @property
    def competency(self) -> LegacyCompetency:
        return self.competencies[self.position]

    @property
    def needed(self) -> int:
        """The fewest indicators seen that meet three quarters."""
        total = len(self.group.effective)
        return next(n for n in range(total + 1) if meets_expectations(self.rules, n, total))


async def _sheet_to_fill(
    session: AsyncSession, sheet_id: int, evaluator: EmployeeDTO
) -> tuple[LegacySheetDTO, CampaignDTO, CompetencyRules] | Refusal:
    try:
        sheet, campaign, rules = await sheet_of(session, sheet_id)
    except LookupError:
        return Refusal.NOT_YOURS
    if not is_evaluator(sheet, evaluator):
        return Refusal.NOT_YOURS
    if rules.competencies is None:
        return Refusal.WRONG_STATE
    if category_problem(rules.competencies, sheet.position_category):
        return Refusal.NO_CATEGORY
    return sheet, campaign, rules.competencies


async def competency_screen(
    session: AsyncSession, sheet_id: int, evaluator: EmployeeDTO, competency_no: int | None = None
) -> CompetencyScreen | Refusal:
    """The competency ``competency_no`` of the sheet (the first when None) with what is marked."""
    found = await _sheet_to_fill(session, sheet_id, evaluator)
    if isinstance(found, Refusal):
        return found
    sheet, campaign, sheet_rules = found
    assert sheet.position_category is not None
    competencies = competencies_for(sheet_rules, serves_public=sheet.serves_public)
    numbers = [c.no for c in competencies]
    position = numbers.index(competency_no) if competency_no in numbers else 0
    competency = competencies[position]
    person = (await EmployeeRepo(session).many({sheet.employee_id}))[sheet.employee_id]
    seen = (await LegacyRepo(session).indicators_seen(sheet_id)).get(competency.no, set())
    return CompetencyScreen(
        sheet=sheet,
        person=person,
        year=campaign.year,
        rules=sheet_rules,
        category=sheet_rules.categories[sheet.position_category],
        competencies=competencies,
        position=position,
        group=indicator_group(competency, sheet.position_category, heads_unit=sheet.heads_unit),
        seen=frozenset(seen),
    )


async def competency_outcomes(
    session: AsyncSession, sheet_id: int, evaluator: EmployeeDTO
) -> list[CompetencyVerdict] | Refusal:
    """Each competency's verdict by what is marked now: for the review before submitting."""
    found = await _sheet_to_fill(session, sheet_id, evaluator)
    if isinstance(found, Refusal):
        return found
    sheet, _campaign, sheet_rules = found
    assert sheet.position_category is not None
    seen = await LegacyRepo(session).indicators_seen(sheet_id)
    verdicts = []
    for competency in competencies_for(sheet_rules, serves_public=sheet.serves_public):
        group = indicator_group(competency, sheet.position_category, heads_unit=sheet.heads_unit)
        verdicts.append(assess_competency(sheet_rules, competency, group, seen.get(competency.no, set())))
    return verdicts


async def submit_competencies(
    session: AsyncSession, sheet_id: int, evaluator: EmployeeDTO, now: datetime
) -> list[CompetencyVerdict] | Refusal:
    """The competency sheet (appendix 3): each competency meets expectations or does not, by
    the indicators seen (004 clause 27); the verdicts are kept as given."""
    verdicts = await competency_outcomes(session, sheet_id, evaluator)
    if isinstance(verdicts, Refusal):
        return verdicts
    outcomes = [CompetencyOutcome(v.competency.no, len(v.seen), v.total, v.meets) for v in verdicts]
    if not await LegacyRepo(session).submit_competencies(sheet_id, outcomes, now):
        return Refusal.WRONG_STATE
    return verdicts


async def sheets_to_fill(
    session: AsyncSession, evaluator: EmployeeDTO
) -> list[tuple[CampaignDTO, LegacySheetDTO]]:
    """The evaluator's sheets in running rounds under the 2018 method, oldest round first."""
    return await LegacyRepo(session).to_fill_by(evaluator.id)
