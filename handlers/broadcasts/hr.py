"""/broadcast: HR writes a message, picks an audience, sees the count and the message as
recipients will, confirms; the broadcast service sends it paced, once per person."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts.service import Attachment, Audience, AudienceKind, preview_audience, start_broadcast
from bot.infra.callbacks import BroadcastAction, BroadcastCb
from bot.kernel.access import Permission
from bot.kernel.clock import Clock
from bot.staff.access import Actor, audit
from bot.staff.hr_screens import (
    broadcast_audiences,
    broadcast_compose,
    broadcast_preview,
    broadcast_rounds,
    broadcast_units,
)
from handlers.filters import HasPermission
from handlers.screens import edit_in_place, live_message
from handlers.staff.hr import send_invites
from storage.survey360.campaigns import ProgressRepo


class Compose(StatesGroup):
    message = State()
    audience = State()
    confirm = State()


def create_router() -> Router:
    router = Router(name="hr-broadcast")
    router.message.filter(HasPermission(Permission.BROADCAST))
    router.callback_query.filter(HasPermission(Permission.BROADCAST))
    router.message.register(on_cancel, Command("cancel"), StateFilter(Compose))
    router.message.register(on_start, Command("broadcast"))
    router.message.register(on_message, Compose.message, F.text | F.photo | F.document)
    router.message.register(on_unexpected, Compose.message)
    router.callback_query.register(
        on_unit_list, BroadcastCb.filter(F.action == BroadcastAction.UNIT), Compose.audience
    )
    router.callback_query.register(
        on_round_list, BroadcastCb.filter(F.action == BroadcastAction.ROUND), Compose.audience
    )
    router.callback_query.register(
        on_not_joined, BroadcastCb.filter(F.action == BroadcastAction.NOT_JOINED), Compose.audience
    )
    router.callback_query.register(
        on_audience,
        BroadcastCb.filter(
            F.action.in_({BroadcastAction.EVERYONE, BroadcastAction.PICK_UNIT, BroadcastAction.PICK_ROUND})
        ),
        Compose.audience,
    )
    router.callback_query.register(
        on_send, BroadcastCb.filter(F.action == BroadcastAction.SEND), Compose.confirm
    )
    router.callback_query.register(on_cancel_button, BroadcastCb.filter(F.action == BroadcastAction.CANCEL))
    router.callback_query.register(on_stale, BroadcastCb.filter())
    return router


async def on_start(message: Message, state: FSMContext) -> None:
    await state.set_state(Compose.message)
    await message.answer(broadcast_compose())


async def on_cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Stopped: nothing was sent."))


async def on_message(message: Message, state: FSMContext) -> None:
    if message.photo:
        attachment: dict[str, str] | None = {"kind": "photo", "file_id": message.photo[-1].file_id}
    elif message.document:
        attachment = {"kind": "document", "file_id": message.document.file_id}
    else:
        attachment = None
    text = message.text or message.caption
    if attachment is None and not (text or "").strip():
        await message.answer(broadcast_compose())
        return
    await state.update_data(text=text, attachment=attachment)
    await state.set_state(Compose.audience)
    reply, markup = broadcast_audiences()
    await message.answer(reply, reply_markup=markup)


async def on_unexpected(message: Message) -> None:
    await message.answer(broadcast_compose())


async def on_unit_list(query: CallbackQuery, session: AsyncSession) -> None:
    message = await live_message(query)
    if message is not None:
        text, markup = broadcast_units(await ProgressRepo(session).units())
        await edit_in_place(query, text, markup)
        await query.answer()


async def on_round_list(query: CallbackQuery, session: AsyncSession) -> None:
    message = await live_message(query)
    if message is not None:
        running = [c for c in await ProgressRepo(session).campaigns() if c.status == "running"]
        text, markup = broadcast_rounds(running)
        await edit_in_place(query, text, markup)
        await query.answer()


async def _audience(session: AsyncSession, callback_data: BroadcastCb) -> Audience | None:
    if callback_data.action is BroadcastAction.EVERYONE:
        return Audience(AudienceKind.EVERYONE)
    if callback_data.action is BroadcastAction.PICK_UNIT:
        units = await ProgressRepo(session).units()
        return (
            Audience(AudienceKind.UNIT, unit=units[callback_data.value])
            if 0 <= callback_data.value < len(units)
            else None
        )
    return Audience(AudienceKind.ROUND_UNFINISHED, campaign_id=callback_data.value)


async def on_audience(
    query: CallbackQuery, callback_data: BroadcastCb, state: FSMContext, session: AsyncSession
) -> None:
    message = await live_message(query)
    if message is None:
        return
    audience = await _audience(session, callback_data)
    if audience is None:
        await query.answer(_("The list of units has changed: choose again."), show_alert=True)
        return
    await state.update_data(audience=[audience.kind.value, audience.unit, audience.campaign_id])
    await state.set_state(Compose.confirm)
    data = await state.get_data()
    await _echo(message, data)  # the message exactly as recipients get it
    text, markup = broadcast_preview(await preview_audience(session, audience))
    await message.answer(text, reply_markup=markup)
    await query.answer()


async def _echo(message: Message, data: dict[str, object]) -> None:
    raw_text = data.get("text")
    text = raw_text if isinstance(raw_text, str) else None
    attachment = data.get("attachment")
    if isinstance(attachment, dict) and attachment["kind"] == "photo":
        await message.answer_photo(attachment["file_id"], caption=text, parse_mode=None)
    elif isinstance(attachment, dict):
        await message.answer_document(attachment["file_id"], caption=text, parse_mode=None)
    else:
        await message.answer(str(text), parse_mode=None)


async def on_send(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, clock: Clock, actor: Actor
) -> None:
    message = await live_message(query)
    if message is None:
        return
    data = await state.get_data()
    kind, unit, campaign_id = data["audience"]
    attachment = data.get("attachment")
    await state.clear()
    progress = await message.answer(_("Sending…"))
    started = await start_broadcast(
        session,
        author_telegram_id=actor.telegram_user_id,
        audience=Audience(AudienceKind(kind), unit=unit, campaign_id=campaign_id),
        text=data.get("text"),
        attachment=Attachment(attachment["kind"], attachment["file_id"]) if attachment else None,
        progress_chat_id=progress.chat.id,
        progress_message_id=progress.message_id,
        now=clock.now(),
    )
    await audit(
        session,
        actor,
        "broadcast.start",
        "broadcast",
        started.broadcast_id,
        at=clock.now(),
        details={"audience": kind, "recipients": started.queued},
    )
    await edit_in_place(query, _("Queued for {count} recipient(s).").format(count=started.queued), None)
    await query.answer()


async def on_not_joined(query: CallbackQuery, state: FSMContext, session: AsyncSession, bot: Bot) -> None:
    message = await live_message(query)
    if message is None:
        return
    await state.clear()
    await send_invites(message, session, bot)
    await query.answer()


async def on_cancel_button(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    if await live_message(query) is not None:
        await edit_in_place(query, _("Stopped: nothing was sent."), None)
        await query.answer()


async def on_stale(query: CallbackQuery) -> None:
    await query.answer(_("This step is over: start again with /broadcast."), show_alert=True)
