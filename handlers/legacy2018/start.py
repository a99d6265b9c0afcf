"""HR starts a year under the 2018 method in Telegram: /legacyrounds → «Start a year» (or
/newround when the organisation's own profile is a 2018 one) → the profile → the year → the
deadline in the working-day calendar → a confirmation with who is and is not evaluated →
Start. A wizard on aiogram-dialog (bot/infra/dialogs): one message edited in place, ◀ Back and
✖ Cancel on every window. The year is made by bot/legacy2018/service.py start_year, the same as
the command line's legacy-start; the wizard holds only the choices so far, and a refused step
changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram import F, Router
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import ChatEvent, Dialog, DialogManager, StartMode, Window
from aiogram_dialog.widgets.input import ManagedTextInput, TextInput
from aiogram_dialog.widgets.kbd import Button, ManagedCalendar
from aiogram_dialog.widgets.text import Format
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import LegacyStartAction, LegacyStartCb
from bot.infra.config import Settings
from bot.infra.dialogs import Tr, __, back_and_cancel, choice, refuse, send, wizard
from bot.infra.dialogs.calendar import DayRange, WorkdayCalendar
from bot.kernel.access import Permission
from bot.kernel.clock import Clock
from bot.kernel.methodology import load_profile
from bot.kernel.workdays import WorkCalendar
from bot.legacy2018 import service as legacy
from bot.legacy2018.rules import deadline_range, year_problem
from bot.legacy2018.service import LEGACY_PROFILES, LegacyError, Refusal, YearPreview
from bot.legacy2018.start_screens import (
    confirmation,
    deadline_question,
    profile_question,
    started_text,
    year_question,
    year_refusal,
)
from bot.staff.access import Actor
from handlers.filters import guarded
from handlers.legacy2018.hr import round_view
from handlers.screens import live_message


class LegacyStart(StatesGroup):
    profile = State()
    year = State()  # dialog data: profile
    deadline = State()  # dialog data: profile, year
    confirm = State()  # dialog data: profile, year, deadline


def create_router() -> Router:
    """On the wizards' router (handlers/wizards.py): the button that opens the wizard, and it."""
    router = Router(name="hr-legacy-start")
    guarded(router, Permission.RUN_ROUNDS)
    router.callback_query.register(on_begin, LegacyStartCb.filter(F.action == LegacyStartAction.BEGIN))
    router.include_router(_dialog())
    return router


def _stopped() -> str:
    return _("Stopped: no year was started.")


def _dialog() -> Dialog:
    profiles = choice("profile", "profiles", on_profile, type_factory=int)
    years = choice("year", "years", on_year_button, type_factory=int, width=3, plain=True)
    dialog = wizard(
        Window(
            Format("{question}"),
            profiles,
            back_and_cancel(_stopped, back=False),
            state=LegacyStart.profile,
            getter=profile_getter,
        ),
        Window(
            Format("{question}"),
            years,
            TextInput(id="year_typed", on_success=on_year_text),
            back_and_cancel(_stopped),
            state=LegacyStart.year,
            getter=year_getter,
        ),
        Window(
            Format("{question}"),
            WorkdayCalendar("deadline", on_deadline, _deadline_range),
            back_and_cancel(_stopped),
            state=LegacyStart.deadline,
            getter=deadline_getter,
        ),
        Window(
            Format("{question}"),
            Button(Tr(__("▶ Start")), id="start", on_click=on_start),
            back_and_cancel(_stopped),
            state=LegacyStart.confirm,
            getter=confirm_getter,
        ),
    )
    guarded(dialog, Permission.RUN_ROUNDS)
    return dialog


def default_profile(settings: Settings) -> str | None:
    """The organisation's own profile when it is a 2018 one."""
    return settings.methodology_profile if settings.methodology_profile in LEGACY_PROFILES else None


async def open_year(manager: DialogManager, code: str | None = None) -> None:
    """Opens the wizard: at the profile, or, ``code`` chosen already, at the year (/newround
    under a 2018 profile)."""
    if code is None:
        await manager.start(LegacyStart.profile, mode=StartMode.RESET_STACK)
        return
    await manager.start(LegacyStart.year, data={"profile": code}, mode=StartMode.RESET_STACK)


async def on_begin(query: CallbackQuery, callback_data: LegacyStartCb, dialog_manager: DialogManager) -> None:
    if await live_message(query) is None:
        return
    index = callback_data.value - 1
    await open_year(dialog_manager, LEGACY_PROFILES[index] if 0 <= index < len(LEGACY_PROFILES) else None)
    await query.answer()


# ---------------------------------------------------------------------- the profile and the year


def _profile(manager: DialogManager) -> str:
    code = manager.dialog_data.get("profile")
    if code is None and isinstance(manager.start_data, dict):
        code = manager.start_data.get("profile")
    return str(code)


async def profile_getter(settings: Settings, **_kwargs: Any) -> dict[str, Any]:
    question, items = profile_question(default_profile(settings))
    return {"question": question, "profiles": items}


async def on_profile(event: ChatEvent, _widget: Any, manager: DialogManager, index: int) -> None:
    manager.dialog_data["profile"] = LEGACY_PROFILES[index]
    await manager.switch_to(LegacyStart.year)


async def year_getter(dialog_manager: DialogManager, clock: Clock, **_kwargs: Any) -> dict[str, Any]:
    this_year = clock.today().year
    return {"question": year_question(_profile(dialog_manager)), "years": [this_year - 1, this_year]}


async def _take_year(manager: DialogManager, year: int) -> None:
    clock: Clock = manager.middleware_data["clock"]
    session: AsyncSession = manager.middleware_data["session"]
    today = clock.today()
    if year_problem(year, today) is not None:
        await refuse(manager, year_refusal(False, today.year))
        return
    if await legacy.year_taken(session, year):
        await refuse(manager, year_refusal(True, today.year))
        return
    manager.dialog_data.update(profile=_profile(manager), year=year)
    await manager.switch_to(LegacyStart.deadline)


async def on_year_button(event: ChatEvent, _widget: Any, manager: DialogManager, year: int) -> None:
    await _take_year(manager, year)


async def on_year_text(
    message: Message, _widget: ManagedTextInput[str], manager: DialogManager, text: str
) -> None:
    text = text.strip()
    if not text.isdigit():
        clock: Clock = manager.middleware_data["clock"]
        await refuse(manager, year_refusal(False, clock.today().year))
        return
    await _take_year(manager, int(text))


# ---------------------------------------------------------------------- the deadline and Start


def _deadline_range(manager: DialogManager) -> DayRange:
    clock: Clock = manager.middleware_data["clock"]
    return DayRange(*deadline_range(int(manager.dialog_data["year"]), clock.today()))


async def deadline_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"question": deadline_question(int(dialog_manager.dialog_data["year"]))}


async def on_deadline(
    event: ChatEvent, _widget: ManagedCalendar, manager: DialogManager, day: date, /
) -> None:
    manager.dialog_data["deadline"] = day.isoformat()
    await manager.switch_to(LegacyStart.confirm)


async def _preview(manager: DialogManager) -> YearPreview | Refusal:
    data = manager.dialog_data
    session: AsyncSession = manager.middleware_data["session"]
    calendar: WorkCalendar = manager.middleware_data["calendar"]
    return await legacy.preview_year(session, load_profile(str(data["profile"])), int(data["year"]), calendar)


async def confirm_getter(dialog_manager: DialogManager, clock: Clock, **_kwargs: Any) -> dict[str, Any]:
    preview = await _preview(dialog_manager)
    if isinstance(preview, Refusal):  # started meanwhile (another HR officer, the command line)
        return {"question": year_refusal(True, clock.today().year)}
    deadline = date.fromisoformat(str(dialog_manager.dialog_data["deadline"]))
    return {"question": confirmation(preview, deadline, clock.today())}


async def on_start(query: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    data, mw = manager.dialog_data, manager.middleware_data
    clock: Clock = mw["clock"]
    session: AsyncSession = mw["session"]
    actor = Actor(query.from_user.id, mw["roles"])  # the dialog's HasPermission filter let it in
    try:
        started = await legacy.start_year(
            session,
            load_profile(str(data["profile"])),
            int(data["year"]),
            date.fromisoformat(str(data["deadline"])),
            mw["calendar"],
            today=clock.today(),
            now=clock.now(),
            actor=actor,
        )
    except LegacyError:  # the year was started meanwhile
        await refuse(manager, year_refusal(True, clock.today().year))
        return
    await manager.done()
    if isinstance(query.message, Message):
        await query.message.edit_text(started_text(started.campaign.year, started.sheets))
    await send(manager, *await round_view(session, started.campaign))
