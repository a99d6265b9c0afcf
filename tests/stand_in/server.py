"""A local stand-in for the Telegram Bot API server, for end-to-end tests.

The real bot process long-polls this server (``TELEGRAM_API_URL=<base_url>``); tests script users
(``send_text``, ``press_button`` ...) which become updates, and inspect what the bot sent
(``messages_for``, ``wait_for_message`` ...).  Everything runs in the test's event loop.

Optionally the stand-in behaves like Telegram under load: ``rate_limits=RateLimits()`` refuses
sends and edits over the flood limits with 429 "Too Many Requests: retry after N", and
``latency`` delays every call as a network would.  ``sent_counts`` (accepted sends per chat) and
``send_log`` (every send and edit with its time and status) let tests and benchmarks check for
duplicates, losses and the rate actually achieved.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import copy
import itertools
import json
import logging
import mimetypes
import re
import secrets
import struct
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp
from aiohttp import BodyPartReader, hdrs, web

from .formatting import EntityParseError, format_text, utf16_len

__all__ = [
    "ApiError",
    "BotApiStandIn",
    "RateLimits",
    "ScriptedUser",
    "SendRecord",
    "SentMessage",
    "StoredFile",
    "UploadedFile",
]

logger = logging.getLogger("tests.stand_in")

JsonDict = dict[str, Any]
Params = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
_MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 1024 * 1024  # the file, and room for the form around it
_MULTIPART_CHUNK = 4 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024

# Update types delivered when allowed_updates is not specified (or is an empty list).
_DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Form fields whose values are plain strings (everything else is JSON-decoded when possible, the way
# aiogram JSON-encodes non-string values into form fields).
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "file_id",
        "photo",
        "document",
        "audio",
        "video",
        "voice",
        "animation",
        "sticker",
        "video_note",
        "thumbnail",
        "action",
        "url",
        "language_code",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "secret_token",
        "ip_address",
        "name",
        "description",
        "short_description",
        "emoji",
        "title",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "question",
        "address",
        "certificate",
        "custom_title",
        "query",
    }
)
_INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")
_BOT_COMMAND_NAME_RE = re.compile(r"^[a-z0-9_]{1,32}$")
# Calls that put a message in a chat, and calls that change one: what Telegram's flood limits count.
_SEND_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument"})
_PACED_METHODS = _SEND_METHODS | {"editmessagetext", "editmessagecaption", "editmessagereplymarkup"}
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class ApiError(Exception):
    """An error reply of the Bot API: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def _too_large() -> ApiError:
    """A file over MAX_UPLOAD_BYTES, or a form too large to hold one, refused as Telegram does."""
    return ApiError(413, _DEFAULT_DESCRIPTIONS[413])


@dataclass(frozen=True)
class RateLimits:
    """Telegram's flood limits, as token buckets: sends and edits over them get 429.

    The bot as a whole may make ``global_per_second`` calls a second, with ``burst_seconds``
    worth of slack (a sender evenly spaced at the limit passes despite some jitter, a sustained
    excess is refused within a fraction of a second); each chat ``per_chat_per_second``, with no
    slack (one a second means at least a second between two calls to the chat, as Telegram
    sees them).  Over a limit the reply is 429 "Too Many Requests: retry after ``retry_after``"
    with ``parameters.retry_after``; a refused call uses up nothing.
    """

    global_per_second: float = 30
    per_chat_per_second: float = 1
    retry_after: int = 1
    burst_seconds: float = 0.1


@dataclass
class _TokenBucket:
    rate: float
    capacity: float
    tokens: float
    stamp: float

    def available(self, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return self.tokens >= 1 - 1e-9  # float rounding of a gap of exactly 1/rate


@dataclass(frozen=True)
class SendRecord:
    """A send or edit call as the stand-in saw it (``status`` 200 when accepted)."""

    at: float  # time.monotonic() when the stand-in handled it
    method: str
    chat_id: int | None
    status: int
    injected: bool = False  # the status came from fail_next, not from the stand-in's own rules


@dataclass
class UploadedFile:
    """A file part of a multipart request (kept in ``requests`` params under its part name)."""

    name: str
    filename: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"UploadedFile(name={self.name!r}, filename={self.filename!r}, size={len(self.data)})"


@dataclass
class StoredFile:
    """A file the stand-in knows: uploaded by the bot or sent by a scripted user."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    kind: Literal["photo", "document"]
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def file_size(self) -> int:
        return len(self.data)

    def photo_sizes(self) -> list[JsonDict]:
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": self.width or 0,
                "height": self.height or 0,
                "file_size": self.file_size,
            }
        ]

    def document(self) -> JsonDict:
        doc: JsonDict = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
        }
        if self.file_name is not None:
            doc["file_name"] = self.file_name
        if self.mime_type is not None:
            doc["mime_type"] = self.mime_type
        return doc


@dataclass
class SentMessage:
    """State of a message the bot sent (``messages_for``) or a snapshot of one (``wait_for_message``).

    ``text`` is what the user sees: the message text, or the caption of a photo/document, after
    ``parse_mode`` parsing (tags removed, HTML entities decoded, surrounding whitespace trimmed);
    ``raw_text`` is the string the bot sent.
    """

    chat_id: int
    message_id: int
    kind: Literal["text", "photo", "document"]
    text: str | None
    raw_text: str | None
    entities: list[JsonDict]
    parse_mode: str | None
    reply_markup: JsonDict | None  # as sent: inline keyboard, reply keyboard, remove_keyboard, force_reply
    protect_content: bool
    disable_notification: bool
    link_preview_options: JsonDict | None
    file_bytes: bytes | None
    file_name: str | None
    mime_type: str | None
    file_id: str | None
    date: int
    reply_to_message_id: int | None = None
    edit_count: int = 0
    version: int = 0  # global change counter value of the last creation/edit of this message
    deleted: bool = False
    raw: JsonDict = field(default_factory=dict, repr=False)  # the Telegram Message object as stored

    @property
    def caption(self) -> str | None:
        return self.text if self.kind != "text" else None

    @property
    def inline_keyboard(self) -> list[list[JsonDict]]:
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return [list(row) for row in self.reply_markup["inline_keyboard"]]
        return []

    @property
    def buttons(self) -> list[JsonDict]:
        """All inline keyboard buttons, row by row."""
        return [button for row in self.inline_keyboard for button in row]

    @property
    def button_texts(self) -> list[str]:
        return [str(button.get("text", "")) for button in self.buttons]

    @property
    def keyboard_texts(self) -> list[str]:
        """Texts of the reply keyboard buttons sent with this message (empty if none)."""
        if not self.reply_markup or "keyboard" not in self.reply_markup:
            return []
        return [_keyboard_button_text(b) for row in self.reply_markup["keyboard"] for b in row]

    def find_button(self, text_contains: str) -> JsonDict:
        """The inline button whose text equals ``text_contains``, else the only one containing it."""
        return _pick_button(self.buttons, text_contains, f"message {self.message_id} in chat {self.chat_id}")

    def snapshot(self) -> SentMessage:
        return copy.deepcopy(self)

    def describe(self) -> str:
        shown = (self.text or "").replace("\n", "\\n")
        if len(shown) > 100:
            shown = shown[:97] + "..."
        extra = f" buttons={self.button_texts}" if self.buttons else ""
        if self.file_name:
            extra += f" file={self.file_name!r}"
        flags = " (deleted)" if self.deleted else ""
        return f"#{self.message_id} v{self.version} {self.kind}{flags}: {shown!r}{extra}"


def _keyboard_button_text(button: Any) -> str:
    return button if isinstance(button, str) else str(button.get("text", ""))


def _pick_button(buttons: list[JsonDict], text_contains: str, where: str) -> JsonDict:
    exact = [b for b in buttons if b.get("text") == text_contains]
    if len(exact) == 1:
        return exact[0]
    matches = exact or [b for b in buttons if text_contains in str(b.get("text", ""))]
    if len(matches) == 1:
        return matches[0]
    texts = [b.get("text") for b in buttons]
    if not matches:
        raise LookupError(f"no button containing {text_contains!r} in {where}; buttons: {texts}")
    raise LookupError(f"{len(matches)} buttons contain {text_contains!r} in {where}; buttons: {texts}")


@dataclass
class ScriptedUser:
    """A Telegram user the tests act as; its private chat with the bot has ``chat_id == id``."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "kk"
    phone_number: str | None = None
    is_premium: bool = False
    blocked: bool = False
    started: bool = True  # False: the bot can't initiate a conversation until the user writes
    stand_in: BotApiStandIn | None = field(default=None, repr=False, compare=False)

    def as_user(self) -> JsonDict:
        user: JsonDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        if self.is_premium:
            user["is_premium"] = True
        return user

    def as_chat(self) -> JsonDict:
        chat: JsonDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    # Convenience wrappers around the stand-in's scripting and inspection methods.
    def _server(self) -> BotApiStandIn:
        if self.stand_in is None:
            raise RuntimeError("user is not attached to a BotApiStandIn")
        return self.stand_in

    def send_text(self, text: str) -> JsonDict:
        return self._server().send_text(self.id, text)

    def share_contact(self, phone_number: str | None = None, **kwargs: Any) -> JsonDict:
        phone = phone_number or self.phone_number
        if phone is None:
            raise ValueError("no phone_number given and the user has none")
        return self._server().share_contact(self.id, phone, **kwargs)

    def send_document(
        self, data: bytes, file_name: str, mime_type: str | None = None, caption: str | None = None
    ) -> JsonDict:
        return self._server().send_document(self.id, data, file_name, mime_type, caption=caption)

    def press(self, message_id: int, callback_data: str) -> str:
        return self._server().press(self.id, message_id, callback_data)

    def press_button(self, message_id: int | None, text_contains: str) -> str:
        return self._server().press_button(self.id, message_id, text_contains)

    def press_reply_button(self, text_contains: str) -> JsonDict:
        return self._server().press_reply_button(self.id, text_contains)

    def messages(self) -> list[SentMessage]:
        return self._server().messages_for(self.id)

    def last_message(self) -> SentMessage:
        return self._server().last_message(self.id)

    async def wait_for_message(
        self,
        contains: str | None = None,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 10.0,
        since: int | None = None,
    ) -> SentMessage:
        return await self._server().wait_for_message(
            self.id, contains=contains, predicate=predicate, timeout=timeout, since=since
        )


@dataclass
class _Fault:
    method: str  # lower-case
    error_code: int
    description: str
    retry_after: int | None
    times: int
    chat_id: int | None


@dataclass
class _CallbackQuery:
    query_id: str
    user_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False


_Handler = Callable[[Params], Awaitable[Any]]


class BotApiStandIn:
    """Telegram Bot API stand-in serving ``{base_url}/bot{token}/{method}`` and file downloads.

    Scripting (each enqueues an update; the bot gets it via getUpdates): ``add_user``, ``send_text``,
    ``share_contact``, ``send_document``, ``send_photo``, ``press``, ``press_button``,
    ``press_reply_button``, ``block``/``unblock``.
    Inspection: ``messages_for``, ``last_message``, ``message``, ``wait_for_message``, ``wait_for``,
    ``requests``/``calls``, ``errors``, ``callback_answers``, ``chat_actions``, ``pending_updates``,
    ``current_reply_keyboard``, ``my_commands``, ``is_polling``/``wait_until_polling``.
    Faults: ``fail_next``; Telegram under load: ``rate_limits``, ``latency``, with ``sent_counts`` and
    ``send_log`` to check what got through; ``reset`` clears state between tests sharing one server.
    """

    def __init__(
        self,
        token: str = "123456:TEST",  # noqa: S107
        bot_username: str = "bagalau_test_bot",
        *,
        bot_first_name: str = "Bagalau Test Bot",
        callback_query_ttl: float = 15.0,
        rate_limits: RateLimits | None = None,
        latency: float = 0.0,
    ) -> None:
        """``rate_limits``: enforce Telegram's flood limits (see RateLimits).  ``latency``: seconds
        each Bot API call takes (half before it is handled, half after), as over a network."""
        bot_id, sep, secret = token.partition(":")
        if not sep or not bot_id.isdigit() or not secret:
            raise ValueError(f"token must look like '123456:SECRET', got {token!r}")
        self.token = token
        self.bot_id = int(bot_id)
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.callback_query_ttl = callback_query_ttl
        self.rate_limits = rate_limits
        self.latency = latency

        self.users: dict[int, ScriptedUser] = {}
        self.requests: list[tuple[str, Params]] = []
        """(method, params) of every API call, in order (file parts appear as UploadedFile)."""
        self.errors: list[tuple[str, int, str]] = []
        """(method, error_code, description) of every error reply the stand-in gave."""
        self.callback_answers: dict[str, JsonDict] = {}
        """callback query id -> {"text", "show_alert", "url", "cache_time"} as answered by the bot."""
        self.chat_actions: list[tuple[int, str]] = []
        self.update_log: list[JsonDict] = []
        """Every update ever enqueued (including ones already confirmed)."""
        self.dropped_updates: list[JsonDict] = []
        """Updates dropped because their type was not in the bot's allowed_updates."""
        self.files: dict[str, StoredFile] = {}
        self.webhook_url: str = ""
        self.webhook_secret: str = ""
        self.webhook_targets: list[str] = []
        """Where webhook updates really go (``http://host:port`` of each bot instance), as a
        TLS-terminating load balancer would forward ``webhook_url``: set by the test. With a
        webhook set and targets given, updates are POSTed, one at a time and in order, to the
        targets in turn; an update not answered with 200 is tried again on the next target."""
        self.webhook_deliveries: list[tuple[int, str, int]] = []
        """(update_id, target, HTTP status or 0 for no answer) of every webhook POST."""
        self._pusher: asyncio.Task[None] | None = None
        self.on_call: Callable[[str, Params], None] | None = None
        """Called with (method, params) of every call answered successfully, as it is answered:
        lets a benchmark time the bot's answers without polling."""
        self.allowed_updates: list[str] | None = None
        self.bot_settings: dict[str, Params] = {}
        # (field, language_code or "") -> text: the bot's description and short description.
        self._descriptions: dict[tuple[str, str], str] = {}
        self.sent_counts: Counter[int] = Counter()
        """chat id -> how many sendMessage/sendPhoto/sendDocument calls to it were accepted."""
        self.send_log: list[SendRecord] = []
        """Every send and edit call, accepted or not, in the order handled."""

        self._updates: list[JsonDict] = []
        self._updates_changed = asyncio.Event()
        self._poll_generation = 0
        self._waiting_polls = 0
        self._closing = False
        self._next_update_id = 100_000_001
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[int, dict[int, SentMessage]] = {}
        self._user_messages: dict[int, dict[int, JsonDict]] = {}
        self._events: list[SentMessage] = []  # snapshots, ordered by version
        self._version = 0
        self._cursors: dict[int, int] = {}
        self._reply_keyboards: dict[int, JsonDict | None] = {}
        self._callback_queries: dict[str, _CallbackQuery] = {}
        self._callback_ids = itertools.count(4_382_519_846_113_581_437)
        self._faults: list[_Fault] = []
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._file_counter = itertools.count(1)
        self._global_bucket: _TokenBucket | None = None
        self._chat_buckets: dict[int, _TokenBucket] = {}

        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._port: int | None = None
        self._host = "127.0.0.1"
        self._handlers: dict[str, tuple[str, _Handler]] = {}
        for name, handler in (
            ("getMe", self._get_me),
            ("getUpdates", self._get_updates),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("setMyCommands", self._set_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("setMyDescription", self._description_setter("description", 512)),
            ("getMyDescription", self._description_getter("description")),
            ("setMyShortDescription", self._description_setter("short_description", 120)),
            ("getMyShortDescription", self._description_getter("short_description")),
            ("sendMessage", self._send_message),
            ("editMessageText", self._edit_message_text),
            ("editMessageCaption", self._edit_message_caption),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("deleteMessage", self._delete_message),
            ("deleteMessages", self._delete_messages),
            ("answerCallbackQuery", self._answer_callback_query),
            ("sendPhoto", self._send_photo),
            ("sendDocument", self._send_document),
            ("sendChatAction", self._send_chat_action),
            ("getFile", self._get_file),
            ("getChat", self._get_chat),
            *(
                (setting, self._setting_handler(setting))
                for setting in (
                    "setMyName",
                    "setChatMenuButton",
                    "setMyDefaultAdministratorRights",
                    "close",
                    "logOut",
                )
            ),
        ):
            self._handlers[name.lower()] = (name, handler)

    # ------------------------------------------------------------------------------- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._runner is not None:
            raise RuntimeError("stand-in already started")
        self._closing = False
        app = web.Application(client_max_size=_MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{file_path:.+}", self._handle_file)
        app.router.add_route("*", "/_stand_in/{action}", self._handle_control)
        runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner, self._site, self._host = runner, site, host
        sockets = getattr(site._server, "sockets", None) or []
        self._port = sockets[0].getsockname()[1] if sockets else port
        logger.info("Bot API stand-in listening on %s", self.base_url)

    async def stop(self) -> None:
        self._closing = True
        self._notify_updates()  # release long polls so shutdown is immediate
        if self._pusher is not None:
            self._pusher.cancel()
            await asyncio.gather(self._pusher, return_exceptions=True)
            self._pusher = None
        runner, self._runner, self._site = self._runner, None, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> BotApiStandIn:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("stand-in is not started")
        return f"http://{self._host}:{self._port}"

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("stand-in is not started")
        return self._port

    @property
    def bot_user(self) -> JsonDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def reset(self, *, keep_users: bool = False) -> None:
        """Forget messages, updates, requests, answers, faults (ids stay monotonic for a running bot)."""
        self._updates.clear()
        self.requests.clear()
        self.errors.clear()
        self.callback_answers.clear()
        self.chat_actions.clear()
        self.update_log.clear()
        self.dropped_updates.clear()
        self._messages.clear()
        self._user_messages.clear()
        self._events.clear()
        self._cursors.clear()
        self._reply_keyboards.clear()
        self._callback_queries.clear()
        self._faults.clear()
        self.sent_counts.clear()
        self.send_log.clear()
        self._global_bucket = None
        self._chat_buckets.clear()
        if not keep_users:
            self.users.clear()

    # -------------------------------------------------------------------------- scripted users

    def add_user(
        self,
        user_id: int,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "kk",
        *,
        phone_number: str | None = None,
        started: bool = True,
    ) -> ScriptedUser:
        user = ScriptedUser(
            id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            phone_number=phone_number,
            started=started,
            stand_in=self,
        )
        self.users[user_id] = user
        return user

    def user(self, user_id: int) -> ScriptedUser:
        try:
            return self.users[user_id]
        except KeyError:
            raise LookupError(f"unknown user {user_id}; call add_user() first") from None

    def _acting_user(self, user_id: int) -> ScriptedUser:
        user = self.user(user_id)
        if user.blocked:
            raise RuntimeError(f"user {user_id} has blocked the bot; call unblock() first")
        user.started = True
        return user

    def _user_message(self, user: ScriptedUser, **content: Any) -> JsonDict:
        message: JsonDict = {
            "message_id": self._new_message_id(user.id),
            "from": user.as_user(),
            "chat": user.as_chat(),
            "date": int(time.time()),
        }
        message.update(content)
        self._user_messages.setdefault(user.id, {})[message["message_id"]] = message
        self._enqueue("message", message)
        return copy.deepcopy(message)

    def send_text(self, user_id: int, text: str) -> JsonDict:
        """The user sends ``text``; ``/commands`` get ``bot_command`` entities. Returns the Message."""
        user = self._acting_user(user_id)
        content: JsonDict = {"text": text}
        entities = [
            {
                "type": "bot_command",
                "offset": utf16_len(text[: m.start()]),
                "length": utf16_len(m.group(0)),
            }
            for m in _COMMAND_RE.finditer(text)
        ]
        if entities:
            content["entities"] = entities
        return self._user_message(user, **content)

    def share_contact(
        self,
        user_id: int,
        phone_number: str,
        contact_user_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        *,
        omit_user_id: bool = False,
    ) -> JsonDict:
        """The user shares a contact; by default their own (``contact.user_id`` = ``user_id``)."""
        user = self._acting_user(user_id)
        contact: JsonDict = {"phone_number": phone_number, "first_name": first_name or user.first_name}
        if last_name or (first_name is None and user.last_name):
            contact["last_name"] = last_name or user.last_name
        if not omit_user_id:
            contact["user_id"] = contact_user_id if contact_user_id is not None else user_id
        return self._user_message(user, contact=contact)

    def send_document(
        self,
        user_id: int,
        data: bytes,
        file_name: str,
        mime_type: str | None = None,
        *,
        caption: str | None = None,
    ) -> JsonDict:
        """The user sends a file; getFile and the download route then serve ``data``."""
        user = self._acting_user(user_id)
        stored = self._store_file(
            data, "document", file_name=file_name, mime_type=mime_type or _guess_mime(file_name)
        )
        content: JsonDict = {"document": stored.document()}
        if caption:
            content["caption"] = caption
        return self._user_message(user, **content)

    def send_photo(self, user_id: int, data: bytes, *, caption: str | None = None) -> JsonDict:
        user = self._acting_user(user_id)
        dims = image_size(data)
        if dims is None:
            raise ValueError("data is not a PNG/JPEG/GIF/WEBP/BMP image")
        stored = self._store_file(data, "photo", width=dims[0], height=dims[1])
        content: JsonDict = {"photo": stored.photo_sizes()}
        if caption:
            content["caption"] = caption
        return self._user_message(user, **content)

    def press(self, user_id: int, message_id: int, callback_data: str, *, strict: bool = True) -> str:
        """The user presses an inline button of bot message ``message_id``; returns the query id.

        With ``strict`` (default) the message must exist and currently carry a button with this
        callback_data, as in a real client.
        """
        user = self._acting_user(user_id)
        message = self._messages.get(user_id, {}).get(message_id)
        if strict:
            if message is None or message.deleted:
                raise LookupError(
                    f"bot message {message_id} does not exist in chat {user_id} "
                    "(pass strict=False to simulate a stale press)"
                )
            if callback_data not in [b.get("callback_data") for b in message.buttons]:
                raise LookupError(
                    f"message {message_id} has no button with callback_data {callback_data!r}; "
                    f"buttons: {[(b.get('text'), b.get('callback_data')) for b in message.buttons]} "
                    "(pass strict=False to simulate a stale press)"
                )
        query_id = str(next(self._callback_ids))
        query: JsonDict = {
            "id": query_id,
            "from": user.as_user(),
            "chat_instance": str(-(user_id * 7919 + 1_000_003)),
            "data": callback_data,
        }
        if message is not None and not message.deleted:
            query["message"] = copy.deepcopy(message.raw)
        self._callback_queries[query_id] = _CallbackQuery(
            query_id, user_id, message_id, callback_data, time.monotonic()
        )
        self._enqueue("callback_query", query)
        return query_id

    def press_button(self, user_id: int, message_id: int | None, text_contains: str) -> str:
        """Press the inline button whose text equals (else uniquely contains) ``text_contains``.

        ``message_id=None`` uses the latest bot message in the chat that has such a button.
        """
        if message_id is None:
            candidates = [m for m in reversed(self._chat_messages(user_id)) if m.buttons]
            for message in candidates:
                try:
                    button = message.find_button(text_contains)
                except LookupError:
                    continue
                message_id = message.message_id
                break
            else:
                raise LookupError(
                    f"no bot message in chat {user_id} has a button {text_contains!r}; "
                    f"messages: {[m.describe() for m in candidates[:5]]}"
                )
        else:
            target = self._messages.get(user_id, {}).get(message_id)
            if target is None or target.deleted:
                raise LookupError(f"bot message {message_id} does not exist in chat {user_id}")
            button = target.find_button(text_contains)
        if "callback_data" not in button:
            raise LookupError(f"button {button.get('text')!r} is not a callback button: {button}")
        return self.press(user_id, message_id, str(button["callback_data"]))

    def current_reply_keyboard(self, chat_id: int) -> JsonDict | None:
        """The ReplyKeyboardMarkup currently shown in the chat (None if never sent or removed)."""
        return copy.deepcopy(self._reply_keyboards.get(chat_id))

    def press_reply_button(self, user_id: int, text_contains: str) -> JsonDict:
        """Tap a button of the current reply keyboard: sends its text, or the user's own contact
        for a ``request_contact`` button (needs ``phone_number`` on the user)."""
        keyboard = self._reply_keyboards.get(user_id)
        if not keyboard:
            raise LookupError(f"chat {user_id} has no reply keyboard")
        buttons = [
            {"text": b} if isinstance(b, str) else dict(b) for row in keyboard["keyboard"] for b in row
        ]
        button = _pick_button(buttons, text_contains, f"reply keyboard of chat {user_id}")
        if button.get("request_contact"):
            user = self.user(user_id)
            if not user.phone_number:
                raise ValueError(
                    "request_contact button: give the user a phone_number or use share_contact()"
                )
            return self.share_contact(user_id, user.phone_number)
        return self.send_text(user_id, str(button["text"]))

    def block(self, user_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot: sends to the chat get 403; a my_chat_member update is queued."""
        user = self.user(user_id)
        if not user.blocked and notify:
            self._enqueue("my_chat_member", self._member_update(user, "member", "kicked"))
        user.blocked = True

    def unblock(self, user_id: int, *, notify: bool = True) -> None:
        user = self.user(user_id)
        if user.blocked and notify:
            self._enqueue("my_chat_member", self._member_update(user, "kicked", "member"))
        user.blocked = False

    def _member_update(self, user: ScriptedUser, old: str, new: str) -> JsonDict:
        def member(status: str) -> JsonDict:
            entry: JsonDict = {"status": status, "user": self.bot_user}
            if status == "kicked":
                entry["until_date"] = 0
            return entry

        return {
            "chat": user.as_chat(),
            "from": user.as_user(),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }

    # ----------------------------------------------------------------------------- updates

    def _enqueue(self, update_type: str, payload: JsonDict) -> JsonDict:
        update = {"update_id": self._next_update_id, update_type: payload}
        self._next_update_id += 1
        self._updates.append(update)
        self.update_log.append(update)
        self._notify_updates()
        return update

    def _notify_updates(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    def pending_updates(self) -> int:
        """Number of queued updates not yet confirmed by a getUpdates offset."""
        return len(self._updates)

    @property
    def is_polling(self) -> bool:
        """True while a getUpdates long poll is waiting for updates (the bot is up and idle)."""
        return self._waiting_polls > 0

    async def wait_until_polling(self, timeout: float = 10.0) -> None:
        """Wait until the bot has a getUpdates long poll open (e.g. after starting the bot process)."""
        await self.wait_for(lambda: self.is_polling, timeout, "a waiting getUpdates long poll")

    def _update_type(self, update: JsonDict) -> str:
        return next(key for key in update if key != "update_id")

    def _drop_disallowed(self) -> None:
        allowed = set(self.allowed_updates) if self.allowed_updates else _DEFAULT_UPDATE_TYPES
        kept = []
        for update in self._updates:
            if self._update_type(update) in allowed:
                kept.append(update)
            else:
                self.dropped_updates.append(update)
        self._updates[:] = kept

    # -------------------------------------------------------------------------- inspection

    def _chat_messages(self, chat_id: int, include_deleted: bool = False) -> list[SentMessage]:
        messages = self._messages.get(chat_id, {})
        return [messages[mid] for mid in sorted(messages) if include_deleted or not messages[mid].deleted]

    def messages_for(self, chat_id: int, *, include_deleted: bool = False) -> list[SentMessage]:
        """Current state (copies) of the bot's messages in the chat, oldest first."""
        return [m.snapshot() for m in self._chat_messages(chat_id, include_deleted)]

    def last_message(self, chat_id: int) -> SentMessage:
        """The bot's newest (non-deleted) message in the chat; LookupError if there is none."""
        messages = self._chat_messages(chat_id)
        if not messages:
            raise LookupError(f"the bot has sent no (undeleted) message to chat {chat_id}")
        return messages[-1].snapshot()

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        try:
            return self._messages[chat_id][message_id].snapshot()
        except KeyError:
            raise LookupError(f"no bot message {message_id} in chat {chat_id}") from None

    def calls(self, method: str) -> list[Params]:
        """Params of every call of ``method`` (case-insensitive)."""
        return [params for name, params in self.requests if name.lower() == method.lower()]

    def unanswered_callback_queries(self) -> list[str]:
        return [q.query_id for q in self._callback_queries.values() if not q.answered]

    def my_description(self, language_code: str = "", *, short: bool = False) -> str:
        """The (short) description a user of ``language_code`` sees, as getMyDescription gives it."""
        field = "short_description" if short else "description"
        return self._descriptions.get((field, language_code)) or self._descriptions.get((field, ""), "")

    def my_commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    @property
    def version(self) -> int:
        """Global counter bumped by every bot message creation or edit (usable as ``since=``)."""
        return self._version

    def changes_since(self, version: int) -> list[SentMessage]:
        """Every creation or edit of a bot message after ``version``, oldest first (snapshots)."""
        index = bisect.bisect_right(self._events, version, key=lambda m: m.version)
        return [message.snapshot() for message in self._events[index:]]

    def cursor(self, chat_id: int) -> int:
        """Version up to which ``wait_for_message`` has consumed the chat's changes."""
        return self._cursors.get(chat_id, 0)

    def mark_seen(self, chat_id: int | None = None) -> int:
        """Move the cursor of one chat (or of every chat) to now, so only later changes match."""
        chats = [chat_id] if chat_id is not None else list({*self._cursors, *self._messages, *self.users})
        for chat in chats:
            self._cursors[chat] = self._version
        return self._version

    def describe_chat(self, chat_id: int, since: int = 0) -> str:
        lines = [m.describe() for m in self._events if m.chat_id == chat_id and m.version > since]
        return "\n".join(f"    {line}" for line in lines) or "    (none)"

    def _debug_state(self) -> str:
        recent = [name for name, _ in self.requests if name != "getUpdates"][-10:]
        text = f"pending updates: {self.pending_updates()}; recent calls: {recent}"
        if self.errors:
            text += f"; error replies: {self.errors[-5:]}"
        if self.webhook_deliveries:  # (update id, target, status: 0 when the target did not answer)
            text += f"; last webhook deliveries: {self.webhook_deliveries[-6:]}"
        if self.dropped_updates:
            text += (
                f"; {len(self.dropped_updates)} update(s) dropped by allowed_updates={self.allowed_updates}"
            )
        return text

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,
        message: str | None = None,
    ) -> None:
        """Poll ``predicate`` every 20 ms; TimeoutError (with the stand-in's state) after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return
            if time.monotonic() >= deadline:
                what = message or getattr(predicate, "__name__", repr(predicate))
                raise TimeoutError(f"{what} not satisfied within {timeout}s; {self._debug_state()}")
            await asyncio.sleep(0.02)

    async def wait_for_message(
        self,
        chat_id: int,
        contains: str | None = None,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 10.0,
        since: int | None = None,
    ) -> SentMessage:
        """Wait for the next new-or-edited bot message in the chat that matches.

        Every creation and every edit of a bot message is recorded as a snapshot with an increasing
        ``version``.  This returns the first snapshot after the chat's cursor (or after ``since``)
        whose ``text`` contains ``contains`` and satisfies ``predicate``, and moves the cursor to it,
        so consecutive calls consume the chat's changes in order and never miss a short-lived state.
        """
        start = self.cursor(chat_id) if since is None else since
        found: list[SentMessage] = []

        def matches(message: SentMessage) -> bool:
            if contains is not None and contains not in (message.text or ""):
                return False
            return predicate is None or predicate(message)

        def check() -> bool:
            index = bisect.bisect_right(self._events, start, key=lambda m: m.version)
            for message in self._events[index:]:
                if message.chat_id == chat_id and matches(message):
                    found.append(message)
                    return True
            return False

        try:
            await self.wait_for(check, timeout)
        except TimeoutError:
            wanted = f"contains={contains!r}" if contains is not None else "any message"
            if predicate is not None:
                wanted += f" and predicate {getattr(predicate, '__name__', predicate)}"
            raise TimeoutError(
                f"no bot message in chat {chat_id} matching {wanted} after version {start} within "
                f"{timeout}s.\n  Changes after the cursor:\n{self.describe_chat(chat_id, start)}\n"
                f"  Current messages:\n"
                + ("\n".join(f"    {m.describe()}" for m in self._chat_messages(chat_id)) or "    (none)")
                + f"\n  {self._debug_state()}"
            ) from None
        message = found[0]
        self._cursors[chat_id] = max(self.cursor(chat_id), message.version)
        return message.snapshot()

    # ------------------------------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str,
        error_code: int = 400,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        *,
        chat_id: int | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` (optionally only for ``chat_id``) fail.

        With ``retry_after`` the reply carries ``parameters.retry_after`` like a 429 flood-wait does
        (``description`` then defaults to "Too Many Requests: retry after N").
        """
        if description is None:
            if retry_after is not None:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(error_code, "Error")
        self._faults.append(_Fault(method.lower(), error_code, description, retry_after, times, chat_id))

    def _flood_check(self, method: str, params: Params) -> ApiError | None:
        """429 if the call is over Telegram's flood limits (only with ``rate_limits``)."""
        limits = self.rate_limits
        if limits is None or method.lower() not in _PACED_METHODS:
            return None
        now = time.monotonic()
        if self._global_bucket is None:
            capacity = max(1.0, limits.global_per_second * limits.burst_seconds)
            self._global_bucket = _TokenBucket(limits.global_per_second, capacity, capacity, now)
        buckets = [self._global_bucket]
        chat_id = _as_int(params.get("chat_id"))
        if chat_id is not None:
            if chat_id not in self._chat_buckets:
                self._chat_buckets[chat_id] = _TokenBucket(limits.per_chat_per_second, 1.0, 1.0, now)
            buckets.append(self._chat_buckets[chat_id])
        if all([bucket.available(now) for bucket in buckets]):  # refill every bucket first
            for bucket in buckets:
                bucket.tokens -= 1
            return None
        return ApiError(
            429,
            f"Too Many Requests: retry after {limits.retry_after}",
            {"retry_after": limits.retry_after},
        )

    def _log_send(self, method: str, params: Params, status: int, *, injected: bool = False) -> None:
        if method.lower() not in _PACED_METHODS:
            return
        chat_id = _as_int(params.get("chat_id"))
        self.send_log.append(SendRecord(time.monotonic(), method, chat_id, status, injected))
        if status == 200 and chat_id is not None and method.lower() in _SEND_METHODS:
            self.sent_counts[chat_id] += 1

    def _take_fault(self, method: str, params: Params) -> ApiError | None:
        for fault in self._faults:
            if fault.method != method.lower():
                continue
            if fault.chat_id is not None and _as_int(params.get("chat_id")) != fault.chat_id:
                continue
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
            parameters = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
            return ApiError(fault.error_code, fault.description, parameters)
        return None

    # ------------------------------------------------------------------------------- HTTP layer

    async def _read_params(self, request: web.Request) -> Params:
        params: Params = {}
        for key, value in request.query.items():
            params[key] = _decode_form_value(key, value)
        if request.method not in ("POST", "PUT") or not request.can_read_body:
            return params
        content_type = request.content_type
        if content_type == "application/json":
            raw = await request.read()
            if raw.strip():
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise _bad("can't parse JSON object") from None
                if not isinstance(body, dict):
                    raise _bad("can't parse JSON object")
                params.update(body)
        elif content_type == "multipart/form-data":
            params.update(await _read_multipart(request))
        elif content_type == "application/x-www-form-urlencoded":
            form = await request.post()
            for key, field_value in form.items():
                params[key] = _decode_form_value(key, str(field_value))
        return params

    async def _handle_api(self, request: web.Request) -> web.Response:
        delayed = self.latency > 0 and request.match_info["method"].lower() != "getupdates"
        if delayed:
            await asyncio.sleep(self.latency / 2)
        response = await self._api_call(request)
        if delayed:
            await asyncio.sleep(self.latency / 2)
        return response

    async def _api_call(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        called = request.match_info["method"]
        entry = self._handlers.get(called.lower())
        method = entry[0] if entry else called
        try:
            params = await self._read_params(request)
        except ApiError as error:
            self.requests.append((method, {}))
            return self._error_response(method, error)
        self.requests.append((method, params))
        if entry is None:
            return self._error_response(method, ApiError(404, "Not Found"))
        fault = self._take_fault(method, params)
        if fault is not None:
            self._log_send(method, params, fault.error_code, injected=True)
            return self._error_response(method, fault)
        flood = self._flood_check(method, params)
        if flood is not None:
            self._log_send(method, params, flood.error_code)
            return self._error_response(method, flood)
        try:
            result = await entry[1](params)
        except ApiError as error:
            self._log_send(method, params, error.error_code)
            return self._error_response(method, error)
        self._log_send(method, params, 200)
        if method != "getUpdates" or result:
            logger.debug("%s -> ok", method)
        if self.on_call is not None:
            self.on_call(method, params)
        return web.json_response({"ok": True, "result": result})

    def _error_response(self, method: str, error: ApiError) -> web.Response:
        self.errors.append((method, error.error_code, error.description))
        logger.info("%s -> %s %s", method, error.error_code, error.description)
        return web.json_response(error.payload(), status=error.error_code)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        path = request.match_info["file_path"]
        for stored in self.files.values():
            if stored.file_path == path:
                return web.Response(
                    body=stored.data, content_type=stored.mime_type or "application/octet-stream"
                )
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    async def _handle_control(self, request: web.Request) -> web.Response:
        """Tiny control API for manual tries (``python -m tests.stand_in``)."""
        action = request.match_info["action"]
        params = await self._read_params(request)
        try:
            if action == "add_user":
                user = self.add_user(
                    int(params["user_id"]),
                    str(params.get("first_name", "Test")),
                    username=params.get("username"),
                    language_code=params.get("language_code", "kk"),
                    phone_number=params.get("phone_number"),
                )
                result: Any = user.as_user()
            elif action == "send_text":
                result = self.send_text(int(params["user_id"]), str(params["text"]))
            elif action == "share_contact":
                result = self.share_contact(int(params["user_id"]), str(params["phone_number"]))
            elif action == "press":
                result = self.press(
                    int(params["user_id"]), int(params["message_id"]), str(params["callback_data"])
                )
            elif action == "press_button":
                message_id = params.get("message_id")
                result = self.press_button(
                    int(params["user_id"]),
                    None if message_id is None else int(message_id),
                    str(params["text"]),
                )
            elif action == "messages":
                result = [
                    {**{k: v for k, v in vars(m).items() if k not in ("file_bytes", "raw")}}
                    for m in self.messages_for(int(params["chat_id"]))
                ]
            elif action == "requests":
                result = [[name, {k: repr(v) for k, v in p.items()}] for name, p in self.requests[-50:]]
            else:
                return web.json_response({"ok": False, "description": f"unknown action {action}"}, status=404)
        except (KeyError, ValueError, LookupError, RuntimeError) as exc:
            return web.json_response({"ok": False, "description": f"{type(exc).__name__}: {exc}"}, status=400)
        return web.json_response({"ok": True, "result": result})

    # --------------------------------------------------------------------------- API helpers

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _target_user(
        self, params: Params, *, sending: bool = True, check_blocked: bool = True
    ) -> ScriptedUser:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        chat_id = _as_int(raw)
        user = self.users.get(chat_id) if chat_id is not None else None
        if user is None:
            raise _bad("chat not found")
        if check_blocked and user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if sending and not user.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return user

    def _format(self, text: str, params: Params, prefix: str = "") -> tuple[str, list[JsonDict]]:
        entities = _opt_json(params, f"{prefix}entities")
        parse_mode = _opt_str(params, "parse_mode")
        try:
            return format_text(text, parse_mode, entities if isinstance(entities, list) else None)
        except EntityParseError as exc:
            raise _bad(f"can't parse entities: {exc}") from None
        except ValueError:
            raise _bad("unsupported parse_mode") from None

    def _validate_markup(self, params: Params, *, inline_only: bool = False) -> JsonDict | None:
        markup = _opt_json(params, "reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
            for row in rows:
                for button in row:
                    self._validate_inline_button(button)
            return markup
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
            for row in rows:
                for button in row:
                    if not _keyboard_button_text(button):
                        raise _bad("can't parse keyboard button: Text must be non-empty")
            return markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise _bad('can\'t find field "inline_keyboard"')

    @staticmethod
    def _validate_inline_button(button: Any) -> None:
        if not isinstance(button, dict):
            raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        if not button.get("text"):
            raise _bad("can't parse inline keyboard button: Text must be non-empty")
        actions = [key for key in _INLINE_BUTTON_ACTIONS if key in button]
        if not actions:
            raise _bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
            )
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise _bad("BUTTON_DATA_INVALID")
        if "url" in button and not button["url"]:
            raise _bad("BUTTON_URL_INVALID")

    def _reply_to(self, chat_id: int, params: Params) -> JsonDict | None:
        reply_parameters = _opt_json(params, "reply_parameters")
        message_id = _as_int(params.get("reply_to_message_id"))
        allow_missing = _opt_bool(params, "allow_sending_without_reply")
        if isinstance(reply_parameters, dict):
            message_id = _as_int(reply_parameters.get("message_id"))
            allow_missing = bool(reply_parameters.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        bot_message = self._messages.get(chat_id, {}).get(message_id)
        if bot_message is not None and not bot_message.deleted:
            replied = copy.deepcopy(bot_message.raw)
        elif message_id in self._user_messages.get(chat_id, {}):
            replied = copy.deepcopy(self._user_messages[chat_id][message_id])
        elif allow_missing:
            return None
        else:
            raise _bad("message to be replied not found")
        replied.pop("reply_to_message", None)
        return replied

    def _new_bot_message(
        self,
        user: ScriptedUser,
        params: Params,
        *,
        kind: Literal["text", "photo", "document"],
        text: str | None,
        raw_text: str | None,
        entities: list[JsonDict],
        markup: JsonDict | None,
        stored: StoredFile | None = None,
    ) -> JsonDict:
        chat_id = user.id
        reply_to = self._reply_to(chat_id, params)
        protect = _opt_bool(params, "protect_content")
        preview = _opt_json(params, "link_preview_options")
        message = SentMessage(
            chat_id=chat_id,
            message_id=self._new_message_id(chat_id),
            kind=kind,
            text=text,
            raw_text=raw_text,
            entities=entities,
            parse_mode=_opt_str(params, "parse_mode"),
            reply_markup=markup,
            protect_content=protect,
            disable_notification=_opt_bool(params, "disable_notification"),
            link_preview_options=preview if isinstance(preview, dict) else None,
            file_bytes=stored.data if stored else None,
            file_name=stored.file_name if stored else None,
            mime_type=stored.mime_type if stored else None,
            file_id=stored.file_id if stored else None,
            date=int(time.time()),
            reply_to_message_id=reply_to["message_id"] if reply_to else None,
        )
        raw: JsonDict = {
            "message_id": message.message_id,
            "from": self.bot_user,
            "chat": user.as_chat(),
            "date": message.date,
        }
        if reply_to is not None:
            raw["reply_to_message"] = reply_to
        if protect:
            raw["has_protected_content"] = True
        if stored is not None and kind == "photo":
            raw["photo"] = stored.photo_sizes()
        elif stored is not None:
            raw["document"] = stored.document()
        message.raw = raw
        self._apply_content(message, text, entities, markup)
        if markup is not None and "keyboard" in markup:
            self._reply_keyboards[chat_id] = markup
        elif markup is not None and markup.get("remove_keyboard"):
            self._reply_keyboards[chat_id] = None
        self._messages.setdefault(chat_id, {})[message.message_id] = message
        self._record_change(message)
        logger.info("bot -> %s: %s", chat_id, message.describe())
        return copy.deepcopy(raw)

    @staticmethod
    def _apply_content(
        message: SentMessage, text: str | None, entities: list[JsonDict], markup: JsonDict | None
    ) -> None:
        raw = message.raw
        text_key, entities_key = (
            ("text", "entities") if message.kind == "text" else ("caption", "caption_entities")
        )
        message.text, message.entities, message.reply_markup = text, entities, markup
        raw.pop(text_key, None)
        raw.pop(entities_key, None)
        raw.pop("reply_markup", None)
        if text:
            raw[text_key] = text
        if entities:
            raw[entities_key] = entities
        if message.kind == "text" and message.link_preview_options:
            raw["link_preview_options"] = message.link_preview_options
        # Message.reply_markup only ever holds an inline keyboard
        if markup is not None and markup.get("inline_keyboard"):
            raw["reply_markup"] = markup

    def _record_change(self, message: SentMessage) -> None:
        self._version += 1
        message.version = self._version
        self._events.append(message.snapshot())

    def _find_bot_message(self, params: Params, *, action: str) -> SentMessage:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        user = self._target_user(params, sending=False)
        message_id = _as_int(params.get("message_id"))
        if message_id is None:
            raise _bad("message identifier is not specified")
        message = self._messages.get(user.id, {}).get(message_id)
        if message is None or message.deleted:
            if message_id in self._user_messages.get(user.id, {}):
                raise _bad(f"message can't be {action}ed")
            raise _bad(f"message to {action} not found")
        return message

    def _inline_markup(self, message: SentMessage) -> JsonDict | None:
        markup = message.reply_markup
        return markup if markup and markup.get("inline_keyboard") else None

    def _edited(self, message: SentMessage) -> JsonDict:
        message.edit_count += 1
        message.raw["edit_date"] = int(time.time())
        self._record_change(message)
        logger.info("bot edit %s: %s", message.chat_id, message.describe())
        return copy.deepcopy(message.raw)

    def _store_file(
        self,
        data: bytes,
        kind: Literal["photo", "document"],
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> StoredFile:
        number = next(self._file_counter)
        if kind == "photo":
            ext = _IMAGE_EXTENSIONS.get(_image_format(data) or "", "jpg")
            path, prefix = f"photos/file_{number}.{ext}", "AgACAgIAAxkBAAI"
        else:
            ext = file_name.rsplit(".", 1)[1] if file_name and "." in file_name else ""
            path = f"documents/file_{number}" + (f".{ext}" if ext else "")
            prefix = "BQACAgIAAxkBAAI"
        stored = StoredFile(
            file_id=prefix + secrets.token_urlsafe(40),
            file_unique_id="AgAD" + secrets.token_urlsafe(9),
            file_path=path,
            data=data,
            kind=kind,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        return stored

    def _input_file(self, params: Params, field_name: str, kind: Literal["photo", "document"]) -> StoredFile:
        value = params.get(field_name)
        if value is None or value == "":
            raise _bad(f"there is no {field_name} in the request")
        if isinstance(value, str) and value.startswith("attach://"):
            attached = params.get(value[len("attach://") :])
            if not isinstance(attached, UploadedFile):
                raise _bad("wrong file identifier/HTTP URL specified")
            value = attached
        if isinstance(value, UploadedFile):
            if not value.data:
                raise _bad("file must be non-empty")
            if kind == "photo":
                if len(value.data) > MAX_PHOTO_BYTES:
                    raise _bad("PHOTO_SAVE_FILE_INVALID")
                dims = image_size(value.data)
                if dims is None:
                    raise _bad("IMAGE_PROCESS_FAILED")
                width, height = dims
                if (
                    width <= 0
                    or height <= 0
                    or width + height > 10000
                    or max(width, height) > 20 * min(width, height)
                ):
                    raise _bad("PHOTO_INVALID_DIMENSIONS")
                return self._store_file(value.data, "photo", width=width, height=height)
            if len(value.data) > MAX_UPLOAD_BYTES:
                raise _too_large()
            file_name = value.filename or field_name
            return self._store_file(
                value.data, "document", file_name=file_name, mime_type=_guess_mime(file_name)
            )
        if not isinstance(value, str):
            raise _bad("wrong file identifier/HTTP URL specified")
        if value.startswith(("http://", "https://")):
            raise _bad("failed to get HTTP URL content")
        stored = self.files.get(value)
        if stored is None:
            raise _bad("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise _bad(f"can't use file of type {stored.kind.capitalize()} as {kind.capitalize()}")
        return stored

    def _caption(self, params: Params) -> tuple[str | None, str | None, list[JsonDict]]:
        raw_caption = _opt_str(params, "caption")
        if not raw_caption:
            return None, raw_caption, []
        caption, entities = self._format(raw_caption, params, prefix="caption_")
        if len(caption) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
        return caption or None, raw_caption, entities

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope_obj = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps(scope_obj, sort_keys=True), str(language_code or "")

    # ------------------------------------------------------------------------------- methods

    async def _get_me(self, params: Params) -> JsonDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Params) -> list[JsonDict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _as_int(params.get("offset"))
        limit = max(1, min(100, _as_int(params.get("limit")) or 100))
        timeout = max(0, _as_int(params.get("timeout")) or 0)
        allowed = _opt_json(params, "allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = [str(item) for item in allowed] or None
        if offset is not None:
            if offset < 0:
                del self._updates[: max(0, len(self._updates) + offset)]
            else:
                self._updates[:] = [u for u in self._updates if u["update_id"] >= offset]
        # A new getUpdates terminates an earlier one still waiting, as on Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify_updates()
        deadline = time.monotonic() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            if self._closing:
                return []
            self._drop_disallowed()
            if self._updates:
                return copy.deepcopy(self._updates[:limit])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            changed = self._updates_changed
            self._waiting_polls += 1
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), remaining)
            finally:
                self._waiting_polls -= 1

    async def _set_webhook(self, params: Params) -> bool:
        url = _opt_str(params, "url") or ""
        if url and not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = url
        self.webhook_secret = _opt_str(params, "secret_token") or ""
        allowed = _opt_json(params, "allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = [str(item) for item in allowed] or None
        if _opt_bool(params, "drop_pending_updates"):
            self._updates.clear()
        if url and self.webhook_targets and self._pusher is None:
            self._pusher = asyncio.create_task(self._push_updates())
        return True

    async def _push_updates(self) -> None:
        """Telegram's side of a webhook: each pending update is POSTed until an instance
        answers 200, then the next; a failed try waits a little and goes to the next target."""
        path = urlsplit(self.webhook_url).path or "/"
        turn = itertools.count()
        # A target that does not even accept the connection within 2 s is skipped for the next,
        # as a balancer would: an instance killed mid-test must not hold the queue for 30 s.
        timeout = aiohttp.ClientTimeout(total=30, sock_connect=2)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while not self._closing:
                self._drop_disallowed()
                if not self.webhook_url or not self._updates:
                    changed = self._updates_changed
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), 0.5)
                    continue
                update = self._updates[0]
                target = self.webhook_targets[next(turn) % len(self.webhook_targets)]
                headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret}
                try:
                    async with http.post(target + path, json=update, headers=headers) as response:
                        status = response.status
                except (aiohttp.ClientError, TimeoutError):
                    status = 0
                self.webhook_deliveries.append((update["update_id"], target, status))
                if status == 200:
                    if self._updates and self._updates[0] is update:
                        self._updates.pop(0)
                else:
                    await asyncio.sleep(0.2)

    async def _delete_webhook(self, params: Params) -> bool:
        self.webhook_url = ""
        if _opt_bool(params, "drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: Params) -> JsonDict:
        info: JsonDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook_url and self.allowed_updates:
            info["allowed_updates"] = list(self.allowed_updates)
        return info

    async def _set_my_commands(self, params: Params) -> bool:
        commands = _opt_json(params, "commands")
        if not isinstance(commands, list):
            raise _bad("commands must be an array")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict) or not _BOT_COMMAND_NAME_RE.match(
                str(command.get("command", ""))
            ):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(_opt_json(params, "scope"), params.get("language_code"))
        self._commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    async def _delete_my_commands(self, params: Params) -> bool:
        self._commands.pop(self._commands_key(_opt_json(params, "scope"), params.get("language_code")), None)
        return True

    async def _get_my_commands(self, params: Params) -> list[JsonDict]:
        key = self._commands_key(_opt_json(params, "scope"), params.get("language_code"))
        return copy.deepcopy(self._commands.get(key, []))

    async def _send_message(self, params: Params) -> JsonDict:
        user = self._target_user(params)
        raw_text = _opt_str(params, "text")
        if not raw_text:
            raise _bad("message text is empty")
        text, entities = self._format(raw_text, params)
        if not text:
            raise _bad("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad("message is too long")
        markup = self._validate_markup(params)
        return self._new_bot_message(
            user, params, kind="text", text=text, raw_text=raw_text, entities=entities, markup=markup
        )

    async def _edit_message_text(self, params: Params) -> JsonDict:
        message = self._find_bot_message(params, action="edit")
        if message.kind != "text":
            raise _bad("there is no text in the message to edit")
        raw_text = _opt_str(params, "text")
        if not raw_text:
            raise _bad("message text is empty")
        text, entities = self._format(raw_text, params)
        if not text:
            raise _bad("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad("MESSAGE_TOO_LONG")
        markup = self._validate_markup(params, inline_only=True)
        if (text, entities, markup) == (message.text, message.entities, self._inline_markup(message)):
            raise _not_modified()
        message.raw_text, message.parse_mode = raw_text, _opt_str(params, "parse_mode")
        preview = _opt_json(params, "link_preview_options")
        message.link_preview_options = preview if isinstance(preview, dict) else None
        message.raw.pop("link_preview_options", None)
        self._apply_content(message, text, entities, markup)
        return self._edited(message)

    async def _edit_message_caption(self, params: Params) -> JsonDict:
        message = self._find_bot_message(params, action="edit")
        if message.kind == "text":
            raise _bad("there is no caption in the message to edit")
        caption, raw_caption, entities = self._caption(params)
        markup = self._validate_markup(params, inline_only=True)
        if (caption, entities, markup) == (message.text, message.entities, self._inline_markup(message)):
            raise _not_modified()
        message.raw_text, message.parse_mode = raw_caption, _opt_str(params, "parse_mode")
        self._apply_content(message, caption, entities, markup)
        return self._edited(message)

    async def _edit_message_reply_markup(self, params: Params) -> JsonDict:
        message = self._find_bot_message(params, action="edit")
        markup = self._validate_markup(params, inline_only=True)
        if markup == self._inline_markup(message):
            raise _not_modified()
        self._apply_content(message, message.text, message.entities, markup)
        return self._edited(message)

    def _delete_one(self, chat_id: int, message_id: int) -> bool:
        message = self._messages.get(chat_id, {}).get(message_id)
        if message is not None and not message.deleted:
            message.deleted = True
            logger.info("bot delete %s: #%s", chat_id, message_id)
            return True
        return self._user_messages.get(chat_id, {}).pop(message_id, None) is not None

    async def _delete_message(self, params: Params) -> bool:
        user = self._target_user(params, sending=False, check_blocked=False)
        message_id = _as_int(params.get("message_id"))
        if message_id is None:
            raise _bad("message identifier is not specified")
        if not self._delete_one(user.id, message_id):
            raise _bad("message to delete not found")
        return True

    async def _delete_messages(self, params: Params) -> bool:
        user = self._target_user(params, sending=False, check_blocked=False)
        ids = _opt_json(params, "message_ids")
        if not isinstance(ids, list) or not ids:
            raise _bad("message identifiers are not specified")
        deleted = [self._delete_one(user.id, int(mid)) for mid in ids]
        if not any(deleted):
            raise _bad("message to delete not found")
        return True

    async def _answer_callback_query(self, params: Params) -> bool:
        query_id = _opt_str(params, "callback_query_id") or ""
        query = self._callback_queries.get(query_id)
        if query is None or query.answered or time.monotonic() - query.created > self.callback_query_ttl:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        query.answered = True
        self.callback_answers[query_id] = {
            "text": _opt_str(params, "text"),
            "show_alert": _opt_bool(params, "show_alert"),
            "url": _opt_str(params, "url"),
            "cache_time": _as_int(params.get("cache_time")),
        }
        return True

    async def _send_photo(self, params: Params) -> JsonDict:
        return self._send_file_message(params, "photo")

    async def _send_document(self, params: Params) -> JsonDict:
        return self._send_file_message(params, "document")

    def _send_file_message(self, params: Params, kind: Literal["photo", "document"]) -> JsonDict:
        user = self._target_user(params)
        caption, raw_caption, entities = self._caption(params)
        markup = self._validate_markup(params)
        stored = self._input_file(params, kind, kind)
        return self._new_bot_message(
            user,
            params,
            kind=kind,
            text=caption,
            raw_text=raw_caption,
            entities=entities,
            markup=markup,
            stored=stored,
        )

    async def _send_chat_action(self, params: Params) -> bool:
        user = self._target_user(params)
        action = _opt_str(params, "action")
        if action not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self.chat_actions.append((user.id, action))
        return True

    async def _get_file(self, params: Params) -> JsonDict:
        stored = self.files.get(_opt_str(params, "file_id") or "")
        if stored is None:
            raise _bad("invalid file_id")
        if stored.file_size > MAX_DOWNLOAD_BYTES:
            raise _bad("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }

    async def _get_chat(self, params: Params) -> JsonDict:
        chat_id = _as_int(params.get("chat_id"))
        user = self.users.get(chat_id) if chat_id is not None else None
        if user is None:
            raise _bad("chat not found")
        return {
            **user.as_chat(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    def _description_setter(self, field: str, limit: int) -> _Handler:
        """setMyDescription / setMyShortDescription: 0-``limit`` characters per language; an
        empty string removes the language's dedicated text."""

        async def store(params: Params) -> bool:
            text = str(params.get(field) or "")
            if len(text) > limit:
                raise _bad(f"{field} is too long")
            key = (field, str(params.get("language_code") or ""))
            if text:
                self._descriptions[key] = text
            else:
                self._descriptions.pop(key, None)
            return True

        return store

    def _description_getter(self, field: str) -> _Handler:
        """getMyDescription / getMyShortDescription: what a user of that language sees, the
        language's dedicated text or else the one set without a language."""

        async def read(params: Params) -> JsonDict:
            language = str(params.get("language_code") or "")
            text = self._descriptions.get((field, language)) or self._descriptions.get((field, ""), "")
            return {field: text}

        return read

    def _setting_handler(self, method: str) -> _Handler:
        async def store(params: Params) -> bool:
            self.bot_settings[method] = params
            return True

        return store


def _not_modified() -> ApiError:
    return _bad(
        "message is not modified: specified new message content and reply markup are exactly the same "
        "as a current content and reply markup of the message"
    )


# ------------------------------------------------------------------------------- param coercion


async def _read_multipart(request: web.Request) -> Params:
    """A multipart form's fields, its files in memory. Not ``request.post()``: that spools each
    file to a temporary file in 256 KiB writes, each through the thread pool, then the stand-in
    read it back, some 0.1 s of this process's CPU for a 45 MB report archive, taken from the
    loop that serves the other chats and runs the benchmarks' people (bench/reports_load.py).
    Read in 4 MiB pieces straight into memory instead, as large a body as Telegram takes."""
    params: Params = {}
    reader = await request.multipart()
    received = 0
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            raise _bad("can't parse multipart form")
        # Joined once at the end: one copy of the file (a bytearray grown piece by piece copies
        # it again at each reallocation).
        chunks = []
        while chunk := await part.read_chunk(_MULTIPART_CHUNK):
            received += len(chunk)
            if received > _MAX_REQUEST_BYTES:
                raise _too_large()
            chunks.append(chunk)
        data = b"".join(chunks)
        if part.filename:
            kind = part.headers.get(hdrs.CONTENT_TYPE, "application/octet-stream")
            params[part.name] = UploadedFile(part.name, part.filename, kind, data)
        else:
            try:
                text = data.decode(part.get_charset(default="utf-8"), "replace")
            except LookupError:  # a charset Python does not know
                raise _bad("can't parse multipart form") from None
            params[part.name] = _decode_form_value(part.name, text)
    return params


def _decode_form_value(key: str, value: str) -> Any:
    """Form values are strings; aiogram JSON-encodes non-string values (ints, bools, objects)."""
    if key in _STRING_FIELDS or value.startswith("attach://"):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _as_int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return None


def _opt_str(params: Params, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    return (
        value
        if isinstance(value, str)
        else json.dumps(value)
        if isinstance(value, (dict, list))
        else str(value)
    )


def _opt_bool(params: Params, name: str) -> bool:
    value = params.get(name)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _opt_json(params: Params, name: str) -> Any:
    value = params.get(name)
    if isinstance(value, str):
        if not value:
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise _bad(f"can't parse {name} JSON object") from None
    return value


def _guess_mime(file_name: str | None) -> str:
    if not file_name:
        return "application/octet-stream"
    return mimetypes.guess_type(file_name)[0] or "application/octet-stream"


# ---------------------------------------------------------------------------- image dimensions

_IMAGE_EXTENSIONS = {"png": "png", "jpeg": "jpg", "gif": "gif", "webp": "webp", "bmp": "bmp"}


def _image_format(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM":
        return "bmp"
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG/JPEG/GIF/WEBP/BMP image, or None if not recognised."""
    fmt = _image_format(data)
    try:
        if fmt == "png" and len(data) >= 24:
            width, height = struct.unpack(">II", data[16:24])
            return int(width), int(height)
        if fmt == "gif" and len(data) >= 10:
            width, height = struct.unpack("<HH", data[6:10])
            return int(width), int(height)
        if fmt == "bmp" and len(data) >= 26:
            width, height = struct.unpack("<ii", data[18:26])
            return abs(int(width)), abs(int(height))
        if fmt == "webp":
            chunk = data[12:16]
            if chunk == b"VP8X":
                width = int.from_bytes(data[24:27], "little") + 1
                height = int.from_bytes(data[27:30], "little") + 1
                return width, height
            if chunk == b"VP8L":
                bits = int.from_bytes(data[21:25], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
            if chunk == b"VP8 ":
                width, height = struct.unpack("<HH", data[26:30])
                return int(width) & 0x3FFF, int(height) & 0x3FFF
            return None
        if fmt == "jpeg":
            index = 2
            while index + 9 < len(data):
                if data[index] != 0xFF:
                    index += 1
                    continue
                marker = data[index + 1]
                if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                    index += 1 if marker == 0xFF else 2
                    continue
                length = int.from_bytes(data[index + 2 : index + 4], "big")
                if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                    height = int.from_bytes(data[index + 5 : index + 7], "big")
                    width = int.from_bytes(data[index + 7 : index + 9], "big")
                    return width, height
                index += 2 + length
            return None
    except struct.error:
        return None
    return None
