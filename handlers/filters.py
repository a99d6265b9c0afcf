"""Router-level role filters: checked on the server for every update, not by hiding buttons."""

from __future__ import annotations

from typing import Any, TypeVar

from aiogram import Router
from aiogram.filters import Filter
from aiogram.types import TelegramObject, User

from bot.kernel.access import Permission, Role, permissions
from bot.staff.access import Actor
from storage.dto import EmployeeDTO


class IsEmployee(Filter):
    """An active person from the staff list bound to this Telegram account."""

    async def __call__(self, event: TelegramObject, employee: EmployeeDTO | None = None) -> bool:
        return employee is not None


class IsGuest(Filter):
    async def __call__(self, event: TelegramObject, employee: EmployeeDTO | None = None) -> bool:
        return employee is None


class HasPermission(Filter):
    """The sender's account holds a role with this permission (roles come from
    SenderMiddleware, read from the database for every update). Passes ``actor`` and
    ``permissions`` on to the handler. ``permission`` may be a set: any one of them will do."""

    def __init__(self, permission: Permission | frozenset[Permission] | None = None) -> None:
        # None: any HR-side role at all
        self.wanted = {permission} if isinstance(permission, Permission) else permission

    async def __call__(
        self, event: TelegramObject, roles: frozenset[Role] = frozenset(), event_from_user: User | None = None
    ) -> bool | dict[str, Any]:
        granted = permissions(roles)
        if event_from_user is None or not roles or (self.wanted is not None and not self.wanted & granted):
            return False
        return {"actor": Actor(event_from_user.id, roles), "permissions": granted}


RouterT = TypeVar("RouterT", bound=Router)


def guarded(router: RouterT, permission: Permission | frozenset[Permission]) -> RouterT:
    """``router`` (a router, or a wizard's Dialog, which is one) answers only accounts whose
    roles grant ``permission`` (or one of them, given a set): every message and every press,
    each checked on the server."""
    router.message.filter(HasPermission(permission))
    router.callback_query.filter(HasPermission(permission))
    return router
