"""HR records a person's step of a 2018-method year in /legacyrounds: absent during the evaluation
(004 clause 4), a refusal to acquaint themselves with the result (clauses 41-42), an appeal to the
civil service agency (clause 43). A wizard on aiogram-dialog (bot/infra/dialogs): HR types part
of a name and presses the person among those the year evaluates (the people picker), then
chooses the date in the calendar (typed, for a day off) or types the act; ◀ Back and ✖ Cancel on
every window. The step is recorded by the same functions of bot/legacy2018/service.py as the
command line's legacy-absent, legacy-refusal and legacy-appeal. The wizard holds only the round,
the step and the sheet; a refused or unreadable answer changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from aiogram import F, Router
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import ChatEvent, Dialog, DialogManager, StartMode, Window
from aiogram_dialog.widgets.input import ManagedTextInput, TextInput
from aiogram_dialog.widgets.kbd import ManagedCalendar
from aiogram_dialog.widgets.text import Format, Multi
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import LegacyRoundAction, LegacyRoundCb
from bot.infra.dialogs import back_and_cancel, refuse, send, wizard
from bot.infra.dialogs.calendar import DayRange, WorkdayCalendar
from bot.infra.dialogs.people import PeoplePicker
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
from handlers.filters import guarded
from handlers.legacy2018.hr import round_view
from handlers.screens import live_message
from storage.dto import CampaignDTO, EmployeeDTO
from storage.legacy2018 import LegacyRepo, LegacySheetDTO
from storage.staff.employees import EmployeeRepo

STEPS = (LegacyRoundAction.ABSENT, LegacyRoundAction.REFUSAL, LegacyRoundAction.APPEAL)


class LegacyPerson(StatesGroup):
    person = State()  # start data: campaign, action
    day = State()  # dialog data: sheet (an absence, an appeal)
    act = State()  # dialog data: sheet (a refusal)


def create_router() -> Router:
    """On the wizards' router (handlers/wizards.py): the round screen's three buttons, and the wizard."""
    router = Router(name="hr-legacy-people")
    guarded(router, Permission.RUN_ROUNDS)
    router.callback_query.register(on_begin, LegacyRoundCb.filter(F.action.in_(STEPS)))
    router.include_router(_dialog())
    return router


PICKER_ID = "who"


def _dialog() -> Dialog:
    picker = PeoplePicker(PICKER_ID, _evaluated, on_pick=on_person)
    dialog = wizard(
        Window(
            Multi(Format("{question}"), picker.status),
            *picker.widgets,
            back_and_cancel(ui.stopped, back=False),
            state=LegacyPerson.person,
            getter=[person_getter, picker.getter],
        ),
        Window(
            Format("{question}"),
            # The last day of an absence, the day an appeal was filed: days that may have passed.
            WorkdayCalendar("day", on_day, _day_range, past=True),
            TextInput(id="day_typed", on_success=on_day_typed),
            back_and_cancel(ui.stopped),
            state=LegacyPerson.day,
            getter=detail_getter,
        ),
        Window(
            Format("{question}"),
            TextInput(id="act_typed", on_success=on_act),
            back_and_cancel(ui.stopped),
            state=LegacyPerson.act,
            getter=detail_getter,
        ),
    )
    guarded(dialog, Permission.RUN_ROUNDS)
    return dialog


async def on_begin(
    query: CallbackQuery, callback_data: LegacyRoundCb, session: AsyncSession, dialog_manager: DialogManager
) -> None:
    if await live_message(query) is None:
        return
    if await legacy.legacy_round(session, callback_data.campaign) is None:  # a button of a round that is gone
        await query.answer(setup_refusal(Refusal.WRONG_STATE), show_alert=True)
        return
    await dialog_manager.start(
        LegacyPerson.person,
        data={"campaign": callback_data.campaign, "action": callback_data.action.value},
        mode=StartMode.RESET_STACK,
    )
    await query.answer()


def _started(manager: DialogManager) -> tuple[int, LegacyRoundAction]:
    data = manager.start_data
    assert isinstance(data, dict)
    return int(data["campaign"]), LegacyRoundAction(data["action"])


async def _campaign(manager: DialogManager) -> CampaignDTO | None:
    return await legacy.legacy_round(manager.middleware_data["session"], _started(manager)[0])


async def _evaluated(manager: DialogManager) -> Sequence[EmployeeDTO]:
    campaign = await _campaign(manager)
    return (
        []
        if campaign is None
        else await legacy.evaluated_in_year(manager.middleware_data["session"], campaign)
    )


async def person_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"question": ui.person_prompt(_started(dialog_manager)[1])}


async def on_person(event: ChatEvent, manager: DialogManager, person: EmployeeDTO) -> None:
    campaign = await _campaign(manager)
    sheet = (
        await LegacyRepo(manager.middleware_data["session"]).sheet_of(campaign.id, person.id)
        if campaign
        else None
    )
    if sheet is None:
        await refuse(manager, setup_refusal(Refusal.WRONG_STATE))
        return
    action = _started(manager)[1]
    if action is not LegacyRoundAction.ABSENT and not sheet.released:  # the window stays
        await refuse(manager, ui.not_decided(person, sheet))
        return
    manager.dialog_data.update(sheet=sheet.id, year=campaign.year if campaign else 0)
    await manager.switch_to(LegacyPerson.act if action is LegacyRoundAction.REFUSAL else LegacyPerson.day)


async def _chosen(manager: DialogManager) -> tuple[LegacySheetDTO, EmployeeDTO] | None:
    session: AsyncSession = manager.middleware_data["session"]
    sheet = await LegacyRepo(session).sheet(int(manager.dialog_data.get("sheet", 0)))
    person = await EmployeeRepo(session).get(sheet.employee_id) if sheet is not None else None
    return (sheet, person) if sheet is not None and person is not None else None


async def detail_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    chosen = await _chosen(dialog_manager)
    if chosen is None:
        return {"question": setup_refusal(Refusal.WRONG_STATE)}
    action = _started(dialog_manager)[1]
    _sheet, person = chosen
    if action is LegacyRoundAction.REFUSAL:
        return {"question": ui.act_question(person)}
    return {"question": ui.day_question(action, person)}


def _day_range(manager: DialogManager) -> DayRange:
    """An absence's last day: from the year's start to the end of the year after it; an
    appeal's day: from the year's start to today (it has been filed)."""
    campaign_year = (
        int(manager.dialog_data.get("year", 0)) or manager.middleware_data["clock"].today().year - 1
    )
    today: date = manager.middleware_data["clock"].today()
    if _started(manager)[1] is LegacyRoundAction.APPEAL:
        return DayRange(date(campaign_year, 1, 1), today)
    return DayRange(date(campaign_year, 1, 1), max(date(campaign_year + 1, 12, 31), today))


# ---------------------------------------------------------------------- recording the step

Reply = tuple[str, bool]  # the reply, and whether the step is over (recorded or refused)


async def on_day(event: ChatEvent, _widget: ManagedCalendar, manager: DialogManager, day: date, /) -> None:
    await _record(manager, day, "")


async def on_day_typed(
    message: Message, _widget: ManagedTextInput[str], manager: DialogManager, text: str
) -> None:
    day = parse_date(text.strip())
    if day is None:
        await refuse(manager, ui.date_refusal())  # the question stands
        return
    await _record(manager, day, "")


async def on_act(message: Message, _widget: ManagedTextInput[str], manager: DialogManager, text: str) -> None:
    await _record(manager, None, text.strip())


async def _record(manager: DialogManager, day: date | None, act: str) -> None:
    chosen = await _chosen(manager)
    campaign = await _campaign(manager)
    if chosen is None or campaign is None:
        await manager.done()
        await send(manager, setup_refusal(Refusal.WRONG_STATE))
        return
    sheet, person = chosen
    mw = manager.middleware_data
    user = mw["event_from_user"]
    step = _Step(mw["session"], sheet, person, mw["clock"], mw["calendar"], Actor(user.id, mw["roles"]))
    action = _started(manager)[1]
    if action is LegacyRoundAction.REFUSAL:
        reply, finished = await step.refusal(act)
    elif action is LegacyRoundAction.ABSENT:
        assert day is not None
        reply, finished = await step.absent(day)
    else:
        assert day is not None
        reply, finished = await step.appeal(day)
    if not finished:  # the question stands
        await refuse(manager, reply)
        return
    await manager.done()
    await send(manager, reply)
    await send(manager, *await round_view(mw["session"], campaign))


class _Step:
    """One person's step, recorded by the service; what HR is told."""

    def __init__(
        self,
        session: AsyncSession,
        sheet: LegacySheetDTO,
        person: EmployeeDTO,
        clock: Clock,
        calendar: WorkCalendar,
        actor: Actor,
    ) -> None:
        self.session, self.sheet, self.person = session, sheet, person
        self.clock, self.calendar, self.actor = clock, calendar, actor

    async def absent(self, until: date) -> Reply:
        try:
            due = await legacy.mark_absent(
                self.session,
                self.sheet.id,
                until,
                calendar=self.calendar,
                actor=self.actor,
                now=self.clock.now(),
            )
        except LegacyError:  # the profile has no rule for absences (kz-2018-koksu)
            return ui.no_absence_rule(), True
        if isinstance(due, Refusal):
            return ui.absent_refused(self.person), True
        return ui.absent_recorded(self.person, until, back_from_absence(until, self.calendar), due), True

    async def refusal(self, text: str) -> Reply:
        refused = await legacy.record_refusal(
            self.session, self.sheet.id, text, actor=self.actor, now=self.clock.now(), calendar=self.calendar
        )
        if refused is Refusal.INCOMPLETE:
            return ui.empty_act(), False
        if refused is Refusal.NOT_READY:
            return ui.not_decided(self.person, self.sheet), True
        if refused is not None:
            return ui.refusal_refused(self.person), True
        return ui.refusal_recorded(self.person), True

    async def appeal(self, filed_on: date) -> Reply:
        if filed_on > self.clock.today():  # typed: the calendar offers no day to come
            return ui.future_refusal(), False
        late = await legacy.note_appeal(
            self.session, self.sheet.id, filed_on, actor=self.actor, now=self.clock.now()
        )
        if isinstance(late, Refusal):
            return ui.appeal_refused(self.person), True
        return ui.appeal_recorded(self.person, filed_on, late), True
