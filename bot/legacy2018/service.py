"""A year under the 2018 method (kz-2018 profiles; seed 004, and seed 003's chapter 6).

A round of kind "legacy" is scored by the profile it records (code and version), not by the
profile the bot runs with: a body on the current rules may run a chapter 6 year for people who
were on leave, and an old year stays scored by its own rules. Every step checks who acts:
the direct manager drafts the plan and fills both sheets, the superior manager agrees or
returns them, the commission's members vote, and the person acquaints themselves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.deadlines.rules import in_working_hours
from bot.kernel.access import Permission, Role, allowed
from bot.kernel.clock import utc_from_local
from bot.kernel.eligibility import ineligibility
from bot.kernel.methodology import (
    Category,
    CompetencyRules,
    IndicatorGroup,
    LegacyCompetency,
    LegacyRules,
    Profile,
    load_profile,
)
from bot.kernel.workdays import WorkCalendar
from bot.legacy2018.rules import (
    Choice,
    CommissionVote,
    CompetencyVerdict,
    absence_due,
    assess_competency,
    category_problem,
    competencies_for,
    composition_problems,
    decide,
    indicator_group,
    kpi_count_grade,
    kpi_sheet_problems,
    meets_expectations,
    plan_due,
)
from bot.quarterly.upload_rules import LegacyPlanRows
from bot.staff.access import Actor, audit
from storage.dto import CampaignDTO, EmployeeDTO
from storage.legacy2018 import (
    CastVote,
    CommissionDTO,
    CompetencyOutcome,
    LegacyKpiRow,
    LegacyRepo,
    LegacySheetDTO,
    NewSheet,
    SittingDTO,
)
from storage.outbox import OutboxRepo
from storage.quarterly import QuarterRepo
from storage.roles import RoleRepo
from storage.staff.employees import EmployeeRepo
from storage.survey360.campaigns import CampaignRepo

NO_EVALUATOR = "no_evaluator"  # nobody above the person in the staff list
# Notices (outbox kinds; composed in bot/legacy2018/notices.py when they go out).
LEGACY_SITTING = "legacy_sitting"  # to an evaluator: the commission sits then (ref: the sitting)
LEGACY_VOTE = "legacy_vote"  # to a member: the sitting is open, vote (ref: the sitting)
LEGACY_RESULT = "legacy_result"  # to the evaluated person: the commission's result (ref: the sheet)
# To the person who has not confirmed reading it the next working morning (004 clause 40).
LEGACY_RESULT_AGAIN = "legacy_result_again"
LEGACY_PROTOCOL = "legacy_protocol"  # to the secretary and the chair: the protocol (ref: the sitting)
# To the authorised person's accounts: a closed sitting's protocol, to approve (004 clause 39; ref: the sitting).
LEGACY_APPROVAL = "legacy_approval"
LEGACY_DECIDE = "legacy_decide"  # to the superior manager: a plan or KPI sheet to decide on (ref: the sheet)
LEGACY_DECIDED = "legacy_decided"  # to the direct manager: approved, agreed or returned (ref: the sheet)
PLAN_DAYS = 10  # working days after the period starts to set the plan (004 clause 9)


class LegacyError(Exception):
    """A step the method does not allow; the message says why (for HR and the logs)."""


class Refusal(StrEnum):
    """Why a press or an upload changed nothing (the handlers say it in the person's language)."""

    NOT_YOURS = "not_yours"
    WRONG_STATE = "wrong_state"
    INCOMPLETE = "incomplete"
    NO_CATEGORY = "no_category"
    NOT_A_MEMBER = "not_a_member"
    NOT_READY = "not_ready"
    TOO_SOON = "too_soon"
    BAD_COMPOSITION = "bad_composition"
    SITTING_OPEN = "sitting_open"  # a sitting is under way: it closes before another is set
    NOTHING_TO_DECIDE = "nothing_to_decide"  # every result is decided: no further sitting; or none to approve
    NOT_ALLOWED = "not_allowed"  # the role the step needs is not held
    ALREADY_APPROVED = "already_approved"  # the sitting's results are approved already (clause 39)


@dataclass(frozen=True, slots=True)
class YearPreview:
    """Who a year would evaluate, before it is started (HR confirms it in Telegram)."""

    profile: Profile
    year: int
    sheets: list[NewSheet]
    excluded: Counter[str]  # not evaluated, by reason
    without_category: list[str]  # staff ids whose competency sheet cannot be filled yet
    plan_due: date

    @property
    def evaluated(self) -> int:
        return len(self.sheets) - sum(self.excluded.values())


@dataclass(frozen=True, slots=True)
class YearStart:
    campaign: CampaignDTO
    sheets: int
    excluded: Counter[str]
    without_category: list[str]  # staff ids whose competency sheet cannot be filled yet
    plan_due: date


LEGACY_PROFILES = ("kz-2018", "kz-2018-koksu")  # the profiles a year under the 2018 method may use


def rules_of(campaign: CampaignDTO) -> tuple[Profile, LegacyRules]:
    """The profile that scores a round: the one it recorded, in the version it recorded."""
    profile = load_profile(campaign.profile_code)
    if profile.version != campaign.profile_version or profile.legacy is None:
        raise LegacyError(
            f"round {campaign.id} was scored under {campaign.profile_code} {campaign.profile_version}, "
            f"which this version of the bot does not have"
        )
    return profile, profile.legacy


async def year_taken(session: AsyncSession, year: int) -> bool:
    """Whether ``year`` has a round under the 2018 method already (one a year)."""
    return await LegacyRepo(session).find_round(year) is not None


async def preview_year(
    session: AsyncSession, profile: Profile, year: int, calendar: WorkCalendar
) -> YearPreview | Refusal:
    """The sheets a year for ``year`` scored by ``profile`` would hold: everyone on the staff in
    the year, with the direct manager as evaluator and the superior manager as approver. People
    too short in the post (the profile's minimum) or with nobody above them are listed as
    excluded, with the reason. Refused (WRONG_STATE) when the year has a round already."""
    if profile.legacy is None:
        raise LegacyError(f"{profile.code} is not a 2018 methodology profile")
    if await LegacyRepo(session).find_round(year) is not None:
        return Refusal.WRONG_STATE
    start, end = date(year, 1, 1), date(year, 12, 31)
    people = await QuarterRepo(session).people_for(start)
    managers = {person.id: person.manager_id for person, _ in people}
    sheet_rules = profile.legacy.competencies
    sheets, excluded, without_category = [], Counter[str](), []
    for person, _left_on in people:
        reason = ineligibility(person.appointed_on, end, profile.min_months_in_post)
        evaluator = person.manager_id
        excluded_reason = reason.value if reason else (NO_EVALUATOR if evaluator is None else None)
        if excluded_reason:
            excluded[excluded_reason] += 1
        elif sheet_rules is not None and category_problem(sheet_rules, person.position_category):
            without_category.append(person.employee_id)
        sheets.append(
            NewSheet(
                employee_id=person.id,
                evaluator_id=evaluator,
                # The superior manager; a direct manager with nobody above (the body's first
                # head) approves the plan and agrees the sheet themselves (004 clauses 11, 20).
                approver_id=managers.get(evaluator) if evaluator is not None else None,
                position_category=person.position_category,
                heads_unit=person.role == "head",
                serves_public=bool(person.serves_public),
                excluded_reason=excluded_reason,
            )
        )
    return YearPreview(profile, year, sheets, excluded, without_category, plan_due(year, calendar, PLAN_DAYS))


async def start_year(
    session: AsyncSession,
    profile: Profile,
    year: int,
    deadline: date,
    calendar: WorkCalendar,
    *,
    today: date,
    now: datetime,
    actor: Actor,
) -> YearStart:
    """A legacy round for ``year`` scored by ``profile``, with the sheets of :func:`preview_year`
    (the command line's legacy-start and HR's Start in /legacyrounds both come here)."""
    if profile.legacy is None:
        raise LegacyError(f"{profile.code} is not a 2018 methodology profile")
    if deadline <= date(year, 12, 31):
        raise LegacyError("the deadline falls after the year it evaluates")
    preview = await preview_year(session, profile, year, calendar)
    if isinstance(preview, Refusal):
        raise LegacyError(f"a {year} round under the 2018 method exists already")
    campaign = await LegacyRepo(session).create_year(
        year=year, deadline=deadline, profile_code=profile.code, profile_version=profile.version
    )
    if campaign is None:  # started meanwhile by someone else
        raise LegacyError(f"a {year} round under the 2018 method exists already")
    await LegacyRepo(session).create_sheets(campaign.id, preview.sheets)
    await CampaignRepo(session).set_status(campaign.id, "running", now)
    await audit(session, actor, "legacy.start", "campaign", campaign.id, at=now)
    return YearStart(
        campaign=campaign,
        sheets=preview.evaluated,
        excluded=preview.excluded,
        without_category=preview.without_category,
        plan_due=preview.plan_due,
    )


async def _sheet(session: AsyncSession, sheet_id: int) -> tuple[LegacySheetDTO, CampaignDTO, LegacyRules]:
    repo = LegacyRepo(session)
    sheet = await repo.sheet(sheet_id)
    if sheet is None or sheet.excluded_reason is not None:
        raise LookupError(sheet_id)
    campaign = await CampaignRepo(session).get(sheet.campaign_id)
    assert campaign is not None
    _profile, rules = rules_of(campaign)
    return sheet, campaign, rules


def _evaluator_of(sheet: LegacySheetDTO, employee: EmployeeDTO) -> bool:
    return sheet.evaluator_id == employee.id


def _approver_of(sheet: LegacySheetDTO, employee: EmployeeDTO) -> bool:
    # With nobody above the evaluator, the evaluator decides (004 clauses 11, 20).
    return (sheet.approver_id or sheet.evaluator_id) == employee.id


# ---------------------------------------------------------------------------- the plan


async def submit_plan(
    session: AsyncSession, sheet_id: int, evaluator: EmployeeDTO | None, kpis: Sequence[LegacyKpiRow]
) -> Refusal | None:
    """The plan (appendix 1) by the direct manager (``evaluator``; None: HR from the command
    line): exactly the profile's number of KPIs, each with every column filled. Goes to the
    superior manager, or is approved at once when there is nobody above."""
    sheet, _campaign, rules = await _sheet(session, sheet_id)
    if evaluator is not None and not _evaluator_of(sheet, evaluator):
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
    sheet, _campaign, rules = await _sheet(session, sheet_id)
    if not _approver_of(sheet, approver):
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
        sheet, campaign, rules = await _sheet(session, sheet_id)
    except LookupError:
        return Refusal.NOT_YOURS
    if not _evaluator_of(sheet, evaluator):
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
    sheet, _campaign, _rules = await _sheet(session, sheet_id)
    if not _evaluator_of(sheet, evaluator):
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
    sheet, _campaign, rules = await _sheet(session, sheet_id)
    if not _evaluator_of(sheet, evaluator):
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
    sheet, _campaign, rules = await _sheet(session, sheet_id)
    if not _evaluator_of(sheet, evaluator):
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
        sheet, campaign, rules = await _sheet(session, sheet_id)
    except LookupError:
        return Refusal.NOT_YOURS
    if not _evaluator_of(sheet, evaluator):
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


# -------------------------------------------------------------------------- commission


def ready_for_commission(sheet: LegacySheetDTO, rules: LegacyRules) -> bool:
    """Both sheets signed: the KPI sheet agreed, the competency sheet submitted (if any)."""
    competencies_done = rules.competencies is None or sheet.competencies_submitted_at is not None
    return sheet.excluded_reason is None and sheet.kpi_status == "agreed" and competencies_done


async def name_commission(
    session: AsyncSession,
    campaign: CampaignDTO,
    members: Sequence[int],
    chair_id: int,
    secretary_id: int | None,
    *,
    actor: Actor,
    now: datetime,
) -> int | Refusal:
    _profile, rules = rules_of(campaign)
    if composition_problems(rules.commission, set(members), chair_id, secretary_id):
        return Refusal.BAD_COMPOSITION
    commission_id = await LegacyRepo(session).name_commission(campaign.id, members, chair_id, secretary_id)
    if commission_id is None:
        return Refusal.WRONG_STATE
    await audit(session, actor, "legacy.commission", "campaign", campaign.id, at=now)
    return commission_id


def undecided(sheets: Sequence[LegacySheetDTO]) -> list[LegacySheetDTO]:
    """The results a sitting may still decide: of people evaluated, not decided yet."""
    return [s for s in sheets if s.excluded_reason is None and s.decision is None]


def before_sitting(sheets: Sequence[LegacySheetDTO], rules: LegacyRules) -> list[LegacySheetDTO]:
    """The results an open sitting considers: ready for the commission and not decided (a result
    decided at an earlier sitting is never reopened)."""
    return [s for s in undecided(sheets) if ready_for_commission(s, rules)]


async def sitting_refusal(session: AsyncSession, campaign: CampaignDTO) -> Refusal | None:
    """Why no sitting can be set (or the scheduled one moved) now: no commission named
    (WRONG_STATE), a sitting under way (SITTING_OPEN), or every result decided
    (NOTHING_TO_DECIDE). A further sitting follows one closed, with or without a quorum."""
    repo = LegacyRepo(session)
    commission = await repo.commission(campaign.id)
    if commission is None:
        return Refusal.WRONG_STATE
    if commission.latest is not None and commission.latest.status == "sitting":
        return Refusal.SITTING_OPEN
    if not undecided(await repo.sheets(campaign.id)):
        return Refusal.NOTHING_TO_DECIDE
    return None


async def schedule_sitting(
    session: AsyncSession,
    campaign: CampaignDTO,
    sitting_at: datetime,
    *,
    today: date,
    now: datetime,
    calendar: WorkCalendar,
    zone: ZoneInfo,
) -> Refusal | None:
    """The next sitting's time (``sitting_at``: local time, naive): in working hours, and
    announced to the evaluators at least the profile's working days ahead (7 in 004 clause 29,
    3 in 003 clause 57). A sitting already scheduled is moved; otherwise a new one is numbered
    after the last (the first, or a further one after a sitting closed with results left
    undecided, or without a quorum)."""
    _profile, rules = rules_of(campaign)
    refusal = await sitting_refusal(session, campaign)
    if refusal is not None:
        return refusal
    earliest = calendar.add(today, rules.commission.notice_working_days)
    if not in_working_hours(sitting_at, calendar) or sitting_at.date() < earliest:
        return Refusal.TOO_SOON
    repo = LegacyRepo(session)
    commission = await repo.commission(campaign.id)
    assert commission is not None
    moment = utc_from_local(sitting_at, zone)
    latest = commission.latest
    if latest is not None and latest.status == "scheduled":
        sitting_id: int | None = latest.id if await repo.move_sitting(latest.id, moment, now) else None
    else:
        sitting_id = await repo.add_sitting(commission.id, moment, now)
    if sitting_id is None:  # changed meanwhile by another session
        return Refusal.WRONG_STATE
    outbox = OutboxRepo(session)
    for evaluator in await evaluators_to_notify(session, campaign):  # 004 clause 29
        await outbox.enqueue_again(evaluator.id, LEGACY_SITTING, sitting_id)
    return None


async def _latest_sitting(
    session: AsyncSession, campaign: CampaignDTO, status: str, number: int | None = None
) -> tuple[CommissionDTO, SittingDTO] | None:
    """The round's commission and its latest sitting, if that is in ``status`` (and is sitting
    ``number``, when given: a button of an older screen names an older sitting)."""
    commission = await LegacyRepo(session).commission(campaign.id)
    latest = commission.latest if commission is not None else None
    if commission is None or latest is None or latest.status != status:
        return None
    if number is not None and latest.number != number:
        return None
    return commission, latest


async def vote(
    session: AsyncSession,
    campaign: CampaignDTO,
    member: EmployeeDTO,
    sheet_id: int,
    choice: Choice,
    corrected: str | None,
    now: datetime,
) -> Refusal | None:
    """A member's open vote on one result during the sitting under way; the secretary has none.
    The vote marks the member present at that sitting."""
    _profile, rules = rules_of(campaign)
    repo = LegacyRepo(session)
    sitting = await _latest_sitting(session, campaign, "sitting")
    if sitting is None:
        return Refusal.WRONG_STATE
    commission, open_sitting = sitting
    if member.id not in commission.members:
        return Refusal.NOT_A_MEMBER
    sheet = await repo.sheet(sheet_id)
    if sheet is None or sheet.campaign_id != campaign.id or not before_sitting([sheet], rules):
        return Refusal.NOT_READY
    grades = {g.code for g in rules.kpi_count.grades}
    if (choice is Choice.REVISE) != (corrected is not None) or (
        corrected is not None and corrected not in grades
    ):
        return Refusal.INCOMPLETE
    await repo.mark_present(open_sitting.id, member.id, now)
    if not await repo.cast_vote(open_sitting.id, sheet_id, member.id, choice.value, corrected, now):
        return Refusal.WRONG_STATE
    return None


@dataclass(frozen=True, slots=True)
class Case:
    """A result before the commission, as a member sees it."""

    campaign: CampaignDTO
    commission: CommissionDTO
    sitting: SittingDTO
    sheet: LegacySheetDTO
    person: EmployeeDTO
    kpis: list[LegacyKpiRow]
    competencies: list[CompetencyOutcome]
    my_vote: CastVote | None


async def cases(session: AsyncSession, member: EmployeeDTO) -> list[Case]:
    """Every result before a sitting under way of a commission of which ``member`` is a member."""
    repo = LegacyRepo(session)
    found = []
    for commission, sitting in await repo.open_sittings_of(member.id):
        campaign = await CampaignRepo(session).get(commission.campaign_id)
        assert campaign is not None
        _profile, rules = rules_of(campaign)
        sheets = before_sitting(await repo.sheets(campaign.id), rules)
        people = await EmployeeRepo(session).many({s.employee_id for s in sheets})
        for sheet in sheets:
            votes = {v.member_id: v for v in await repo.votes(sitting.id, sheet.id)}
            found.append(
                Case(
                    campaign,
                    commission,
                    sitting,
                    sheet,
                    people[sheet.employee_id],
                    await repo.kpis(sheet.id),
                    await repo.competency_results(sheet.id),
                    votes.get(member.id),
                )
            )
    return found


async def case(session: AsyncSession, member: EmployeeDTO, sheet_id: int) -> Case | Refusal:
    found = next((c for c in await cases(session, member) if c.sheet.id == sheet_id), None)
    return found if found is not None else Refusal.NOT_A_MEMBER


@dataclass(frozen=True, slots=True)
class SittingOutcome:
    number: int  # the sitting's
    quorate: bool
    decided: int  # results approved or revised
    revised: int
    approvers: int  # accounts holding the authorised person's role, asked to approve the results
    no_majority: int = 0  # results no option carried (004 clause 33): before a further sitting


async def close_sitting(
    session: AsyncSession,
    campaign: CampaignDTO,
    *,
    conclusion: str | None,
    now: datetime,
    number: int | None = None,
) -> SittingOutcome:
    """The sitting under way ends: without a quorum of members present at it nothing is decided
    (another sitting may be set); with one, each result before it is decided by the votes cast
    at it (004 clauses 30-38), when an option has a majority; a result without one stays
    undecided for a further sitting. The results go to the people only once the authorised person
    approves them (clause 39, :func:`approve_results`), who is sent the protocol. Results not
    ready yet wait for a further sitting."""
    _profile, rules = rules_of(campaign)
    repo = LegacyRepo(session)
    found = await _latest_sitting(session, campaign, "sitting", number)
    if found is None:
        raise LegacyError("no sitting is under way")
    commission, sitting = found
    assert commission.chair_id is not None
    decided = revised = no_majority = 0
    quorate = True
    for sheet in before_sitting(await repo.sheets(campaign.id), rules):
        votes = await repo.votes(sitting.id, sheet.id)
        decision = decide(
            rules.commission,
            set(commission.members),
            commission.chair_id,
            set(sitting.present),
            [CommissionVote(v.member_id, Choice(v.choice), v.corrected_grade) for v in votes],
        )
        if not decision.quorate:
            quorate = False
            break
        if decision.choice is None:  # no majority: the result waits for a further sitting
            no_majority += 1
            continue
        await repo.record_decision(sheet.id, sitting.id, decision.choice.value, decision.corrected, None, now)
        decided += 1
        revised += decision.choice is Choice.REVISE
    await repo.close_sitting(sitting.id, "closed" if quorate else "no_quorum", conclusion, now)
    outbox = OutboxRepo(session)
    # The protocol to sign (appendix 5): drawn up by the secretary, signed by the chair.
    signers = {commission.chair_id, commission.secretary_id} - {None}
    await outbox.enqueue_many(sorted(s for s in signers if s is not None), LEGACY_PROTOCOL, sitting.id)
    approvers = await approver_accounts(session)
    if decided:
        await outbox.schedule_chats(approvers, LEGACY_APPROVAL, sitting.id, now)
    return SittingOutcome(sitting.number, quorate, decided, revised, len(approvers), no_majority)


async def approver_accounts(session: AsyncSession) -> list[int]:
    """The Telegram accounts holding the authorised person's role (HR grants it with /grant)."""
    return sorted(await RoleRepo(session).holders(Role.AUTHORISED))


@dataclass(frozen=True, slots=True)
class Approver:
    """Who approves: their staff record when they are on the staff list, their Telegram account
    when they press the button, and the name as the protocol shows it."""

    name: str
    employee_id: int | None = None
    account: int | None = None


async def approver_in_bot(session: AsyncSession, telegram_user_id: int, profile_name: str) -> Approver:
    """The approver pressing the button: named as on the staff list, or as their Telegram
    profile shows them when they are from outside the body."""
    employee = await EmployeeRepo(session).by_telegram_id(telegram_user_id)
    if employee is not None:
        return Approver(employee.full_name, employee.id, telegram_user_id)
    return Approver(profile_name, None, telegram_user_id)


async def approver_named(session: AsyncSession, text: str) -> Approver:
    """The approver an operator names from the command line: a staff id, or a name as given on
    the paper (the authorised person may be from outside the staff list)."""
    text = " ".join(text.split())
    employee = (await EmployeeRepo(session).by_external_ids([text])).get(text)
    if employee is not None:
        return Approver(employee.full_name, employee.id)
    if not text:
        raise LegacyError("name the person who approved the results")
    return Approver(text)


@dataclass(frozen=True, slots=True)
class PendingApproval:
    """A closed sitting whose results wait for the authorised person (004 clause 39)."""

    campaign: CampaignDTO
    sitting: SittingDTO
    decided: int
    revised: int


async def pending_approval(session: AsyncSession, sitting_id: int) -> PendingApproval | Refusal:
    """A sitting's results as the authorised person is asked to approve them; why not, when
    there is nothing to approve (not closed, nothing decided, approved already)."""
    repo = LegacyRepo(session)
    found = await repo.sitting(sitting_id)
    if found is None:
        return Refusal.WRONG_STATE
    commission, sitting = found
    if sitting.approved_at is not None:
        return Refusal.ALREADY_APPROVED
    if sitting.status != "closed":
        return Refusal.NOT_READY if not sitting.over else Refusal.NOTHING_TO_DECIDE
    decided = await repo.decided_in(sitting.id)
    if not decided:
        return Refusal.NOTHING_TO_DECIDE
    campaign = await CampaignRepo(session).get(commission.campaign_id)
    assert campaign is not None
    revised = sum(1 for sheet in decided if sheet.decision == Choice.REVISE.value)
    return PendingApproval(campaign, sitting, len(decided), revised)


async def pending_approvals(session: AsyncSession) -> list[PendingApproval]:
    """Every closed sitting whose results wait for the authorised person, oldest first."""
    found = []
    for _commission, sitting in await LegacyRepo(session).awaiting_approval_sittings():
        pending = await pending_approval(session, sitting.id)
        if isinstance(pending, PendingApproval):
            found.append(pending)
    return found


async def approve_results(
    session: AsyncSession,
    sitting_id: int,
    approver: Approver,
    *,
    actor: Actor,
    on: date,
    at: datetime,
    now: datetime,
    calendar: WorkCalendar,
) -> PendingApproval | Refusal:
    """The authorised person approves the results a closed sitting decided (004 clause 39), once:
    on day ``on`` at moment ``at`` (in the bot: now; on paper: the day written on it). Each result
    then goes to its person: HR has the profile's working days from the approval to acquaint them
    (clause 40), and the appeal window runs from it too. Refused for an actor without the
    authorised person's role (the command line's operator is trusted), a sitting not closed,
    one that decided nothing, or one approved already."""
    if actor.telegram_user_id is not None and not allowed(actor.roles, Permission.APPROVE_LEGACY_RESULTS):
        return Refusal.NOT_ALLOWED
    pending = await pending_approval(session, sitting_id)
    if isinstance(pending, Refusal):
        return pending
    _profile, rules = rules_of(pending.campaign)
    repo = LegacyRepo(session)
    approved = await repo.approve(
        sitting_id,
        at=at,
        by_id=approver.employee_id,
        by_account=approver.account,
        by_name=approver.name,
        released_at=now,
        acquaint_by=calendar.add(on, rules.commission.acquaintance_working_days),
        # 004 clause 43 counts the 10 working days from the day of the decision: the decision is
        # final, and reaches the person, on the day the authorised person approves it (clause 39).
        appeal_by=calendar.add(on, rules.commission.agency_appeal_working_days),
    )
    if not approved:  # approved meanwhile by another press
        return Refusal.ALREADY_APPROVED
    outbox = OutboxRepo(session)
    for sheet in await repo.decided_in(sitting_id):
        await outbox.enqueue(sheet.employee_id, LEGACY_RESULT, sheet.id)
    await audit(session, actor, "legacy.approve", "commission_sitting", sitting_id, at=now)
    return pending


async def open_sitting(
    session: AsyncSession, campaign: CampaignDTO, number: int | None = None
) -> tuple[CommissionDTO, SittingDTO] | Refusal:
    """The scheduled sitting (``number``, when given) opens: its members are asked to vote."""
    scheduled = await _latest_sitting(session, campaign, "scheduled", number)
    if scheduled is None or not await LegacyRepo(session).open_sitting(scheduled[1].id):
        return Refusal.WRONG_STATE
    opened = await _latest_sitting(session, campaign, "sitting")
    assert opened is not None
    await OutboxRepo(session).enqueue_many(list(opened[0].members), LEGACY_VOTE, opened[1].id)
    return opened


# ------------------------------------------------------------------------ acquaintance


def appeal_by(sheet: LegacySheetDTO, rules: LegacyRules, calendar: WorkCalendar) -> date:
    """The last day to appeal to the civil service agency: 10 working days from the day the
    result was approved (004 clause 43, see :func:`approve_results`), set then. A result
    released before approvals were recorded (revision 0015) counts them from the decision;
    sittings are held in working hours, when the UTC date is Almaty's date too. The bot notes
    an appeal; it does not decide it."""
    if sheet.agency_appeal_by is not None:
        return sheet.agency_appeal_by
    assert sheet.decided_at is not None
    return calendar.add(sheet.decided_at.date(), rules.commission.agency_appeal_working_days)


async def acquaint(
    session: AsyncSession,
    sheet_id: int,
    person: EmployeeDTO,
    *,
    now: datetime,
    calendar: WorkCalendar,
) -> Refusal | None:
    sheet, _campaign, rules = await _sheet(session, sheet_id)
    if sheet.employee_id != person.id:
        return Refusal.NOT_YOURS
    if not sheet.released:
        return Refusal.NOT_READY
    done = await LegacyRepo(session).acquaint(sheet_id, now, appeal_by(sheet, rules, calendar))
    return None if done else Refusal.WRONG_STATE


async def record_refusal(
    session: AsyncSession,
    sheet_id: int,
    note: str,
    *,
    actor: Actor,
    now: datetime,
    calendar: WorkCalendar,
) -> Refusal | None:
    """HR records that the person refused to acquaint themselves (004 clause 41: an act signed
    by HR and two other servants); the result still goes on their record (clause 42). Only for a
    result approved and sent to the person (clauses 39-40)."""
    sheet, _campaign, rules = await _sheet(session, sheet_id)
    if not sheet.released:
        return Refusal.NOT_READY
    if not note.strip():
        return Refusal.INCOMPLETE
    done = await LegacyRepo(session).refuse(sheet_id, now, note.strip(), appeal_by(sheet, rules, calendar))
    if done:
        await audit(session, actor, "legacy.refusal", "legacy_sheet", sheet_id, at=now)
    return None if done else Refusal.WRONG_STATE


@dataclass(frozen=True, slots=True)
class YearProgress:
    sheets: int  # people evaluated
    plans_approved: int
    ready: int  # both sheets signed: before the commission
    decided: int
    released: int = 0  # decided, approved by the authorised person and sent (clause 39)
    decided_in: Mapping[int, int] = field(default_factory=dict)  # results by the sitting (id) deciding them


async def progress(session: AsyncSession, campaign: CampaignDTO) -> YearProgress:
    _profile, rules = rules_of(campaign)
    sheets = [s for s in await LegacyRepo(session).sheets(campaign.id) if s.excluded_reason is None]
    return YearProgress(
        sheets=len(sheets),
        plans_approved=sum(1 for s in sheets if s.plan_status == "approved"),
        ready=sum(1 for s in sheets if ready_for_commission(s, rules)),
        decided=sum(1 for s in sheets if s.decision is not None),
        released=sum(1 for s in sheets if s.released),
        decided_in=Counter(s.decided_in_sitting_id for s in sheets if s.decided_in_sitting_id is not None),
    )


async def note_appeal(
    session: AsyncSession, sheet_id: int, filed_on: date, *, actor: Actor, now: datetime
) -> bool | Refusal:
    """Note an appeal to the civil service agency (004 clause 43): the bot records it, the agency
    decides. True when it was filed after the 10 working days. Only for a result approved and
    sent to the person."""
    sheet, _campaign, _rules = await _sheet(session, sheet_id)
    if not sheet.released or not await LegacyRepo(session).note_agency_appeal(sheet_id, filed_on):
        return Refusal.WRONG_STATE
    await audit(session, actor, "legacy.agency_appeal", "legacy_sheet", sheet_id, at=now)
    return sheet.agency_appeal_by is not None and filed_on > sheet.agency_appeal_by


async def mark_absent(
    session: AsyncSession,
    sheet_id: int,
    until: date,
    *,
    calendar: WorkCalendar,
    actor: Actor,
    now: datetime,
) -> date | Refusal:
    """HR records that the person is absent during the evaluation (leave, sickness, a trip,
    training) up to ``until``: they are evaluated within the profile's working days of being back
    (004 clause 4), the last of which is returned and becomes their sheets' deadline; their
    direct manager is reminded on it. Refused once the commission has decided the result."""
    sheet, _campaign, rules = await _sheet(session, sheet_id)
    if rules.absence_working_days is None:
        raise LegacyError("this profile has no rule for people absent during the evaluation")
    due = absence_due(until, calendar, rules.absence_working_days)
    if sheet.decision is not None or not await LegacyRepo(session).mark_absent(sheet_id, until, due):
        return Refusal.WRONG_STATE
    await audit(session, actor, "legacy.absent", "legacy_sheet", sheet_id, at=now)
    return due


async def sheet_id_of(session: AsyncSession, campaign_id: int, employee_id: str) -> int:
    """The sheet of the person with staff id ``employee_id`` in a round."""
    person = (await EmployeeRepo(session).by_external_ids([employee_id])).get(employee_id)
    sheet = await LegacyRepo(session).sheet_of(campaign_id, person.id) if person else None
    if sheet is None:
        raise LegacyError(f"{employee_id} has no sheet in round {campaign_id}")
    return sheet.id


@dataclass(frozen=True, slots=True)
class PersonSearch:
    """Whom HR's typed name or staff id finds in a year: the people of the staff list it
    matches, and of them those evaluated in the year, with their sheets."""

    matched: list[EmployeeDTO]
    evaluated: list[tuple[EmployeeDTO, LegacySheetDTO]]


async def find_in_year(session: AsyncSession, campaign: CampaignDTO, text: str) -> PersonSearch:
    """The people ``text`` names (a staff id, or part of a name: the staff list's own search) and
    their sheets in the year; people not evaluated in it (excluded, or not in it) have none."""
    matched = await EmployeeRepo(session).search(text)
    exact = [person for person in matched if person.employee_id == text.strip()]
    matched = exact or matched  # a staff id names one person, even when it is part of other names
    repo = LegacyRepo(session)
    evaluated = []
    for person in matched:
        sheet = await repo.sheet_of(campaign.id, person.id)
        if sheet is not None and sheet.excluded_reason is None:
            evaluated.append((person, sheet))
    return PersonSearch(matched, evaluated)


async def evaluators_to_notify(session: AsyncSession, campaign: CampaignDTO) -> list[EmployeeDTO]:
    """Whom a sitting is announced to (004 clause 29): the evaluators of the undecided results
    that are ready, and of people back from an absence, whose sheets are due by their own
    deadline (clause 4): a further sitting is often set for them."""
    _profile, rules = rules_of(campaign)
    sheets = [
        s
        for s in undecided(await LegacyRepo(session).sheets(campaign.id))
        if ready_for_commission(s, rules) or s.absence_due is not None
    ]
    people = await EmployeeRepo(session).many({s.evaluator_id for s in sheets if s.evaluator_id is not None})
    return sorted(people.values(), key=lambda e: e.id)
