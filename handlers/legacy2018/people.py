"""HR records a person's step of a 2018-method year in /legacyrounds: absent during the evaluation
(004 clause 4), a refusal to acquaint themselves with the result (clauses 41-42), an appeal to the
civil service agency (clause 43). HR types the person (a name or a staff id), then the date or the
act; the step is recorded by the same functions of bot/legacy2018/service.py as the command line's
legacy-absent, legacy-refusal and legacy-appeal. The state holds only the round, the step and the
sheet; a refused or unreadable answer changes nothing."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import LegacyRoundAction, LegacyRoundCb
from bot.kernel.access import Permission
from bot.kernel.clock import Clock
from bot.kernel.workdays import WorkCalendar
from bot.legacy2018 import people_screens as ui
from bot.legacy2018 import service as legacy
from bot.legacy2018.hr_screens import setup_refusal
from bot.legacy2018.rules import back_from_absence
from bot.legacy2018.service import LegacyError, Refusal
from bot.staff.access import Actor
from bot.staff.rules import parse_date
from handlers.filters import HasPermission
from handlers.legacy2018.hr import round_view
from handlers.screens import live_message
from storage.dto import CampaignDTO, EmployeeDTO
from storage.legacy2018 import LEGACY, LegacyRepo, LegacySheetDTO
from storage.staff.employees import EmployeeRepo
from storage.survey360.campaigns import CampaignRepo

STEPS = (LegacyRoundAction.ABSENT, LegacyRoundAction.REFUSAL, LegacyRoundAction.APPEAL)


class LegacyPerson(StatesGroup):
    person = State()  # data: campaign, action
    detail = State()  # data: campaign, action, sheet


def create_router() -> Router:
    router = Router(name="hr-legacy-people")
    router.message.filter(HasPermission(Permission.RUN_ROUNDS))
    router.callback_query.filter(HasPermission(Permission.RUN_ROUNDS))
    router.message.register(on_cancel, Command("cancel"), StateFilter(LegacyPerson))
    router.callback_query.register(on_begin, LegacyRoundCb.filter(F.action.in_(STEPS)))
    router.message.register(on_person, F.text, ~F.text.startswith("/"), LegacyPerson.person)
    router.message.register(on_detail, F.text, ~F.text.startswith("/"), LegacyPerson.detail)
    return router


async def _round(session: AsyncSession, campaign_id: int) -> CampaignDTO | None:
    campaign = await CampaignRepo(session).get(campaign_id)
    return campaign if campaign is not None and campaign.kind == LEGACY else None


async def on_begin(
    query: CallbackQuery, callback_data: LegacyRoundCb, session: AsyncSession, state: FSMContext
) -> None:
    message = await live_message(query)
    if message is None:
        return
    if await _round(session, callback_data.campaign) is None:  # a button of a round that is gone
        await query.answer(setup_refusal(Refusal.WRONG_STATE), show_alert=True)
        return
    await state.clear()
    await state.set_state(LegacyPerson.person)
    await state.update_data(campaign=callback_data.campaign, action=callback_data.action.value)
    await message.answer(ui.person_question(callback_data.action))
    await query.answer()


async def on_person(message: Message, session: AsyncSession, state: FSMContext) -> None:
    data = await state.get_data()
    campaign = await _round(session, int(data.get("campaign", 0)))
    if campaign is None:
        await state.clear()
        await message.answer(setup_refusal(Refusal.WRONG_STATE))
        return
    text = (message.text or "").strip()
    found = await legacy.find_in_year(session, campaign, text)
    if len(found.evaluated) != 1:  # the state stays: HR may type again
        if not found.matched:
            await message.answer(ui.nobody_found(text))
        elif not found.evaluated:
            await message.answer(ui.not_in_year(found.matched, campaign.year))
        else:
            await message.answer(ui.several_found([person for person, _sheet in found.evaluated]))
        return
    person, sheet = found.evaluated[0]
    action = LegacyRoundAction(data["action"])
    if action is not LegacyRoundAction.ABSENT and not sheet.released:
        await state.clear()
        await message.answer(ui.not_decided(person, sheet))
        return
    await state.update_data(sheet=sheet.id)
    await state.set_state(LegacyPerson.detail)
    await message.answer(ui.detail_question(action, person))


async def _chosen(
    session: AsyncSession, data: dict[str, object]
) -> tuple[LegacySheetDTO, EmployeeDTO] | None:
    sheet = await LegacyRepo(session).sheet(int(str(data.get("sheet", 0))))
    person = await EmployeeRepo(session).get(sheet.employee_id) if sheet is not None else None
    return (sheet, person) if sheet is not None and person is not None else None


async def on_detail(
    message: Message,
    session: AsyncSession,
    state: FSMContext,
    clock: Clock,
    calendar: WorkCalendar,
    actor: Actor,
) -> None:
    data = await state.get_data()
    chosen = await _chosen(session, data)
    campaign = await _round(session, chosen[0].campaign_id) if chosen is not None else None
    if chosen is None or campaign is None:
        await state.clear()
        await message.answer(setup_refusal(Refusal.WRONG_STATE))
        return
    sheet, person = chosen
    text = (message.text or "").strip()
    steps = {
        LegacyRoundAction.ABSENT: _absent,
        LegacyRoundAction.REFUSAL: _refusal,
        LegacyRoundAction.APPEAL: _appeal,
    }
    reply, finished = await steps[LegacyRoundAction(data["action"])](
        session, sheet, person, text, clock, calendar, actor
    )
    await message.answer(reply)
    if not finished:  # unreadable: the question stands
        return
    await state.clear()
    screen, markup = await round_view(session, campaign)
    await message.answer(screen, reply_markup=markup)


Reply = tuple[str, bool]  # the reply, and whether the step is over (recorded or refused)


async def _absent(
    session: AsyncSession,
    sheet: LegacySheetDTO,
    person: EmployeeDTO,
    text: str,
    clock: Clock,
    calendar: WorkCalendar,
    actor: Actor,
) -> Reply:
    until = parse_date(text)
    if until is None:
        return ui.date_refusal(), False
    try:
        due = await legacy.mark_absent(
            session, sheet.id, until, calendar=calendar, actor=actor, now=clock.now()
        )
    except LegacyError:  # the profile has no rule for absences (kz-2018-koksu)
        return ui.no_absence_rule(), True
    if isinstance(due, Refusal):
        return ui.absent_refused(person), True
    return ui.absent_recorded(person, until, back_from_absence(until, calendar), due), True


async def _refusal(
    session: AsyncSession,
    sheet: LegacySheetDTO,
    person: EmployeeDTO,
    text: str,
    clock: Clock,
    calendar: WorkCalendar,
    actor: Actor,
) -> Reply:
    refused = await legacy.record_refusal(
        session, sheet.id, text, actor=actor, now=clock.now(), calendar=calendar
    )
    if refused is Refusal.INCOMPLETE:
        return ui.empty_act(), False
    if refused is Refusal.NOT_READY:
        return ui.not_decided(person, sheet), True
    if refused is not None:
        return ui.refusal_refused(person), True
    return ui.refusal_recorded(person), True


async def _appeal(
    session: AsyncSession,
    sheet: LegacySheetDTO,
    person: EmployeeDTO,
    text: str,
    clock: Clock,
    calendar: WorkCalendar,
    actor: Actor,
) -> Reply:
    filed_on = parse_date(text)
    if filed_on is None:
        return ui.date_refusal(), False
    if filed_on > clock.today():
        return ui.future_refusal(), False
    late = await legacy.note_appeal(session, sheet.id, filed_on, actor=actor, now=clock.now())
    if isinstance(late, Refusal):
        return ui.appeal_refused(person), True
    return ui.appeal_recorded(person, filed_on, late), True


async def on_cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(ui.stopped())
