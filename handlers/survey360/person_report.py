"""/report typed alone: a wizard (bot/infra/dialogs) that picks, with the people picker, one of
the people a closed round evaluated, then asks for their latest 360 report as "/report ID"
does (handlers/survey360/results.py): a report job sends the PDF."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from aiogram_dialog import ChatEvent, Dialog, DialogManager, StartMode, Window
from aiogram_dialog.widgets.text import Multi

from bot.infra.dialogs import Tr, __, back_and_cancel, refuse, send, stale_press_text, wizard
from bot.infra.dialogs.people import PeoplePicker
from bot.kernel.access import Permission
from bot.reports import files as reports
from handlers.filters import guarded
from handlers.survey360.results import request_person_report
from storage.dto import EmployeeDTO


class PersonReport(StatesGroup):
    whom = State()


async def _evaluated(manager: DialogManager) -> Sequence[EmployeeDTO]:
    return await reports.evaluated_in_closed_rounds(manager.middleware_data["session"])


async def _picked(event: ChatEvent, manager: DialogManager, person: EmployeeDTO) -> None:
    middleware = manager.middleware_data
    session = middleware["session"]
    campaign_id = await reports.latest_closed_round_of(session, person.employee_id)
    if campaign_id is None:  # cannot be while the person is offered; read again all the same
        await refuse(manager, stale_press_text())
        return
    reply = await request_person_report(
        session,
        middleware["bot"],
        middleware["report_jobs"],
        middleware["actor"],
        middleware["event_chat"].id,
        campaign_id,
        person.employee_id,
    )
    await manager.done()
    await send(manager, reply)


PERSON = PeoplePicker("report_person", _evaluated, on_pick=_picked)


def report_dialog() -> Dialog:
    return wizard(
        Window(
            Multi(
                Tr(
                    __(
                        "<b>A person's 360 report</b>\n\nWhose? Type part of the name or the employee id of "
                        "a person evaluated in a closed round: the PDF of their latest one comes as a file."
                    )
                ),
                PERSON.status,
                sep="\n\n",
            ),
            *PERSON.widgets,
            back_and_cancel(back=False),
            state=PersonReport.whom,
            getter=PERSON.getter,
        )
    )


async def on_report_wizard(message: Message, state: FSMContext, dialog_manager: DialogManager) -> None:
    await state.clear()  # an older FSM step is left
    await dialog_manager.start(PersonReport.whom, mode=StartMode.RESET_STACK)


def create_router() -> Router:
    """On the wizards' router (handlers/wizards.py): /report alone opens the wizard; "/report ID"
    goes on to handlers/survey360/results.py. Results are the head of HR's only (clause 20)."""
    router = Router(name="hr-person-report")
    router.include_router(guarded(report_dialog(), Permission.VIEW_RESULTS))
    guarded(router, Permission.VIEW_RESULTS)
    router.message.register(on_report_wizard, Command("report", magic=F.args.is_(None)))
    return router


__all__ = ["PersonReport", "create_router"]
