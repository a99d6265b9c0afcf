"""HR's results owed in writing to people who left the body (clause 11, second part): the
list, the letter to print, and the record of how it was sent. HR only (clause 20): the list and
the record for HR officers and the head of HR, the letter (it shows the result) for the head.

/delivered and /letter take their arguments on one line, as before; without them (or from the
buttons under /written) they are wizards on aiogram-dialog (docs/dialogs.md): the notice pressed
among those owed, then for a delivery the channel by a button, the day it was sent in the
working-day calendar (days that have passed, up to today), the reference typed, a summary to
confirm. On the wizards' router (handlers/wizards.py): the commands need the dialog manager."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import ChatEvent, Dialog, DialogManager, StartMode, Window
from aiogram_dialog.widgets.input import ManagedTextInput, TextInput
from aiogram_dialog.widgets.kbd import Button, ManagedCalendar
from aiogram_dialog.widgets.text import Format
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import WrittenAction, WrittenCb
from bot.infra.config import Settings
from bot.infra.dialogs import Note, Tr, __, back_and_cancel, choice, note, refuse, send, wizard
from bot.infra.dialogs.calendar import DayRange, WorkdayCalendar
from bot.infra.formatting import format_date
from bot.kernel.access import Permission
from bot.kernel.clock import Clock, local_naive
from bot.kernel.workdays import WorkCalendar
from bot.quarterly import written
from bot.quarterly.written import Channel, DeliveryOutcome, WrittenNoticeRow
from bot.quarterly.written_rules import check_delivery, parse_delivery
from bot.quarterly.written_screens import (
    channel_label,
    delivery_stopped,
    delivery_summary,
    delivery_text,
    notice_label,
    notices_markup,
    notices_text,
    usage_text,
)
from bot.reports.files import written_letter
from bot.staff.access import Actor, audit
from bot.survey360.rounds import CampaignError
from handlers.filters import HasPermission, guarded
from handlers.screens import live_message

HR_SIDE = frozenset({Permission.RUN_ROUNDS, Permission.VIEW_RESULTS})
PAGE = 8  # notices to a page of buttons


class Delivery(StatesGroup):
    notice = State()
    channel = State()  # dialog data: notice, evaluated (ISO: the day the result was given)
    day = State()  # + channel
    reference = State()  # + sent_on (ISO)
    confirm = State()  # + reference


class Letter(StatesGroup):
    notice = State()


def create_router() -> Router:
    router = Router(name="hr-written-notices")
    router.message.filter(HasPermission())
    router.callback_query.filter(HasPermission())
    router.include_router(guarded(_delivery_dialog(), HR_SIDE))
    router.include_router(guarded(_letter_dialog(), Permission.VIEW_RESULTS))
    router.message.register(on_list, Command("written"))
    router.message.register(on_delivered, Command("delivered"))
    router.message.register(on_letter, Command("letter"))
    router.callback_query.register(on_list_button, WrittenCb.filter())
    return router


def _not_allowed() -> str:
    return _("Your role does not allow this.")


def _letter_refusal() -> str:
    return _("Only the head of HR may download the letter: it shows the result (clause 20).")


async def on_list(
    message: Message,
    session: AsyncSession,
    clock: Clock,
    calendar: WorkCalendar,
    permissions: frozenset[Permission],
) -> None:
    if not permissions & HR_SIDE:
        await message.answer(_not_allowed())
        return
    rows = await written.notices(session, today=clock.today(), calendar=calendar)
    markup = notices_markup(rows, may_download=Permission.VIEW_RESULTS in permissions)
    await message.answer(notices_text(rows), reply_markup=markup, protect_content=True)


async def on_list_button(
    query: CallbackQuery,
    callback_data: WrittenCb,
    state: FSMContext,
    dialog_manager: DialogManager,
    permissions: frozenset[Permission],
) -> None:
    if await live_message(query) is None:
        return
    letter = callback_data.action is WrittenAction.LETTER
    if not permissions & (frozenset({Permission.VIEW_RESULTS}) if letter else HR_SIDE):
        await query.answer(_letter_refusal() if letter else _not_allowed(), show_alert=True)
        return
    await query.answer()
    await state.clear()  # an older wait (an upload's) is left
    await dialog_manager.start(Letter.notice if letter else Delivery.notice, mode=StartMode.RESET_STACK)


async def on_delivered(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    calendar: WorkCalendar,
    settings: Settings,
    actor: Actor,
    permissions: frozenset[Permission],
    state: FSMContext,
    dialog_manager: DialogManager,
) -> None:
    if not permissions & HR_SIDE:
        await message.answer(_not_allowed())
        return
    if not (command.args or "").strip():
        await state.clear()
        await dialog_manager.start(Delivery.notice, mode=StartMode.RESET_STACK)
        return
    parsed = parse_delivery(command.args)
    if parsed is None:
        await message.answer(usage_text())
        return
    sheet_id, channel, sent_on, reference = parsed
    outcome = await _record(session, actor, sheet_id, channel, sent_on, reference, clock, calendar, settings)
    await message.answer(delivery_text(outcome))


async def _record(
    session: AsyncSession,
    actor: Actor,
    notice_id: int,
    channel: Channel,
    sent_on: date,
    reference: str,
    clock: Clock,
    calendar: WorkCalendar,
    settings: Settings,
) -> DeliveryOutcome:
    return await written.record_delivery(
        session,
        actor,
        notice_id,
        channel=channel,
        sent_on=sent_on,
        reference=reference,
        today=clock.today(),
        now=clock.now(),
        calendar=calendar,
        zone=settings.zone,
    )


async def on_letter(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    permissions: frozenset[Permission],
    state: FSMContext,
    dialog_manager: DialogManager,
) -> None:
    if Permission.VIEW_RESULTS not in permissions:  # the letter shows the result (clause 20)
        await message.answer(_letter_refusal())
        return
    args = (command.args or "").strip()
    if not args:
        await state.clear()
        await dialog_manager.start(Letter.notice, mode=StartMode.RESET_STACK)
        return
    if not args.isdigit():
        await message.answer(_("Write the number from /written after /letter, e.g. /letter 12."))
        return
    file = await _letter(session, int(args), clock, actor)
    if file is None:
        await message.answer(_("There is no result owed in writing under this number."))
        return
    await message.answer_document(file, protect_content=True)


async def _letter(
    session: AsyncSession, notice_id: int, clock: Clock, actor: Actor
) -> BufferedInputFile | None:
    """The notice's letter, its download audited; None when there is no such result."""
    try:
        file = await written_letter(session, notice_id, clock.now())
    except CampaignError:
        return None
    notice = await written.notice(session, notice_id)
    assert notice is not None  # the letter was built from it
    target, ref = written.audit_target(notice)
    await audit(session, actor, written.audit_action(notice, "written_letter"), target, ref, at=clock.now())
    return BufferedInputFile(file.data, file.name)


# ------------------------------------------------------------------------------ the wizards


async def _rows(manager: DialogManager, *, pending_only: bool) -> list[WrittenNoticeRow]:
    mw = manager.middleware_data
    rows = await written.notices(
        mw["session"], today=mw["clock"].today(), calendar=mw["calendar"], pending_only=pending_only
    )
    # A delivery is recorded once the result was given (record_delivery refuses it before).
    return [row for row in rows if row.notice.submitted_at is not None]


async def _pending_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    rows = await _rows(dialog_manager, pending_only=True)
    return {"notices": [(notice_label(row), row.notice.id) for row in rows], "none": not rows}


async def _all_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    rows = await _rows(dialog_manager, pending_only=False)
    return {"notices": [(notice_label(row), row.notice.id) for row in rows], "none": not rows}


async def _chosen(manager: DialogManager) -> WrittenNoticeRow | None:
    wanted = int(manager.dialog_data.get("notice", 0))
    return next((r for r in await _rows(manager, pending_only=False) if r.notice.id == wanted), None)


async def on_pending_notice(event: ChatEvent, _widget: Any, manager: DialogManager, notice_id: int) -> None:
    row = next((r for r in await _rows(manager, pending_only=True) if r.notice.id == notice_id), None)
    if row is None or row.notice.submitted_at is None:  # recorded meanwhile, by someone else
        await refuse(manager, delivery_text(DeliveryOutcome(already=True)))
        return
    settings: Settings = manager.middleware_data["settings"]
    evaluated_on = local_naive(row.notice.submitted_at, settings.zone).date()
    manager.dialog_data.update(notice=notice_id, evaluated=evaluated_on.isoformat())
    await manager.switch_to(Delivery.channel)


async def on_channel(event: ChatEvent, _widget: Any, manager: DialogManager, channel: str) -> None:
    manager.dialog_data["channel"] = Channel(channel).value
    await manager.switch_to(Delivery.day)


def _sent_days(manager: DialogManager) -> DayRange:
    """From the day the result was given to today: a delivery is recorded once it is sent."""
    clock: Clock = manager.middleware_data["clock"]
    return DayRange(date.fromisoformat(manager.dialog_data["evaluated"]), clock.today())


async def on_day(event: ChatEvent, _widget: ManagedCalendar, manager: DialogManager, day: date, /) -> None:
    manager.dialog_data["sent_on"] = day.isoformat()
    await manager.switch_to(Delivery.reference)


async def on_reference(
    message: Message, _widget: ManagedTextInput[str], manager: DialogManager, text: str
) -> None:
    data = manager.dialog_data
    clock: Clock = manager.middleware_data["clock"]
    refusal = check_delivery(
        date.fromisoformat(data["sent_on"]),
        text,
        evaluated_on=date.fromisoformat(data["evaluated"]),
        today=clock.today(),
    )
    if refusal is not None:  # the question stands
        await refuse(manager, delivery_text(DeliveryOutcome(refusal=refusal)))
        return
    data["reference"] = text.strip()
    await manager.switch_to(Delivery.confirm)


async def on_confirmed(event: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    data, mw = manager.dialog_data, manager.middleware_data
    outcome = await _record(
        mw["session"],
        mw["actor"],
        int(data["notice"]),
        Channel(data["channel"]),
        date.fromisoformat(data["sent_on"]),
        str(data["reference"]),
        mw["clock"],
        mw["calendar"],
        mw["settings"],
    )
    if outcome.refusal is not None:  # the day turned while the summary was open: choose again
        note(manager, delivery_text(outcome))
        await manager.switch_to(Delivery.day)
        return
    await manager.done()
    await send(manager, delivery_text(outcome))


async def _step_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    """The notice chosen (and what was chosen since) for the windows after the first."""
    data = dialog_manager.dialog_data
    row = await _chosen(dialog_manager)
    found: dict[str, Any] = {
        "notice": escape(notice_label(row)) if row is not None else "—",  # the window is HTML
        "channels": [(channel_label(c), c.value) for c in Channel],
        "first": format_date(date.fromisoformat(data["evaluated"])) if "evaluated" in data else "",
    }
    if "channel" in data:
        found["channel"] = channel_label(Channel(data["channel"]))
    if row is not None and "sent_on" in data and "reference" in data:
        found["summary"] = delivery_summary(
            row, Channel(data["channel"]), date.fromisoformat(data["sent_on"]), str(data["reference"])
        )
    return found


def _delivery_dialog() -> Dialog:
    return wizard(
        Window(
            Note(),
            Tr(__("<b>Record a delivery</b>\n\nWhich result was sent? ⚠️ marks one past its 2 working days.")),
            Tr(__("No results are owed in writing to people who left the body."), when="none"),
            choice("notice", "notices", on_pending_notice, type_factory=int, page=PAGE),
            back_and_cancel(delivery_stopped, back=False),
            getter=_pending_getter,
            state=Delivery.notice,
        ),
        Window(
            Format("{notice}"),
            Tr(__("How was it sent?")),
            choice("channel", "channels", on_channel),
            back_and_cancel(delivery_stopped),
            getter=_step_getter,
            state=Delivery.channel,
        ),
        Window(
            Note(),
            Format("{notice}\n{channel}"),
            Tr(__("On which day was it sent? From {first} to today; a day to come cannot be chosen.")),
            WorkdayCalendar("sent_on", on_day, _sent_days, past=True),
            back_and_cancel(delivery_stopped),
            getter=_step_getter,
            state=Delivery.day,
        ),
        Window(
            Format("{notice}\n{channel}"),
            Tr(
                __(
                    "Type the reference that finds the record of the message: the letter's tracking "
                    "number, the telephonogram's number, and so on."
                )
            ),
            TextInput(id="reference", on_success=on_reference),
            back_and_cancel(delivery_stopped),
            getter=_step_getter,
            state=Delivery.reference,
        ),
        Window(
            Format("{summary}"),
            Button(Tr(__("✅ Record")), id="record", on_click=on_confirmed),
            back_and_cancel(delivery_stopped),
            getter=_step_getter,
            state=Delivery.confirm,
        ),
        stopped=delivery_stopped,
    )


async def on_letter_notice(event: ChatEvent, _widget: Any, manager: DialogManager, notice_id: int) -> None:
    mw = manager.middleware_data
    file = await _letter(mw["session"], notice_id, mw["clock"], mw["actor"])
    if file is None:
        await refuse(manager, _("There is no result owed in writing under this number."))
        return
    await manager.done()
    bot: Bot = mw["bot"]
    await bot.send_document(mw["event_chat"].id, file, protect_content=True)


def _letter_dialog() -> Dialog:
    return wizard(
        Window(
            Tr(__("<b>The letter</b> with the result, to print and send: whose?")),
            Tr(__("No results are owed in writing to people who left the body."), when="none"),
            choice("letter", "notices", on_letter_notice, type_factory=int, page=PAGE),
            back_and_cancel(back=False),
            getter=_all_getter,
            state=Letter.notice,
        ),
    )
