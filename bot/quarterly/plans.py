"""Individual work plans (appendix 1, clauses 22-25), KPI actual values and absences.

A head's plan is drafted by their evaluator (the direct manager) and approved by the
superior manager (the evaluator's own manager), who may return it for correction with a
comment. A plan with nobody above its evaluator is approved when saved. Once approved, a
plan changes only with a stated reason (clause 25); every version is kept in its history.

Uploads are all or nothing: one problem and nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.methodology import Profile
from bot.kernel.workdays import WorkCalendar
from bot.quarterly.rounds import KPI_ACTUALS, absences_changed
from bot.quarterly.rules import plan_due_by, plan_needed, quarter_period
from bot.quarterly.upload_rules import AbsenceValidation, ActualsValidation, PlanValidation, plans_template
from bot.staff.access import Actor, audit
from storage.dto import EmployeeDTO
from storage.outbox import OutboxRepo
from storage.quarterly import AbsenceRepo, NewKpi, PlanRepo, QuarterRepo
from storage.staff.employees import EmployeeRepo

# Both refer to the plan's change (a version of the plan), so that every version is announced.
PLAN_APPROVAL = "plan_approval"  # to the superior manager: a plan to approve
PLAN_DECIDED = "plan_decided"  # to the evaluator: approved or returned


class PlanProblem(StrEnum):
    UNKNOWN_EMPLOYEE = "unknown_employee"
    NOT_A_HEAD = "not_a_head"  # KPIs are for heads of units (chapter 2)
    NO_EVALUATOR = "no_evaluator"
    REASON_REQUIRED = "reason_required"  # an approved plan changes only with a reason
    NOT_YOUR_REPORT = "not_your_report"  # an evaluator drafts plans of their own heads only
    TOO_LATE_FOR_KPIS = "too_late_for_kpis"  # less than 3 months left in the year (clause 22)
    NO_SUCH_KPI = "no_such_kpi"  # an actual value for a KPI or quarter the plan lacks


@dataclass(frozen=True, slots=True)
class Problem:
    employee_code: str
    problem: PlanProblem
    detail: str = ""


@dataclass(frozen=True, slots=True)
class SavedPlan:
    employee_code: str
    plan_id: int
    status: str
    late: bool  # saved after the 10 working days of clause 22


@dataclass
class ImportReport:
    problems: list[Problem] = field(default_factory=list)
    saved: list[SavedPlan] = field(default_factory=list)
    count: int = 0  # actual values or absences saved

    @property
    def ok(self) -> bool:
        return not self.problems


async def import_plans(
    session: AsyncSession,
    profile: Profile,
    validation: PlanValidation,
    *,
    year: int,
    reason: str | None,
    calendar: WorkCalendar,
    actor: Actor,
    now: datetime,
    today: date,
    drafted_by: EmployeeDTO | None = None,
) -> ImportReport:
    """Save the uploaded plans as drafted by each head's evaluator and send them for approval.
    ``drafted_by``: an evaluator uploading in the bot, who may draft their own heads' plans only
    (HR, None, may upload anyone's)."""
    assert validation.ok and profile.quarterly is not None
    report = ImportReport()
    staff = await EmployeeRepo(session).by_external_ids(p.employee_code for p in validation.plans)
    plans = PlanRepo(session)
    checked: list[tuple[EmployeeDTO, list[NewKpi]]] = []
    for rows in validation.plans:
        person = staff.get(rows.employee_code)
        if person is None or not person.active:
            report.problems.append(Problem(rows.employee_code, PlanProblem.UNKNOWN_EMPLOYEE))
            continue
        if person.role != "head":
            report.problems.append(Problem(rows.employee_code, PlanProblem.NOT_A_HEAD))
            continue
        if person.manager_id is None:
            report.problems.append(Problem(rows.employee_code, PlanProblem.NO_EVALUATOR))
            continue
        if not plan_needed(person.appointed_on, date(year, 12, 31), profile.quarterly):
            report.problems.append(Problem(rows.employee_code, PlanProblem.TOO_LATE_FOR_KPIS))
            continue
        if drafted_by is not None and person.manager_id != drafted_by.id:
            report.problems.append(Problem(rows.employee_code, PlanProblem.NOT_YOUR_REPORT))
            continue
        existing = await plans.plan(person.id, year)
        if existing is not None and existing.status == "approved" and not (reason or "").strip():
            report.problems.append(Problem(rows.employee_code, PlanProblem.REASON_REQUIRED))
            continue
        kpis = [
            NewKpi(
                k.no, k.name, k.source, k.unit, k.higher_is_better, k.key_result, dict(k.planned), dict(k.due)
            )
            for k in rows.kpis
        ]
        checked.append((person, kpis))
    if report.problems:
        return report
    managers = await EmployeeRepo(session).many(p.manager_id for p, _ in checked if p.manager_id is not None)
    outbox = OutboxRepo(session)
    period_start, _ = quarter_period(year, 1)
    for person, kpis in checked:
        assert person.manager_id is not None
        evaluator = managers[person.manager_id]
        approver_id = evaluator.manager_id
        existing = await plans.plan(person.id, year)
        status = "submitted" if approver_id is not None else "approved"
        plan_id = await plans.save(
            employee_pk=person.id,
            year=year,
            evaluator_id=evaluator.id,
            approver_id=approver_id,
            kpis=kpis,
            status=status,
            now=now,
        )
        change_id = await plans.record_change(
            plan_id,
            at=now,
            actor_telegram_id=actor.telegram_user_id,
            action="drafted" if existing is None else "changed",
            reason=(reason or "").strip() or None,
            before=existing.kpis if existing is not None else None,
            after=kpis,
        )
        if approver_id is not None:
            await outbox.enqueue(approver_id, PLAN_APPROVAL, change_id)
        due = plan_due_by(period_start, person.appointed_on, profile.quarterly, calendar)
        report.saved.append(SavedPlan(person.employee_id, plan_id, status, late=today > due))
        await audit(session, actor, "plan.save", "work_plan", plan_id, at=now, details={"status": status})
    return report


class Decision(StrEnum):
    APPROVED = "approved"
    RETURNED = "returned"
    NOT_YOURS = "not_yours"
    ALREADY_DECIDED = "already_decided"
    COMMENT_REQUIRED = "comment_required"


async def decide_plan(
    session: AsyncSession,
    plan_id: int,
    approver: EmployeeDTO,
    *,
    approve: bool,
    comment: str | None,
    actor: Actor,
    now: datetime,
) -> Decision:
    """The superior manager approves the plan, or returns it for correction with a comment."""
    plans = PlanRepo(session)
    plan = await plans.get(plan_id, for_update=True)
    if plan is None or plan.approver_id != approver.id:
        return Decision.NOT_YOURS
    comment = (comment or "").strip() or None
    if not approve and comment is None:
        return Decision.COMMENT_REQUIRED
    if not await plans.decide(plan_id, approved=approve, comment=comment, now=now):
        return Decision.ALREADY_DECIDED
    action = "approved" if approve else "returned"
    await plans.record_change(
        plan_id, at=now, actor_telegram_id=actor.telegram_user_id, action=action, reason=comment
    )
    if plan.evaluator_id is not None:
        await OutboxRepo(session).enqueue(plan.evaluator_id, PLAN_DECIDED, plan_id)
    await audit(session, actor, f"plan.{action}", "work_plan", plan_id, at=now)
    return Decision.APPROVED if approve else Decision.RETURNED


async def import_actuals(
    session: AsyncSession, validation: ActualsValidation, *, year: int, actor: Actor, now: datetime
) -> ImportReport:
    """HR's actual values (clause 22). A KPI sheet whose values are now all in is sent to its
    evaluator at once."""
    assert validation.ok
    report = ImportReport()
    staff = await EmployeeRepo(session).by_external_ids(row.employee_code for row in validation.rows)
    plans = PlanRepo(session)
    async with session.begin_nested() as savepoint:
        for row in validation.rows:
            person = staff.get(row.employee_code)
            if person is None:
                report.problems.append(Problem(row.employee_code, PlanProblem.UNKNOWN_EMPLOYEE))
            elif not await plans.set_actual(person.id, year, row.kpi_no, row.quarter, row.actual, now):
                detail = f"{row.kpi_no}/{row.quarter}"
                report.problems.append(Problem(row.employee_code, PlanProblem.NO_SUCH_KPI, detail))
        if report.problems:
            await savepoint.rollback()
            return report
    report.count = len(validation.rows)
    await _send_complete_sheets(session, year, {staff[row.employee_code].id for row in validation.rows})
    await audit(session, actor, "kpi.actuals", "work_plan", None, at=now, details={"values": report.count})
    return report


async def _send_complete_sheets(session: AsyncSession, year: int, people: set[int]) -> None:
    repo, plans, outbox = QuarterRepo(session), PlanRepo(session), OutboxRepo(session)
    for campaign in await repo.rounds(year):
        if campaign.status != "running" or campaign.quarter is None:
            continue
        for sheet in await repo.sheets(campaign.id):
            if sheet.employee.id not in people or sheet.status != "open" or sheet.plan_id is None:
                continue
            plan = await plans.get(sheet.plan_id)
            assert plan is not None
            lines = [kpi.quarters[campaign.quarter] for kpi in plan.kpis if campaign.quarter in kpi.quarters]
            if sheet.evaluator_id is not None and all(line.actual is not None for line in lines):
                await outbox.enqueue(sheet.evaluator_id, KPI_ACTUALS, sheet.id)


async def import_absences(
    session: AsyncSession,
    validation: AbsenceValidation,
    *,
    actor: Actor,
    now: datetime,
    profile: Profile,
    today: date,
    calendar: WorkCalendar,
) -> ImportReport:
    """Leave, sickness, trips and training (clause 5): such people are evaluated without them;
    under 002 clause 5 an absent head's KPIs in a round already started wait for the return."""
    assert validation.ok
    report = ImportReport()
    staff = await EmployeeRepo(session).by_external_ids(row.employee_code for row in validation.rows)
    for row in validation.rows:
        if row.employee_code not in staff:
            report.problems.append(Problem(row.employee_code, PlanProblem.UNKNOWN_EMPLOYEE))
    if report.problems:
        return report
    absences = AbsenceRepo(session)
    for row in validation.rows:
        await absences.add(staff[row.employee_code].id, row.kind.value, row.starts_on, row.ends_on)
    report.count = len(validation.rows)
    await absences_changed(
        session,
        profile,
        sorted({staff[row.employee_code].id for row in validation.rows}),
        today=today,
        calendar=calendar,
    )
    await audit(session, actor, "absences.import", "employee", None, at=now, details={"rows": report.count})
    return report


async def plan_template(session: AsyncSession, evaluator: EmployeeDTO) -> str | None:
    """A work-plan table for the evaluator's own heads of units, or None if they have none."""
    heads = [p for p in await EmployeeRepo(session).subordinates(evaluator.id) if p.role == "head"]
    return plans_template([(p.employee_id, p.full_name) for p in heads]) if heads else None
