"""The authorised person approves the results of a 2018-method commission's sitting (004 clause
39): the protocol comes with a button when the sitting closes, and /approvals lists those still
waiting. The press is checked in bot/legacy2018/service.py (the role, the sitting's state), so it
is registered for everyone: someone without the role is told so, and nothing is written."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import LegacyApproveCb
from bot.infra.config import Settings
from bot.kernel.access import Permission, Role
from bot.kernel.clock import Clock
from bot.kernel.workdays import WorkCalendar
from bot.legacy2018 import commission as legacy_commission
from bot.legacy2018 import service as legacy
from bot.legacy2018.notices import approval_done_text, approval_notice, approval_refusal_text
from bot.staff.access import Actor
from handlers.filters import HasPermission


def create_router() -> Router:
    router = Router(name="hr-legacy-approval")
    router.message.register(
        on_approvals, Command("approvals"), HasPermission(Permission.APPROVE_LEGACY_RESULTS)
    )
    router.callback_query.register(on_approve, LegacyApproveCb.filter())
    return router


async def on_approvals(
    message: Message, session: AsyncSession, clock: Clock, settings: Settings, bot: Bot
) -> None:
    """Each sitting whose results wait for approval: its protocol, the summary and the button."""
    pending = await legacy_commission.pending_approvals(session)
    if not pending:
        await message.answer(_("No evaluation results await your approval."))
        return
    for item in pending:
        for notice in await approval_notice(
            session, item.sitting.id, organisation=settings.organisation_name, now=clock.now()
        ):
            assert notice.document is not None
            name, data = notice.document
            await bot.send_document(
                message.chat.id,
                BufferedInputFile(data, name),
                caption=notice.text,
                reply_markup=notice.markup,
                protect_content=True,
            )


async def on_approve(
    query: CallbackQuery,
    callback_data: LegacyApproveCb,
    session: AsyncSession,
    clock: Clock,
    calendar: WorkCalendar,
    roles: frozenset[Role] = frozenset(),
) -> None:
    approver = await legacy_commission.approver_in_bot(session, query.from_user.id, query.from_user.full_name)
    approved = await legacy_commission.approve_results(
        session,
        callback_data.sitting,
        approver,
        actor=Actor(query.from_user.id, roles),
        on=clock.today(),
        at=clock.now(),
        now=clock.now(),
        calendar=calendar,
    )
    if isinstance(approved, legacy.Refusal):
        await query.answer(approval_refusal_text(approved), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(approval_done_text(approved))
