"""/hr: what the HR side of the bot can do for this account."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from bot.kernel.access import Permission
from bot.staff.hr_screens import hr_menu
from handlers.filters import HasPermission


def create_router() -> Router:
    router = Router(name="hr-menu")
    router.message.filter(HasPermission())
    router.message.register(on_menu, Command("hr"))
    # An HR officer who is not in the staff list has no questionnaires: /start is the menu.
    router.message.register(on_menu, CommandStart(), _not_employee)
    return router


def _not_employee(message: Message, employee: object = None) -> bool:
    return employee is None


async def on_menu(message: Message, permissions: frozenset[Permission]) -> None:
    await message.answer(hr_menu(permissions))
