"""/grant and /revoke typed alone: a wizard (bot/infra/dialogs) that picks the person, then one
of the roles that may be given to them (or that they hold and may be taken), then asks to
confirm. Nothing is typed but part of a name, an employee id or a Telegram id. The rules are
the one-line form's (bot/staff/access.py): nobody grants themselves, roles that see scores
only by the head of HR; the change itself is checked and audited there again.

Accounts outside the staff list (HR accounts need not be on it) are reached two ways: those
holding a role are buttons under the search, and any other is typed by its Telegram id."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import ChatEvent, Dialog, DialogManager, StartMode, Window
from aiogram_dialog.widgets.kbd import Button
from aiogram_dialog.widgets.text import Multi
from sqlalchemy.ext.asyncio import AsyncSession

from bot.help.menus import refresh_role_menu
from bot.infra.dialogs import Tr, __, back_and_cancel, choice, refuse, send, stale_press_text, wizard
from bot.infra.dialogs.people import PeoplePicker, label
from bot.kernel.access import Permission, Role, parse_telegram_id
from bot.kernel.clock import Clock
from bot.staff.access import (
    Actor,
    RoleChange,
    grant_refusal,
    grant_role,
    revoke_role,
    role_holders,
    roles_to_grant,
    roles_to_revoke,
)
from bot.staff.hr_screens import own_role_refusal, role_change_reply, role_name
from handlers.filters import guarded
from handlers.staff.roles import MAX_LOOKUPS, telegram_names
from storage.dto import EmployeeDTO
from storage.roles import RoleRepo
from storage.staff.employees import EmployeeRepo


class RoleWizard(StatesGroup):
    whom = State()
    role = State()
    confirm = State()


# dialog_data: from the start, "granting" (True for /grant, False for /revoke) and "outside"
# (the Telegram names of accounts outside the staff list holding a role, by their id as text,
# looked up once); then "target" (the Telegram id), "name" (how it is shown) and "role" (a code).


def _granting(manager: DialogManager) -> bool:
    return bool(manager.dialog_data["granting"])


async def _people(manager: DialogManager) -> Sequence[EmployeeDTO]:
    """/grant: everyone active who has joined the bot (a role belongs to a Telegram account);
    /revoke: the people holding a role."""
    session: AsyncSession = manager.middleware_data["session"]
    if _granting(manager):
        everyone = await EmployeeRepo(session).all(active_only=True)
        return [p for p in everyone if p.telegram_user_id is not None]
    return sorted((await role_holders(session)).staff, key=lambda p: p.full_name.casefold())


def _account_label(manager: DialogManager, account: int) -> str:
    name = manager.dialog_data.get("outside", {}).get(str(account), "")
    return f"{name or _('Telegram account')} ({account})"


async def _offered(manager: DialogManager, target: int) -> list[Role]:
    actor: Actor = manager.middleware_data["actor"]
    held = await RoleRepo(manager.middleware_data["session"]).roles_of(target)
    return roles_to_grant(actor, target, held) if _granting(manager) else roles_to_revoke(actor, held)


async def _choose_target(manager: DialogManager, target: int, name: str) -> None:
    """The account chosen: on to its roles, or a refusal when there is none to offer."""
    if not await _offered(manager, target):
        actor: Actor = manager.middleware_data["actor"]
        if not _granting(manager):
            text = _("{name} holds no role you may take away.")
        elif {grant_refusal(actor, target, role) for role in Role} == {RoleChange.OWN_ROLE}:
            text = own_role_refusal()
        else:
            text = _("{name} already holds every role you may grant.")
        await refuse(manager, text.format(name=escape(name)))
        return
    manager.dialog_data.update(target=target, name=name)
    manager.dialog_data.pop("role", None)
    await manager.switch_to(RoleWizard.role)


async def _person_picked(event: ChatEvent, manager: DialogManager, person: EmployeeDTO) -> None:
    assert person.telegram_user_id is not None  # only people with an account are offered
    await _choose_target(manager, person.telegram_user_id, label(person))


async def _outside_accounts(manager: DialogManager) -> list[int]:
    """The accounts outside the staff list holding a role, as buttons; for /grant not the
    actor's own (nobody grants themselves: a button that could only be refused)."""
    accounts = (await role_holders(manager.middleware_data["session"])).outside
    actor: Actor = manager.middleware_data["actor"]
    return [a for a in accounts if not (_granting(manager) and a == actor.telegram_user_id)]


async def _account_typed(message: Message, manager: DialogManager, text: str) -> bool:
    """A Telegram id typed whole, as the one-line form takes it: for /grant any account, for
    /revoke one holding a role."""
    account = parse_telegram_id(text)
    if account is None:
        return False
    if _granting(manager):
        person = await EmployeeRepo(manager.middleware_data["session"]).by_telegram_id(account)
        await _choose_target(manager, account, label(person) if person else _account_label(manager, account))
        return True
    holders = await role_holders(manager.middleware_data["session"])
    person = next((p for p in holders.staff if p.telegram_user_id == account), None)
    if person is None and account not in holders.outside:
        return False
    await _choose_target(manager, account, label(person) if person else _account_label(manager, account))
    return True


PERSON = PeoplePicker("role_person", _people, on_pick=_person_picked, on_other=_account_typed)


async def _account_pressed(event: ChatEvent, _widget: Any, manager: DialogManager, account: int) -> None:
    if account not in await _outside_accounts(manager):
        await refuse(manager, stale_press_text())
        return
    await _choose_target(manager, account, _account_label(manager, account))


async def _role_chosen(event: ChatEvent, _widget: Any, manager: DialogManager, code: str) -> None:
    offered = await _offered(manager, int(manager.dialog_data["target"]))
    if code not in {role.value for role in offered}:  # an old screen, or a forged press
        await refuse(manager, stale_press_text())
        return
    manager.dialog_data["role"] = code
    await manager.switch_to(RoleWizard.confirm)


async def _confirmed(event: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    data, middleware = manager.dialog_data, manager.middleware_data
    session: AsyncSession = middleware["session"]
    clock: Clock = middleware["clock"]
    target, role, granting = int(data["target"]), Role(data["role"]), _granting(manager)
    change = grant_role if granting else revoke_role
    outcome = await change(session, middleware["actor"], target, role, clock.now())
    if outcome is RoleChange.DONE:
        # The person's "/" menu shows the tools of the roles they hold now.
        await refresh_role_menu(middleware["bot"], session, middleware["i18n"], target)
    await manager.done()
    await send(manager, role_change_reply(outcome, granting, role, escape(data["name"])))


# ------------------------------------------------------------------------------ windows


async def _whom_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    accounts = await _outside_accounts(dialog_manager)
    return {
        "granting": _granting(dialog_manager),
        "revoking": not _granting(dialog_manager),
        "accounts": [(_account_label(dialog_manager, account), account) for account in accounts],
    }


async def _role_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    offered = await _offered(dialog_manager, int(dialog_manager.dialog_data["target"]))
    return {
        "granting": _granting(dialog_manager),
        "revoking": not _granting(dialog_manager),
        "name": escape(dialog_manager.dialog_data["name"]),
        "roles": [(role_name(role), role.value) for role in offered],
    }


async def _confirm_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {
        "granting": _granting(dialog_manager),
        "revoking": not _granting(dialog_manager),
        "name": escape(dialog_manager.dialog_data["name"]),
        "role": role_name(Role(dialog_manager.dialog_data["role"])),
    }


async def _started(start_data: Any, manager: DialogManager) -> None:
    manager.dialog_data.update(start_data)


def role_dialog() -> Dialog:
    question = Multi(
        Tr(
            __(
                "<b>Grant a role</b>\n\nTo whom? Type part of the name or the employee id of a person who "
                "has joined the bot, or the Telegram id of an account outside the staff list."
            ),
            when="granting",
        ),
        Tr(
            __(
                "<b>Take a role away</b>\n\nFrom whom? Type part of the name or the employee id of a person "
                "who holds a role."
            ),
            when="revoking",
        ),
        Tr(__("Accounts outside the staff list that hold a role:"), when="accounts"),
        PERSON.status,
        sep="\n\n",
    )
    return wizard(
        Window(
            question,
            *PERSON.widgets,
            choice("account", "accounts", _account_pressed, type_factory=int, page=5),
            back_and_cancel(back=False),
            state=RoleWizard.whom,
            getter=(_whom_getter, PERSON.getter),
        ),
        Window(
            Tr(__("Which role for {name}?"), when="granting"),
            Tr(__("Which role to take from {name}?"), when="revoking"),
            choice("role", "roles", _role_chosen),
            back_and_cancel(),
            state=RoleWizard.role,
            getter=_role_getter,
        ),
        Window(
            Tr(__("Give {name} the role: {role}?"), when="granting"),
            Tr(__("Take the role {role} from {name}?"), when="revoking"),
            Button(Tr(__("✅ Grant the role")), id="grant", on_click=_confirmed, when="granting"),
            Button(Tr(__("✅ Take the role away")), id="revoke", on_click=_confirmed, when="revoking"),
            back_and_cancel(),
            state=RoleWizard.confirm,
            getter=_confirm_getter,
        ),
        on_start=_started,
    )


async def on_role_wizard(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    dialog_manager: DialogManager,
    session: AsyncSession,
    bot: Bot,
) -> None:
    await state.clear()  # an older FSM step is left
    outside = (await role_holders(session)).outside
    # Telegram's names of the few accounts outside the staff list, once, not on every screen.
    names = await telegram_names(bot, outside[:MAX_LOOKUPS])
    await dialog_manager.start(
        RoleWizard.whom,
        mode=StartMode.RESET_STACK,
        data={"granting": command.command == "grant", "outside": {str(k): v for k, v in names.items()}},
    )


def create_router() -> Router:
    """On the wizards' router (handlers/wizards.py): /grant and /revoke with nothing after
    them open the wizard; with arguments they go on to the one-line form (handlers/staff/roles.py)."""
    router = Router(name="hr-role-wizard")
    router.include_router(guarded(role_dialog(), Permission.MANAGE_ROLES))
    guarded(router, Permission.MANAGE_ROLES)
    router.message.register(on_role_wizard, Command("grant", "revoke", magic=F.args.is_(None)))
    return router


__all__ = ["RoleWizard", "create_router"]
