"""The direct manager's competency sheet of the 2018 method (appendices 3-4), on the evaluator
router: /legacy lists the sheets, each competency shows its indicators with a toggle each, and
the sheet is reviewed and submitted. Every press is checked by the service (whose sheet, which
state); a refused press is answered and changes nothing."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import CommissionAction, CommissionCb, LegacyAckCb, LegacyAction, LegacyCb
from bot.clock import Clock
from bot.domain.legacy import Choice
from bot.domain.workdays import WorkCalendar
from bot.services import legacy
from bot.services.legacy import Refusal
from bot.ui.legacy import competency_screen, refusal_text, review_screen, sheets_list, submitted_screen
from bot.ui.legacy_notices import (
    acknowledgement_text,
    case_screen,
    cases_screen,
    revise_screen,
    vote_refusal_text,
)
from handlers.screens import edit_in_place, live_message
from storage.dto import EmployeeDTO
from storage.employees import EmployeeRepo
from storage.legacy import LegacyRepo


def register(router: Router) -> None:
    router.message.register(on_legacy_command, Command("legacy"))
    router.callback_query.register(on_legacy, LegacyCb.filter())
    router.message.register(on_commission_command, Command("commission"))
    router.callback_query.register(on_commission, CommissionCb.filter())
    router.callback_query.register(on_acknowledge, LegacyAckCb.filter())


async def on_legacy_command(message: Message, employee: EmployeeDTO, session: AsyncSession) -> None:
    found = await legacy.sheets_to_fill(session, employee)
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
        marked = await legacy.toggle_indicator(
            session, sheet_id, employee, callback_data.competency, callback_data.item
        )
        if isinstance(marked, Refusal):
            await query.answer(refusal_text(marked), show_alert=True)
            return
    if action in (LegacyAction.SHOW, LegacyAction.TOGGLE):
        screen = await legacy.competency_screen(session, sheet_id, employee, callback_data.competency or None)
        if isinstance(screen, Refusal):
            await query.answer(refusal_text(screen), show_alert=True)
            return
        if screen.sheet.competencies_submitted_at is not None:  # read-only once submitted
            verdicts = await legacy.competency_outcomes(session, sheet_id, employee)
            assert not isinstance(verdicts, Refusal)
            await edit_in_place(query, submitted_screen(screen.person, verdicts), None)
        else:
            await edit_in_place(query, *competency_screen(screen))
        await query.answer()
        return
    if action is LegacyAction.REVIEW:
        verdicts = await legacy.competency_outcomes(session, sheet_id, employee)
    else:
        verdicts = await legacy.submit_competencies(session, sheet_id, employee, clock.now())
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
    text, markup = cases_screen(await legacy.cases(session, employee), employee)
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
        await edit_in_place(query, *cases_screen(await legacy.cases(session, employee), employee))
        await query.answer()
        return
    item = await legacy.case(session, employee, callback_data.sheet)
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
        refused = await legacy.vote(
            session, item.campaign, employee, item.sheet.id, choice, corrected, clock.now()
        )
        if refused is not None:
            await query.answer(vote_refusal_text(refused), show_alert=True)
            return
        voted = await legacy.case(session, employee, item.sheet.id)
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
    if refused is None and isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
