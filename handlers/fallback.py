"""Last in line: whatever no other router understood."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _


def create_router() -> Router:
    router = Router(name="fallback")
    router.message.register(on_unknown_message)
    router.callback_query.register(on_unknown_button)
    return router


async def on_unknown_message(message: Message) -> None:
    await message.answer(
        _(
            "I did not understand that. Please use the buttons, or /start to see your questionnaires, /help for help."
        )
    )


async def on_unknown_button(query: CallbackQuery) -> None:
    await query.answer(_("This button no longer works. Press /start."))
