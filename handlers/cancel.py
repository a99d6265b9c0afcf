"""✖ Cancel and /cancel for every wait outside the wizards (bot/infra/waits.py): one handler
each, for every such state. Early in line (right after the wizards, which answer /cancel
themselves): the states' own routers must not take /cancel for the text they wait for.

Nothing is checked against a role: stopping one's own wait changes nothing but the wait."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.infra.callbacks import WaitCancelCb
from bot.infra.dialogs import stale_press_text
from bot.infra.waits import waiting


def create_router() -> Router:
    router = Router(name="cancel")
    router.callback_query.register(on_cancel_press, WaitCancelCb.filter())
    router.message.register(on_cancel_command, Command("cancel"))
    return router


async def on_cancel_press(query: CallbackQuery, callback_data: WaitCancelCb, state: FSMContext) -> None:
    current = waiting(await state.get_state())
    if current is None or current.wait is not callback_data.wait:
        # The wait is over (done, cancelled, or another one since): as a closed wizard's button.
        await query.answer(stale_press_text(), show_alert=True)
        return
    await state.clear()
    await query.answer()
    message = query.message
    if not isinstance(message, Message):
        return
    if message.text is not None:
        await message.edit_text(current.stopped())
    else:  # a prompt that is a document's caption (a manager's /plan): the text cannot replace it
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(current.stopped())


async def on_cancel_command(message: Message, state: FSMContext) -> None:
    current = waiting(await state.get_state())
    if current is None:
        await message.answer(_("There is nothing to cancel."))
        return
    await state.clear()
    await message.answer(current.stopped())
