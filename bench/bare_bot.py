"""The baseline of bench/answering.py: a bare aiogram bot making the same Telegram calls as
Bagalau's questionnaire, with no database, no translations, no scheduler.

    python -m bench.bare_bot   (BOT_TOKEN and TELEGRAM_API_URL from the environment)

/start → a message with five buttons; a button → the callback answered and the message
edited to the next "statement" with five new buttons.
"""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message


def keyboard(statement: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=f"{score} · label", callback_data=f"a:1:{statement}:{score}")]
            for score in range(1, 6)
        ]
    )


async def on_start(message: Message) -> None:
    await message.answer("Statement 1", reply_markup=keyboard(1))


async def on_press(query: CallbackQuery) -> None:
    statement = int((query.data or "a:1:0:0").split(":")[2]) + 1
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(f"Statement {statement}", reply_markup=keyboard(statement))


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(os.environ["BOT_TOKEN"], session=session)
    dispatcher = Dispatcher()
    dispatcher.message.register(on_start, CommandStart())
    dispatcher.callback_query.register(on_press)
    await dispatcher.start_polling(bot, handle_signals=True)


if __name__ == "__main__":
    asyncio.run(main())
