"""Conversations through the real dispatcher with a mocked Bot API session.

The session answers every Bot API call the way Telegram would (messages get ids, edits
change them) and remembers the chat as a person sees it, so that a test can press the
buttons of the message on screen and read what the bot says.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    GetChat,
    GetFile,
    GetMe,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import (
    AcceptedGiftTypes,
    BufferedInputFile,
    CallbackQuery,
    Chat,
    ChatFullInfo,
    Contact,
    Document,
    File,
    FSInputFile,
    InaccessibleMessage,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    PhotoSize,
    Update,
    User,
)
from aiogram_dialog.widgets.kbd.calendar_kbd import raw_from_date

from bot.infra.dialogs.calendar import month_name

BOT_USER = User(id=42, is_bot=True, first_name="Bagalau", username="bagalau_test_bot")


@dataclass
class ShownMessage:
    message_id: int
    chat_id: int
    text: str
    markup: Any = None
    photo: bool = False
    protect_content: bool | None = None
    edits: int = 0

    def buttons(self) -> list[tuple[str, str]]:
        if not isinstance(self.markup, InlineKeyboardMarkup):
            return []
        return [(b.text, b.callback_data or "") for row in self.markup.inline_keyboard for b in row]


@dataclass
class FakeTelegram(BaseSession):
    """A Bot API session that keeps the state of every chat."""

    messages: dict[tuple[int, int], ShownMessage] = field(default_factory=dict)
    calls: list[TelegramMethod[Any]] = field(default_factory=list)
    alerts: list[tuple[str | None, bool]] = field(default_factory=list)
    # Called with every Bot API call before it is answered: lets a test look at the database
    # at the moment Telegram receives the call.
    before_call: Callable[[TelegramMethod[Any]], Awaitable[None]] | None = None
    # Files users sent (file_id -> bytes) and files the bot sent (message id -> (name, bytes)).
    files: dict[str, bytes] = field(default_factory=dict)
    # The people who have written to the bot: Telegram describes only them (getChat).
    users: dict[int, User] = field(default_factory=dict)
    documents: dict[int, tuple[str, bytes]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        super().__init__()

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.calls.append(method)
        if self.before_call is not None:
            await self.before_call(method)
        if isinstance(method, GetMe):
            return BOT_USER  # type: ignore[return-value]
        if isinstance(method, GetChat):
            user = self.users.get(int(method.chat_id))
            if user is None:
                raise TelegramBadRequest(method, "Bad Request: chat not found")
            return ChatFullInfo(  # type: ignore[return-value]
                id=user.id,
                type="private",
                first_name=user.first_name,
                last_name=user.last_name,
                accent_color_id=0,
                max_reaction_count=0,
                accepted_gift_types=AcceptedGiftTypes(
                    unlimited_gifts=False,
                    limited_gifts=False,
                    unique_gifts=False,
                    premium_subscription=False,
                    gifts_from_channels=False,
                ),
            )
        if isinstance(method, GetFile):
            if method.file_id not in self.files:
                raise TelegramBadRequest(method, "Bad Request: invalid file_id")
            return File(file_id=method.file_id, file_unique_id=method.file_id, file_path=method.file_id)  # type: ignore[return-value]
        if isinstance(method, SendDocument):
            shown = ShownMessage(
                next(self._ids),
                int(method.chat_id),
                method.caption or "",
                method.reply_markup,
                protect_content=method.protect_content if isinstance(method.protect_content, bool) else None,
            )
            self.messages[(shown.chat_id, shown.message_id)] = shown
            if isinstance(method.document, BufferedInputFile):
                self.documents[shown.message_id] = (method.document.filename or "", method.document.data)
            elif isinstance(method.document, FSInputFile):  # read now: the bot deletes it once sent
                data = await asyncio.to_thread(Path(method.document.path).read_bytes)
                self.documents[shown.message_id] = (method.document.filename or "", data)
            return self._message(shown)  # type: ignore[return-value]
        if isinstance(method, SendMessage | SendPhoto):
            chat_id = int(method.chat_id)
            text = method.text if isinstance(method, SendMessage) else (method.caption or "")
            shown = ShownMessage(
                next(self._ids),
                chat_id,
                text,
                method.reply_markup,
                photo=isinstance(method, SendPhoto),
                protect_content=method.protect_content if isinstance(method.protect_content, bool) else None,
            )
            self.messages[(chat_id, shown.message_id)] = shown
            return self._message(shown)  # type: ignore[return-value]
        if isinstance(method, EditMessageText):
            assert method.chat_id is not None and method.message_id is not None
            edited = self.messages.get((int(method.chat_id), method.message_id))
            if edited is None:
                raise TelegramBadRequest(method, "Bad Request: message to edit not found")
            if edited.text == method.text and edited.markup == method.reply_markup:
                raise TelegramBadRequest(method, "Bad Request: message is not modified")
            edited.text, edited.markup = method.text or "", method.reply_markup
            edited.edits += 1
            return self._message(edited)  # type: ignore[return-value]
        if isinstance(method, EditMessageReplyMarkup):
            assert method.chat_id is not None and method.message_id is not None
            edited = self.messages.get((int(method.chat_id), method.message_id))
            if edited is None:
                raise TelegramBadRequest(method, "Bad Request: message to edit not found")
            edited.markup = method.reply_markup
            edited.edits += 1
            return self._message(edited)  # type: ignore[return-value]
        if isinstance(method, DeleteMessage):  # gone from the chat, as in Telegram
            if self.messages.pop((int(method.chat_id), method.message_id), None) is None:
                raise TelegramBadRequest(method, "Bad Request: message to delete not found")
            return True  # type: ignore[return-value]
        if isinstance(method, AnswerCallbackQuery):
            self.alerts.append((method.text, bool(method.show_alert)))
        return True  # type: ignore[return-value]

    @staticmethod
    def _message(shown: ShownMessage) -> Message:
        return Message(
            message_id=shown.message_id,
            date=datetime.now(UTC),
            chat=Chat(id=shown.chat_id, type="private"),
            from_user=BOT_USER,
            text=shown.text,
            # A message carries only inline keyboards; a reply keyboard belongs to the chat.
            reply_markup=shown.markup if isinstance(shown.markup, InlineKeyboardMarkup) else None,
        )

    async def close(self) -> None:
        return None

    async def stream_content(self, url: str, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        yield self.files[url.rsplit("/", 1)[-1]]

    def chat(self, chat_id: int) -> list[ShownMessage]:
        return [m for (c, _), m in sorted(self.messages.items()) if c == chat_id]


_updates = itertools.count(1)


class Person:
    """A Telegram user talking to the bot through the real dispatcher."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        telegram: FakeTelegram,
        user: User,
        after_update: Callable[[Update], Awaitable[None]] | None = None,
    ) -> None:
        self.dispatcher, self.bot, self.telegram, self.user = dispatcher, bot, telegram, user
        self.after_update = after_update  # e.g. deliver it again, as Telegram does after a crash

    @property
    def chat(self) -> list[ShownMessage]:
        return self.telegram.chat(self.user.id)

    @property
    def last(self) -> ShownMessage:
        return self.chat[-1]

    def last_with_buttons(self) -> ShownMessage:
        return next(m for m in reversed(self.chat) if m.buttons())

    async def _feed(self, **payload: Any) -> None:
        self.telegram.users[self.user.id] = self.user
        update = Update(update_id=next(_updates), **payload)
        await self.dispatcher.feed_update(self.bot, update)
        if self.after_update is not None:
            await self.after_update(update)

    def _message(self, **fields: Any) -> Message:
        return Message(
            message_id=next(_updates) + 100_000,
            date=datetime.now(UTC),
            chat=Chat(id=self.user.id, type="private"),
            from_user=self.user,
            **fields,
        )

    async def say(self, text: str) -> None:
        entities = None
        if text.startswith("/"):
            entities = [MessageEntity(type="bot_command", offset=0, length=len(text.split()[0]))]
        await self._feed(message=self._message(text=text, entities=entities))

    async def share_contact(self, phone: str, user_id: int | None = None) -> None:
        contact = Contact(phone_number=phone, first_name=self.user.first_name, user_id=user_id)
        await self._feed(message=self._message(contact=contact))

    async def send_document(self, data: bytes, file_name: str) -> None:
        file_id = f"doc{next(_updates)}"
        self.telegram.files[file_id] = data
        document = Document(file_id=file_id, file_unique_id=file_id, file_name=file_name, file_size=len(data))
        await self._feed(message=self._message(document=document))

    async def send_photo(self, caption: str | None = None) -> None:
        file_id = f"photo{next(_updates)}"
        photo = [PhotoSize(file_id=file_id, file_unique_id=file_id, width=800, height=600)]
        await self._feed(message=self._message(photo=photo, caption=caption))

    async def send_sticker_like(self) -> None:
        """A message with nothing the bot expects (no text): a photo-less, text-less message."""
        await self._feed(message=self._message())

    async def press_data(self, data: str, message: ShownMessage | None = None) -> tuple[str | None, bool]:
        """Press a button with this callback data on ``message`` (default: the last one with buttons);
        returns the callback answer (text, show_alert)."""
        shown = message or self.last_with_buttons()
        query = CallbackQuery(
            id=str(next(_updates)),
            from_user=self.user,
            chat_instance="ci",
            data=data,
            message=FakeTelegram._message(shown),
        )
        before = len(self.telegram.alerts)
        await self._feed(callback_query=query)
        assert len(self.telegram.alerts) > before, "every button press must be answered"
        return self.telegram.alerts[-1]

    async def press_on_old_message(self, data: str) -> tuple[str | None, bool]:
        """Press a button under a message older than 48 hours: Telegram no longer sends its
        content, only that it is inaccessible."""
        old = InaccessibleMessage(chat=Chat(id=self.user.id, type="private"), message_id=1, date=0)
        query = CallbackQuery(
            id=str(next(_updates)), from_user=self.user, chat_instance="ci", data=data, message=old
        )
        before = len(self.telegram.alerts)
        await self._feed(callback_query=query)
        assert len(self.telegram.alerts) == before + 1
        return self.telegram.alerts[-1]

    async def press_exact(self, text: str, message: ShownMessage | None = None) -> tuple[str | None, bool]:
        """Press the button whose whole text is ``text`` (a calendar's day "9", not "19")."""
        shown = message or self.last_with_buttons()
        matches = [data for label, data in shown.buttons() if label == text]
        assert matches, f"no button {text!r} in {[t for t, _ in shown.buttons()]}"
        return await self.press_data(matches[0], shown)

    def calendar_cell(self, day: date) -> tuple[str, str]:
        """The button of ``day`` in the calendar on screen (showing ``day``'s month): its text
        ("9", or "·" for a day that cannot be chosen) and its data; (" ", "") for a day outside
        the range, blank or in a week the calendar leaves out."""
        pressed = f":{raw_from_date(day)}"  # a day's button carries its date (aiogram-dialog's)
        for text, data in self.last_with_buttons().buttons():
            if data.endswith(pressed):
                return text, data
        return " ", ""

    async def choose_day(self, day: date, locale: str | None = None) -> tuple[str | None, bool]:
        """Page the calendar on screen forward to ``day``'s month and press ``day``, whatever it
        shows; returns the callback answer (a refusal's alert)."""
        title = f"🗓 {month_name(day, locale or self.user.language_code or 'kk')} {day.year}"
        for _page in range(24):
            texts = [text for text, _ in self.last_with_buttons().buttons()]
            if title in texts:
                return await self.press_data(self.calendar_cell(day)[1])
            forward = [text for text in texts if text.endswith(" ▶")]
            assert forward, f"{title} is not offered: {texts}"
            await self.press_exact(forward[0])
        raise AssertionError(f"{title} is not offered")

    async def press(self, text_part: str, message: ShownMessage | None = None) -> tuple[str | None, bool]:
        shown = message or self.last_with_buttons()
        matches = [data for text, data in shown.buttons() if text_part in text]
        assert matches, f"no button with {text_part!r} in {[t for t, _ in shown.buttons()]}"
        return await self.press_data(matches[0], shown)


def make_user(user_id: int, first_name: str = "Test", language_code: str | None = "kk") -> User:
    return User(id=user_id, is_bot=False, first_name=first_name, language_code=language_code)
