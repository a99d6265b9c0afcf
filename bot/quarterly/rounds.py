"""Quarterly rounds (clauses 4-6, 21-32): created for a year in one step, started per quarter
with a sheet for everyone on the staff, closed; the year's result per person."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.methodology import GradeBand, Profile, profile_of_round
from bot.kernel.scoring import grade_band
from bot.kernel.workdays import WorkCalendar
from bot.quarterly.rules import (
    Absence,
    AbsencePeriod,
    Method,
    QuarterSchedule,
    kpi_due_after_return,
    method_for,
    participation,
    plan_needed,
    quarter_period,
    sheet_overdue,
    year_schedule,
    yearly_score,
)
from bot.staff.access import Actor, audit
from storage.dto import CampaignDTO, EmployeeDTO
from storage.outbox import OutboxRepo
from storage.quarterly import QUARTER, AbsenceRepo, PlanDTO, PlanRepo, QuarterRepo
from storage.staff.employees import EmployeeRepo
from storage.survey360.campaigns import CampaignRepo

QUARTER_STARTED = "quarter_started"  # to an evaluator: your sheets to fill (ref: the round)
QUARTER_NOTICE = "quarter_notice"  # to an evaluated person: you are evaluated (ref: the sheet)
QUARTER_RESULT = "quarter_result"  # to an evaluated person: your result (ref: the sheet)
KPI_ACTUALS = "kpi_actuals"  # to an evaluator: the actual values are in (ref: the sheet)
# To an evaluated person who has not confirmed reading their result within the 2 working
# days of clause 11 (ref: the sheet).
RESULT_AGAIN = "result_again"

NO_PLAN = "no_plan"  # a head without an approved work plan for the quarter
NO_EVALUATOR = "no_evaluator"  # nobody above the person in the staff list


class QuarterError(Exception):
    pass


class QuarterTooLateError(QuarterError):
    """A round whose deadline has passed is not started."""


@dataclass(frozen=True, slots=True)
class StartReport:
    campaign: CampaignDTO
    sheets: int
    excluded: Counter[str]
    evaluators: int
    # Who is not evaluated, by reason, in staff-list order: HR acts on names, not a count.
    excluded_names: dict[str, list[str]] = field(default_factory=dict)


async def create_year(
    session: AsyncSession, profile: Profile, year: int, calendar: WorkCalendar, actor: Actor, now: datetime
) -> list[CampaignDTO]:
    """The four quarterly rounds of a year with their dates; rounds that exist are kept."""
    if profile.quarterly is None:
        raise QuarterError("the methodology has no quarterly evaluation")
    repo = QuarterRepo(session)
    rounds = []
    for schedule in year_schedule(year, profile.quarterly, calendar):
        found = await repo.find_round(year, schedule.quarter)
        if found is None:
            found = await repo.create_round(
                year=year,
                quarter=schedule.quarter,
                deadline=schedule.deadline,
                heads_notified_by=schedule.heads_notified_by,
                employees_notified_by=schedule.employees_notified_by,
                actuals_due_by=schedule.actuals_due_by,
                profile_code=profile.code,
                profile_version=profile.version,
            )
            await audit(session, actor, "quarter.create", "campaign", found.id, at=now)
        rounds.append(found)
    return rounds


def quarter_kpis(plan: PlanDTO, quarter: int) -> list[int]:
    """The numbers of the plan's KPIs that have a planned value in the quarter."""
    return [kpi.no for kpi in plan.kpis if quarter in kpi.quarters]


async def start_round(
    session: AsyncSession,
    campaign_id: int,
    *,
    today: date,
    now: datetime,
    actor: Actor,
    calendar: WorkCalendar,
    late: bool = False,
) -> StartReport:
    """A sheet for everyone on the staff: heads by their KPIs, employees by differentiation,
    the evaluator being the direct manager. People too short in the post, heads without an
    approved plan and people with nobody above them are listed as excluded, with the reason.
    A round whose deadline has passed is refused unless ``late`` (the command line's choice)."""
    repo = QuarterRepo(session)
    campaign = await _draft_round(session, campaign_id, None if late else today)
    # The rules the round was made under, not whatever the bot is configured with today.
    profile = profile_of_round(campaign)
    assert campaign.quarter is not None and profile.quarterly is not None and profile.kpi is not None
    schedule = round_schedule(campaign)
    start, end = schedule.period_start, schedule.period_end
    people = await repo.people_for(start)
    absences = await _absences(session, [person.id for person, _ in people])
    plans = PlanRepo(session)
    excluded: Counter[str] = Counter()
    excluded_names: dict[str, list[str]] = {}
    evaluators: set[int] = set()
    notices: list[tuple[int, int]] = []
    for person, left_on in people:
        if person.appointed_on > end:
            continue
        method = method_for(person.role)
        state = participation(
            appointed_on=person.appointed_on,
            left_on=left_on,
            absences=absences.get(person.id, []),
            schedule=schedule,
            min_months_in_post=profile.min_months_in_post,
            today=today,
            exclusions=profile.exclusions,
            probation_ends_on=person.probation_ends_on,
            returned_on=person.returned_on,
        )
        reason = state.excluded.value if state.excluded else None
        plan_id = None
        if reason is None and person.manager_id is None:
            reason = NO_EVALUATOR
        if reason is None and method is Method.KPI:
            plan = await plans.plan(person.id, campaign.year)
            needed = plan_needed(person.appointed_on, end, profile.quarterly)
            if (
                not needed
                or plan is None
                or plan.status != "approved"
                or len(quarter_kpis(plan, campaign.quarter)) < profile.kpi.min_kpis
            ):
                reason = NO_PLAN
            else:
                plan_id = plan.id
        kpi_due_on = None
        after_return = profile.quarterly.kpi_after_return_working_days
        if (
            reason is None
            and method is Method.KPI
            and after_return is not None
            and state.absence not in (None, Absence.DISMISSED)
        ):
            # 002 clause 5: an absent head's KPIs wait for their return (the absence stays
            # recorded, as the reason the evaluation is late).
            kpi_due_on = kpi_due_after_return(
                absences.get(person.id, []), schedule, today, calendar, after_return
            )
        sheet_id = await repo.add_sheet(
            campaign_id=campaign.id,
            employee_pk=person.id,
            method=method.value,
            evaluator_id=person.manager_id,
            plan_id=plan_id,
            excluded_reason=reason,
            absence=state.absence.value if state.absence else None,
            kpi_due_on=kpi_due_on,
        )
        if reason is not None:
            excluded[reason] += 1
            excluded_names.setdefault(reason, []).append(person.full_name)
            continue
        assert person.manager_id is not None
        evaluators.add(person.manager_id)
        if state.absence is not Absence.DISMISSED:
            notices.append((person.id, sheet_id))
    await session.flush()
    outbox = OutboxRepo(session)
    await outbox.enqueue_many(sorted(evaluators), QUARTER_STARTED, campaign.id)
    for person_pk, sheet_id in notices:
        await outbox.enqueue(person_pk, QUARTER_NOTICE, sheet_id)
    await CampaignRepo(session).set_status(campaign.id, "running", now)
    await audit(session, actor, "quarter.start", "campaign", campaign.id, at=now)
    sheets = len(people) - sum(excluded.values())
    return StartReport(campaign, sheets, excluded, len(evaluators), excluded_names)


async def close_round(session: AsyncSession, campaign_id: int, *, now: datetime, actor: Actor) -> None:
    repo = QuarterRepo(session)
    campaign = await round_of(session, campaign_id)
    if campaign.status != "running":
        raise QuarterError("only a running round can be closed")
    await repo.close(campaign_id, now)
    await audit(session, actor, "quarter.close", "campaign", campaign_id, at=now)


async def sheet_of(session: AsyncSession, campaign_id: int, employee_code: str) -> int:
    """The id of a person's sheet in a round (by the staff list's employee id)."""
    for sheet in await QuarterRepo(session).sheets(campaign_id):
        if sheet.employee.employee_id == employee_code:
            return sheet.id
    raise QuarterError(f"{employee_code} has no sheet in round {campaign_id}")


async def round_of(session: AsyncSession, campaign_id: int) -> CampaignDTO:
    campaign = await CampaignRepo(session).get(campaign_id)
    if campaign is None or campaign.kind != QUARTER:
        raise QuarterError(f"no quarterly round {campaign_id}")
    return campaign


async def _draft_round(session: AsyncSession, campaign_id: int, today: date | None) -> CampaignDTO:
    """The round to start; with ``today``, refused once its deadline has passed."""
    campaign = await round_of(session, campaign_id)
    if campaign.status != "draft":
        raise QuarterError("the round has already been started")
    if today is not None and campaign.deadline < today:
        # Issue 19: a quarter whose deadline has passed cannot be evaluated on time any more;
        # starting it would send evaluators sheets already late.
        raise QuarterTooLateError(f"the round's deadline {campaign.deadline.isoformat()} has passed")
    return campaign


async def absences_changed(
    session: AsyncSession,
    profile: Profile,
    employee_pks: Sequence[int],
    *,
    today: date,
    calendar: WorkCalendar,
) -> int:
    """002 clause 5 for absences recorded after a round started: an absent head's open KPI
    sheet gets (or moves) the day its KPIs are due after the return, as the start would have
    given it. Returns how many sheets changed."""
    assert profile.quarterly is not None
    after_return = profile.quarterly.kpi_after_return_working_days
    if after_return is None:  # kz-2024: evaluated without them in the normal deadlines
        return 0
    repo = QuarterRepo(session)
    sheets = [s for s in await repo.open_kpi_sheets(employee_pks) if s.absence != Absence.DISMISSED]
    absences = await _absences(session, [sheet.employee.id for sheet in sheets])
    changed = 0
    for sheet in sheets:
        periods = absences.get(sheet.employee.id, [])
        schedule = round_schedule(sheet.campaign)
        state = participation(
            appointed_on=sheet.employee.appointed_on,
            left_on=sheet.left_on,
            absences=periods,
            schedule=schedule,
            min_months_in_post=profile.min_months_in_post,
            today=today,
        )
        due = kpi_due_after_return(periods, schedule, today, calendar, after_return)
        if state.absence is None or due is None or due == sheet.kpi_due_on:
            continue
        await repo.set_kpi_due(sheet.id, absence=state.absence.value, kpi_due_on=due)
        changed += 1
    return changed


async def _absences(session: AsyncSession, people: list[int]) -> dict[int, list[AbsencePeriod]]:
    found = await AbsenceRepo(session).of(people)
    return {
        person: [AbsencePeriod(Absence(kind), start, end) for kind, start, end in periods]
        for person, periods in found.items()
    }


def round_schedule(campaign: CampaignDTO) -> QuarterSchedule:
    """The round's dates as fixed when it was created (HR may have moved the deadline)."""
    assert campaign.quarter is not None
    assert campaign.heads_notified_by and campaign.employees_notified_by and campaign.actuals_due_by
    start, end = quarter_period(campaign.year, campaign.quarter)
    return QuarterSchedule(
        year=campaign.year,
        quarter=campaign.quarter,
        period_start=start,
        period_end=end,
        deadline=campaign.deadline,
        heads_notified_by=campaign.heads_notified_by,
        employees_notified_by=campaign.employees_notified_by,
        actuals_due_by=campaign.actuals_due_by,
    )


@dataclass(frozen=True, slots=True)
class YearResult:
    year: int
    quarters: dict[int, Decimal]
    score: Decimal | None
    band: GradeBand | None


async def year_result(session: AsyncSession, profile: Profile, employee_pk: int, year: int) -> YearResult:
    """The mean of the quarters' submitted scores with its band (clause 4)."""
    sheets = await QuarterRepo(session).submitted_of(employee_pk, year)
    quarters = {
        s.campaign.quarter: s.final_score for s in sheets if s.campaign.quarter and s.final_score is not None
    }
    score = yearly_score(list(quarters.values()))
    return YearResult(year, quarters, score, grade_band(profile, score) if score is not None else None)


@dataclass(frozen=True, slots=True)
class RoundOverview:
    campaign: CampaignDTO
    sheets: int  # people evaluated
    excluded: int  # listed, not evaluated (with the reason)
    submitted: int
    acknowledged: int
    behind: tuple[tuple[str, int], ...] = ()  # evaluators with open sheets: name, how many
    overdue: int = 0  # open sheets past their due day (an absent head's KPIs: their own day)


async def year_overview(session: AsyncSession, year: int, today: date) -> list[RoundOverview]:
    rounds = await QuarterRepo(session).rounds(year)
    return [await round_overview(session, campaign, today) for campaign in rounds]


async def round_overview(session: AsyncSession, campaign: CampaignDTO, today: date) -> RoundOverview:
    repo = QuarterRepo(session)
    sheets = await repo.sheets(campaign.id)
    overdue = sum(
        s.status == "open" and sheet_overdue(campaign.deadline, s.kpi_due_on, today) for s in sheets
    )
    open_by_evaluator = Counter(s.evaluator_id for s in sheets if s.status == "open" and s.evaluator_id)
    names = await repo.names(open_by_evaluator)
    behind = tuple(
        sorted(((names[pk].full_name, count) for pk, count in open_by_evaluator.items()), key=lambda b: -b[1])
    )
    return RoundOverview(
        campaign,
        sheets=sum(s.status != "excluded" for s in sheets),
        excluded=sum(s.status == "excluded" for s in sheets),
        submitted=sum(s.status == "submitted" for s in sheets),
        acknowledged=sum(s.acknowledged_at is not None for s in sheets),
        behind=behind if campaign.status == "running" else (),
        overdue=overdue if campaign.status == "running" else 0,
    )


DELEGATION_MIN_UNIT = 50  # clause 31: "over fifty" corps B employees in the unit
SHEETS_DELEGATED = "sheets_delegated"  # to a named evaluator: sheets handed to you (ref: the round)


class DelegationRefusal(StrEnum):
    UNIT_TOO_SMALL = "unit_too_small"
    UNKNOWN_EVALUATOR = "unknown_evaluator"
    NOT_YOUR_SHEETS = "not_your_sheets"


@dataclass(frozen=True, slots=True)
class Delegation:
    moved: int = 0
    refusal: DelegationRefusal | None = None
    unknown: tuple[str, ...] = ()  # employee ids without an open sheet of the head's


@dataclass(frozen=True, slots=True)
class DelegationChoices:
    """Whom the head may choose from (the wizard's pickers): ``refusal`` when nobody."""

    refusal: DelegationRefusal | None = None
    evaluators: tuple[EmployeeDTO, ...] = ()  # the others in the head's unit
    employees: tuple[EmployeeDTO, ...] = ()  # the people of the head's open sheets


def _large_unit(staff: Sequence[EmployeeDTO], head: EmployeeDTO) -> bool:
    return sum(1 for p in staff if p.unit == head.unit and p.role == "employee") > DELEGATION_MIN_UNIT


async def delegation_choices(session: AsyncSession, head: EmployeeDTO) -> DelegationChoices:
    """Clause 31's choices for ``head``, by the rules ``delegate_sheets`` checks again."""
    staff = await EmployeeRepo(session).all(active_only=True)
    if not _large_unit(staff, head):
        return DelegationChoices(refusal=DelegationRefusal.UNIT_TOO_SMALL)
    employees = {s.employee.id: s.employee for s in await QuarterRepo(session).open_sheets_of(head.id)}
    if not employees:
        return DelegationChoices(refusal=DelegationRefusal.NOT_YOUR_SHEETS)
    evaluators = tuple(p for p in staff if p.unit == head.unit and p.id != head.id)
    return DelegationChoices(None, evaluators, tuple(employees.values()))


async def delegate_sheets(
    session: AsyncSession,
    head: EmployeeDTO,
    evaluator_code: str,
    employee_codes: Sequence[str],
    *,
    actor: Actor,
    now: datetime,
) -> Delegation:
    """Clause 31: in a unit of over fifty corps B employees the head may have other people
    evaluate; the head's open sheets of those employees go to the person they name."""
    staff = await EmployeeRepo(session).all(active_only=True)
    if not _large_unit(staff, head):
        return Delegation(refusal=DelegationRefusal.UNIT_TOO_SMALL)
    evaluator = next((p for p in staff if p.employee_id == evaluator_code), None)
    if evaluator is None or evaluator.id == head.id or evaluator.unit != head.unit:
        return Delegation(refusal=DelegationRefusal.UNKNOWN_EVALUATOR)
    repo = QuarterRepo(session)
    open_sheets = {s.employee.employee_id: s for s in await repo.open_sheets_of(head.id)}
    unknown = tuple(code for code in employee_codes if code not in open_sheets or code == evaluator_code)
    if unknown or not employee_codes:
        return Delegation(refusal=DelegationRefusal.NOT_YOUR_SHEETS, unknown=unknown)
    rounds = set()
    for code in employee_codes:
        sheet = open_sheets[code]
        await repo.reassign(sheet.id, evaluator.id)
        rounds.add(sheet.campaign.id)
        await audit(
            session,
            actor,
            "quarter.delegate",
            "sheet",
            sheet.id,
            at=now,
            details={"to": evaluator.employee_id},
        )
    for campaign_id in rounds:
        await OutboxRepo(session).enqueue(evaluator.id, SHEETS_DELEGATED, campaign_id)
    return Delegation(moved=len(employee_codes))
