"""People the bot does not know yet: a polite refusal and a way to join."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, KeyboardButton, Message, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.filters import IsGuest


def create_router() -> Router:
    router = Router(name="guest")
    router.message.filter(IsGuest())
    router.callback_query.filter(IsGuest())
    router.message.register(on_any_message)
    router.callback_query.register(on_any_button)
    return router


def stranger_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=_("📱 Share my phone number"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def on_any_message(message: Message) -> None:
    await message.answer(
        _(
            "Hello! This bot runs the performance evaluation of civil servants of our organisation. "
            "I do not know you yet: open the personal link HR sent you, or share your phone number "
            "so that I can find you in the staff list."
        ),
        reply_markup=stranger_keyboard(),
    )


async def on_any_button(query: CallbackQuery) -> None:
    await query.answer(_("Please join first: press /start."), show_alert=True)
