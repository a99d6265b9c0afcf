"""/delegate: a head of a unit of over fifty employees names other evaluators (clause 31).

``/delegate EVALUATOR_ID EMPLOYEE_ID …`` on one line, as before; without arguments a wizard on
aiogram-dialog (docs/dialogs.md): the evaluator pressed among the others in the unit (the people
picker), the people whose open sheets go to them (the picker, several), a summary to confirm.
The rules are bot/quarterly/rounds.py's, checked when the wizard opens and again when the
sheets are handed over. On the wizards' router (handlers/wizards.py): the command needs the
dialog manager."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, User
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import ChatEvent, Dialog, DialogManager, StartMode, Window
from aiogram_dialog.widgets.kbd import Button
from aiogram_dialog.widgets.text import Multi
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.dialogs import Note, Tr, __, back_and_cancel, note, send, wizard
from bot.infra.dialogs.people import PeoplePicker, label
from bot.kernel.clock import Clock
from bot.quarterly import rounds as quarterly
from bot.quarterly.rounds import Delegation, DelegationRefusal
from bot.staff.access import Actor
from handlers.filters import IsEmployee
from storage.dto import EmployeeDTO


class Delegate(StatesGroup):
    evaluator = State()
    employees = State()  # dialog data: evaluator (employee id)
    confirm = State()  # + employees (employee ids)


def create_router() -> Router:
    router = Router(name="evaluator-delegate")
    router.message.filter(IsEmployee())
    router.callback_query.filter(IsEmployee())
    dialog = _dialog()
    # Only people from the staff list, every step: the rules themselves are checked by the service.
    dialog.message.filter(IsEmployee())
    dialog.callback_query.filter(IsEmployee())
    router.include_router(dialog)
    router.message.register(on_delegate, Command("delegate"))
    return router


def _stopped() -> str:
    return _("Stopped: no sheet was handed over.")


def delegation_text(outcome: Delegation) -> str:
    if outcome.refusal is DelegationRefusal.UNIT_TOO_SMALL:
        return _("Your unit has 50 employees or fewer: the head evaluates everyone (clause 31).")
    if outcome.refusal is DelegationRefusal.UNKNOWN_EVALUATOR:
        return _("The evaluator must be someone else in your unit.")
    if outcome.refusal is DelegationRefusal.NOT_YOUR_SHEETS:
        return _("You have no open sheet for: {codes}. Nothing was handed over.").format(
            codes=", ".join(outcome.unknown) or "—"
        )
    return _("{count} sheet(s) handed over; the evaluator has been told.").format(count=outcome.moved)


async def on_delegate(
    message: Message,
    command: CommandObject,
    employee: EmployeeDTO,
    session: AsyncSession,
    clock: Clock,
    event_from_user: User,
    state: FSMContext,
    dialog_manager: DialogManager,
) -> None:
    """/delegate EVALUATOR EMPLOYEE...: clause 31, units of over fifty employees."""
    words = (command.args or "").replace(",", " ").split()
    if not words:
        choices = await quarterly.delegation_choices(session, employee)
        if choices.refusal is DelegationRefusal.NOT_YOUR_SHEETS:
            await message.answer(_("You have no open sheet to hand over."))
            return
        if choices.refusal is not None:
            await message.answer(delegation_text(Delegation(refusal=choices.refusal)))
            return
        await state.clear()  # an older wait (a typed comment's) is left
        await dialog_manager.start(Delegate.evaluator, mode=StartMode.RESET_STACK)
        return
    if len(words) < 2:
        await message.answer(
            _(
                "Write who evaluates and whom: /delegate EVALUATOR_ID EMPLOYEE_ID … "
                "(clause 31: in units of over 50 employees the head may name other evaluators)."
            )
        )
        return
    outcome = await quarterly.delegate_sheets(
        session, employee, words[0], words[1:], actor=Actor(event_from_user.id, frozenset()), now=clock.now()
    )
    await message.answer(delegation_text(outcome))


# ------------------------------------------------------------------------------ the wizard


async def _choices(manager: DialogManager) -> quarterly.DelegationChoices:
    mw = manager.middleware_data
    return await quarterly.delegation_choices(mw["session"], mw["employee"])


async def _evaluators(manager: DialogManager) -> Sequence[EmployeeDTO]:
    return (await _choices(manager)).evaluators


async def _employees(manager: DialogManager) -> Sequence[EmployeeDTO]:
    """The people of the head's open sheets, but the evaluator chosen (nobody evaluates themself)."""
    chosen = manager.dialog_data.get("evaluator")
    return [p for p in (await _choices(manager)).employees if p.employee_id != chosen]


async def on_evaluator(event: ChatEvent, manager: DialogManager, person: EmployeeDTO) -> None:
    manager.dialog_data.update(evaluator=person.employee_id, evaluator_name=label(person))
    await WHOM.reset(manager)
    await manager.switch_to(Delegate.employees)


async def on_employees(event: ChatEvent, manager: DialogManager, people: list[EmployeeDTO]) -> None:
    manager.dialog_data["employees"] = [p.employee_id for p in people]
    manager.dialog_data["names"] = [label(p) for p in sorted(people, key=lambda p: p.full_name.casefold())]
    await manager.switch_to(Delegate.confirm)


async def on_confirmed(event: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    mw, data = manager.middleware_data, manager.dialog_data
    clock: Clock = mw["clock"]
    outcome = await quarterly.delegate_sheets(
        mw["session"],
        mw["employee"],
        str(data["evaluator"]),
        list(data["employees"]),
        actor=Actor(mw["event_from_user"].id, frozenset()),
        now=clock.now(),
    )
    if outcome.refusal is not None:  # a sheet submitted, or someone gone, while the screen was open
        note(manager, delegation_text(outcome))
        await manager.switch_to(Delegate.employees)
        return
    await manager.done()
    await send(manager, delegation_text(outcome))


async def _chosen_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    return {
        "evaluator": escape(str(data.get("evaluator_name", ""))),
        "people": "\n".join(f"• {escape(name)}" for name in data.get("names", [])),
        "count": len(data.get("names", [])),
    }


EVALUATOR = PeoplePicker("evaluator", _evaluators, on_pick=on_evaluator)
WHOM = PeoplePicker("whom", _employees, on_done=on_employees)


def _dialog() -> Dialog:
    return wizard(
        Window(
            Note(),
            Tr(
                __(
                    "<b>Other evaluators</b> (clause 31)\n\nWho will evaluate? Type part of the name or "
                    "the employee id of someone in your unit, then press the person."
                )
            ),
            Multi(EVALUATOR.status),
            *EVALUATOR.widgets,
            back_and_cancel(_stopped, back=False),
            getter=EVALUATOR.getter,
            state=Delegate.evaluator,
        ),
        Window(
            Note(),
            Tr(
                __(
                    "Whose sheets go to {evaluator}? Type part of a name or an employee id of the people "
                    "you evaluate, choose them, then press “Done”."
                )
            ),
            Multi(WHOM.status),
            *WHOM.widgets,
            back_and_cancel(_stopped),
            getter=[_chosen_getter, WHOM.getter],
            state=Delegate.employees,
        ),
        Window(
            Tr(
                __(
                    "<b>Hand over {count} sheet(s)</b> of this quarter to {evaluator}?\n\n{people}\n\n"
                    "They are told; you no longer evaluate these people this quarter."
                )
            ),
            Button(Tr(__("✅ Hand over")), id="hand_over", on_click=on_confirmed),
            back_and_cancel(_stopped),
            getter=_chosen_getter,
            state=Delegate.confirm,
        ),
        stopped=_stopped,
    )


__all__ = ["Delegate", "create_router", "delegation_text"]
