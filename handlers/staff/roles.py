"""/roles, /grant, /revoke: role management, checked and audited on the server."""

from __future__ import annotations

import asyncio

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.help.menus import refresh_role_menu
from bot.kernel.access import Permission, Role, parse_telegram_id
from bot.kernel.clock import Clock
from bot.staff.access import Actor, RoleChange, grant_role, revoke_role
from bot.staff.hr_screens import role_change_reply, role_codes, roles_list
from handlers.filters import HasPermission
from storage.roles import RoleRepo
from storage.staff.employees import EmployeeRepo


def create_router() -> Router:
    router = Router(name="hr-roles")
    router.message.filter(HasPermission(Permission.MANAGE_ROLES))
    router.message.register(on_roles, Command("roles"))
    router.message.register(on_change, Command("grant", "revoke"))
    return router


async def on_roles(message: Message, session: AsyncSession, bot: Bot) -> None:
    grants = await RoleRepo(session).grants()
    names = await EmployeeRepo(session).names_by_telegram_id({g.telegram_user_id for g in grants})
    outside = sorted({g.telegram_user_id for g in grants} - set(names))
    names |= await telegram_names(bot, outside[:MAX_LOOKUPS])
    await message.answer(roles_list(grants, names))


# Role holders are a handful; a list beyond this is shown by id rather than kept waiting on Telegram.
MAX_LOOKUPS = 20
# The lookups run while the update's transaction is open (on SQLite it holds the one
# connection every other update needs): all at once, and given up on after this long.
LOOKUP_TIMEOUT_S = 2.0


async def telegram_names(bot: Bot, telegram_user_ids: list[int]) -> dict[int, str]:
    """The names accounts outside the staff list give themselves in Telegram, which keeps them
    for chats the bot has had with them; the bot stores none. An account Telegram will not
    describe (never wrote to the bot, blocked it), or not in time, is shown by its id alone."""

    async def name_of(telegram_user_id: int) -> str:
        try:
            chat = await bot.get_chat(telegram_user_id)
        except TelegramAPIError:
            return ""
        return " ".join(part for part in (chat.first_name, chat.last_name) if part)

    lookups = [asyncio.ensure_future(name_of(telegram_user_id)) for telegram_user_id in telegram_user_ids]
    if not lookups:
        return {}
    done, pending = await asyncio.wait(lookups, timeout=LOOKUP_TIMEOUT_S)
    for lookup in pending:
        lookup.cancel()
    return {
        telegram_user_id: lookup.result()
        for telegram_user_id, lookup in zip(telegram_user_ids, lookups, strict=True)
        if lookup in done and lookup.exception() is None and lookup.result()
    }


async def _account(session: AsyncSession, reference: str) -> int | None:
    """A Telegram id, or the employee id of someone who has joined the bot; anything else,
    a number too large for a Telegram id included, is nobody."""
    people = await EmployeeRepo(session).by_external_ids([reference])
    if reference in people:
        return people[reference].telegram_user_id
    return parse_telegram_id(reference)


async def on_change(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    parts = (command.args or "").split()
    usage = _(
        "Usage: /{command} ID ROLE — ID is an employee id or a Telegram id; ROLE is one of: {roles}. "
        "Or send /{command} alone to choose the person and the role from lists."
    ).format(command=command.command, roles=role_codes())
    if len(parts) != 2 or parts[1] not in {r.value for r in Role}:
        await message.answer(usage)
        return
    target = await _account(session, parts[0])
    if target is None:
        await message.answer(
            _("No such person in the bot: they must join it first, or give their Telegram id.")
        )
        return
    role = Role(parts[1])
    granting = command.command == "grant"
    outcome = await (grant_role if granting else revoke_role)(session, actor, target, role, clock.now())
    if outcome is RoleChange.DONE:
        # The person's "/" menu shows the tools of the roles they hold now.
        await refresh_role_menu(bot, session, i18n, target)
    await message.answer(role_change_reply(outcome, granting, role, parts[0]))
