"""The authorised person sets up a calibration session about an application (clause 38): a
wizard (bot/infra/dialogs) that picks the members from the staff list, the chair where the
profile gives the chair the deciding vote, a working day by the calendar and a time by
buttons, then shows it all before the session is set. Nothing is typed but parts of names."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from html import escape
from typing import Any

from aiogram import Router
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import ChatEvent, DialogManager, StartMode, Window
from aiogram_dialog.widgets.kbd import Button, ManagedCalendar
from aiogram_dialog.widgets.text import Multi
from sqlalchemy.ext.asyncio import AsyncSession

from bot.calibration.rules import session_times
from bot.calibration.screens import session_text
from bot.calibration.service import (
    MIN_MEMBERS,
    SessionOutcome,
    SessionRefusal,
    hold_session,
    pending_session,
)
from bot.infra.callbacks import CalibrationCb
from bot.infra.config import Settings
from bot.infra.dialogs import Tr, __, back_and_cancel, choice, refuse, send, stale_press_text, wizard
from bot.infra.dialogs.calendar import DayRange, WorkdayCalendar
from bot.infra.dialogs.people import PeoplePicker
from bot.infra.formatting import format_date
from bot.kernel.access import Permission
from bot.kernel.clock import Clock, local_naive
from bot.kernel.methodology import Profile
from bot.kernel.workdays import WorkCalendar
from handlers.filters import guarded
from storage.dto import EmployeeDTO
from storage.staff.employees import EmployeeRepo


class SessionSetup(StatesGroup):
    members = State()
    chair = State()  # only where the profile gives the chair the deciding vote
    day = State()
    time = State()
    confirm = State()


# dialog_data: from the start, "appeal" (id), "evaluated" (the person's row id), "person" (their
# name) and "latest" (ISO date), read once when the wizard opens (they never change); then
# "members" (employee ids, by name), "chair" (an employee id or absent), "day" (ISO date), "time"
# ("HH:MM"). hold_session checks the application again when the session is set.


async def _candidates(manager: DialogManager) -> Sequence[EmployeeDTO]:
    """Everyone active but the evaluated person, who never sits on their own session."""
    everyone = await EmployeeRepo(manager.middleware_data["session"]).all(active_only=True)
    return [p for p in everyone if p.id != manager.dialog_data["evaluated"]]


async def _members_chosen(event: ChatEvent, manager: DialogManager, people: list[EmployeeDTO]) -> None:
    if len(people) < MIN_MEMBERS:
        await refuse(manager, session_text_for(SessionRefusal.TOO_FEW_MEMBERS))
        return
    ordered = sorted(people, key=lambda p: p.full_name.casefold())
    manager.dialog_data["members"] = [p.employee_id for p in ordered]
    manager.dialog_data["names"] = {p.employee_id: p.full_name for p in ordered}
    profile: Profile = manager.middleware_data["profile"]
    if profile.chair_decides_tie:
        await manager.switch_to(SessionSetup.chair)
    else:
        manager.dialog_data.pop("chair", None)
        await manager.switch_to(SessionSetup.day)


def session_text_for(refusal: SessionRefusal) -> str:
    return session_text(SessionOutcome(refusal))


MEMBERS = PeoplePicker("members", _candidates, on_done=_members_chosen)


async def _chair_chosen(event: ChatEvent, _widget: Any, manager: DialogManager, code: str) -> None:
    if code not in manager.dialog_data.get("members", []):
        await refuse(manager, stale_press_text())
        return
    manager.dialog_data["chair"] = code
    await manager.switch_to(SessionSetup.day)


def _bounds(manager: DialogManager) -> DayRange:
    latest = date.fromisoformat(manager.dialog_data["latest"])
    clock: Clock = manager.middleware_data["clock"]
    return DayRange(clock.today(), latest)


async def _day_chosen(event: ChatEvent, _widget: ManagedCalendar, manager: DialogManager, day: date) -> None:
    manager.dialog_data["day"] = day.isoformat()
    manager.dialog_data.pop("time", None)
    await manager.switch_to(SessionSetup.time)


def _now_local(manager: DialogManager) -> datetime:
    clock: Clock = manager.middleware_data["clock"]
    settings: Settings = manager.middleware_data["settings"]
    return local_naive(clock.now(), settings.zone)


async def _time_chosen(event: ChatEvent, _widget: Any, manager: DialogManager, chosen: str) -> None:
    day = date.fromisoformat(manager.dialog_data["day"])
    if time.fromisoformat(chosen) not in session_times(day, _now_local(manager)):
        await refuse(manager, session_text_for(SessionRefusal.BAD_TIME))
        return
    manager.dialog_data["time"] = chosen
    await manager.switch_to(SessionSetup.confirm)


async def _confirmed(event: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    data = manager.dialog_data
    members: list[str] = list(data["members"])
    chair = data.get("chair")
    if chair is not None:  # the first member named chairs (hold_session)
        members = [chair, *(m for m in members if m != chair)]
    at = datetime.combine(date.fromisoformat(data["day"]), time.fromisoformat(data["time"]))
    settings: Settings = manager.middleware_data["settings"]
    clock: Clock = manager.middleware_data["clock"]
    outcome = await hold_session(
        manager.middleware_data["session"],
        manager.middleware_data["profile"],
        int(data["appeal"]),
        members,
        at,
        calendar=manager.middleware_data["calendar"],
        zone=settings.zone,
        now=clock.now(),
        actor=manager.middleware_data["actor"],
    )
    if outcome.refusal not in (None, SessionRefusal.NOT_WAITING):
        # The time passed while the screen was open, or a member left the staff list.
        await refuse(manager, session_text(outcome))
        return
    await manager.done()
    await send(manager, session_text(outcome))


# ------------------------------------------------------------------------------ windows


async def _members_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"person": escape(dialog_manager.dialog_data["person"])}


async def _chair_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    names: dict[str, str] = dialog_manager.dialog_data.get("names", {})
    return {
        "members": [(names.get(code, code), code) for code in dialog_manager.dialog_data.get("members", [])]
    }


async def _day_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"latest": format_date(date.fromisoformat(dialog_manager.dialog_data["latest"]))}


async def _time_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    day = date.fromisoformat(dialog_manager.dialog_data["day"])
    times = [t.strftime("%H:%M") for t in session_times(day, _now_local(dialog_manager))]
    return {"day": format_date(day), "times": [(t, t) for t in times], "no_times": not times}


async def _confirm_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    names: dict[str, str] = data.get("names", {})
    chair = data.get("chair")
    listed = [
        escape(names.get(code, code)) + (" — " + _("chairs the session") if code == chair else "")
        for code in data["members"]
    ]
    return {
        "person": escape(data["person"]),
        "members": "\n".join(f"• {line}" for line in listed),
        "when": f"{format_date(date.fromisoformat(data['day']))} {data['time']}",
    }


async def _started(start_data: Any, manager: DialogManager) -> None:
    manager.dialog_data.update(start_data)


def setup_dialog() -> Any:
    members_prompt = Tr(
        __(
            "<b>Calibration session</b> on the application of {person}.\n\n"
            "Choose the members: at least 3; the evaluated person cannot be one. Type part of a name "
            "or an employee id, choose the people, then press “Done”."
        )
    )
    return wizard(
        Window(
            Multi(members_prompt, MEMBERS.status, sep="\n\n"),
            *MEMBERS.widgets,
            back_and_cancel(back=False),
            state=SessionSetup.members,
            getter=(_members_getter, MEMBERS.getter),
        ),
        Window(
            Tr(__("Who chairs the session? The chair's vote decides a tie.")),
            choice("chair", "members", _chair_chosen),
            back_and_cancel(),
            state=SessionSetup.chair,
            getter=_chair_getter,
        ),
        Window(
            Tr(
                __(
                    "On which day? A working day, not later than {latest} "
                    "(10 working days from the application, clause 39)."
                )
            ),
            WorkdayCalendar("session_day", _day_chosen, _bounds),
            back_and_cancel(),
            state=SessionSetup.day,
            getter=_day_getter,
        ),
        Window(
            Tr(__("At what time on {day}? Members vote from then to the end of that day.")),
            Tr(__("No time is left on that day: choose another day."), when="no_times"),
            choice("session_time", "times", _time_chosen, width=4),
            back_and_cancel(),
            state=SessionSetup.time,
            getter=_time_getter,
        ),
        Window(
            Tr(
                __(
                    "<b>Calibration session</b> on the application of {person}\n\n"
                    "When: {when}\nMembers:\n{members}\n\n"
                    "The members, the person and the evaluator will be told."
                )
            ),
            Button(Tr(__("✅ Set the session")), id="hold", on_click=_confirmed),
            back_and_cancel(),
            state=SessionSetup.confirm,
            getter=_confirm_getter,
        ),
        on_start=_started,
    )


async def on_hold(
    query: CallbackQuery,
    callback_data: CalibrationCb,
    dialog_manager: DialogManager,
    session: AsyncSession,
    calendar: WorkCalendar,
    settings: Settings,
) -> None:
    pending = await pending_session(session, callback_data.appeal, calendar=calendar, zone=settings.zone)
    if pending is None:
        await query.answer(session_text_for(SessionRefusal.NOT_WAITING), show_alert=True)
        return
    await query.answer()
    await dialog_manager.start(
        SessionSetup.members,
        mode=StartMode.RESET_STACK,
        data={
            "appeal": pending.appeal_id,
            "evaluated": pending.evaluated.id,
            "person": pending.evaluated.full_name,
            "latest": pending.latest.isoformat(),
        },
    )


def create_router() -> Router:
    """On the wizards' router (handlers/wizards.py): the button that opens the set-up needs
    the dialog manager. Every step is checked against the role on the server."""
    router = Router(name="hr-calibration")
    dialog = setup_dialog()
    guarded(router, Permission.DECIDE_CALIBRATION)
    router.include_router(guarded(dialog, Permission.DECIDE_CALIBRATION))
    router.callback_query.register(on_hold, CalibrationCb.filter())
    return router


__all__ = ["SessionSetup", "create_router"]
