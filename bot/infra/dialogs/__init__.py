"""Wizards on aiogram-dialog (docs/dialogs.md): the glue between the library and this bot.

- the library is set up on one router (``setup_wizards``), inside the update's transaction,
  language and sender (the dispatcher's update middlewares run first);
- its edits go through ``SendAfterCommit``, which answers them ``True`` until the commit:
  ``DeferredEditsMessageManager`` describes the edited message itself;
- a press on a wizard's old message (finished, cancelled or started again) is answered in the
  reader's language (``StalePressMiddleware``);
- a command typed while a wizard is open leaves the wizard (``on_command_in_wizard``), so
  that what is typed after it reaches the command, not the wizard;
- ``Tr`` renders a gettext message with the window's data; ``__`` marks one for extraction;
- ``refuse`` says no in an alert (a press) or a reply (typed text), once per update;
- ``back_and_cancel`` is the last row of every window;
- ``paged`` shows a long list a page at a time, under it "◀ Page 1 · 2/3 · Page 3 ▶".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Filter
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseEventIsolation
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import Dialog, DialogManager, Window, setup_dialogs
from aiogram_dialog.api.entities import NewMessage, OldMessage
from aiogram_dialog.api.exceptions import OutdatedIntent, UnknownIntent
from aiogram_dialog.api.internal import CONTEXT_KEY
from aiogram_dialog.manager.message_manager import MessageManager
from aiogram_dialog.widgets.kbd import (
    Back,
    Button,
    CurrentPage,
    Group,
    NextPage,
    PrevPage,
    Row,
    ScrollingGroup,
    Select,
    SwitchTo,
)
from aiogram_dialog.widgets.text import Format, Text

EPOCH = datetime.fromtimestamp(0, UTC)


def __(message: str) -> str:
    """Marks ``message`` for extraction (``pybabel -k __``); ``Tr`` translates it when shown."""
    return message


class Tr(Text):
    """A gettext message in the reader's language, formatted with the window's data;
    ``fields`` names the data key a placeholder takes (``Tr(__("{count}"), count="x_count")``)."""

    def __init__(self, message: str, when: Any = None, **fields: str) -> None:
        super().__init__(when=when)
        self.message, self.fields = message, fields

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        return _(self.message).format_map({**data, **{name: data[key] for name, key in self.fields.items()}})


# (callback query id, text): the alert the framework's own answer to that press carries.
_alert: ContextVar[tuple[str, str] | None] = ContextVar("wizard_alert", default=None)


ALERT_LIMIT = 200  # characters Telegram shows in a callback's alert


async def refuse(manager: DialogManager, text: str) -> None:
    """Say why something is not taken, in a few words: an alert on a press, a reply to typed
    text. The window stays as it is. A longer reason goes in the window (``note``)."""
    event = manager.event
    if isinstance(event, CallbackQuery):
        _alert.set((event.id, text[:ALERT_LIMIT]))
    elif isinstance(event, Message):
        await event.answer(text)


def note(manager: DialogManager, text: str) -> None:
    """A reason shown at the top of the window the next time it is drawn, and then no more."""
    manager.dialog_data["note"] = text


class Note(Text):
    """Where a window shows its ``note``: "⚠ reason", then a blank line."""

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        text = manager.dialog_data.pop("note", None)
        return f"⚠ {text}\n" if text else ""  # the window puts a line break after it too


async def send(manager: DialogManager, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    """A message of its own (a result, a preview), outside the wizard's window."""
    bot: Bot = manager.middleware_data["bot"]
    chat = manager.middleware_data["event_chat"]
    return await bot.send_message(chat.id, text, reply_markup=markup)


class DeferredEditsMessageManager(MessageManager):
    """aiogram-dialog's message manager for a bot whose edits wait for the commit
    (bot/infra/middlewares.py, ``SendAfterCommit`` answers them ``True`` meanwhile): the edited
    message is described from what was asked. And a press refused with ``refuse`` is answered
    once, with its alert."""

    async def edit_message(self, bot: Bot, new_message: NewMessage, old_message: OldMessage) -> Message:
        result: Any = await super().edit_message(bot, new_message, old_message)
        if isinstance(result, Message):
            return result
        return Message(
            message_id=old_message.message_id,
            date=EPOCH,
            chat=old_message.chat,
            text=new_message.text,
            reply_markup=new_message.reply_markup
            if isinstance(new_message.reply_markup, InlineKeyboardMarkup)
            else None,
        )

    async def answer_callback(self, bot: Bot, callback_query: CallbackQuery) -> None:
        pending = _alert.get()
        if pending is not None and pending[0] == callback_query.id:
            _alert.set(None)
            await bot.answer_callback_query(callback_query.id, text=pending[1], show_alert=True)
            return
        await super().answer_callback(bot, callback_query)


Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class StalePressMiddleware:
    """A button of a wizard that is no longer open (finished, cancelled, or opened again in a
    newer message): aiogram-dialog refuses it before any handler; the person is told so in
    their language (this runs inside the update's locale) instead of being left waiting."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except (UnknownIntent, OutdatedIntent):
            if isinstance(event, CallbackQuery):
                await event.answer(stale_press_text(), show_alert=True)
            return None


def stale_press_text() -> str:
    return _("This screen is out of date: that step was finished or cancelled. Use the newest message.")


async def on_command_in_wizard(message: Message, dialog_manager: DialogManager) -> None:
    """A command typed while a wizard is open leaves it; the command itself goes on to its
    handler (/cancel is answered here)."""
    if not dialog_manager.has_context():
        raise SkipHandler()
    stopped = _STOPPED.get(dialog_manager.current_context().state.group)
    await dialog_manager.reset_stack()
    if (message.text or "").split()[0].split("@")[0] == "/cancel":
        await message.answer(stopped() if stopped else _("Stopped."))
        return
    raise SkipHandler()


def setup_wizards(router: Router, events_isolation: BaseEventIsolation) -> None:
    """aiogram-dialog on ``router`` (the wizards' router: its dialogs and the commands and
    buttons that open them). The dispatcher's update middlewares run before it: one
    transaction, the sender and the language hold for every dialog update. Its stacks live
    in the dispatcher's FSM storage (memory or Redis), locked with the same isolation."""
    router.callback_query.outer_middleware(StalePressMiddleware())
    setup_dialogs(router, message_manager=DeferredEditsMessageManager(), events_isolation=events_isolation)
    router.message.register(on_command_in_wizard, F.text.startswith("/"))


Stopped = Callable[[], str]

# What /cancel says in each wizard (its states group): "Stopped." unless the wizard says more.
_STOPPED: dict[type[StatesGroup], Stopped] = {}


class WizardMessage(Filter):
    """What a wizard takes from a message: typed text that is not a command; and in the windows
    named in ``any_content`` (a broadcast's message) a photo, a document or anything else too."""

    def __init__(self, any_content: Collection[State] = ()) -> None:
        self.any_content = frozenset(state.state for state in any_content)

    async def __call__(self, message: Message, **data: Any) -> bool:
        if message.text is not None:
            return not message.text.startswith("/")
        context = data.get(CONTEXT_KEY)
        return context is not None and context.state.state in self.any_content


def wizard(
    *windows: Window,
    stopped: Stopped | None = None,
    any_content: Collection[State] = (),
    **kwargs: Any,
) -> Dialog:
    """A Dialog that takes typed text only (not commands, files or photos): anything else goes
    on to the other routers, but in the windows of ``any_content``, which take every message
    that is not a command (a ``MessageInput`` there says what it accepts). ``stopped``: what
    /cancel answers in it (as its ✖ Cancel does)."""
    dialog = Dialog(*windows, **kwargs)
    dialog.message.filter(WizardMessage(any_content))
    if stopped is not None:
        _STOPPED[dialog.states_group()] = stopped
    return dialog


def cancel_button(stopped: Stopped | None = None) -> Button:
    """✖ Cancel: closes the wizard; its message says it stopped (``stopped()``)."""

    async def on_cancel(query: CallbackQuery, _button: Button, manager: DialogManager) -> None:
        await manager.done()
        if isinstance(query.message, Message):
            await query.message.edit_text(stopped() if stopped else _("Stopped."))

    return Button(Tr(__("✖ Cancel")), id="cancel", on_click=on_cancel)


def back_and_cancel(
    stopped: Stopped | None = None, *, back: bool = True, back_to: State | None = None
) -> Row:
    """The last row of every window: ◀ Back (to the window before, or to ``back_to`` when the
    window before in the states group is not the one that led here) and ✖ Cancel."""
    buttons: list[Any] = []
    if back_to is not None:
        buttons.append(SwitchTo(Tr(__("◀ Back")), id="back_to", state=back_to))
    elif back:
        buttons.append(Back(Tr(__("◀ Back"))))
    return Row(*buttons, cancel_button(stopped))


def choice(
    id: str,
    items: str,
    on_click: Any,
    *,
    type_factory: Callable[[str], Any] = str,
    width: int = 1,
    page: int | None = None,
    plain: bool = False,
) -> Any:
    """Buttons to choose one of ``items`` (the window's data: (label, value) pairs, or values
    shown as they are when ``plain``), ``width`` to a row; ``page`` rows to a page, paged, for a
    list that may be long (units, rounds). ``on_click`` receives the value, ``type_factory``'d."""
    select: Select[Any] = Select(
        Format("{item}" if plain else "{item[0]}"),
        id=id,
        item_id_getter=(lambda item: item) if plain else (lambda item: item[1]),
        items=items,
        type_factory=type_factory,
        on_click=on_click,
    )
    if page is not None:
        return paged(ScrollingGroup(select, id=f"{id}_pages", width=width, height=page, hide_pager=True))
    return Group(select, width=width)


def _not_first(data: dict[str, Any], _widget: Any, _manager: DialogManager) -> bool:
    return bool(data["current_page"] > 0)


def _not_last(data: dict[str, Any], _widget: Any, _manager: DialogManager) -> bool:
    return bool(data["current_page1"] < data["pages"])


def _several(data: dict[str, Any], _widget: Any, _manager: DialogManager) -> bool:
    return bool(data["pages"] > 1)


def pager(scroll: ScrollingGroup) -> Row:
    """The row under a paged list: "◀ Page 1", where we are ("2/3"), "Page 3 ▶", in the reader's
    language (the library's own pager reads "1 < 2 > 3"); nothing when all fits on one page,
    no "◀" on the first page nor "▶" on the last. ``scroll`` is built with ``hide_pager=True``."""
    id = scroll.widget_id
    return Row(
        PrevPage(scroll, id=f"{id}_prev", text=Tr(__("◀ Page {page}"), page="target_page1"), when=_not_first),
        CurrentPage(scroll, id=f"{id}_at", text=Format("{current_page1}/{pages}"), when=_several),
        NextPage(scroll, id=f"{id}_next", text=Tr(__("Page {page} ▶"), page="target_page1"), when=_not_last),
    )


def paged(scroll: ScrollingGroup) -> Group:
    """``scroll`` (built with ``hide_pager=True``) with ``pager`` under it."""
    return Group(scroll, pager(scroll))
