"""/broadcast: HR writes a message, chooses the audience by buttons, sees the message as
recipients will and how many it reaches, confirms; the broadcast service sends it paced,
once per person.

A wizard on aiogram-dialog (docs/dialogs.md): the message (a text, a picture or a document,
as HR sends it: that is content, so it is sent, not chosen), the audience (everyone, a unit
chosen from the staff list's units, a running round's unfinished respondents, or the personal
links of the people not in the bot yet), the preview and the confirmation. Every window has
◀ Back (but the first) and ✖ Cancel; a press on a finished or cancelled broadcast is
refused by the framework. The service (bot/broadcasts) is unchanged."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import ChatEvent, Dialog, DialogManager, ShowMode, StartMode, Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Column, Row, SwitchTo
from aiogram_dialog.widgets.text import Format
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts.service import Attachment, Audience, AudienceKind, preview_audience, start_broadcast
from bot.infra.dialogs import Note, Tr, __, back_and_cancel, cancel_button, choice, refuse, wizard
from bot.kernel.access import Permission
from bot.kernel.clock import Clock
from bot.staff.access import Actor, audit
from bot.staff.hr_screens import broadcast_compose, broadcast_preview, broadcast_round_label
from handlers.filters import guarded
from handlers.staff.hr import send_invites
from storage.dto import CampaignDTO
from storage.survey360.campaigns import ProgressRepo

PAGE = 8  # units or rounds to a page


class Compose(StatesGroup):
    message = State()
    audience = State()
    unit = State()
    round = State()
    confirm = State()


def _stopped() -> str:
    return _("Stopped: nothing was sent.")


def _session(manager: DialogManager) -> AsyncSession:
    session: AsyncSession = manager.middleware_data["session"]
    return session


# ---------------------------------------------------------------------------- the message


async def _compose_getter(**_kwargs: Any) -> dict[str, Any]:
    return {"question": broadcast_compose()}


async def on_message(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    """The message to send, as HR wrote it: a text, or a picture or a document with a caption."""
    if message.photo:
        attachment: dict[str, str] | None = {"kind": "photo", "file_id": message.photo[-1].file_id}
    elif message.document:
        attachment = {"kind": "document", "file_id": message.document.file_id}
    else:
        attachment = None
    text = message.text or message.caption
    if attachment is None and not (text or "").strip():
        # A sticker, a voice message, a video…: the window is shown again, saying what it takes.
        await refuse(
            manager, _("This kind of message cannot be sent out: send a text, a picture or a document.")
        )
        return
    # Kept until Send (the wizard's data, in the FSM storage): it is what recipients get.
    manager.dialog_data.update(text=text, attachment=attachment)
    await manager.switch_to(Compose.audience)


# ---------------------------------------------------------------------------- the audience


async def on_everyone(query: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    await _to_confirm(manager, Audience(AudienceKind.EVERYONE))


async def _units_getter(
    dialog_manager: DialogManager, session: AsyncSession, **_kwargs: Any
) -> dict[str, Any]:
    units = await ProgressRepo(session).units()
    return {"units": [(unit[:60], index) for index, unit in enumerate(units)]}


async def on_unit(event: ChatEvent, _widget: Any, manager: DialogManager, index: int) -> None:
    units = await ProgressRepo(_session(manager)).units()
    if not 0 <= index < len(units):  # the staff list changed under an older page
        await refuse(manager, _("The list of units has changed: choose again."))
        return
    await _to_confirm(manager, Audience(AudienceKind.UNIT, unit=units[index]))


async def _running(session: AsyncSession) -> list[CampaignDTO]:
    return [c for c in await ProgressRepo(session).campaigns() if c.status == "running"]


async def _rounds_getter(
    dialog_manager: DialogManager, session: AsyncSession, **_kwargs: Any
) -> dict[str, Any]:
    running = await _running(session)
    return {
        "rounds": [(broadcast_round_label(c), c.id) for c in running],
        "question": _("Which round?") if running else _("No round is running now."),
    }


async def on_round(event: ChatEvent, _widget: Any, manager: DialogManager, campaign_id: int) -> None:
    if campaign_id not in {c.id for c in await _running(_session(manager))}:
        await refuse(manager, _("This round is closed or no longer exists."))
        return
    await _to_confirm(manager, Audience(AudienceKind.ROUND_UNFINISHED, campaign_id=campaign_id))


async def on_not_joined(query: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    """Nobody can be reached in the bot who has not joined it: HR gets their personal links."""
    bot: Bot = manager.middleware_data["bot"]
    await manager.done()  # the window keeps its text; its buttons go
    if isinstance(query.message, Message):
        await send_invites(query.message, _session(manager), bot)


# ---------------------------------------------------------------------------- the preview


async def _to_confirm(manager: DialogManager, audience: Audience) -> None:
    """The message exactly as recipients get it, then the confirmation under it."""
    manager.dialog_data["audience"] = [audience.kind.value, audience.unit, audience.campaign_id]
    manager.dialog_data["chosen_in"] = manager.current_context().state.state  # where Back leads
    await _echo(manager)
    # The confirmation comes under the echo: the audience's window gives way to it.
    manager.show_mode = ShowMode.DELETE_AND_SEND
    await manager.switch_to(Compose.confirm)


def _audience(manager: DialogManager) -> Audience:
    kind, unit, campaign_id = manager.dialog_data["audience"]
    return Audience(AudienceKind(kind), unit=unit, campaign_id=campaign_id)


async def _echo(manager: DialogManager) -> None:
    bot: Bot = manager.middleware_data["bot"]
    chat_id = manager.middleware_data["event_chat"].id
    text: str | None = manager.dialog_data.get("text")
    attachment: dict[str, str] | None = manager.dialog_data.get("attachment")
    if attachment is not None and attachment["kind"] == "photo":
        await bot.send_photo(chat_id, attachment["file_id"], caption=text, parse_mode=None)
    elif attachment is not None:
        await bot.send_document(chat_id, attachment["file_id"], caption=text, parse_mode=None)
    else:
        await bot.send_message(chat_id, str(text), parse_mode=None)


async def _confirm_getter(
    dialog_manager: DialogManager, session: AsyncSession, **_kwargs: Any
) -> dict[str, Any]:
    preview = await preview_audience(session, _audience(dialog_manager))
    return {"preview": broadcast_preview(preview), "reachable": preview.reachable}


async def on_back_from_preview(query: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    """Back to the window the audience was chosen in: the audience's, a unit's or a round's."""
    came_from = {state.state: state for state in Compose.__states__}
    await manager.switch_to(came_from.get(manager.dialog_data.get("chosen_in", ""), Compose.audience))


async def on_send(query: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    session = _session(manager)
    clock: Clock = manager.middleware_data["clock"]
    actor: Actor = manager.middleware_data["actor"]
    if not isinstance(query.message, Message):
        return
    audience = _audience(manager)
    attachment: dict[str, str] | None = manager.dialog_data.get("attachment")
    text: str | None = manager.dialog_data.get("text")
    await manager.done()
    window = query.message
    progress = await window.answer(_("Sending…"))  # the progress bar, edited as it goes
    started = await start_broadcast(
        session,
        author_telegram_id=actor.telegram_user_id,
        audience=audience,
        text=text,
        attachment=_attachment(attachment),
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
        details={"audience": audience.kind.value, "recipients": started.queued},
    )
    await window.edit_text(_("Queued for sending; recipients: {count}.").format(count=started.queued))


def _attachment(stored: dict[str, str] | None) -> Attachment | None:
    if stored is None:
        return None
    return Attachment("photo" if stored["kind"] == "photo" else "document", stored["file_id"])


# ---------------------------------------------------------------------------- the wizard


def broadcast_dialog() -> Dialog:
    return wizard(
        Window(
            Note(),
            Format("{question}"),
            MessageInput(on_message),
            back_and_cancel(_stopped, back=False),
            getter=_compose_getter,
            state=Compose.message,
        ),
        Window(
            Note(),
            Tr(__("Who receives it?")),
            Column(
                Button(Tr(__("Everyone")), id="everyone", on_click=on_everyone),
                SwitchTo(Tr(__("One unit")), id="to_unit", state=Compose.unit),
                SwitchTo(Tr(__("A round's unfinished respondents")), id="to_round", state=Compose.round),
                Button(Tr(__("People not in the bot yet")), id="not_joined", on_click=on_not_joined),
            ),
            back_and_cancel(_stopped),
            state=Compose.audience,
        ),
        Window(
            Note(),
            Tr(__("Which unit?")),
            choice("unit", "units", on_unit, type_factory=int, page=PAGE),
            back_and_cancel(_stopped, back_to=Compose.audience),
            getter=_units_getter,
            state=Compose.unit,
        ),
        Window(
            Note(),
            Format("{question}"),
            choice("round", "rounds", on_round, type_factory=int, page=PAGE),
            back_and_cancel(_stopped, back_to=Compose.audience),
            getter=_rounds_getter,
            state=Compose.round,
        ),
        Window(
            Note(),
            Format("{preview}"),
            Button(
                Tr(__("✅ Send to {count}"), count="reachable"),
                id="send",
                on_click=on_send,
                when=F["reachable"],
            ),
            Row(
                Button(Tr(__("◀ Back")), id="back_from_preview", on_click=on_back_from_preview),
                cancel_button(_stopped),
            ),
            getter=_confirm_getter,
            state=Compose.confirm,
        ),
        stopped=_stopped,
        any_content=[Compose.message],
    )


# ---------------------------------------------------------------------------- the command


def create_router() -> Router:
    router = Router(name="hr-broadcast")
    dialog = broadcast_dialog()
    guarded(dialog, Permission.BROADCAST)
    router.include_router(dialog)
    guarded(router, Permission.BROADCAST)
    router.message.register(on_broadcast, Command("broadcast"))
    return router


async def on_broadcast(message: Message, state: FSMContext, dialog_manager: DialogManager) -> None:
    await state.clear()  # an older wizard's step (the 2018 method's, an upload's) is left
    await dialog_manager.start(Compose.message, mode=StartMode.RESET_STACK)
