"""Evaluators (managers): filling the quarterly sheets of their people; and the evaluated
person's side: "I have read it" on a quarterly result or a 360 report, the appeal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message, TelegramObject, User
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.calibration import service as calibration
from bot.calibration.screens import vote_text
from bot.calibration.service import VoteRefusal
from bot.infra.callbacks import (
    AcknowledgeCb,
    AppealCb,
    AppealDraftCb,
    AppealStep,
    CalibrationVoteCb,
    PlanCb,
    PlanDecision,
    ReportAckCb,
    SheetCb,
    SheetPdfCb,
    SheetScoreCb,
    Wait,
)
from bot.infra.config import Settings
from bot.infra.formatting import current_locale
from bot.infra.waits import Waiting, cancel_markup
from bot.kernel.clock import Clock
from bot.kernel.methodology import Profile
from bot.kernel.workdays import WorkCalendar
from bot.quarterly import appeals, plans
from bot.quarterly.hr_screens import plans_stopped
from bot.quarterly.plans import Decision
from bot.quarterly.results import sheet_records
from bot.quarterly.rounds import year_result
from bot.quarterly.sheet_screens import (
    appeal_preview,
    appeal_text,
    nothing_returned,
    render_result,
    render_sheet_screen,
    sheet_refusal_text,
)
from bot.quarterly.sheets import SheetOutcome, SheetService, parse_score
from bot.reports.jobs import PDF_SHEET, ReportJobs, ReportRequest
from bot.staff.access import Actor
from bot.survey360.results import acknowledge_report
from handlers.filters import IsEmployee
from handlers.legacy2018 import sheets as legacy_sheets
from handlers.quarterly.hr import read_upload, save_plans, year_and_reason
from handlers.screens import edit_in_place, live_message
from handlers.staff.hr import STAFF_SUFFIXES
from storage.dto import EmployeeDTO
from storage.quarterly import PlanRepo, QuarterRepo, SheetDTO


class AwaitingSheetText(Filter):
    """The sender has a sheet on screen that asks them to type something (a comment, a
    justification, a score): the database says so, not the bot's memory."""

    async def __call__(
        self, event: TelegramObject, session: AsyncSession, employee: EmployeeDTO | None = None
    ) -> bool | dict[str, Any]:
        if employee is None:
            return False
        sheet = await QuarterRepo(session).awaiting_text(employee.id)
        return {"awaiting_sheet": sheet} if sheet is not None else False


class PlanReturn(StatesGroup):
    comment = Waiting(Wait.PLAN_RETURN, nothing_returned)  # data: the plan's id


class AppealText(StatesGroup):
    text = Waiting(Wait.APPEAL, lambda: _("The application was not sent."))  # data: the sheet


class VoteProposal(StatesGroup):
    # data: the appeal
    score_and_reason = Waiting(
        Wait.PROPOSAL, lambda: _("Stopped: no vote was cast; the session's buttons still take it.")
    )


class PlanDraft(StatesGroup):
    table = Waiting(Wait.PLAN_DRAFT, plans_stopped)  # data: the year and the reason of a change


def create_router() -> Router:
    router = Router(name="evaluator")
    router.callback_query.filter(IsEmployee())
    router.message.filter(IsEmployee())
    router.callback_query.register(on_navigate, SheetCb.filter())
    router.callback_query.register(on_score, SheetScoreCb.filter())
    router.callback_query.register(on_acknowledge, AcknowledgeCb.filter())
    router.callback_query.register(on_report_acknowledge, ReportAckCb.filter())
    router.callback_query.register(on_sheet_pdf, SheetPdfCb.filter())
    router.callback_query.register(on_appeal, AppealCb.filter())
    router.callback_query.register(on_vote, CalibrationVoteCb.filter())
    router.message.register(on_proposal, F.text, ~F.text.startswith("/"), VoteProposal.score_and_reason)
    router.message.register(on_appeal_text, F.text, ~F.text.startswith("/"), AppealText.text)
    router.callback_query.register(on_appeal_draft, AppealDraftCb.filter())
    router.callback_query.register(on_plan_decision, PlanCb.filter())
    router.message.register(on_plan_command, Command("plan"))
    router.message.register(
        on_plan_table, F.document.file_name.lower().endswith(STAFF_SUFFIXES), PlanDraft.table
    )
    # The comment of a returned plan first: a sheet may await text from the same person.
    router.message.register(on_return_comment, F.text, ~F.text.startswith("/"), PlanReturn.comment)
    router.message.register(on_typed, F.text, ~F.text.startswith("/"), AwaitingSheetText())
    legacy_sheets.register(router)  # the 2018 method's competency sheet
    return router


async def on_navigate(
    query: CallbackQuery,
    callback_data: SheetCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    calendar: WorkCalendar,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    outcome = await SheetService(session, profile, clock, calendar).navigate(
        employee, callback_data.sheet, callback_data.action, callback_data.item, message.message_id
    )
    await _show(query, outcome, profile)


async def on_score(
    query: CallbackQuery,
    callback_data: SheetScoreCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    calendar: WorkCalendar,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    score = Decimal(callback_data.hundredths) / 100
    outcome = await SheetService(session, profile, clock, calendar).score(
        employee, callback_data.sheet, callback_data.item, score, message.message_id
    )
    await _show(query, outcome, profile)


async def on_typed(
    message: Message,
    employee: EmployeeDTO,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    calendar: WorkCalendar,
    awaiting_sheet: SheetDTO,
) -> None:
    service = SheetService(session, profile, clock, calendar)
    outcome = await service.typed(employee, awaiting_sheet, message.text or "")
    if outcome.screen is None:
        await message.answer(sheet_refusal_text(outcome))
        return
    text, markup = render_sheet_screen(outcome.screen, profile)
    sent = await message.answer(text, reply_markup=markup)
    await service.bind_message(awaiting_sheet.id, sent.message_id)


async def on_acknowledge(
    query: CallbackQuery,
    callback_data: AcknowledgeCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
) -> None:
    if await SheetService(session, profile, clock).acknowledge(employee, callback_data.sheet):
        if isinstance(query.message, Message):
            # The result is shown again with a mark that it was read, and when: a toast vanishes.
            sheet = await QuarterRepo(session).sheet(callback_data.sheet)
            assert sheet is not None  # acknowledged just now
            records = await sheet_records(session, profile, sheet.campaign.id, sheet_id=sheet.id)
            year = await year_result(session, profile, employee.id, sheet.campaign.year)
            text, markup = render_result(records[0], year, profile)
            await query.message.edit_text(text, reply_markup=markup)
        await query.answer(_("Thank you: noted that you have read the result."), show_alert=True)
    else:
        await query.answer(_("Already noted, or this result is not yours."))


async def on_report_acknowledge(
    query: CallbackQuery,
    callback_data: ReportAckCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    clock: Clock,
) -> None:
    if await acknowledge_report(session, employee, callback_data.subject, clock.now()):
        if isinstance(query.message, Message):
            await query.message.edit_reply_markup(reply_markup=None)
        await query.answer(_("Thank you: noted that you have read the result."), show_alert=True)
    else:
        await query.answer(_("Already noted, or this result is not yours."))


async def on_sheet_pdf(
    query: CallbackQuery,
    callback_data: SheetPdfCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    report_jobs: ReportJobs,
    bot: Bot,
) -> None:
    """Clause 20: the evaluated person and their evaluator (HR's head has the workbook)."""
    sheet = await QuarterRepo(session).sheet(callback_data.sheet)
    if (
        sheet is None
        or employee.id not in (sheet.employee.id, sheet.evaluator_id)
        or sheet.status != "submitted"
    ):
        await query.answer(_("This sheet is not yours to see."), show_alert=True)
        return
    # Drawn beside the updates (bot/reports/jobs.py); the press is answered at once.
    request = ReportRequest(
        sheet.campaign.id,
        str(sheet.id),
        query.from_user.id,
        _actor(query.from_user),
        current_locale(),
        PDF_SHEET,
    )
    started = await report_jobs.request(session, bot, request)
    await query.answer(
        _("Preparing the file…") if started else _("These reports are being prepared already.")
    )


async def on_appeal(
    query: CallbackQuery,
    callback_data: AppealCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    clock: Clock,
    calendar: WorkCalendar,
    settings: Settings,
    state: FSMContext,
) -> None:
    outcome = await appeals.check_appeal(
        session, employee, callback_data.sheet, today=clock.today(), calendar=calendar, zone=settings.zone
    )
    if outcome.refusal is not None:
        await query.answer(appeal_text(outcome), show_alert=True)
        return
    await state.set_state(AppealText.text)
    await state.update_data(sheet=callback_data.sheet)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(appeal_text(outcome), reply_markup=cancel_markup(AppealText.text))


async def on_appeal_text(message: Message, state: FSMContext) -> None:
    """The typed application is shown back with Send / Edit / Cancel: nothing is filed yet."""
    data = await state.get_data()
    problem = appeals.application_problem(message.text or "")
    if problem is not None:
        await message.answer(appeal_text(appeals.AppealOutcome(problem)))
        return
    await state.update_data(application=(message.text or "").strip())
    text, markup = appeal_preview(int(data["sheet"]), message.text or "", AppealText.text)
    await message.answer(text, reply_markup=markup)


async def on_appeal_draft(
    query: CallbackQuery,
    callback_data: AppealDraftCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    clock: Clock,
    calendar: WorkCalendar,
    settings: Settings,
    state: FSMContext,
    event_from_user: User,
) -> None:
    data = await state.get_data()
    if await state.get_state() != AppealText.text or data.get("sheet") != callback_data.sheet:
        await query.answer(_("This application is no longer being written."), show_alert=True)
        return
    message = query.message if isinstance(query.message, Message) else None
    # "Send" under an older preview, after "Edit": nothing stands to be sent until it is rewritten.
    if callback_data.step is AppealStep.EDIT or not data.get("application"):
        await state.update_data(application=None)
        await query.answer()
        if message is not None:
            await message.edit_text(
                _("Write the application again, as one message."), reply_markup=cancel_markup(AppealText.text)
            )
        return
    outcome = await appeals.file_appeal(
        session,
        employee,
        callback_data.sheet,
        str(data["application"]),
        calendar=calendar,
        zone=settings.zone,
        now=clock.now(),
        actor=_actor(event_from_user),
    )
    await state.clear()
    await query.answer()
    if message is not None:
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(appeal_text(outcome))


async def on_vote(
    query: CallbackQuery,
    callback_data: CalibrationVoteCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    state: FSMContext,
    event_from_user: User,
) -> None:
    if not callback_data.support:
        await state.set_state(VoteProposal.score_and_reason)
        await state.update_data(appeal=callback_data.appeal)
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(
                _("Write the score you propose, then the reason, e.g. “3,75 deadlines were met”."),
                reply_markup=cancel_markup(VoteProposal.score_and_reason),
            )
        return
    outcome = await calibration.cast_vote(
        session,
        profile,
        callback_data.appeal,
        employee,
        None,
        None,
        now=clock.now(),
        actor=_actor(event_from_user),
    )
    if outcome.refusal is None and isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    await query.answer(vote_text(outcome), show_alert=True)


async def on_proposal(
    message: Message,
    employee: EmployeeDTO,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    state: FSMContext,
    event_from_user: User,
) -> None:
    words = (message.text or "").split(maxsplit=1)
    score = parse_score(words[0]) if words else None
    if score is None:
        await message.answer(_("Please start with the score, e.g. “3,75 deadlines were met”."))
        return
    data = await state.get_data()
    outcome = await calibration.cast_vote(
        session,
        profile,
        int(data["appeal"]),
        employee,
        score,
        words[1] if len(words) > 1 else None,
        now=clock.now(),
        actor=_actor(event_from_user),
    )
    if outcome.refusal not in (VoteRefusal.OUT_OF_RANGE, VoteRefusal.REASON_REQUIRED):
        await state.clear()
    await message.answer(vote_text(outcome))


async def _show(query: CallbackQuery, outcome: SheetOutcome, profile: Profile) -> None:
    if outcome.screen is not None:
        text, markup = render_sheet_screen(outcome.screen, profile)
        await edit_in_place(query, text, markup)
    await query.answer(sheet_refusal_text(outcome) if outcome.refusal else None)


async def on_plan_decision(
    query: CallbackQuery,
    callback_data: PlanCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
    event_from_user: User,
) -> None:
    if callback_data.decision is PlanDecision.RETURN:
        plan = await PlanRepo(session).get(callback_data.plan)
        refusal = None
        if plan is None or plan.approver_id != employee.id:
            refusal = Decision.NOT_YOURS
        elif plan.status != "submitted":
            refusal = Decision.ALREADY_DECIDED
        if refusal is not None:
            await query.answer(_decision_text(refusal), show_alert=True)
            return
        await state.set_state(PlanReturn.comment)
        await state.update_data(plan=callback_data.plan)
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(
                _("Write what should be corrected in the plan (one message)."),
                reply_markup=cancel_markup(PlanReturn.comment),
            )
        return
    outcome = await plans.decide_plan(
        session,
        callback_data.plan,
        employee,
        approve=True,
        comment=None,
        actor=_actor(event_from_user),
        now=clock.now(),
    )
    if outcome is Decision.APPROVED and isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    await query.answer(_decision_text(outcome), show_alert=True)


async def on_return_comment(
    message: Message,
    employee: EmployeeDTO,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
    event_from_user: User,
) -> None:
    data = await state.get_data()
    outcome = await plans.decide_plan(
        session,
        int(data["plan"]),
        employee,
        approve=False,
        comment=message.text,
        actor=_actor(event_from_user),
        now=clock.now(),
    )
    if outcome is not Decision.COMMENT_REQUIRED:
        await state.clear()
    await message.answer(_decision_text(outcome))


async def on_plan_command(
    message: Message,
    command: CommandObject,
    employee: EmployeeDTO,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
) -> None:
    """An evaluator drafts their heads' work plans (appendix 1): a table with their heads
    prefilled, to fill in and send back."""
    year, reason = year_and_reason(command.args, clock)
    if year is None:
        await message.answer(_("Write the year after /plan, e.g. /plan 2026."))
        return
    template = await plans.plan_template(session, employee)
    if template is None:
        await message.answer(
            _("Nobody reporting to you is a head of unit: work plans with KPIs are for heads.")
        )
        return
    await state.set_state(PlanDraft.table)
    await state.update_data(year=year, reason=reason)
    await message.answer_document(
        BufferedInputFile(template.encode("utf-8-sig"), f"work-plans-{year}.csv"),
        caption=_(
            "Work plans {year}: 3 to 5 KPIs per head (appendix 1). Fill in the table (direction: higher or lower; "
            "a planned value for each quarter the KPI counts in) and send it back. Your manager approves the plans."
        ).format(year=year),
        reply_markup=cancel_markup(PlanDraft.table),
    )


async def on_plan_table(
    message: Message,
    bot: Bot,
    employee: EmployeeDTO,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    calendar: WorkCalendar,
    state: FSMContext,
    event_from_user: User,
) -> None:
    read = await read_upload(message, bot)
    if read is None:
        return
    upload = await state.get_data()
    report = await save_plans(
        message,
        *read,
        session,
        profile,
        clock,
        _actor(event_from_user),
        upload,
        calendar,
        drafted_by=employee,
    )
    if report is not None and report.ok:
        await state.clear()


def _actor(user: User) -> Actor:
    return Actor(user.id, frozenset())


def _decision_text(decision: Decision) -> str:
    texts = {
        Decision.APPROVED: _("The plan is approved; the evaluator has been told."),
        Decision.RETURNED: _(
            "The plan is returned for correction with your comment; the evaluator has been told."
        ),
        Decision.NOT_YOURS: _("This plan does not await your approval."),
        Decision.ALREADY_DECIDED: _("This plan has already been decided."),
        Decision.COMMENT_REQUIRED: _("Please write what should be corrected."),
    }
    return texts[decision]
