"""Every employee: the start screen, the language, help."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.deadlines.screens import render_deadlines
from bot.infra.callbacks import TasksCb
from bot.kernel.clock import Clock
from bot.kernel.methodology import Profile
from bot.quarterly.sheets import SheetService
from bot.survey360.questionnaire import QuestionnaireService
from bot.survey360.screens import render_task_list
from handlers.filters import IsEmployee
from handlers.screens import edit_in_place, live_message
from storage.dto import EmployeeDTO
from storage.quarterly import PlanRepo


def create_router() -> Router:
    router = Router(name="common")
    router.message.filter(IsEmployee())
    router.callback_query.filter(IsEmployee())
    router.message.register(on_start, CommandStart())
    router.message.register(on_deadlines, Command("deadlines"))
    router.callback_query.register(on_tasks, TasksCb.filter())
    return router


async def on_start(
    message: Message,
    employee: EmployeeDTO,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    state: FSMContext,
) -> None:
    await state.clear()  # start over: a half-typed comment or application is dropped
    text, markup = await _home(employee, session, profile, clock)
    await message.answer(text, reply_markup=markup)


async def on_tasks(
    query: CallbackQuery, employee: EmployeeDTO, session: AsyncSession, profile: Profile, clock: Clock
) -> None:
    if await live_message(query) is None:
        return
    text, markup = await _home(employee, session, profile, clock)
    await edit_in_place(query, text, markup)
    await query.answer()


async def _home(
    employee: EmployeeDTO, session: AsyncSession, profile: Profile, clock: Clock
) -> tuple[str, InlineKeyboardMarkup]:
    """Everything the person has to fill: 360 questionnaires and quarterly sheets."""
    tasks = await QuestionnaireService(session, profile).open_tasks(employee)
    sheets = await SheetService(session, profile, clock).open_sheets(employee)
    return render_task_list(employee.first_name, tasks, sheets)


async def on_deadlines(
    message: Message, employee: EmployeeDTO, session: AsyncSession, profile: Profile, clock: Clock
) -> None:
    tasks = await QuestionnaireService(session, profile).open_tasks(employee)
    sheets = await SheetService(session, profile, clock).open_sheets(employee)
    plans = await PlanRepo(session).awaiting_approval_by(employee.id)
    await message.answer(render_deadlines(tasks, sheets, plans, clock.today()))
