"""One database session per update, and the employee behind the Telegram account."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.employees import EmployeeRepo

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DbSessionMiddleware(BaseMiddleware):
    """Opens a session and a transaction for the update; commits when the handler returns,
    rolls back when it raises, so an update is applied whole or not at all."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.sessionmaker() as session, session.begin():
            data["session"] = session
            return await handler(event, data)


class CurrentEmployeeMiddleware(BaseMiddleware):
    """Puts ``employee`` (an active person bound to this account, or None) into the data."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        employee = None
        if user is not None:
            found = await EmployeeRepo(data["session"]).by_telegram_id(user.id)
            employee = found if found is not None and found.active else None
        data["employee"] = employee
        return await handler(event, data)
