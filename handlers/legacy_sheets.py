"""The direct manager's competency sheet of the 2018 method (appendices 3-4), on the evaluator
router: /legacy lists the sheets, each competency shows its indicators with a toggle each, and
the sheet is reviewed and submitted. Every press is checked by the service (whose sheet, which
state); a refused press is answered and changes nothing."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import LegacyAction, LegacyCb
from bot.clock import Clock
from bot.services import legacy
from bot.services.legacy import Refusal
from bot.ui.legacy import competency_screen, refusal_text, review_screen, sheets_list, submitted_screen
from handlers.screens import edit_in_place, live_message
from storage.dto import EmployeeDTO
from storage.employees import EmployeeRepo
from storage.legacy import LegacyRepo


def register(router: Router) -> None:
    router.message.register(on_legacy_command, Command("legacy"))
    router.callback_query.register(on_legacy, LegacyCb.filter())


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
