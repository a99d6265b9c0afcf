"""Reports with results: the workbook, per-person PDFs, ZIP archives. Only for the head of
the HR service (clause 20); files go out with protect_content."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import RoundAction, RoundCb, UnitArchiveCb
from bot.infra.formatting import current_locale
from bot.kernel.access import Permission
from bot.reports import files as reports
from bot.reports.jobs import PDF_360, XLSX_360, ZIP_360, ReportJobs, ReportRequest
from bot.staff.access import Actor
from bot.staff.hr_screens import unit_archive_choice
from bot.survey360.rounds import CampaignError
from handlers.filters import HasPermission
from handlers.screens import live_message


def create_router() -> Router:
    router = Router(name="hr-results")
    router.message.filter(HasPermission(Permission.VIEW_RESULTS))
    router.callback_query.filter(HasPermission(Permission.VIEW_RESULTS))
    router.callback_query.register(
        on_round_file, RoundCb.filter(F.action.in_({RoundAction.REPORT_XLSX, RoundAction.REPORT_ZIP}))
    )
    router.callback_query.register(on_choose_unit, RoundCb.filter(F.action == RoundAction.REPORT_UNITS))
    router.callback_query.register(on_unit_archive, UnitArchiveCb.filter())
    router.message.register(on_person_report, Command("report"))
    return router


async def on_round_file(
    query: CallbackQuery,
    callback_data: RoundCb,
    session: AsyncSession,
    actor: Actor,
    report_jobs: ReportJobs,
    bot: Bot,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    kind = ZIP_360 if callback_data.action is RoundAction.REPORT_ZIP else XLSX_360
    try:
        await reports.closed_round(session, callback_data.campaign)
    except CampaignError:
        await query.answer(_("Reports exist for closed rounds only."), show_alert=True)
        return
    await _start(bot, query, message, session, report_jobs, actor, callback_data.campaign, None, kind)


async def _start(
    bot: Bot,
    query: CallbackQuery,
    message: Message,
    session: AsyncSession,
    report_jobs: ReportJobs,
    actor: Actor,
    campaign_id: int,
    target: str | None,
    kind: str,
) -> None:
    """The file is built beside the updates (bot/reports/jobs.py), which says how it goes."""
    request = ReportRequest(campaign_id, target, message.chat.id, actor, current_locale(), kind)
    if await report_jobs.request(session, bot, request):
        await query.answer(_("Preparing the file…"))
    else:
        await query.answer(_("These reports are being prepared already."))


async def on_choose_unit(query: CallbackQuery, callback_data: RoundCb, session: AsyncSession) -> None:
    message = await live_message(query)
    if message is None:
        return
    try:
        units = await reports.closed_units(session, callback_data.campaign)
    except CampaignError:
        await query.answer(_("Reports exist for closed rounds only."), show_alert=True)
        return
    text, markup = unit_archive_choice(callback_data.campaign, units)
    await message.answer(text, reply_markup=markup)
    await query.answer()


async def on_unit_archive(
    query: CallbackQuery,
    callback_data: UnitArchiveCb,
    session: AsyncSession,
    actor: Actor,
    report_jobs: ReportJobs,
    bot: Bot,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    try:
        units = await reports.closed_units(session, callback_data.campaign)
        if not 0 <= callback_data.unit < len(units):
            raise CampaignError("no such unit")
    except CampaignError:
        await query.answer(_("Reports exist for closed rounds only."), show_alert=True)
        return
    await _start(
        bot,
        query,
        message,
        session,
        report_jobs,
        actor,
        callback_data.campaign,
        units[callback_data.unit],
        ZIP_360,
    )


async def on_person_report(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    actor: Actor,
    report_jobs: ReportJobs,
    bot: Bot,
) -> None:
    employee_id = (command.args or "").strip()
    campaign_id = await reports.latest_closed_round_of(session, employee_id) if employee_id else None
    if employee_id and campaign_id is None:
        await message.answer(
            _(
                "{id}: no closed 360 round has evaluated this person, so there is no report yet. "
                "Send /report alone to choose among those who have one."
            ).format(id=escape(employee_id))
        )
        return
    if campaign_id is None:
        await message.answer(
            _(
                "Usage: /report ID — the employee id of a person evaluated in a closed round. "
                "Or send /report alone to choose the person from a list."
            )
        )
        return
    await message.answer(
        await request_person_report(
            session, bot, report_jobs, actor, message.chat.id, campaign_id, employee_id
        )
    )


async def request_person_report(
    session: AsyncSession,
    bot: Bot,
    report_jobs: ReportJobs,
    actor: Actor,
    chat_id: int,
    campaign_id: int,
    employee_id: str,
) -> str:
    """One person's PDF of a closed round, built as a report job (bot/reports/jobs.py) and sent
    to ``chat_id``; returns what to tell the person who asked."""
    request = ReportRequest(campaign_id, employee_id, chat_id, actor, current_locale(), PDF_360)
    if await report_jobs.request(session, bot, request):
        return _("Preparing the file…")
    return _("These reports are being prepared already.")
