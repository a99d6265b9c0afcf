"""/help, written for the reader's roles: a respondent's commands, a manager's, HR's.

Also the last word for a role holder outside the staff list: whatever the HR routers did not
take (a command of another role, a typed word, an old button) is answered with their own
tools, never with the stranger's "send your phone number" (issue 19, finding 2)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.help.screens import help_text, not_your_command
from bot.kernel.access import Role, permissions
from handlers.filters import HasPermission
from handlers.staff.language import KnownAccount
from storage.dto import EmployeeDTO
from storage.staff.employees import EmployeeRepo


def create_router() -> Router:
    """/help for anyone the bot knows: a person from the staff list or a role holder."""
    router = Router(name="help")
    router.message.register(on_help, Command("help"), KnownAccount())
    return router


def create_role_fallback_router() -> Router:
    """Before the guests' router: a role holder outside the staff list is not a stranger."""
    router = Router(name="role-fallback")
    router.message.filter(HasPermission(), _outside_staff_list)
    router.callback_query.filter(HasPermission(), _outside_staff_list)
    router.message.register(on_other_message)
    router.callback_query.register(on_old_button)
    return router


def _known(
    message: Message, employee: EmployeeDTO | None = None, roles: frozenset[Role] = frozenset()
) -> bool:
    return employee is not None or bool(roles)


def _outside_staff_list(event: object, employee: EmployeeDTO | None = None) -> bool:
    return employee is None


async def on_help(
    message: Message,
    session: AsyncSession,
    employee: EmployeeDTO | None = None,
    roles: frozenset[Role] = frozenset(),
) -> None:
    manages = employee is not None and bool(await EmployeeRepo(session).subordinates(employee.id))
    await message.answer(help_text(employee is not None, manages, permissions(roles)))


async def on_other_message(message: Message, roles: frozenset[Role]) -> None:
    await message.answer(not_your_command(permissions(roles)))


async def on_old_button(query: CallbackQuery) -> None:
    await query.answer(_("This button no longer works. Press /start."))
