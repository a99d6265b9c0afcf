"""The 2018 method's commission: naming it, its sittings, the members' open votes decided by
the majority with the chair's vote deciding a tie (004 clause 33), the protocol, and the
authorised person's approval of the results (004 clause 39)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.deadlines.rules import in_working_hours
from bot.kernel.access import Permission, Role, allowed
from bot.kernel.clock import utc_from_local
from bot.kernel.leaving import owed_in_writing
from bot.kernel.methodology import (
    LegacyRules,
)
from bot.kernel.workdays import WorkCalendar
from bot.legacy2018.rules import (
    Choice,
    CommissionVote,
    composition_problems,
    decide,
)
from bot.legacy2018.service import (
    LEGACY_APPROVAL,
    LEGACY_PROTOCOL,
    LEGACY_RESULT,
    LEGACY_SITTING,
    LEGACY_VOTE,
    LegacyError,
    Refusal,
    evaluators_to_notify,
    ready_for_commission,
    rules_of,
    undecided,
)
from bot.staff.access import Actor, audit
from storage.dto import CampaignDTO, EmployeeDTO
from storage.legacy2018 import (
    CastVote,
    CommissionDTO,
    CompetencyOutcome,
    LegacyKpiRow,
    LegacyRepo,
    LegacySheetDTO,
    SittingDTO,
)
from storage.outbox import OutboxRepo
from storage.roles import RoleRepo
from storage.staff.employees import EmployeeRepo
from storage.survey360.campaigns import CampaignRepo
from storage.written_notices import WrittenNoticeRepo

# -------------------------------------------------------------------------- commission


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
    profile, rules = rules_of(pending.campaign)
    repo = LegacyRepo(session)
    acquaint_by = calendar.add(on, rules.commission.acquaintance_working_days)
    approved = await repo.approve(
        sitting_id,
        at=at,
        by_id=approver.employee_id,
        by_account=approver.account,
        by_name=approver.name,
        released_at=now,
        acquaint_by=acquaint_by,
        # 004 clause 43 counts the 10 working days from the day of the decision: the decision is
        # final, and reaches the person, on the day the authorised person approves it (clause 39).
        appeal_by=calendar.add(on, rules.commission.agency_appeal_working_days),
    )
    if not approved:  # approved meanwhile by another press
        return Refusal.ALREADY_APPROVED
    outbox = OutboxRepo(session)
    notices = WrittenNoticeRepo(session)
    decided = await repo.decided_in(sitting_id)
    states = await notices.staff_states(sheet.employee_id for sheet in decided)
    for sheet in decided:
        active, left_on = states[sheet.employee_id]
        if owed_in_writing(profile, active=active, left_on=left_on):
            # They no longer use the bot: HR acquaints them in writing (003 clauses 12 and 69).
            await notices.add_for_legacy_sheet(sheet.id, acquaint_by, now)
            continue
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
