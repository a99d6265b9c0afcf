"""What HR's role holders are told without asking: the daily digest of the running rounds, the
alert when a deadline passes with work left, and the results still unread on the last day HR
has to acquaint people with them (composed when sent, in their language)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.calibration.screens import case_line, protocol_notice
from bot.calibration.service import APPEAL_DUE, APPEAL_OVERDUE, CALIBRATION_PROTOCOL, latest_session_day
from bot.deadlines.keeper import (
    CHASE_DAYS,
    DEADLINE_PASSED,
    HR_DIGEST,
    RESULTS_UNREAD,
    acknowledgement_due,
    overdue_problems,
)
from bot.infra.callbacks import CalibrationCb
from bot.infra.formatting import format_date, local_time, progress_bar
from bot.infra.notices import Notice
from bot.kernel.methodology import Profile
from bot.kernel.workdays import WorkCalendar
from bot.legacy2018 import service as legacy
from bot.legacy2018.notices import overdue_return_notice
from bot.legacy2018.reminders import LEGACY_BACK_OVERDUE
from bot.quarterly.appeals import APPEAL_FILED
from bot.quarterly.hr_screens import overdue_line
from bot.quarterly.results import sheet_records
from bot.quarterly.rounds import round_overview
from bot.quarterly.sheet_screens import round_title
from bot.staff.hr_screens import listed
from bot.survey360.progress import round_progress
from storage.appeals import AppealRepo
from storage.deadlines import ReminderRepo
from storage.dto import CampaignDTO
from storage.legacy2018 import LEGACY
from storage.quarterly import QuarterRepo
from storage.staff.employees import EmployeeRepo

HR_KINDS = frozenset(
    {
        HR_DIGEST,
        DEADLINE_PASSED,
        RESULTS_UNREAD,
        APPEAL_FILED,
        APPEAL_DUE,
        APPEAL_OVERDUE,
        CALIBRATION_PROTOCOL,
        LEGACY_BACK_OVERDUE,
    }
)


def _title(campaign: CampaignDTO) -> str:
    if campaign.kind == "360":
        return _("360 evaluation {year}").format(year=campaign.year)
    if campaign.kind == LEGACY:
        return _("{year} under the 2018 methodology").format(year=campaign.year)
    return round_title(campaign.year, campaign.quarter or 0)


async def _line(session: AsyncSession, profile: Profile, campaign: CampaignDTO, today: date) -> str:
    overdue = " ⚠️ " + _("deadline passed") if campaign.deadline < today else ""
    head = _("<b>{title}</b>, deadline {deadline}{overdue}").format(
        title=_title(campaign), deadline=format_date(campaign.deadline), overdue=overdue
    )
    if campaign.kind == "360":
        progress = await round_progress(session, profile, campaign.id)
        detail = _(
            "{bar} questionnaires submitted {done}/{total}; below the anonymity threshold: {below}"
        ).format(
            bar=progress_bar(progress.submitted, progress.total),
            done=progress.submitted,
            total=progress.total,
            below=len(progress.below_threshold),
        )
    elif campaign.kind == LEGACY:
        year = await legacy.progress(session, campaign)
        detail = _(
            "{bar} ready for the commission {ready}/{total}; plans approved: {plans}; decided: {decided}"
        ).format(
            bar=progress_bar(year.ready, year.sheets),
            ready=year.ready,
            total=year.sheets,
            plans=year.plans_approved,
            decided=year.decided,
        )
    else:
        overview = await round_overview(session, campaign, today)
        detail = _("{bar} sheets submitted {done}/{total}; results not yet read: {unread}").format(
            bar=progress_bar(overview.submitted, overview.sheets),
            done=overview.submitted,
            total=overview.sheets,
            unread=overview.submitted - overview.acknowledged,
        )
        if overview.overdue:
            detail += "\n" + overdue_line(overview.overdue)
    return f"{head}\n{detail}"


async def _appeal(
    session: AsyncSession, profile: Profile, appeal_id: int, *, actionable: bool = True
) -> Notice | None:
    """The application as the deciders see it; ``actionable`` False leaves the button out (for
    HR, who may not decide)."""
    appeal = await AppealRepo(session).get(appeal_id)
    sheet = await QuarterRepo(session).sheet(appeal.sheet_id) if appeal else None
    if appeal is None or sheet is None:
        return None
    record = (await sheet_records(session, profile, sheet.campaign.id, sheet_id=sheet.id))[0]
    assert record.final_score is not None and record.band is not None
    text = "\n\n".join(
        [
            _("⚖️ <b>An application for a calibration session</b> (clause 12)"),
            case_line(record),
            _("Evaluator: {evaluator}. Applied on {day}.").format(
                evaluator=escape(record.evaluator_name or "—"),
                day=format_date(local_time(appeal.filed_at).date()),
            ),
            escape(appeal.text),
            _("Please decide whether to hold a session and name its members by {date} (clause 38).").format(
                date=format_date(appeal.decide_by)
            ),
        ]
    )
    button = InlineKeyboardButton(
        text=_("📅 Hold a session"), callback_data=CalibrationCb(appeal=appeal.id).pack()
    )
    markup = InlineKeyboardMarkup(inline_keyboard=[[button]]) if actionable else None
    return Notice(text, markup, confidential=True)


async def _unread(
    session: AsyncSession, day: date, calendar: WorkCalendar, zone: ZoneInfo, now: datetime
) -> list[Notice]:
    """The results whose clause 11 deadline is ``day`` and that are still unread."""
    due = [
        unread
        for unread in await ReminderRepo(session).unread_results(now - timedelta(days=CHASE_DAYS))
        if acknowledgement_due(unread.sent_at, calendar, zone) == day
    ]
    if not due:
        return []
    people = await EmployeeRepo(session).many(unread.person for unread in due)
    lines = [
        _(
            "📋 <b>Results not yet read</b>: the 2 working days to acquaint people with them end on {day} "
            "(clause 11). Please acquaint these people in person:"
        ).format(day=format_date(day))
    ]
    for unread in due:
        person = people[unread.person]
        if unread.kind == "legacy":
            what = _("{year} under the 2018 methodology").format(year=unread.year)
        elif unread.quarter is None:
            what = _("360 evaluation {year}").format(year=unread.year)
        else:
            what = round_title(unread.year, unread.quarter)
        absent = "" if unread.in_bot else " — " + _("not in the bot")
        lines.append(f"• {escape(person.full_name)} ({escape(person.employee_id)}), {what}{absent}")
    return [Notice("\n".join([lines[0], *listed(lines[1:])]), None)]


async def hr_notice(
    session: AsyncSession,
    profile: Profile,
    kind: str,
    ref_id: int,
    today: date,
    calendar: WorkCalendar,
    zone: ZoneInfo,
    now: datetime,
) -> list[Notice]:
    """The messages owed to an HR account; empty when there is nothing to say any more."""
    if kind == RESULTS_UNREAD:
        return await _unread(session, date.fromordinal(ref_id), calendar, zone, now)
    if kind in (APPEAL_FILED, APPEAL_DUE, APPEAL_OVERDUE):
        notice = await _appeal(session, profile, ref_id, actionable=kind != APPEAL_OVERDUE)
        if notice is None or kind == APPEAL_FILED:
            return [notice] if notice else []
        appeal = await AppealRepo(session).get(ref_id)
        if appeal is None or appeal.status != "filed":
            return []  # decided meanwhile
        if kind == APPEAL_DUE:
            reminder = _("Reminder: today is the last day to decide on this application (clause 38).")
        else:
            reminder = _(
                "⚠️ The authorised person has not decided on this application within the 3 working days "
                "of clause 38. The session must still be held by {date} (clause 39)."
            ).format(date=format_date(latest_session_day(appeal.filed_at, calendar, zone)))
        return [Notice(f"{reminder}\n\n{notice.text}", notice.markup, notice.confidential)]
    if kind == CALIBRATION_PROTOCOL:
        return await protocol_notice(session, profile, ref_id)
    if kind == LEGACY_BACK_OVERDUE:
        return await overdue_return_notice(session, ref_id, today)
    repo = ReminderRepo(session)
    running = await repo.running()
    if kind == HR_DIGEST:
        if not running:
            return []
        lines = [await _line(session, profile, campaign, today) for campaign in running]
        day = _("<b>Evaluation rounds today, {day}</b>").format(day=format_date(today))
        return [Notice("\n\n".join([day, *lines]), None)]
    campaign = next((c for c in running if c.id == ref_id), None)
    problems = await overdue_problems(session, profile, campaign, today) if campaign else None
    if campaign is None or not problems:
        return []
    if problems.work_left:
        alert = _(
            "⚠️ The deadline has passed with work left: /rounds or /quarters to remind, extend or close."
        )
    else:
        alert = ngettext(
            "⚠️ The deadline has passed; everything is submitted, but {count} person has too few "
            "respondents and their result would be withheld: /rounds to add respondents or extend.",
            "⚠️ The deadline has passed; everything is submitted, but {count} people have too few "
            "respondents and their results would be withheld: /rounds to add respondents or extend.",
            problems.below_threshold,
        ).format(count=problems.below_threshold)
    return [Notice("\n\n".join([alert, await _line(session, profile, campaign, today)]), None)]
