"""The bot's profile and "/" menus in every language: a menu for everyone, one per role
holder's chat (Telegram's BotCommandScopeChat) with the commands of their permissions, and the
description and short description shown before a chat starts.

Telegram picks a chat's menu from the narrowest scope that has one (a chat's before the
default), and within a scope the person's app language before the one without a language. A
role holder whose language the bot knows (the staff list or /language) gets their menu in it
for every app language; otherwise one per language, as the default menu does, so that the menu
follows the rule the messages follow (bot/infra/i18n.py, pick_locale)."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BotCommand, BotCommandScopeChat
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.i18n import LANGUAGE_NAMES, in_locale
from bot.kernel.access import Permission, authorised_only, permissions
from storage.roles import AccountRepo, RoleRepo
from storage.staff.employees import EmployeeRepo

log = logging.getLogger(__name__)


def everyone_commands() -> list[BotCommand]:
    return [
        BotCommand(command="start", description=_("My questionnaires")),
        BotCommand(command="deadlines", description=_("My deadlines")),
        BotCommand(command="language", description=_("Change the language")),
        BotCommand(command="help", description=_("Help")),
    ]


def role_commands(granted: frozenset[Permission], *, employee: bool) -> list[BotCommand]:
    """A role holder's menu: their own commands first (a person from the staff list keeps the
    respondent's), then the tools of their permissions, in the order of the HR menu."""
    commands = []
    if employee:
        commands += [
            BotCommand(command="start", description=_("My questionnaires")),
            BotCommand(command="deadlines", description=_("My deadlines")),
        ]
    tools = _("The authorised person's tools") if authorised_only(granted) else _("HR tools")
    commands.append(BotCommand(command="hr", description=tools))
    by_permission = [
        (Permission.MANAGE_STAFF, "find", _("Find a person")),
        (Permission.MANAGE_STAFF, "invites", _("Personal links of people not in the bot")),
        (Permission.VIEW_PROGRESS, "rounds", _("Evaluation rounds and their progress")),
        (Permission.RUN_ROUNDS, "newround", _("Start a new 360 round")),
        (Permission.VIEW_PROGRESS, "quarters", _("Quarterly evaluation")),
        (Permission.RUN_ROUNDS, "legacyrounds", _("A year under the 2018 methodology")),
        (Permission.BROADCAST, "broadcast", _("A message to everyone or a unit")),
        (Permission.MANAGE_ROLES, "roles", _("Who holds which role")),
        (Permission.VIEW_RESULTS, "report", _("One person's 360 report")),
        (Permission.APPROVE_LEGACY_RESULTS, "approvals", _("Results awaiting your approval")),
        (Permission.VIEW_AUDIT, "audit", _("The log of HR actions")),
    ]
    commands += [BotCommand(command=c, description=d) for p, c, d in by_permission if p in granted]
    commands += [
        BotCommand(command="language", description=_("Change the language")),
        BotCommand(command="help", description=_("Help")),
    ]
    return commands


def description() -> str:
    """Shown in an empty chat with the bot (0-512 characters)."""
    return _(
        "Bagalau runs the performance evaluation of civil servants of our organisation: the 360 "
        "questionnaires, the quarterly evaluation and their results. Open the personal link HR sent "
        "you, or press Start and share your phone number."
    )


def short_description() -> str:
    """On the bot's profile page and in shared links (0-120 characters)."""
    return _("Performance evaluation of civil servants: questionnaires, sheets and results.")


async def set_profile(bot: Bot, i18n: I18n) -> None:
    """The default menu, description and short description in every language the bot speaks,
    and without a language (for everyone else) in the default one."""
    for locale in (*LANGUAGE_NAMES, None):
        with in_locale(i18n, locale or i18n.default_locale):
            await bot.set_my_commands(everyone_commands(), language_code=locale)
            await bot.set_my_description(description(), language_code=locale)
            await bot.set_my_short_description(short_description(), language_code=locale)


async def refresh_role_menu(bot: Bot, session: AsyncSession, i18n: I18n, telegram_user_id: int) -> None:
    """The chat's own menu after a role was granted or taken away: the tools of the roles it
    holds now, or, with none left, back to the menu everyone has.

    A role may be granted to a Telegram id that has never opened the bot, or has blocked it:
    Telegram then refuses a menu for that chat. The grant stands; the menu is set at the next
    start of the bot or when the person picks a language."""
    try:
        await _set_role_menu(bot, session, i18n, telegram_user_id)
    except (TelegramBadRequest, TelegramForbiddenError) as exc:
        log.warning("no menu for a role holder's chat: %s", type(exc).__name__)


async def _set_role_menu(bot: Bot, session: AsyncSession, i18n: I18n, telegram_user_id: int) -> None:
    roles = await RoleRepo(session).roles_of(telegram_user_id)
    found = await EmployeeRepo(session).by_telegram_id(telegram_user_id)
    employee = found if found is not None and found.active else None
    known = employee.locale if employee else await AccountRepo(session).locale(telegram_user_id)
    scope = BotCommandScopeChat(chat_id=telegram_user_id)
    # The chat's menus in every language, cleared first: a menu set in one language must not
    # outlive a change to the person's language or roles.
    for locale in (*LANGUAGE_NAMES, None):
        await bot.delete_my_commands(scope=scope, language_code=locale)
    if not roles:
        return
    for locale in (None,) if known else (*LANGUAGE_NAMES, None):
        with in_locale(i18n, known or locale or i18n.default_locale):
            commands = role_commands(permissions(roles), employee=employee is not None)
            await bot.set_my_commands(commands, scope=scope, language_code=locale)


async def refresh_all_role_menus(bot: Bot, session: AsyncSession, i18n: I18n) -> None:
    """At start: every role holder's menu, so that grants made from the command line (or before
    this version) show too."""
    holders = sorted({grant.telegram_user_id for grant in await RoleRepo(session).grants()})
    for telegram_user_id in holders:
        await refresh_role_menu(bot, session, i18n, telegram_user_id)
    log.info("menus set for %d role holder(s)", len(holders))
