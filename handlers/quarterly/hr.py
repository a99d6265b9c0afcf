"""HR's quarterly evaluation: the year's rounds (create, start, close, the workbook) and the
uploads of work plans, KPI actual values and absences."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import QuarterAction, QuarterCb, Wait
from bot.infra.formatting import current_locale
from bot.infra.waits import Waiting, cancel_markup
from bot.kernel.access import Permission
from bot.kernel.clock import Clock
from bot.kernel.methodology import Profile
from bot.kernel.workdays import WorkCalendar
from bot.quarterly import plans
from bot.quarterly import rounds as quarterly
from bot.quarterly.hr_screens import (
    file_errors_text,
    import_text,
    plans_stopped,
    quarters_screen,
    started_text,
)
from bot.quarterly.uploads import load_absences_upload, load_actuals_upload, load_plans_upload
from bot.reports.files import started_quarter
from bot.reports.jobs import XLSX_QUARTER, ReportJobs, ReportRequest
from bot.staff.access import Actor
from bot.survey360.rounds import CampaignError
from handlers.filters import HasPermission
from handlers.screens import edit_in_place, live_message
from handlers.staff.hr import MAX_FILE_BYTES, STAFF_SUFFIXES
from storage.dto import EmployeeDTO


class QuarterUpload(StatesGroup):
    """The next document HR sends is this kind of file (data: the year and a reason)."""

    plans = Waiting(Wait.PLANS, plans_stopped)
    actuals = Waiting(Wait.ACTUALS, lambda: _("Stopped: the upload of KPI actual values is cancelled."))
    absences = Waiting(Wait.ABSENCES, lambda: _("Stopped: the upload of absences is cancelled."))


def create_router() -> Router:
    router = Router(name="hr-quarters")
    router.message.filter(HasPermission(Permission.VIEW_PROGRESS))
    router.callback_query.filter(HasPermission(Permission.VIEW_PROGRESS))
    router.message.register(on_quarters, Command("quarters"))
    router.callback_query.register(on_round_action, QuarterCb.filter())
    router.message.register(on_upload_command, Command("plans", "actuals", "absences"))
    # Before the staff router (hr/__init__.py): in these states a table is not a staff list.
    router.message.register(
        on_upload, F.document.file_name.lower().endswith(STAFF_SUFFIXES), StateFilter(QuarterUpload)
    )
    return router


def year_and_reason(args: str | None, clock: Clock) -> tuple[int | None, str | None]:
    """ "/plans 2026 the unit was reorganised": the year (this year when left out; None when it
    is not a year) and the rest as the reason."""
    words = (args or "").split(maxsplit=1)
    if not words:
        return clock.today().year, None
    year = int(words[0]) if words[0].isdigit() and 2000 <= int(words[0]) <= 2100 else None
    return year, (words[1].strip() if len(words) > 1 else None) or None


async def read_upload(message: Message, bot: Bot) -> tuple[bytes, str] | None:
    """The document's bytes and name; None (with a reply) when it is too large."""
    document = message.document
    assert document is not None and document.file_name is not None
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        await message.answer(_("The file is larger than 5 MB."))
        return None
    downloaded = await bot.download(document.file_id)
    assert downloaded is not None
    return downloaded.read(), document.file_name


async def save_plans(
    message: Message,
    data: bytes,
    name: str,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    actor: Actor,
    upload: dict[str, Any],
    calendar: WorkCalendar,
    drafted_by: EmployeeDTO | None = None,
) -> plans.ImportReport | None:
    """Validate and save an uploaded plans table, and say how it went."""
    assert profile.kpi is not None
    validation = await load_plans_upload(data, name, profile.kpi)
    if not validation.ok:
        await message.answer(file_errors_text(name, validation.errors))
        return None
    report = await plans.import_plans(
        session,
        profile,
        validation,
        year=int(upload["year"]),
        reason=upload.get("reason"),
        calendar=calendar,
        actor=actor,
        now=clock.now(),
        today=clock.today(),
        drafted_by=drafted_by,
    )
    # The next step is HR's: an evaluator drafting their heads' plans waits for the approval.
    await message.answer(import_text(name, report, None if drafted_by else int(upload["year"])))
    return report


async def on_quarters(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    permissions: frozenset[Permission],
) -> None:
    year, _reason = year_and_reason(command.args, clock)
    if year is None:
        await message.answer(_("Write the year after /quarters, e.g. /quarters 2026."))
        return
    text, markup = quarters_screen(
        year, await quarterly.year_overview(session, year, clock.today()), permissions, clock.today()
    )
    await message.answer(text, reply_markup=markup)


async def on_round_action(
    query: CallbackQuery,
    callback_data: QuarterCb,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    calendar: WorkCalendar,
    actor: Actor,
    permissions: frozenset[Permission],
    report_jobs: ReportJobs,
    bot: Bot,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    action, value = callback_data.action, callback_data.value
    needed = Permission.VIEW_RESULTS if action is QuarterAction.WORKBOOK else Permission.RUN_ROUNDS
    if needed not in permissions:
        await query.answer(_("Your role does not allow this."), show_alert=True)
        return
    year = value
    refusal: str | None = None
    try:
        if action is QuarterAction.CREATE_YEAR:
            await quarterly.create_year(session, profile, value, calendar, actor, clock.now())
        elif action is QuarterAction.START:
            report = await quarterly.start_round(
                session, value, today=clock.today(), now=clock.now(), actor=actor, calendar=calendar
            )
            year = report.campaign.year
            assert isinstance(query.message, Message)
            await query.message.answer(started_text(report))
        elif action is QuarterAction.CLOSE:
            await quarterly.close_round(session, value, now=clock.now(), actor=actor)
        elif action is QuarterAction.WORKBOOK:
            # Built beside the updates (bot/reports/jobs.py), audited when it leaves.
            await started_quarter(session, value)
            request = ReportRequest(value, None, message.chat.id, actor, current_locale(), XLSX_QUARTER)
            started = await report_jobs.request(session, bot, request)
            await query.answer(
                _("Preparing the file…") if started else _("These reports are being prepared already.")
            )
            return
    except quarterly.QuarterTooLateError:
        refusal = _("The deadline has passed: this round can no longer be started.")
    except (quarterly.QuarterError, CampaignError):
        refusal = _("This round has changed meanwhile; here is its current state.")
    if action is not QuarterAction.CREATE_YEAR:
        year = (await quarterly.round_of(session, value)).year
    text, markup = quarters_screen(
        year, await quarterly.year_overview(session, year, clock.today()), permissions, clock.today()
    )
    await edit_in_place(query, text, markup)
    # One answer per press: Telegram takes only the first.
    await query.answer(refusal, show_alert=refusal is not None)


async def on_upload_command(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    clock: Clock,
    permissions: frozenset[Permission],
) -> None:
    if Permission.RUN_ROUNDS not in permissions:
        await message.answer(_("Only HR officers upload the quarterly evaluation's files."))
        return
    kind = command.command
    year, reason = year_and_reason(command.args if kind != "absences" else None, clock)
    if year is None:
        await message.answer(
            _("Write the year after the command, e.g. /{command} 2026.").format(command=kind)
        )
        return
    wait: Waiting = getattr(QuarterUpload, kind)
    await state.set_state(wait)
    await state.update_data(year=year, reason=reason)
    prompts = {
        "plans": _(
            "Send the work plans of {year} as a CSV or XLSX document: employee_id, kpi_no, name, source, unit, "
            "direction, key_result, plan_q1…plan_q4, due_q1…due_q4 (3 to 5 KPIs per head)."
        ),
        "actuals": _(
            "Send the KPI actual values of {year} as a CSV or XLSX document: employee_id, kpi_no, quarter, actual."
        ),
        "absences": _("Send the absences as a CSV or XLSX document: employee_id, kind, starts_on, ends_on."),
    }
    await message.answer(prompts[kind].format(year=year), reply_markup=cancel_markup(wait))


async def on_upload(
    message: Message,
    bot: Bot,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    calendar: WorkCalendar,
    state: FSMContext,
    actor: Actor,
) -> None:
    read = await read_upload(message, bot)
    if read is None:
        return
    data, name = read
    kind, upload = await state.get_state(), await state.get_data()
    year, now = int(upload["year"]), clock.now()
    if kind == QuarterUpload.plans.state:
        report = await save_plans(message, data, name, session, profile, clock, actor, upload, calendar)
        if report is not None and report.ok:
            await state.clear()
        return
    if kind == QuarterUpload.actuals.state:
        actuals = await load_actuals_upload(data, name)
        if not actuals.ok:
            await message.answer(file_errors_text(name, actuals.errors))
            return
        report = await plans.import_actuals(session, actuals, year=year, actor=actor, now=now)
    else:
        absences = await load_absences_upload(data, name)
        if not absences.ok:
            await message.answer(file_errors_text(name, absences.errors))
            return
        report = await plans.import_absences(
            session, absences, actor=actor, now=now, profile=profile, today=clock.today(), calendar=calendar
        )
    if report.ok:
        await state.clear()
    await message.answer(import_text(name, report, year))
