"""Router-level role filters: checked on the server for every update, not by hiding buttons."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from storage.dto import EmployeeDTO


class IsEmployee(Filter):
    """An active person from the staff list bound to this Telegram account."""

    async def __call__(self, event: TelegramObject, employee: EmployeeDTO | None = None) -> bool:
        return employee is not None


class IsGuest(Filter):
    async def __call__(self, event: TelegramObject, employee: EmployeeDTO | None = None) -> bool:
        return employee is None
