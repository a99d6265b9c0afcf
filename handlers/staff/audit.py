"""/audit: the HR action log, for the head of the HR service."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import AuditPageCb
from bot.kernel.access import Permission
from bot.staff.hr_screens import Rendered, audit_page
from handlers.filters import HasPermission
from handlers.screens import edit_in_place, live_message
from storage.roles import AuditRepo
from storage.staff.employees import EmployeeRepo

PAGE = 20


def create_router() -> Router:
    router = Router(name="hr-audit")
    router.message.filter(HasPermission(Permission.VIEW_AUDIT))
    router.callback_query.filter(HasPermission(Permission.VIEW_AUDIT))
    router.message.register(on_audit, Command("audit"))
    router.callback_query.register(on_page, AuditPageCb.filter())
    return router


async def _page(session: AsyncSession, offset: int) -> Rendered:
    repo = AuditRepo(session)
    entries = await repo.recent(limit=PAGE, offset=offset)
    actors = {e.actor_telegram_id for e in entries if e.actor_telegram_id}
    names = await EmployeeRepo(session).names_by_telegram_id(actors)
    return audit_page(entries, offset, await repo.count(), names)


async def on_audit(message: Message, session: AsyncSession) -> None:
    text, markup = await _page(session, 0)
    await message.answer(text, reply_markup=markup)


async def on_page(query: CallbackQuery, callback_data: AuditPageCb, session: AsyncSession) -> None:
    if await live_message(query) is None:
        return
    text, markup = await _page(session, max(0, callback_data.offset))
    await edit_in_place(query, text, markup)
    await query.answer()
