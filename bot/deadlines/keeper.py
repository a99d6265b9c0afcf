"""Deadline reminders that keep themselves (clause 4 and the round's deadline).

A planner, run by the bot's scheduler every few minutes and at start, makes sure every
person with work left in a running round has an outbox row for each reminder still ahead
(3 working days and 1 working day before the deadline, the deadline's morning), due at
09:00 local time on a working day. The rows are in the database, so reminders survive
restarts (one that came due while the bot was down goes out once when it is back); the outbox's
unique key and its claiming make them idempotent, even with two bot instances; a deadline
moved later moves the pending rows with it. When a reminder is due, it is composed afresh:
someone who has finished meanwhile gets nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.calibration.service import APPEAL_DUE, APPEAL_OVERDUE, VOTE_DUE, deciders
from bot.deadlines.rules import CLOSES, OPENS, SHEET_REMINDERS, deadline_reminders, next_send_slot
from bot.kernel.access import Role
from bot.kernel.clock import local_naive, utc_from_local
from bot.kernel.methodology import Profile
from bot.kernel.workdays import WorkCalendar
from bot.legacy2018.reminders import plan_legacy_reminders
from bot.legacy2018.service import LEGACY_RESULT_AGAIN
from bot.quarterly.rounds import RESULT_AGAIN
from bot.quarterly.rules import sheet_due_on, sheet_overdue
from bot.survey360.progress import round_progress
from storage.appeals import AppealRepo
from storage.deadlines import ReminderRepo, work_left
from storage.dto import CampaignDTO
from storage.outbox import OutboxRepo
from storage.quarterly import QUARTER
from storage.roles import RoleRepo


async def plan_reminders(
    session: AsyncSession, profile: Profile, calendar: WorkCalendar, zone: ZoneInfo, now: datetime
) -> int:
    """Queue the reminders still ahead in every running round; returns how many rows were
    planned (queued anew or moved)."""
    repo, outbox = ReminderRepo(session), OutboxRepo(session)
    running, hr_accounts = await repo.running(), await _hr_accounts(session)
    planned = 0
    for campaign in running:
        opened = local_naive(campaign.started_at or now, zone)
        due = deadline_reminders(campaign.deadline, calendar, opened_at=opened)
        if not due:
            continue
        people = await repo.with_work_left(campaign)
        for reminder in due:
            # Whoever has finished since the last run is owed nothing.
            await outbox.drop_pending(reminder.reminder.value, campaign.id, keep=work_left(campaign))
            if people:
                moment = utc_from_local(next_send_slot(reminder.at, calendar), zone)
                await outbox.schedule(people, reminder.reminder.value, campaign.id, moment)
                planned += len(people)
    planned += await _plan_sheet_reminders(session, calendar, zone, now)
    planned += await _plan_result_reminders(session, hr_accounts, calendar, zone, now)
    planned += await _plan_hr_notices(session, profile, running, hr_accounts, calendar, zone, now)
    planned += await _plan_calibration_reminders(session, calendar, zone)
    planned += await plan_legacy_reminders(session, hr_accounts, calendar, zone, now)
    return planned


async def _plan_sheet_reminders(
    session: AsyncSession, calendar: WorkCalendar, zone: ZoneInfo, now: datetime
) -> int:
    """Quarterly sheets with their own due day (an absent head's KPIs, 002 clause 5): the
    round's three reminders, counted back from that day instead of the round's deadline, to
    the sheet's evaluator, one row a sheet. Only those still ahead are planned (the day may be
    set by an absence HR records late, and a reminder is not sent for a moment gone); a day
    moved later queues them again for the new day."""
    outbox, planned = OutboxRepo(session), 0
    opened = local_naive(now, zone)
    for sheet in await ReminderRepo(session).sheets_due_on_their_own():
        for due in deadline_reminders(sheet.due_on, calendar, opened_at=opened):
            moment = utc_from_local(next_send_slot(due.at, calendar), zone)
            await outbox.schedule_renewable(
                SHEET_REMINDERS[due.reminder], sheet.sheet, moment, recipients=[sheet.evaluator]
            )
            planned += 1
    return planned


async def _plan_calibration_reminders(session: AsyncSession, calendar: WorkCalendar, zone: ZoneInfo) -> int:
    """The deciders on the last day of clause 38's 3 working days if they have not decided, and
    the head of HR the working day after if they still have not (HR organises the sessions,
    clause 40, and of HR only its head may see a result, clause 20); the members who have not
    voted on the session's morning."""
    appeals, outbox, planned = AppealRepo(session), OutboxRepo(session), 0
    open_appeals = await appeals.open()
    decide: list[int] = []
    heads: list[int] = []
    if any(appeal.status == "filed" for appeal in open_appeals):  # who to tell, asked once a run
        decide, heads = await deciders(session), sorted(await RoleRepo(session).holders(Role.HR_HEAD))
    for appeal in open_appeals:
        if appeal.status == "filed":
            moment = next_send_slot(datetime.combine(appeal.decide_by, OPENS), calendar)
            await outbox.schedule_chats(decide, APPEAL_DUE, appeal.id, utc_from_local(moment, zone))
            overdue = datetime.combine(calendar.add(appeal.decide_by, 1), OPENS)
            await outbox.schedule_chats(heads, APPEAL_OVERDUE, appeal.id, utc_from_local(overdue, zone))
            planned += 1 + len(heads)
        elif appeal.session_at is not None:
            waiting = [m.employee_id for m in await appeals.members(appeal.id) if m.score is None]
            await outbox.drop_pending(VOTE_DUE, appeal.id, keep=waiting)
            if waiting:
                day = local_naive(appeal.session_at, zone).date()
                moment = next_send_slot(datetime.combine(day, OPENS), calendar)
                await outbox.schedule(waiting, VOTE_DUE, appeal.id, utc_from_local(moment, zone))
                planned += len(waiting)
    return planned


async def _plan_hr_notices(
    session: AsyncSession,
    profile: Profile,
    running: Sequence[CampaignDTO],
    accounts: Sequence[int],
    calendar: WorkCalendar,
    zone: ZoneInfo,
    now: datetime,
) -> int:
    """HR's role holders: a digest each working day while rounds run, and an alert once a
    round's deadline has passed with work left or with people below the anonymity threshold."""
    if not running or not accounts:
        return 0
    local, outbox, planned = local_naive(now, zone), OutboxRepo(session), 0
    today = local.date()
    # Today's digest only while today's window is open, so that it never goes out tomorrow.
    if calendar.is_working_day(today) and local.time() < CLOSES:
        moment = utc_from_local(max(datetime.combine(today, OPENS), local), zone)
        await outbox.schedule_chats(accounts, HR_DIGEST, today.toordinal(), moment)
        planned += len(accounts)
    alert_at = utc_from_local(next_send_slot(local, calendar), zone)
    for campaign in running:
        problems = await overdue_problems(session, profile, campaign, today)
        if not problems:
            continue
        if problems.latest_due is None:
            await outbox.schedule_chats(accounts, DEADLINE_PASSED, campaign.id, alert_at)
        else:
            # Quarterly: told again when a sheet with its own later due day (an absent head's
            # KPIs) passes it open, on the working morning after that day.
            after = datetime.combine(problems.latest_due + timedelta(days=1), OPENS)
            moment = utc_from_local(next_send_slot(after, calendar), zone)
            await outbox.schedule_renewable(DEADLINE_PASSED, campaign.id, moment, chats=accounts)
        planned += len(accounts)
    return planned


@dataclass(frozen=True, slots=True)
class OverdueProblems:
    """What is wrong with a round past its deadline, or, quarterly, with its sheets past theirs."""

    work_left: int  # people with unsubmitted questionnaires, or with sheets overdue
    below_threshold: int = 0  # 360: people whose result would be withheld (too few respondents)
    latest_due: date | None = None  # quarterly: the latest due day among the overdue sheets

    def __bool__(self) -> bool:
        return bool(self.work_left or self.below_threshold)


async def overdue_problems(
    session: AsyncSession, profile: Profile, campaign: CampaignDTO, today: date
) -> OverdueProblems:
    """Nothing before the deadline. Quarterly, a sheet is overdue by ``sheet_overdue``: an
    absent head's KPIs only after their own due day, whatever the round's deadline."""
    repo = ReminderRepo(session)
    if campaign.kind == QUARTER:
        dues = [
            (evaluator, sheet_due_on(campaign.deadline, own))
            for evaluator, own in await repo.open_sheet_dues(campaign.id)
            if sheet_overdue(campaign.deadline, own, today)
        ]
        latest = max((day for _, day in dues), default=None)
        return OverdueProblems(len({evaluator for evaluator, _ in dues}), latest_due=latest)
    if campaign.deadline >= today:
        return OverdueProblems(0)
    work_left = len(await repo.with_work_left(campaign))
    below = 0
    if campaign.kind == "360":
        below = len((await round_progress(session, profile, campaign.id)).below_threshold)
    return OverdueProblems(work_left, below)


ACKNOWLEDGE_WITHIN = 2  # working days HR has to acquaint the person with the result (clause 11)
RESEND_AFTER = 1  # working days: an unread result is sent again the next working morning
CHASE_DAYS = 30  # older unread results are not chased (a new installation stays quiet about the past)
HR_DIGEST = "hr_digest"  # to HR's role holders: the running rounds (ref: the day's ordinal)
DEADLINE_PASSED = "deadline_passed"  # to HR's role holders: work left after it (ref: the round)
RESULTS_UNREAD = (
    "results_unread"  # to HR's role holders: still unread on clause 11's last day (ref: that day's ordinal)
)
REPORT_AGAIN = "report_360_again"  # to an evaluated person: the unread 360 report (ref: the campaign subject)


def acknowledgement_due(sent_at: datetime, calendar: WorkCalendar, zone: ZoneInfo) -> date:
    """The last day of clause 11's 2 working days for a result sent at ``sent_at``."""
    return calendar.add(local_naive(sent_at, zone).date(), ACKNOWLEDGE_WITHIN)


async def _plan_result_reminders(
    session: AsyncSession, accounts: Sequence[int], calendar: WorkCalendar, zone: ZoneInfo, now: datetime
) -> int:
    """A result still unread the next working morning is sent again, once; one still unread on
    the last of clause 11's 2 working days goes to HR, who must then acquaint the person
    themselves (with everyone else due that day, in one message)."""
    outbox, planned = OutboxRepo(session), 0
    last_days: set[date] = set()
    # A round's results go out together: one statement per kind and moment, not one a person.
    again_at: dict[tuple[str, datetime], list[tuple[int, int]]] = defaultdict(list)
    for unread in await ReminderRepo(session).unread_results(now - timedelta(days=CHASE_DAYS)):
        if unread.in_bot:
            sent_on = local_naive(unread.sent_at, zone).date()
            again = datetime.combine(calendar.add(sent_on, RESEND_AFTER), OPENS)
            kind = {"quarter": RESULT_AGAIN, "legacy": LEGACY_RESULT_AGAIN}.get(unread.kind, REPORT_AGAIN)
            moment = utc_from_local(next_send_slot(again, calendar), zone)
            again_at[(kind, moment)].append((unread.person, unread.ref))
        last_days.add(acknowledgement_due(unread.sent_at, calendar, zone))
    for (kind, moment), recipients_and_refs in again_at.items():
        await outbox.schedule_each(recipients_and_refs, kind, moment)
        planned += len(recipients_and_refs)
    for day in sorted(last_days) if accounts else ():
        moment = utc_from_local(next_send_slot(datetime.combine(day, OPENS), calendar), zone)
        await outbox.schedule_chats(accounts, RESULTS_UNREAD, day.toordinal(), moment)
        planned += len(accounts)
    return planned


async def _hr_accounts(session: AsyncSession) -> list[int]:
    roles = RoleRepo(session)
    return sorted(set(await roles.holders(Role.HR)) | set(await roles.holders(Role.HR_HEAD)))
