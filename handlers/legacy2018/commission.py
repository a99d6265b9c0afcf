"""HR names a 2018-method year's commission and sets its sitting from /legacyrounds: wizards on
aiogram-dialog (bot/infra/dialogs), ◀ Back and ✖ Cancel on every window. The members are
pressed in the people picker (several), the chair among them by a button, the secretary in the
picker (or none); the sitting's day in the working-day calendar from the first day the
evaluators can be told in time (clause 29), its hour by a button. The service
(bot/legacy2018/commission.py) checks the method's rules; a refused step saves nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from aiogram import F, Router
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery
from aiogram_dialog import ChatEvent, Dialog, DialogManager, StartMode, Window
from aiogram_dialog.widgets.kbd import Button, Group, ManagedCalendar, Select
from aiogram_dialog.widgets.text import Format, Multi
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import LegacyRoundAction, LegacyRoundCb
from bot.infra.dialogs import Tr, __, back_and_cancel, choice, refuse, send, wizard
from bot.infra.dialogs.calendar import DayRange, WorkdayCalendar
from bot.infra.dialogs.people import PeoplePicker, label
from bot.kernel.access import Permission
from bot.kernel.clock import Clock
from bot.kernel.workdays import WorkCalendar
from bot.legacy2018 import commission as legacy_commission
from bot.legacy2018 import hr_screens as ui
from bot.legacy2018 import service as legacy
from bot.legacy2018.service import Refusal
from bot.staff.access import Actor
from handlers.filters import guarded
from handlers.legacy2018.hr import round_view
from handlers.screens import live_message
from storage.dto import CampaignDTO, EmployeeDTO
from storage.staff.employees import EmployeeRepo

HOURS = tuple(time(hour, 0) for hour in range(9, 19))  # a sitting starts in working hours (09–19)


class LegacyCommission(StatesGroup):
    members = State()  # start data: campaign
    chair = State()  # dialog data: members
    secretary = State()  # dialog data: members, chair


class LegacySitting(StatesGroup):
    day = State()  # start data: campaign
    hour = State()  # dialog data: day


def create_router() -> Router:
    """On the wizards' router, before HR's round screen: its two buttons that open a wizard."""
    router = Router(name="hr-legacy-commission")
    guarded(router, Permission.RUN_ROUNDS)
    router.callback_query.register(
        on_begin,
        LegacyRoundCb.filter(F.action.in_((LegacyRoundAction.NAME, LegacyRoundAction.SCHEDULE))),
    )
    router.include_routers(_commission_dialog(), _sitting_dialog())
    return router


async def on_begin(
    query: CallbackQuery, callback_data: LegacyRoundCb, session: AsyncSession, dialog_manager: DialogManager
) -> None:
    if await live_message(query) is None:
        return
    campaign = await legacy.legacy_round(session, callback_data.campaign)
    refused = (
        await legacy_commission.sitting_refusal(session, campaign)
        if campaign is not None and callback_data.action is LegacyRoundAction.SCHEDULE
        else None
    )
    if campaign is None or refused is not None:  # a button of an older screen
        await query.answer(ui.setup_refusal(refused or Refusal.WRONG_STATE), show_alert=True)
        return
    state = (
        LegacySitting.day if callback_data.action is LegacyRoundAction.SCHEDULE else LegacyCommission.members
    )
    await dialog_manager.start(state, data={"campaign": campaign.id}, mode=StartMode.RESET_STACK)
    await query.answer()


async def _campaign(manager: DialogManager) -> CampaignDTO | None:
    data = manager.start_data
    assert isinstance(data, dict)
    return await legacy.legacy_round(manager.middleware_data["session"], int(data["campaign"]))


async def _finish(manager: DialogManager, campaign: CampaignDTO) -> None:
    await manager.done()
    await send(manager, *await round_view(manager.middleware_data["session"], campaign))


# ---------------------------------------------------------------------- the commission


async def _everyone(manager: DialogManager) -> Sequence[EmployeeDTO]:
    return await EmployeeRepo(manager.middleware_data["session"]).all(active_only=True)


async def _not_members(manager: DialogManager) -> Sequence[EmployeeDTO]:
    members = set(manager.dialog_data.get("members", []))
    return [p for p in await _everyone(manager) if p.id not in members]


def _commission_dialog() -> Dialog:
    members = PeoplePicker("members", _everyone, on_done=on_members)
    secretary = PeoplePicker("secretary", _not_members, on_pick=on_secretary)
    chair = choice("chair", "members_chosen", on_chair, type_factory=int)
    return guarded(
        wizard(
            Window(
                Multi(Format("{question}"), members.status),
                *members.widgets,
                back_and_cancel(ui.setup_stopped, back=False),
                state=LegacyCommission.members,
                getter=[members_getter, members.getter],
            ),
            Window(
                Tr(__("Who chairs the commission? Press one of the members.")),
                chair,
                back_and_cancel(ui.setup_stopped),
                state=LegacyCommission.chair,
                getter=chair_getter,
            ),
            Window(
                Multi(
                    Tr(
                        __(
                            "Who is the secretary? Not a member, and does not vote. Type part of a name and "
                            "press the person, or press «No secretary»."
                        )
                    ),
                    secretary.status,
                ),
                *secretary.widgets,
                Button(Tr(__("No secretary")), id="no_secretary", on_click=on_no_secretary),
                back_and_cancel(ui.setup_stopped),
                state=LegacyCommission.secretary,
                getter=secretary.getter,
            ),
        ),
        Permission.RUN_ROUNDS,
    )


async def members_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    campaign = await _campaign(dialog_manager)
    least = legacy.rules_of(campaign)[1].commission.min_members if campaign is not None else 0
    return {"question": ui.members_prompt(least)}


async def on_members(event: ChatEvent, manager: DialogManager, people: list[EmployeeDTO]) -> None:
    campaign = await _campaign(manager)
    if campaign is None:
        await refuse(manager, ui.setup_refusal(Refusal.WRONG_STATE))
        return
    if len(people) < legacy.rules_of(campaign)[1].commission.min_members:  # the window stays
        await refuse(manager, ui.setup_refusal(Refusal.BAD_COMPOSITION))
        return
    manager.dialog_data["members"] = [p.id for p in people]
    await manager.switch_to(LegacyCommission.chair)


async def chair_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    chosen = set(dialog_manager.dialog_data.get("members", []))
    people = [p for p in await _everyone(dialog_manager) if p.id in chosen]
    return {
        "members_chosen": [(label(p), p.id) for p in sorted(people, key=lambda p: p.full_name.casefold())]
    }


async def on_chair(event: ChatEvent, _widget: Any, manager: DialogManager, chair: int) -> None:
    manager.dialog_data["chair"] = chair
    await manager.switch_to(LegacyCommission.secretary)


async def on_secretary(event: ChatEvent, manager: DialogManager, person: EmployeeDTO) -> None:
    await _name(manager, person.id)


async def on_no_secretary(query: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    await _name(manager, None)


async def _name(manager: DialogManager, secretary: int | None) -> None:
    campaign = await _campaign(manager)
    mw, data = manager.middleware_data, manager.dialog_data
    if campaign is None:
        await refuse(manager, ui.setup_refusal(Refusal.WRONG_STATE))
        return
    clock: Clock = mw["clock"]
    named = await legacy_commission.name_commission(
        mw["session"],
        campaign,
        [int(i) for i in data["members"]],
        int(data["chair"]),
        secretary,
        actor=Actor(mw["event_from_user"].id, mw["roles"]),
        now=clock.now(),
    )
    if isinstance(named, Refusal):
        await refuse(manager, ui.setup_refusal(named))
        return
    await _finish(manager, campaign)


# ---------------------------------------------------------------------- the sitting


def _sitting_dialog() -> Dialog:
    hours = Select(
        Format("{item}"),
        id="hour",
        item_id_getter=lambda item: item.replace(":", ""),
        items="hours",
        on_click=on_hour,
    )
    return guarded(
        wizard(
            Window(
                Format("{question}"),
                WorkdayCalendar("sitting_day", on_day, _sitting_days),
                back_and_cancel(ui.setup_stopped, back=False),
                state=LegacySitting.day,
                getter=day_getter,
            ),
            Window(
                Format("{question}"),
                Group(hours, width=5),
                back_and_cancel(ui.setup_stopped),
                state=LegacySitting.hour,
                getter=hour_getter,
            ),
        ),
        Permission.RUN_ROUNDS,
    )


async def _notice_days(manager: DialogManager) -> int:
    campaign = await _campaign(manager)
    return legacy.rules_of(campaign)[1].commission.notice_working_days if campaign is not None else 0


def _sitting_days(manager: DialogManager) -> DayRange:
    """From the first day the evaluators are told in time (clause 29), for a year."""
    clock: Clock = manager.middleware_data["clock"]
    calendar: WorkCalendar = manager.middleware_data["calendar"]
    earliest = calendar.add(clock.today(), int(manager.dialog_data.get("notice", 0)))
    return DayRange(earliest, earliest + timedelta(days=365))


async def day_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    days = await _notice_days(dialog_manager)
    dialog_manager.dialog_data["notice"] = days  # the calendar's range reads it
    return {"question": ui.sitting_day_prompt(days)}


async def on_day(event: ChatEvent, _widget: ManagedCalendar, manager: DialogManager, day: date, /) -> None:
    manager.dialog_data["day"] = day.isoformat()
    await manager.switch_to(LegacySitting.hour)


async def hour_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    day = date.fromisoformat(str(dialog_manager.dialog_data["day"]))
    return {"question": ui.sitting_hour_prompt(day), "hours": [h.strftime("%H:%M") for h in HOURS]}


async def on_hour(event: ChatEvent, _widget: Any, manager: DialogManager, hour: str) -> None:
    campaign = await _campaign(manager)
    if campaign is None:
        await refuse(manager, ui.setup_refusal(Refusal.WRONG_STATE))
        return
    mw = manager.middleware_data
    clock: Clock = mw["clock"]
    day = date.fromisoformat(str(manager.dialog_data["day"]))
    moment = datetime.combine(day, time(int(hour[:2]), int(hour[2:])))  # local time
    refused = await legacy_commission.schedule_sitting(
        mw["session"],
        campaign,
        moment,
        today=clock.today(),
        now=clock.now(),
        calendar=mw["calendar"],
        zone=mw["settings"].zone,
    )
    if refused is not None:
        await refuse(manager, ui.setup_refusal(refused))
        return
    await _finish(manager, campaign)
