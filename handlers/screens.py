"""Showing a screen in the message a button belongs to, tolerating Telegram's quirks."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.survey360.questionnaire import Refusal
from bot.survey360.screens import refusal_text


async def edit_in_place(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    assert isinstance(query.message, Message)
    try:
        await query.message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as exc:
        # A double tap renders the same screen again; Telegram refuses the no-op edit.
        if "message is not modified" not in exc.message:
            raise


async def live_message(query: CallbackQuery) -> Message | None:
    """The message under the button, if Telegram still lets us edit it (48 hours); otherwise
    the press is answered as stale and None is returned."""
    if isinstance(query.message, Message):
        return query.message
    await query.answer(refusal_text(Refusal.STALE_MESSAGE))
    return None
