"""A year under the 2018 method (kz-2018 profiles; seed 004, and seed 003's chapter 6).

A round of kind "legacy" is scored by the profile it records (code and version), not by the
profile the bot runs with: a body on the current rules may run a chapter 6 year for people who
were on leave, and an old year stays scored by its own rules. Every step checks who acts:
the direct manager drafts the plan and fills both sheets, the superior manager agrees or
returns them, the commission's members vote, and the person acquaints themselves.

This module holds the year: starting it, who is evaluated and who decides, absences,
acquaintance and appeals, progress. The plan and the sheets are in bot/legacy2018/sheets.py,
the commission in bot/legacy2018/commission.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.eligibility import ineligibility_of
from bot.kernel.methodology import (
    LegacyRules,
    Profile,
    load_profile,
)
from bot.kernel.workdays import WorkCalendar
from bot.legacy2018.rules import (
    absence_due,
    category_problem,
    plan_due,
)
from bot.staff.access import Actor, audit
from storage.dto import CampaignDTO, EmployeeDTO
from storage.legacy2018 import (
    LEGACY,
    LegacyRepo,
    LegacySheetDTO,
    NewSheet,
)
from storage.quarterly import QuarterRepo
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
        reason = ineligibility_of(person, end, profile)
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


async def sheet_of(session: AsyncSession, sheet_id: int) -> tuple[LegacySheetDTO, CampaignDTO, LegacyRules]:
    """A person's sheet with its year and the rules it is scored by; LookupError if there is
    none or the person is not evaluated this year."""
    repo = LegacyRepo(session)
    sheet = await repo.sheet(sheet_id)
    if sheet is None or sheet.excluded_reason is not None:
        raise LookupError(sheet_id)
    campaign = await CampaignRepo(session).get(sheet.campaign_id)
    assert campaign is not None
    _profile, rules = rules_of(campaign)
    return sheet, campaign, rules


def is_evaluator(sheet: LegacySheetDTO, employee: EmployeeDTO) -> bool:
    """The direct manager, who drafts the plan and fills both sheets."""
    return sheet.evaluator_id == employee.id


def is_approver(sheet: LegacySheetDTO, employee: EmployeeDTO) -> bool:
    # With nobody above the evaluator, the evaluator decides (004 clauses 11, 20).
    return (sheet.approver_id or sheet.evaluator_id) == employee.id


def ready_for_commission(sheet: LegacySheetDTO, rules: LegacyRules) -> bool:
    """Both sheets signed: the KPI sheet agreed, the competency sheet submitted (if any)."""
    competencies_done = rules.competencies is None or sheet.competencies_submitted_at is not None
    return sheet.excluded_reason is None and sheet.kpi_status == "agreed" and competencies_done


def undecided(sheets: Sequence[LegacySheetDTO]) -> list[LegacySheetDTO]:
    """The results a sitting may still decide: of people evaluated, not decided yet."""
    return [s for s in sheets if s.excluded_reason is None and s.decision is None]


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
    sheet, _campaign, rules = await sheet_of(session, sheet_id)
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
    sheet, _campaign, rules = await sheet_of(session, sheet_id)
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
    sheet, _campaign, _rules = await sheet_of(session, sheet_id)
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
    sheet, _campaign, rules = await sheet_of(session, sheet_id)
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


async def evaluated_in_year(session: AsyncSession, campaign: CampaignDTO) -> list[EmployeeDTO]:
    """The people the year evaluates (a sheet, not excluded): whom HR's steps may name."""
    sheets = [s for s in await LegacyRepo(session).sheets(campaign.id) if s.excluded_reason is None]
    people = await EmployeeRepo(session).many(s.employee_id for s in sheets)
    return [people[s.employee_id] for s in sheets if s.employee_id in people]


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


async def legacy_round(session: AsyncSession, campaign_id: int) -> CampaignDTO | None:
    """The round ``campaign_id`` if it is a year under the 2018 method (a button may name
    another kind of round, or one that is gone)."""
    campaign = await CampaignRepo(session).get(campaign_id)
    return campaign if campaign is not None and campaign.kind == LEGACY else None
