"""/find and /unbind typed alone: wizards (bot/infra/dialogs) that pick the person with the
people picker instead of a typed name or id. /find shows the same card as "/find NAME";
/unbind asks to confirm, then disconnects the account and audits it as "/unbind ID" does
(bot/staff/people.py). The one-line forms stay in handlers/staff/hr.py."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import ChatEvent, Dialog, DialogManager, StartMode, Window
from aiogram_dialog.widgets.kbd import Button
from aiogram_dialog.widgets.text import Multi

from bot.infra.dialogs import Tr, __, back_and_cancel, send, wizard
from bot.infra.dialogs.people import PeoplePicker, label
from bot.kernel.access import Permission
from bot.kernel.clock import Clock
from bot.staff.hr_screens import unbind_reply
from bot.staff.people import unbind_person
from handlers.filters import guarded
from handlers.staff.hr import person_cards
from storage.dto import EmployeeDTO
from storage.staff.employees import EmployeeRepo


class FindWizard(StatesGroup):
    whom = State()


class UnbindWizard(StatesGroup):
    whom = State()
    confirm = State()


# dialog_data of the unbind wizard: "employee_id" and "name" of the person chosen.


async def _everyone(manager: DialogManager) -> Sequence[EmployeeDTO]:
    """/find looks through the whole staff list, people who have left included (as "/find NAME")."""
    return await EmployeeRepo(manager.middleware_data["session"]).all()


async def _bound(manager: DialogManager) -> Sequence[EmployeeDTO]:
    """Only a person connected to a Telegram account can be disconnected from it."""
    everyone = await EmployeeRepo(manager.middleware_data["session"]).all()
    return [p for p in everyone if p.telegram_user_id is not None]


async def _found(event: ChatEvent, manager: DialogManager, person: EmployeeDTO) -> None:
    middleware = manager.middleware_data
    clock: Clock = middleware["clock"]
    card = await person_cards(middleware["session"], middleware["actor"], clock, [person])
    await manager.done()
    await send(manager, card)


async def _to_unbind(event: ChatEvent, manager: DialogManager, person: EmployeeDTO) -> None:
    manager.dialog_data.update(employee_id=person.employee_id, name=label(person))
    await manager.switch_to(UnbindWizard.confirm)


FOUND = PeoplePicker("find_person", _everyone, on_pick=_found)
UNBOUND = PeoplePicker("unbind_person", _bound, on_pick=_to_unbind)


async def _unbind_confirmed(event: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    middleware = manager.middleware_data
    clock: Clock = middleware["clock"]
    employee_id = str(manager.dialog_data["employee_id"])
    # Decided on what is stored now: the person may have been disconnected meanwhile.
    result = await unbind_person(middleware["session"], middleware["actor"], employee_id, clock.now())
    await manager.done()
    await send(manager, unbind_reply(employee_id, result))


async def _unbind_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"name": escape(dialog_manager.dialog_data["name"])}


def find_dialog() -> Dialog:
    return wizard(
        Window(
            Multi(
                Tr(__("<b>Find a person</b>\n\nType part of the name or the employee id.")),
                FOUND.status,
                sep="\n\n",
            ),
            *FOUND.widgets,
            back_and_cancel(back=False),
            state=FindWizard.whom,
            getter=FOUND.getter,
        )
    )


def unbind_dialog() -> Dialog:
    return wizard(
        Window(
            Multi(
                Tr(
                    __(
                        "<b>Disconnect a Telegram account</b>\n\nWhose? Type part of the name or the employee "
                        "id of a person connected to the bot."
                    )
                ),
                UNBOUND.status,
                sep="\n\n",
            ),
            *UNBOUND.widgets,
            back_and_cancel(back=False),
            state=UnbindWizard.whom,
            getter=UNBOUND.getter,
        ),
        Window(
            Tr(
                __(
                    "Disconnect {name} from their Telegram account? They join again with a new personal "
                    "link (/invites)."
                )
            ),
            Button(Tr(__("✅ Disconnect")), id="unbind", on_click=_unbind_confirmed),
            back_and_cancel(),
            state=UnbindWizard.confirm,
            getter=_unbind_getter,
        ),
    )


async def on_find_wizard(message: Message, state: FSMContext, dialog_manager: DialogManager) -> None:
    await state.clear()  # an older FSM step is left
    await dialog_manager.start(FindWizard.whom, mode=StartMode.RESET_STACK)


async def on_unbind_wizard(message: Message, state: FSMContext, dialog_manager: DialogManager) -> None:
    await state.clear()
    await dialog_manager.start(UnbindWizard.whom, mode=StartMode.RESET_STACK)


def create_router() -> Router:
    """On the wizards' router (handlers/wizards.py): /find and /unbind with nothing after them
    open a wizard; with arguments they go on to the one-line forms (handlers/staff/hr.py)."""
    router = Router(name="hr-staff-wizards")
    for dialog in (find_dialog(), unbind_dialog()):
        router.include_router(guarded(dialog, Permission.MANAGE_STAFF))
    guarded(router, Permission.MANAGE_STAFF)
    router.message.register(on_find_wizard, Command("find", magic=F.args.is_(None)))
    router.message.register(on_unbind_wizard, Command("unbind", magic=F.args.is_(None)))
    return router


__all__ = ["FindWizard", "UnbindWizard", "create_router"]
