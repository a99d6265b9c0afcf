"""Calibration sessions (chapter 5, clauses 37-42).

The authorised person decides to hold a session about an application and names its members
(clause 38); the session is held within 10 working days of the application (clause 39) and
everyone concerned is told when. Each member sees the case in front of them only — the
evaluated person, the score and the evaluator's justification, the application — and votes in
the bot: support the score, or a corrected score inside the method's range with a reason. When
the last member has voted, the majority decides (clause 41, ``bot.calibration.rules``): the
sheet's score is replaced, the appeal keeps the score before and after, the person and the
evaluator are told, and the evaluator is reminded to hold the feedback meeting (clause 42).

Votes are taken from the session's time to the end of its day; when the day ends with votes
missing, the session decides on those cast (``close_sessions``, run by the scheduler), so that
the protocol goes out on the session's day, well inside the 3 working days it is due in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.calibration.rules import Decision, Vote, decide
from bot.deadlines.rules import CLOSES, in_working_hours
from bot.kernel.access import Role
from bot.kernel.clock import as_utc, local_naive, utc_from_local
from bot.kernel.methodology import Profile
from bot.kernel.workdays import WorkCalendar
from bot.quarterly.rules import Absence, Method
from bot.staff.access import Actor, audit
from storage.appeals import AppealDTO, AppealRepo, MemberVote
from storage.dto import EmployeeDTO
from storage.outbox import OutboxRepo
from storage.quarterly import QuarterRepo, SheetDTO
from storage.roles import RoleRepo
from storage.staff.employees import EmployeeRepo

HOLD_WITHIN = 10  # working days from the application (clause 39)
MIN_MEMBERS = 3
CALIBRATION_SET = "calibration_set"  # to the person and the evaluator: when (ref: the appeal)
CALIBRATION_VOTE = "calibration_vote"  # to each member: the case and the vote (ref: the appeal)
CALIBRATION_RESULT = "calibration_result"  # to the person and the evaluator (ref: the appeal)
CALIBRATION_PROTOCOL = "calibration_protocol"  # to the deciders: the protocol PDF (ref: the appeal)
APPEAL_DUE = "appeal_due"  # to the deciders: the day to decide has come (ref: the appeal)
VOTE_DUE = "vote_due"  # to members who have not voted: the session's day (ref: the appeal)
APPEAL_OVERDUE = "appeal_overdue"  # to the head of HR: undecided after clause 38 (ref: the appeal)


class SessionRefusal(StrEnum):
    NOT_WAITING = "not_waiting"  # no such application, or decided already
    UNKNOWN_MEMBERS = "unknown_members"
    TOO_FEW_MEMBERS = "too_few_members"
    PARTY_AS_MEMBER = "party_as_member"  # the evaluated person cannot sit on their own session
    BAD_TIME = "bad_time"


@dataclass(frozen=True, slots=True)
class SessionOutcome:
    refusal: SessionRefusal | None = None
    unknown: tuple[str, ...] = ()
    latest: date | None = None  # the last day the session may be held on


def latest_session_day(filed_at: datetime, calendar: WorkCalendar, zone: ZoneInfo) -> date:
    return calendar.add(local_naive(filed_at, zone).date(), HOLD_WITHIN)


@dataclass(frozen=True, slots=True)
class PendingSession:
    """An application waiting for its session, as the set-up wizard needs it."""

    appeal_id: int
    evaluated: EmployeeDTO  # never a member of their own session
    latest: date  # the last day the session may be held on (clause 39)


async def pending_session(
    session: AsyncSession, appeal_id: int, *, calendar: WorkCalendar, zone: ZoneInfo
) -> PendingSession | None:
    """The application ``appeal_id`` if it still waits for its session, else None."""
    appeal = await AppealRepo(session).get(appeal_id)
    sheet = await QuarterRepo(session).sheet(appeal.sheet_id) if appeal else None
    if appeal is None or sheet is None or appeal.status != "filed":
        return None
    return PendingSession(appeal_id, sheet.employee, latest_session_day(appeal.filed_at, calendar, zone))


async def hold_session(
    session: AsyncSession,
    profile: Profile,
    appeal_id: int,
    member_codes: Sequence[str],
    session_at: datetime,
    *,
    calendar: WorkCalendar,
    zone: ZoneInfo,
    now: datetime,
    actor: Actor,
) -> SessionOutcome:
    """``session_at``: local time, naive. When the profile gives the chair the deciding vote,
    the first member named chairs the session."""
    appeals = AppealRepo(session)
    appeal = await appeals.get_for_update(appeal_id)
    sheet = await QuarterRepo(session).sheet(appeal.sheet_id) if appeal else None
    if appeal is None or sheet is None or appeal.status != "filed":
        return SessionOutcome(SessionRefusal.NOT_WAITING)
    latest = latest_session_day(appeal.filed_at, calendar, zone)
    staff = await EmployeeRepo(session).by_external_ids(member_codes)
    unknown = tuple(code for code in member_codes if code not in staff or not staff[code].active)
    if unknown:
        return SessionOutcome(SessionRefusal.UNKNOWN_MEMBERS, unknown=unknown, latest=latest)
    members = sorted({staff[code].id for code in member_codes})
    if sheet.employee.id in members:
        return SessionOutcome(SessionRefusal.PARTY_AS_MEMBER, latest=latest)
    if len(members) < MIN_MEMBERS:
        return SessionOutcome(SessionRefusal.TOO_FEW_MEMBERS, latest=latest)
    if (
        not in_working_hours(session_at, calendar)
        or session_at < local_naive(now, zone)
        or session_at.date() > latest
    ):
        return SessionOutcome(SessionRefusal.BAD_TIME, latest=latest)
    chair = staff[member_codes[0]].id if profile.chair_decides_tie else None
    if not await appeals.set_session(appeal_id, utc_from_local(session_at, zone), members, chair):
        return SessionOutcome(SessionRefusal.NOT_WAITING)
    outbox = OutboxRepo(session)
    await outbox.enqueue_many(members, CALIBRATION_VOTE, appeal_id)
    await outbox.enqueue_many(_parties(sheet), CALIBRATION_SET, appeal_id)
    await audit(
        session, actor, "calibration.hold", "appeal", appeal_id, at=now, details={"members": len(members)}
    )
    return SessionOutcome(latest=latest)


def _parties(sheet: SheetDTO) -> list[int]:
    """Who is told about the session and its result: the person (unless they left) and the evaluator."""
    people = [] if sheet.absence == Absence.DISMISSED else [sheet.employee.id]
    return sorted({*people, *([sheet.evaluator_id] if sheet.evaluator_id else [])})


class VoteRefusal(StrEnum):
    NOT_A_MEMBER = "not_a_member"
    NOT_IN_SESSION = "not_in_session"
    TOO_EARLY = "too_early"  # members vote once the session has heard the evaluator
    VOTED = "voted"  # a vote is final
    OUT_OF_RANGE = "out_of_range"
    REASON_REQUIRED = "reason_required"


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    refusal: VoteRefusal | None = None
    allowed: tuple[Decimal, Decimal] | None = None
    decision: Decision | None = None  # when this was the last vote
    opens_at: datetime | None = None  # the session's time, for a vote too early


def score_range(profile: Profile, method: str) -> tuple[Decimal, Decimal]:
    """A corrected score stays inside what the method can give: the differentiation mean lies
    within the parameters' scale, a KPI score within 0..5."""
    if method == Method.DIFFERENTIATION and profile.differentiation is not None:
        return Decimal(profile.differentiation.min_score), Decimal(profile.differentiation.max_score)
    return Decimal(0), Decimal(5)


async def cast_vote(
    session: AsyncSession,
    profile: Profile,
    appeal_id: int,
    member: EmployeeDTO,
    score: Decimal | None,
    reason: str | None,
    *,
    now: datetime,
    actor: Actor,
) -> VoteOutcome:
    """``score`` None supports the evaluator's score."""
    appeals = AppealRepo(session)
    appeal = await appeals.get_for_update(appeal_id)
    members = await appeals.members(appeal_id) if appeal else []
    if appeal is None or member.id not in {m.employee_id for m in members}:
        return VoteOutcome(VoteRefusal.NOT_A_MEMBER)
    if appeal.status != "session":
        return VoteOutcome(VoteRefusal.NOT_IN_SESSION)
    if appeal.session_at is not None and now < as_utc(appeal.session_at):
        return VoteOutcome(VoteRefusal.TOO_EARLY, opens_at=appeal.session_at)
    sheet = await QuarterRepo(session).sheet(appeal.sheet_id)
    assert sheet is not None and sheet.final_score is not None
    low, high = score_range(profile, sheet.method)
    chosen = sheet.final_score if score is None else score
    if not low <= chosen <= high or chosen != chosen.quantize(Decimal("0.01")):
        return VoteOutcome(VoteRefusal.OUT_OF_RANGE, allowed=(low, high))
    reason = (reason or "").strip() or None
    if chosen != sheet.final_score and reason is None:
        return VoteOutcome(VoteRefusal.REASON_REQUIRED)
    if not await appeals.vote(appeal_id, member.id, chosen, reason, now):
        return VoteOutcome(VoteRefusal.VOTED)
    await audit(session, actor, "calibration.vote", "appeal", appeal_id, at=now)
    members = await appeals.members(appeal_id)
    if any(m.score is None for m in members):
        return VoteOutcome()
    return VoteOutcome(decision=await _conclude(session, appeal, sheet, members, profile, now))


async def _conclude(
    session: AsyncSession,
    appeal: AppealDTO,
    sheet: SheetDTO,
    members: Sequence[MemberVote],
    profile: Profile,
    now: datetime,
) -> Decision:
    assert sheet.final_score is not None
    low, high = score_range(profile, sheet.method)
    votes = [Vote(m.employee_id, m.score, m.reason) for m in members if m.score is not None]
    chair = next((m.employee_id for m in members if m.is_chair), None)
    decision = decide(sheet.final_score, votes, len(members), low=low, high=high, chair=chair)
    if decision.score != sheet.final_score:
        await QuarterRepo(session).calibrate(sheet.id, decision.score)
    await AppealRepo(session).decide(
        appeal.id, sheet.final_score, decision.score, decision.outcome.value, now
    )
    outbox = OutboxRepo(session)
    await outbox.enqueue_many(_parties(sheet), CALIBRATION_RESULT, appeal.id)
    await outbox.schedule_chats(await deciders(session), CALIBRATION_PROTOCOL, appeal.id, now)
    return decision


def session_ends(session_at: datetime, zone: ZoneInfo) -> datetime:
    """Votes are taken until the end of the working day the session is held on."""
    return utc_from_local(datetime.combine(local_naive(session_at, zone).date(), CLOSES), zone)


async def close_sessions(
    session: AsyncSession, profile: Profile, zone: ZoneInfo, *, now: datetime, actor: Actor
) -> int:
    """Decide every session whose day has ended on the votes cast; members who did not vote are
    absent and took no part: the majority is of those who voted (clause 41, see
    ``bot.calibration.rules``). Returns how many were decided."""
    appeals, decided = AppealRepo(session), 0
    for candidate in await appeals.in_session_before(now):
        assert candidate.session_at is not None
        if session_ends(candidate.session_at, zone) > now:
            continue
        appeal = await appeals.get_for_update(candidate.id)  # a last vote may be landing now
        sheet = await QuarterRepo(session).sheet(candidate.sheet_id)
        if appeal is None or appeal.status != "session" or sheet is None:
            continue
        await _conclude(session, appeal, sheet, await appeals.members(appeal.id), profile, now)
        await audit(session, actor, "calibration.close", "appeal", appeal.id, at=now)
        decided += 1
    return decided


async def deciders(session: AsyncSession) -> list[int]:
    """The authorised person's accounts; without one, the head of HR's."""
    roles = RoleRepo(session)
    return sorted(await roles.holders(Role.AUTHORISED) or await roles.holders(Role.HR_HEAD))
