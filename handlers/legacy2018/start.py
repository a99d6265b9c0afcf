"""HR starts a year under the 2018 method in Telegram: /legacyrounds → «Start a year» (or
/newround when the organisation's own profile is a 2018 one) → the profile → the year → the
deadline → a confirmation with who is and is not evaluated → Start. The year is made by
bot/legacy2018/service.py start_year, the same as the command line's legacy-start; the state holds
only the choices so far, and a refused step changes nothing."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import LegacyStartAction, LegacyStartCb
from bot.infra.config import Settings
from bot.kernel.access import Permission
from bot.kernel.clock import Clock
from bot.kernel.methodology import load_profile
from bot.kernel.workdays import WorkCalendar
from bot.legacy2018 import service as legacy
from bot.legacy2018.rules import StartProblem, deadline_problem, example_deadline, year_problem
from bot.legacy2018.service import LEGACY_PROFILES, LegacyError, Refusal
from bot.legacy2018.start_screens import (
    confirmation,
    deadline_question,
    deadline_refusal,
    profile_question,
    stale_text,
    started_text,
    year_question,
    year_refusal,
)
from bot.staff.access import Actor
from bot.staff.rules import parse_date
from handlers.filters import HasPermission
from handlers.legacy2018.hr import round_view
from handlers.screens import live_message


class LegacyStart(StatesGroup):
    profile = State()
    year = State()  # data: profile
    deadline = State()  # data: profile, year
    confirm = State()  # data: profile, year, deadline


def create_router() -> Router:
    router = Router(name="hr-legacy-start")
    router.message.filter(HasPermission(Permission.RUN_ROUNDS))
    router.callback_query.filter(HasPermission(Permission.RUN_ROUNDS))
    router.message.register(on_cancel, Command("cancel"), StateFilter(LegacyStart))
    router.callback_query.register(on_begin, LegacyStartCb.filter(F.action == LegacyStartAction.BEGIN))
    router.callback_query.register(
        on_cancel_button, LegacyStartCb.filter(F.action == LegacyStartAction.CANCEL), StateFilter(LegacyStart)
    )
    router.callback_query.register(
        on_profile, LegacyStartCb.filter(F.action == LegacyStartAction.PROFILE), LegacyStart.profile
    )
    router.callback_query.register(
        on_year_button, LegacyStartCb.filter(F.action == LegacyStartAction.YEAR), LegacyStart.year
    )
    router.message.register(on_year_text, LegacyStart.year, F.text)
    router.message.register(on_deadline, LegacyStart.deadline, F.text)
    router.callback_query.register(
        on_start, LegacyStartCb.filter(F.action == LegacyStartAction.START), LegacyStart.confirm
    )
    # A button of a step that is over (pressed twice, or on an older screen): nothing changes.
    router.callback_query.register(on_stale, LegacyStartCb.filter())
    router.message.register(on_unexpected, StateFilter(LegacyStart))
    return router


def default_profile(settings: Settings) -> str | None:
    """The organisation's own profile when it is a 2018 one."""
    return settings.methodology_profile if settings.methodology_profile in LEGACY_PROFILES else None


async def ask_year(message: Message, state: FSMContext, code: str, clock: Clock) -> None:
    """The year's question, the profile chosen (also /newround's way in under a 2018 profile)."""
    await state.set_state(LegacyStart.year)
    await state.update_data(profile=code)
    text, markup = year_question(code, clock.today().year)
    await message.answer(text, reply_markup=markup)


async def on_begin(query: CallbackQuery, state: FSMContext, settings: Settings) -> None:
    message = await live_message(query)
    if message is None:
        return
    await state.clear()
    await state.set_state(LegacyStart.profile)
    text, markup = profile_question(default_profile(settings))
    await message.answer(text, reply_markup=markup)
    await query.answer()


async def on_profile(
    query: CallbackQuery, callback_data: LegacyStartCb, state: FSMContext, clock: Clock
) -> None:
    message = await live_message(query)
    if message is None:
        return
    if not 0 <= callback_data.value < len(LEGACY_PROFILES):
        await query.answer(stale_text(), show_alert=True)
        return
    await ask_year(message, state, LEGACY_PROFILES[callback_data.value], clock)
    await query.answer()


async def _take_year(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    year: int,
    clock: Clock,
    calendar: WorkCalendar,
) -> None:
    today = clock.today()
    problem = year_problem(year, today)
    if problem is not None or await legacy.year_taken(session, year):
        await message.answer(year_refusal(problem, today.year))
        return
    await state.update_data(year=year)
    await state.set_state(LegacyStart.deadline)
    await message.answer(deadline_question(year, example_deadline(year, today, calendar)))


async def on_year_button(
    query: CallbackQuery,
    callback_data: LegacyStartCb,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    calendar: WorkCalendar,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    await _take_year(message, state, session, callback_data.value, clock, calendar)
    await query.answer()


async def on_year_text(
    message: Message, state: FSMContext, session: AsyncSession, clock: Clock, calendar: WorkCalendar
) -> None:
    text = (message.text or "").strip()
    if not text.isdigit():
        await message.answer(year_refusal(StartProblem.YEAR, clock.today().year))
        return
    await _take_year(message, state, session, int(text), clock, calendar)


async def on_deadline(
    message: Message, state: FSMContext, session: AsyncSession, clock: Clock, calendar: WorkCalendar
) -> None:
    data = await state.get_data()
    year, today = int(data["year"]), clock.today()
    deadline = parse_date((message.text or "").strip())
    problem = deadline_problem(year, deadline, today, calendar) if deadline else None
    if deadline is None or problem is not None:
        # On a day off, the working day after it; otherwise a date that would be accepted.
        if deadline is not None and problem is StartProblem.DAY_OFF:
            example = calendar.on_or_after(deadline)
        else:
            example = example_deadline(year, today, calendar)
        await message.answer(deadline_refusal(problem, year, example))
        return
    preview = await legacy.preview_year(session, load_profile(str(data["profile"])), year, calendar)
    if isinstance(preview, Refusal):  # started meanwhile (another HR officer, the command line)
        await state.clear()
        await message.answer(year_refusal(None, today.year))
        return
    await state.update_data(deadline=deadline.isoformat())
    await state.set_state(LegacyStart.confirm)
    text, markup = confirmation(preview, deadline, today)
    await message.answer(text, reply_markup=markup)


async def on_start(
    query: CallbackQuery,
    callback_data: LegacyStartCb,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    calendar: WorkCalendar,
    actor: Actor,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    data = await state.get_data()
    if int(data.get("year", 0)) != callback_data.value:  # the button of an older confirmation
        await query.answer(stale_text(), show_alert=True)
        return
    await state.clear()
    try:
        started = await legacy.start_year(
            session,
            load_profile(str(data["profile"])),
            callback_data.value,
            date.fromisoformat(str(data["deadline"])),
            calendar,
            today=clock.today(),
            now=clock.now(),
            actor=actor,
        )
    except LegacyError:  # the year was started meanwhile
        await query.answer(year_refusal(None, clock.today().year), show_alert=True)
        return
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(started_text(started.campaign.year, started.sheets))
    text, markup = await round_view(session, started.campaign)
    await message.answer(text, reply_markup=markup)
    await query.answer()


async def on_cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Stopped: no year was started."))


async def on_cancel_button(query: CallbackQuery, state: FSMContext) -> None:
    message = await live_message(query)
    if message is None:
        return
    await state.clear()
    await message.answer(_("Stopped: no year was started."))
    await query.answer()


async def on_stale(query: CallbackQuery) -> None:
    await query.answer(stale_text(), show_alert=True)


async def on_unexpected(message: Message) -> None:
    await message.answer(_("Please answer the question above, or send /cancel to stop."))
