"""Reports with results: the workbook, per-person PDFs, ZIP archives. Only for the head of
the HR service (clause 20); files go out with protect_content."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import RoundAction, RoundCb, UnitArchiveCb
from bot.infra.formatting import current_locale
from bot.infra.workers import Workers
from bot.kernel.access import Permission
from bot.kernel.clock import Clock
from bot.kernel.methodology import Profile
from bot.reports import files as reports
from bot.reports.jobs import ArchiveRequest, ReportJobs
from bot.staff.access import Actor, audit
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


async def _send(message: Message, file: reports.ReportFile) -> None:
    await message.answer_document(BufferedInputFile(file.data, filename=file.name), protect_content=True)


async def _hand_over(
    message: Message,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    campaign_id: int,
    file: reports.ReportFile,
) -> None:
    """Every download of results is written to the audit log before the file leaves."""
    await audit(
        session,
        actor,
        "report.download",
        "campaign",
        campaign_id,
        at=clock.now(),
        details={"file": file.name},
    )
    await _send(message, file)


async def on_round_file(
    query: CallbackQuery,
    callback_data: RoundCb,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    actor: Actor,
    workers: Workers,
    report_jobs: ReportJobs,
    bot: Bot,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    if callback_data.action is RoundAction.REPORT_ZIP:
        await _start_archive(bot, query, message, session, report_jobs, actor, callback_data.campaign, None)
        return
    await query.answer(_("Preparing the file…"))
    try:
        file = await reports.round_workbook(session, profile, callback_data.campaign, clock.today(), workers)
    except CampaignError:
        await message.answer(_("Reports exist for closed rounds only."))
        return
    await _hand_over(message, session, actor, clock, callback_data.campaign, file)


async def _start_archive(
    bot: Bot,
    query: CallbackQuery,
    message: Message,
    session: AsyncSession,
    report_jobs: ReportJobs,
    actor: Actor,
    campaign_id: int,
    unit: str | None,
) -> None:
    """The archive is built beside the updates (bot/reports/jobs.py), which says how it goes."""
    request = ArchiveRequest(campaign_id, unit, message.chat.id, actor, current_locale())
    if await report_jobs.request_archive(session, bot, request):
        await query.answer(_("Preparing the file…"))
    else:
        await query.answer(_("These reports are being prepared already."))


async def on_choose_unit(
    query: CallbackQuery, callback_data: RoundCb, session: AsyncSession, profile: Profile
) -> None:
    message = await live_message(query)
    if message is None:
        return
    try:
        units = await reports.closed_units(session, profile, callback_data.campaign)
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
    profile: Profile,
    actor: Actor,
    report_jobs: ReportJobs,
    bot: Bot,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    try:
        units = await reports.closed_units(session, profile, callback_data.campaign)
        if not 0 <= callback_data.unit < len(units):
            raise CampaignError("no such unit")
    except CampaignError:
        await query.answer(_("Reports exist for closed rounds only."), show_alert=True)
        return
    await _start_archive(
        bot, query, message, session, report_jobs, actor, callback_data.campaign, units[callback_data.unit]
    )


async def on_person_report(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    actor: Actor,
    workers: Workers,
) -> None:
    employee_id = (command.args or "").strip()
    campaign_id = await reports.latest_closed_round_of(session, employee_id) if employee_id else None
    if campaign_id is None:
        await message.answer(
            _("Usage: /report ID — the employee id of a person evaluated in a closed round.")
        )
        return
    file = await reports.person_pdf(session, profile, campaign_id, employee_id, workers)
    await audit(
        session,
        actor,
        "report.download",
        "employee",
        employee_id,
        at=clock.now(),
        details={"campaign": campaign_id},
    )
    await _send(message, file)
