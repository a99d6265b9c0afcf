"""The direct manager's competency sheet of the 2018 method (appendices 3-4), on the evaluator
router: /legacy lists the sheets, each competency shows its indicators with a toggle each, and
the sheet is reviewed and submitted. Every press is checked by the service (whose sheet, which
state); a refused press is answered and changes nothing."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import (
    CommissionAction,
    CommissionCb,
    LegacyAckCb,
    LegacyAction,
    LegacyCb,
    LegacyDecideCb,
    LegacyPlansCb,
    LegacySheetPdfCb,
    LegacyStage,
    Wait,
)
from bot.infra.waits import Waiting, cancel_markup
from bot.kernel.clock import Clock
from bot.kernel.workdays import WorkCalendar
from bot.legacy2018 import commission as legacy_commission
from bot.legacy2018 import service as legacy
from bot.legacy2018 import sheets as legacy_sheets
from bot.legacy2018.manager_screens import (
    competency_screen,
    decision_refusal_text,
    facts_prompt,
    kpi_screen,
    menu_screen,
    plans_problems,
    plans_prompt,
    plans_saved,
    refusal_text,
    refusal_words,
    return_prompt,
    review_screen,
    sheets_list,
    submitted_screen,
)
from bot.legacy2018.notices import (
    acknowledgement_text,
    case_screen,
    cases_screen,
    revise_screen,
    sheets_pdf_markup,
    vote_refusal_text,
)
from bot.legacy2018.rules import Choice
from bot.legacy2018.service import Refusal
from bot.quarterly.hr_screens import plans_stopped
from bot.quarterly.sheet_screens import nothing_returned
from bot.quarterly.uploads import load_legacy_plans_upload
from bot.reports import files as reports
from handlers.quarterly.hr import read_upload
from handlers.screens import edit_in_place, live_message
from handlers.staff.hr import STAFF_SUFFIXES
from storage.dto import EmployeeDTO
from storage.legacy2018 import LegacyRepo
from storage.staff.employees import EmployeeRepo


class LegacyText(StatesGroup):
    # data: sheet, no, met — the actual value and the facts of one KPI
    facts = Waiting(Wait.LEGACY_FACTS, lambda: _("Stopped: nothing was recorded."))
    # data: sheet, stage — why a plan or KPI sheet is returned
    return_comment = Waiting(Wait.LEGACY_RETURN, nothing_returned)
    plans = Waiting(Wait.LEGACY_PLANS, plans_stopped)  # a plans table (appendix 1) is awaited


def register(router: Router) -> None:
    router.message.register(on_legacy_command, Command("legacy"))
    router.callback_query.register(on_kpi_sheet, LegacyCb.filter(F.action.in_(KPI_ACTIONS)))
    router.callback_query.register(on_legacy, LegacyCb.filter())
    router.message.register(on_facts, F.text, ~F.text.startswith("/"), LegacyText.facts)
    router.callback_query.register(on_decide, LegacyDecideCb.filter())
    router.message.register(on_return_comment, F.text, ~F.text.startswith("/"), LegacyText.return_comment)
    router.callback_query.register(on_plans_button, LegacyPlansCb.filter())
    router.message.register(
        on_plans_table, F.document.file_name.lower().endswith(STAFF_SUFFIXES), LegacyText.plans
    )
    router.message.register(on_commission_command, Command("commission"))
    router.callback_query.register(on_commission, CommissionCb.filter())
    router.callback_query.register(on_acknowledge, LegacyAckCb.filter())
    router.callback_query.register(on_sheets_pdf, LegacySheetPdfCb.filter())


async def on_legacy_command(message: Message, employee: EmployeeDTO, session: AsyncSession) -> None:
    found = await legacy_sheets.sheets_to_fill(session, employee)
    people = await EmployeeRepo(session).many({sheet.employee_id for _, sheet in found})
    text, markup = sheets_list([(campaign, sheet, people[sheet.employee_id]) for campaign, sheet in found])
    await message.answer(text, reply_markup=markup)


async def on_legacy(
    query: CallbackQuery, callback_data: LegacyCb, employee: EmployeeDTO, session: AsyncSession, clock: Clock
) -> None:
    if await live_message(query) is None:
        return
    sheet_id, action = callback_data.sheet, callback_data.action
    if action is LegacyAction.TOGGLE:
        marked = await legacy_sheets.toggle_indicator(
            session, sheet_id, employee, callback_data.competency, callback_data.item
        )
        if isinstance(marked, Refusal):
            await query.answer(refusal_text(marked), show_alert=True)
            return
    if action in (LegacyAction.SHOW, LegacyAction.TOGGLE):
        screen = await legacy_sheets.competency_screen(
            session, sheet_id, employee, callback_data.competency or None
        )
        if isinstance(screen, Refusal):
            await query.answer(refusal_text(screen), show_alert=True)
            return
        if screen.sheet.competencies_submitted_at is not None:  # read-only once submitted
            verdicts = await legacy_sheets.competency_outcomes(session, sheet_id, employee)
            assert not isinstance(verdicts, Refusal)
            await edit_in_place(query, submitted_screen(screen.person, verdicts), None)
        else:
            await edit_in_place(query, *competency_screen(screen))
        await query.answer()
        return
    if action is LegacyAction.REVIEW:
        verdicts = await legacy_sheets.competency_outcomes(session, sheet_id, employee)
    else:
        verdicts = await legacy_sheets.submit_competencies(session, sheet_id, employee, clock.now())
    if isinstance(verdicts, Refusal):
        await query.answer(refusal_text(verdicts), show_alert=True)
        return
    sheet = await LegacyRepo(session).sheet(sheet_id)
    assert sheet is not None
    person = (await EmployeeRepo(session).many({sheet.employee_id}))[sheet.employee_id]
    if action is LegacyAction.REVIEW:
        await edit_in_place(query, *review_screen(sheet_id, person, verdicts))
    else:
        await edit_in_place(query, submitted_screen(person, verdicts), None)
    await query.answer()


# ------------------------------------------------------------------ the commission's vote


async def on_commission_command(message: Message, employee: EmployeeDTO, session: AsyncSession) -> None:
    text, markup = cases_screen(await legacy_commission.cases(session, employee), employee)
    await message.answer(text, reply_markup=markup)


async def on_commission(
    query: CallbackQuery,
    callback_data: CommissionCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    clock: Clock,
) -> None:
    """A member's open vote (004 clauses 32-38): a result is approved, or revised to a grade."""
    if await live_message(query) is None:
        return
    action = callback_data.action
    if action is CommissionAction.LIST:
        await edit_in_place(query, *cases_screen(await legacy_commission.cases(session, employee), employee))
        await query.answer()
        return
    item = await legacy_commission.case(session, employee, callback_data.sheet)
    if isinstance(item, Refusal):
        await query.answer(vote_refusal_text(item), show_alert=True)
        return
    _profile, rules = legacy.rules_of(item.campaign)
    if action is CommissionAction.REVISE and item.my_vote is None:
        await edit_in_place(query, *revise_screen(item, rules))
        await query.answer()
        return
    if action in (CommissionAction.APPROVE, CommissionAction.GRADE):
        choice = Choice.APPROVE if action is CommissionAction.APPROVE else Choice.REVISE
        corrected = callback_data.grade if choice is Choice.REVISE else None
        refused = await legacy_commission.vote(
            session, item.campaign, employee, item.sheet.id, choice, corrected, clock.now()
        )
        if refused is not None:
            await query.answer(vote_refusal_text(refused), show_alert=True)
            return
        voted = await legacy_commission.case(session, employee, item.sheet.id)
        assert not isinstance(voted, Refusal)
        item = voted
    await edit_in_place(query, *case_screen(item, rules))
    await query.answer()


# ------------------------------------------------------------------------ acquaintance


async def on_acknowledge(
    query: CallbackQuery,
    callback_data: LegacyAckCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    clock: Clock,
    calendar: WorkCalendar,
) -> None:
    """ "I have read it" under the result: the acquaintance of 004 clauses 40-41."""
    try:
        refused = await legacy.acquaint(
            session, callback_data.sheet, employee, now=clock.now(), calendar=calendar
        )
    except LookupError:
        refused = Refusal.NOT_YOURS
    await query.answer(acknowledgement_text(refused), show_alert=refused is not None)
    if refused is None and isinstance(query.message, Message):  # read: the sheets stay at hand
        await query.message.edit_reply_markup(reply_markup=sheets_pdf_markup(callback_data.sheet))


# ---------------------------------------------------------------- the year and the KPI sheet

KPI_ACTIONS = (
    LegacyAction.MENU,
    LegacyAction.KPI,
    LegacyAction.MET,
    LegacyAction.NOT_MET,
    LegacyAction.KPI_SUBMIT,
)


async def on_kpi_sheet(
    query: CallbackQuery,
    callback_data: LegacyCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
) -> None:
    if await live_message(query) is None:
        return
    view = await legacy_sheets.overview(session, callback_data.sheet, employee)
    if isinstance(view, Refusal):
        await query.answer(refusal_text(view), show_alert=True)
        return
    action, no = callback_data.action, callback_data.item
    if action is LegacyAction.MENU:
        await edit_in_place(query, *menu_screen(view))
    elif action is LegacyAction.KPI:
        if not view.kpis:
            await query.answer(refusal_text(Refusal.WRONG_STATE), show_alert=True)
            return
        await edit_in_place(query, *kpi_screen(view, no))
    elif action in (LegacyAction.MET, LegacyAction.NOT_MET):
        if not view.kpi_editable or all(k.no != no for k in view.kpis):
            await query.answer(refusal_text(Refusal.WRONG_STATE), show_alert=True)
            return
        met = action is LegacyAction.MET
        await state.set_state(LegacyText.facts)
        await state.update_data(sheet=view.sheet.id, no=no, met=met)
        await edit_in_place(query, facts_prompt(no, met), cancel_markup(LegacyText.facts))
    else:
        refused = await legacy_sheets.submit_kpi_sheet(session, view.sheet.id, employee, clock.now())
        if refused is not None:
            await query.answer(refusal_text(refused), show_alert=True)
            return
        submitted = await legacy_sheets.overview(session, view.sheet.id, employee)
        assert not isinstance(submitted, Refusal)
        await edit_in_place(query, *menu_screen(submitted))
    await query.answer()


async def on_facts(message: Message, employee: EmployeeDTO, session: AsyncSession, state: FSMContext) -> None:
    """The actual value (first line) and the facts (below) of the KPI asked about."""
    data = await state.get_data()
    actual, _newline, facts = (message.text or "").strip().partition("\n")
    if not actual.strip() or not facts.strip():
        await message.answer(
            facts_prompt(int(data["no"]), bool(data["met"])), reply_markup=cancel_markup(LegacyText.facts)
        )
        return
    refused = await legacy_sheets.record_kpi(
        session,
        int(data["sheet"]),
        employee,
        int(data["no"]),
        actual=actual,
        met=bool(data["met"]),
        facts=facts,
    )
    await state.clear()
    if refused is not None:
        await message.answer(refusal_text(refused))
        return
    view = await legacy_sheets.overview(session, int(data["sheet"]), employee)
    assert not isinstance(view, Refusal)
    following = (
        min(int(data["no"]) + 1, len(view.kpis)) if view.kpis_entered < len(view.kpis) else int(data["no"])
    )
    text, markup = kpi_screen(view, following)
    await message.answer(text, reply_markup=markup)


# ------------------------------------------------------------- the superior manager's decision


async def on_decide(
    query: CallbackQuery,
    callback_data: LegacyDecideCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    clock: Clock,
    calendar: WorkCalendar,
    state: FSMContext,
) -> None:
    if await live_message(query) is None:
        return
    if not callback_data.agree:
        # Checked now as well as when the comment comes: a stale button is refused at once.
        found = await LegacyRepo(session).sheet(callback_data.sheet)
        waiting = found is not None and (
            found.plan_status == "submitted"
            if callback_data.stage is LegacyStage.PLAN
            else found.kpi_status == "submitted"
        )
        if found is None or (found.approver_id or found.evaluator_id) != employee.id or not waiting:
            await query.answer(
                decision_refusal_text(Refusal.NOT_YOURS if waiting else Refusal.WRONG_STATE), show_alert=True
            )
            return
        await state.set_state(LegacyText.return_comment)
        await state.update_data(sheet=callback_data.sheet, stage=callback_data.stage.value)
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(return_prompt(), reply_markup=cancel_markup(LegacyText.return_comment))
        return
    refused = await _decide(
        session, employee, callback_data.sheet, callback_data.stage, None, clock, calendar
    )
    await query.answer(decision_refusal_text(refused), show_alert=refused is not None)
    if refused is None and isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)


async def on_return_comment(
    message: Message,
    employee: EmployeeDTO,
    session: AsyncSession,
    clock: Clock,
    calendar: WorkCalendar,
    state: FSMContext,
) -> None:
    data = await state.get_data()
    await state.clear()
    refused = await _decide(
        session, employee, int(data["sheet"]), LegacyStage(data["stage"]), message.text or "", clock, calendar
    )
    await message.answer(decision_refusal_text(refused))


async def _decide(
    session: AsyncSession,
    approver: EmployeeDTO,
    sheet_id: int,
    stage: LegacyStage,
    comment: str | None,
    clock: Clock,
    calendar: WorkCalendar,
) -> Refusal | None:
    agree = comment is None
    try:
        if stage is LegacyStage.PLAN:
            return await legacy_sheets.decide_plan(
                session,
                sheet_id,
                approver,
                approve=agree,
                comment=comment,
                today=clock.today(),
                calendar=calendar,
            )
        return await legacy_sheets.decide_kpi_sheet(
            session,
            sheet_id,
            approver,
            agree=agree,
            comment=comment,
            today=clock.today(),
            now=clock.now(),
            calendar=calendar,
        )
    except LookupError:
        return Refusal.NOT_YOURS


# ----------------------------------------------------------------------------- the plans


async def on_plans_button(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(LegacyText.plans)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(plans_prompt(), reply_markup=cancel_markup(LegacyText.plans))


async def on_plans_table(
    message: Message, bot: Bot, employee: EmployeeDTO, session: AsyncSession, state: FSMContext
) -> None:
    """The manager's plans table: their own people only, exactly 5 KPIs each; all or nothing."""
    read = await read_upload(message, bot)
    if read is None:
        return
    found = await legacy_sheets.sheets_to_fill(session, employee)
    if not found:
        await state.clear()
        await message.answer(sheets_list([])[0])
        return
    campaign = found[-1][0]  # the latest round the manager evaluates in
    _profile, rules = legacy.rules_of(campaign)
    validation = await load_legacy_plans_upload(*read, rules.kpi_count.kpis)
    if not validation.ok:
        await message.answer(plans_problems([e.describe(_) for e in validation.errors]))
        return
    report = await legacy_sheets.import_plans(session, campaign, validation.plans, employee)
    if not report.ok:
        await message.answer(
            plans_problems([f"{code}: {refusal_words(problem)}" for code, problem in report.problems])
        )
        return
    await state.clear()
    await message.answer(plans_saved(len(report.saved)))


async def on_sheets_pdf(
    query: CallbackQuery,
    callback_data: LegacySheetPdfCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    clock: Clock,
    bot: Bot,
) -> None:
    """The sheets as the forms print them, for the person, their direct and superior manager
    (clause 20; HR's head prints them from the command line)."""
    sheet = await LegacyRepo(session).sheet(callback_data.sheet)
    if sheet is None or employee.id not in (sheet.employee_id, sheet.evaluator_id, sheet.approver_id):
        await query.answer(_("These sheets are not yours to see."), show_alert=True)
        return
    await query.answer()
    file = await reports.legacy_sheets(session, sheet.id, clock.now())
    await bot.send_document(query.from_user.id, BufferedInputFile(file.data, file.name), protect_content=True)
