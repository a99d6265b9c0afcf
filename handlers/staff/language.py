"""/language: for people in the staff list and for role holders outside it (an HR officer or
the authorised person), whose choice is kept with their account."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Router
from aiogram.filters import Command, Filter
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, TelegramObject
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.help.menus import refresh_role_menu
from bot.infra.callbacks import LanguageCb
from bot.infra.i18n import LANGUAGE_NAMES, in_locale
from bot.kernel.access import Role
from bot.staff.people import choose_language
from handlers.screens import edit_in_place
from storage.dto import EmployeeDTO


class KnownAccount(Filter):
    """Someone the bot works for: a person in the staff list, or an account holding a role."""

    async def __call__(
        self, event: TelegramObject, employee: EmployeeDTO | None = None, roles: frozenset[Role] = frozenset()
    ) -> bool:
        return employee is not None or bool(roles)


def create_router() -> Router:
    router = Router(name="language")
    router.message.filter(KnownAccount())
    router.callback_query.filter(KnownAccount())
    router.message.register(on_language, Command("language"))
    router.callback_query.register(on_language_chosen, LanguageCb.filter())
    return router


async def on_language(message: Message) -> None:
    buttons = [
        [InlineKeyboardButton(text=name, callback_data=LanguageCb(code=code).pack())]
        for code, name in LANGUAGE_NAMES.items()
    ]
    await message.answer(
        _("Choose your language:"), reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons)
    )


async def on_language_chosen(
    query: CallbackQuery,
    callback_data: LanguageCb,
    session: AsyncSession,
    i18n: I18n,
    bot: Bot,
    **data: Any,
) -> None:
    code = callback_data.code.value
    employee: EmployeeDTO | None = data.get("employee")
    await choose_language(session, employee, query.from_user.id, code)
    if data.get("roles"):  # a role holder's own "/" menu follows their language
        await refresh_role_menu(bot, session, i18n, query.from_user.id)
    with in_locale(i18n, code):
        text = _("Language: {name}. Press /start to see your questionnaires.").format(
            name=LANGUAGE_NAMES[code]
        )
    # The choice counts even from an old menu; only a message we may still edit shows it.
    if isinstance(query.message, Message):
        await edit_in_place(query, text, InlineKeyboardMarkup(inline_keyboard=[]))
        await query.answer()
    else:
        await query.answer(text, show_alert=True)
