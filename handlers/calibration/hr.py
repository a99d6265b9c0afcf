"""The authorised person holds a calibration session about an application (clause 38)."""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.calibration.screens import session_text
from bot.calibration.service import SessionOutcome, SessionRefusal, hold_session
from bot.infra.callbacks import CalibrationCb
from bot.infra.config import Settings
from bot.kernel.access import Permission
from bot.kernel.clock import Clock
from bot.kernel.methodology import Profile
from bot.kernel.workdays import WorkCalendar
from bot.staff.access import Actor
from handlers.filters import HasPermission


class SessionSetup(StatesGroup):
    members_and_time = State()  # data: the appeal


def create_router() -> Router:
    router = Router(name="hr-calibration")
    router.message.filter(HasPermission(Permission.DECIDE_CALIBRATION))
    router.callback_query.filter(HasPermission(Permission.DECIDE_CALIBRATION))
    router.callback_query.register(on_hold, CalibrationCb.filter())
    router.message.register(
        on_members_and_time, F.text, ~F.text.startswith("/"), SessionSetup.members_and_time
    )
    return router


async def on_hold(
    query: CallbackQuery, callback_data: CalibrationCb, state: FSMContext, profile: Profile
) -> None:
    await state.set_state(SessionSetup.members_and_time)
    await state.update_data(appeal=callback_data.appeal)
    await query.answer()
    if isinstance(query.message, Message):
        lines = [
            _(
                "Send the members' employee ids, then the session's date and time, in one message, "
                "e.g. <code>D1 U2 E4 E5 M0 10.12.2025 15:00</code>."
            )
        ]
        if profile.chair_decides_tie:
            lines.append(_("The first member named chairs the session: their vote decides a tie."))
        lines.append(_("Members vote from the session's time to the end of its day."))
        await query.message.answer("\n\n".join(lines))


def parse_members_and_time(text: str) -> tuple[list[str], datetime] | None:
    words = text.replace(",", " ").split()
    if len(words) < 3:
        return None
    try:
        at = datetime.strptime(" ".join(words[-2:]), "%d.%m.%Y %H:%M")
    except ValueError:
        return None
    return words[:-2], at


async def on_members_and_time(
    message: Message,
    session: AsyncSession,
    clock: Clock,
    calendar: WorkCalendar,
    settings: Settings,
    profile: Profile,
    state: FSMContext,
    actor: Actor,
) -> None:
    parsed = parse_members_and_time(message.text or "")
    if parsed is None:
        await message.answer(
            _("Please write the employee ids, then the date and time, e.g. D1 U2 E4 10.12.2025 15:00.")
        )
        return
    members, at = parsed
    data = await state.get_data()
    outcome: SessionOutcome = await hold_session(
        session,
        profile,
        int(data["appeal"]),
        members,
        at,
        calendar=calendar,
        zone=settings.zone,
        now=clock.now(),
        actor=actor,
    )
    if outcome.refusal in (None, SessionRefusal.NOT_WAITING):
        await state.clear()
    await message.answer(session_text(outcome))
