"""The deadline keeper's notices: reminders to people with work left, and HR's digest and
alerts (bot/deadlines/hr_notices.py), composed when due: nothing if the work is done."""

from __future__ import annotations

from datetime import date

from aiogram.utils.i18n import ngettext

from bot.deadlines.hr_notices import HR_KINDS, hr_notice
from bot.deadlines.rules import SHEET_REMINDERS, Reminder
from bot.infra.formatting import format_date
from bot.infra.notices import NothingToSend, NoticeContext, Part, notice, parts_of
from bot.quarterly.notices import own_due_reminder, sheets_reminder
from bot.survey360.notices import tasks_button
from storage.broadcasts import BroadcastRepo
from storage.dto import OutboxDTO
from storage.survey360.campaigns import CampaignRepo

REMINDER_KINDS = frozenset(reminder.value for reminder in Reminder)
SHEET_REMINDER_KINDS = frozenset(SHEET_REMINDERS.values())


@notice(*REMINDER_KINDS)
async def deadline_reminder_notice(context: NoticeContext, item: OutboxDTO) -> list[Part]:
    return await deadline_reminder(context, item.ref_id)


async def deadline_reminder(context: NoticeContext, campaign_id: int) -> list[Part]:
    """A deadline reminder of the round ``campaign_id`` to the recipient: the questionnaires
    (360) or the sheets (quarterly) still open."""
    recipient = context.person()
    campaign = await CampaignRepo(context.session).get(campaign_id)
    if campaign is None or campaign.status != "running":
        raise NothingToSend("the round is no longer running")
    if campaign.kind == "360":
        count = await BroadcastRepo(context.session).unfinished_count(campaign.id, recipient.id)
        if count == 0:
            raise NothingToSend("every questionnaire was submitted meanwhile")
        return [Part(reminder_text(count, campaign.year, campaign.deadline), tasks_button(), plain=True)]
    sheets = await sheets_reminder(context.session, campaign, recipient)
    if sheets is None:
        raise NothingToSend("every sheet was submitted meanwhile")
    return [Part(sheets.text, sheets.markup)]


@notice(*SHEET_REMINDER_KINDS)
async def own_due_reminder_notice(context: NoticeContext, item: OutboxDTO) -> list[Part]:
    """A sheet with its own due day (ref: the sheet), composed when due."""
    reminder = await own_due_reminder(context.session, item.ref_id, context.person())
    if reminder is None:
        raise NothingToSend("the sheet is no longer open with this evaluator")
    return [Part(reminder.text, reminder.markup)]


def reminder_text(count: int, year: int, deadline: date) -> str:
    return ngettext(
        "Reminder: you have {count} unfinished questionnaire in the 360 evaluation {year}; "
        "the deadline is {deadline}.",
        "Reminder: you have {count} unfinished questionnaires in the 360 evaluation {year}; "
        "the deadline is {deadline}.",
        count,
    ).format(count=count, year=year, deadline=format_date(deadline))


@notice(*HR_KINDS)
async def hr_notice_parts(context: NoticeContext, item: OutboxDTO) -> list[Part]:
    notices = await hr_notice(
        context.session,
        context.profile,
        item.kind,
        item.ref_id,
        context.clock.today(),
        context.calendar,
        context.zone,
        context.now(),
    )
    return parts_of(notices, why_none="nothing to report")
