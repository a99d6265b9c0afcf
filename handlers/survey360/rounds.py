"""Rounds for HR: the progress dashboard, reminders, closing, and (for hr_head) reports."""

from __future__ import annotations

import asyncio

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts.service import queue_round_reminders
from bot.infra.callbacks import RoundAction, RoundCb
from bot.kernel.access import Permission
from bot.kernel.clock import Clock
from bot.kernel.methodology import Profile, profile_of_round
from bot.kernel.workdays import WorkCalendar
from bot.staff.access import Actor, audit
from bot.staff.hr_screens import close_confirmation, close_summary, round_dashboard, rounds_list
from bot.survey360 import rounds as campaigns
from bot.survey360.progress import round_progress
from bot.survey360.progress_chart import UnitProgress, render_completion_chart
from handlers.filters import HasPermission
from handlers.screens import edit_in_place, live_message
from storage.survey360.campaigns import ProgressRepo


def create_router() -> Router:
    router = Router(name="hr-rounds")
    router.message.filter(HasPermission(Permission.VIEW_PROGRESS))
    router.callback_query.filter(HasPermission(Permission.VIEW_PROGRESS))
    router.message.register(on_rounds, Command("rounds"))
    router.callback_query.register(
        on_dashboard, RoundCb.filter(F.action.in_({RoundAction.SHOW, RoundAction.REFRESH}))
    )
    router.callback_query.register(on_chart, RoundCb.filter(F.action == RoundAction.CHART))
    router.callback_query.register(on_remind, RoundCb.filter(F.action == RoundAction.REMIND))
    router.callback_query.register(on_close, RoundCb.filter(F.action == RoundAction.CLOSE))
    router.callback_query.register(on_close_confirmed, RoundCb.filter(F.action == RoundAction.CLOSE_CONFIRM))
    return router


async def on_rounds(message: Message, session: AsyncSession) -> None:
    text, markup = rounds_list(await ProgressRepo(session).campaigns())
    await message.answer(text, reply_markup=markup)


async def on_dashboard(
    query: CallbackQuery,
    callback_data: RoundCb,
    session: AsyncSession,
    profile: Profile,
    permissions: frozenset[Permission],
) -> None:
    if await live_message(query) is None:
        return
    try:
        progress = await round_progress(session, profile, callback_data.campaign)
    except campaigns.CampaignError:
        await query.answer(_("This round no longer exists."), show_alert=True)
        return
    text, markup = round_dashboard(progress, permissions)
    await edit_in_place(query, text, markup)
    await query.answer(_("Updated.") if callback_data.action is RoundAction.REFRESH else None)


async def on_close(
    query: CallbackQuery,
    callback_data: RoundCb,
    session: AsyncSession,
    profile: Profile,
    permissions: frozenset[Permission],
) -> None:
    if Permission.RUN_ROUNDS not in permissions:
        await query.answer(_("Only HR officers can close a round."), show_alert=True)
        return
    if await live_message(query) is None:
        return
    text, markup = close_confirmation(await round_progress(session, profile, callback_data.campaign))
    await edit_in_place(query, text, markup)
    await query.answer()


async def on_close_confirmed(
    query: CallbackQuery,
    callback_data: RoundCb,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    calendar: WorkCalendar,
    actor: Actor,
    permissions: frozenset[Permission],
) -> None:
    if Permission.RUN_ROUNDS not in permissions:
        await query.answer(_("Only HR officers can close a round."), show_alert=True)
        return
    message = await live_message(query)
    if message is None:
        return
    try:
        report = await campaigns.close(
            session, callback_data.campaign, clock.now(), today=clock.today(), calendar=calendar
        )
    except campaigns.CampaignError:
        await query.answer(_("This round is not running any more."), show_alert=True)
        return
    await audit(session, actor, "round.close", "campaign", callback_data.campaign, at=clock.now())
    progress = await round_progress(session, profile, callback_data.campaign)
    text, markup = round_dashboard(progress, permissions)
    await edit_in_place(query, text, markup)
    await query.answer()
    # A message, not an alert: HR keeps what was sent to whom, and it may pass an alert's 200 characters.
    minimum = profile_of_round(progress.campaign).min_respondents
    await message.answer(close_summary(progress.campaign.year, report, minimum))


async def on_chart(
    query: CallbackQuery, callback_data: RoundCb, session: AsyncSession, profile: Profile
) -> None:
    message = await live_message(query)
    if message is None:
        return
    progress = await round_progress(session, profile, callback_data.campaign)
    units = [UnitProgress(u.unit, u.submitted, u.total) for u in progress.units]
    title = _("360 evaluation {year}: questionnaires submitted").format(year=progress.campaign.year)
    chart = await asyncio.to_thread(render_completion_chart, units, title)
    await message.answer_photo(BufferedInputFile(chart, filename="progress.png"))
    await query.answer()


async def on_remind(
    query: CallbackQuery,
    callback_data: RoundCb,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    permissions: frozenset[Permission],
) -> None:
    if Permission.BROADCAST not in permissions:
        await query.answer(_("Only HR officers can send reminders."), show_alert=True)
        return
    message = await live_message(query)
    if message is None:
        return
    progress_message = await message.answer(_("Reminders are being sent…"))
    started = await queue_round_reminders(
        session,
        callback_data.campaign,
        author_telegram_id=actor.telegram_user_id,
        now=clock.now(),
        progress_chat_id=progress_message.chat.id,
        progress_message_id=progress_message.message_id,
    )
    await audit(
        session,
        actor,
        "round.remind",
        "campaign",
        callback_data.campaign,
        at=clock.now(),
        details={"broadcast": started.broadcast_id, "recipients": started.queued},
    )
    await query.answer(_("{count} reminder(s) queued.").format(count=started.queued))
