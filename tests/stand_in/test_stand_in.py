"""Tests of the Bot API stand-in, driven through a real aiogram Bot pointed at it."""

from __future__ import annotations

import asyncio
import struct
import time
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from tests.stand_in import BotApiStandIn
from tests.stand_in.formatting import EntityParseError, format_text
from tests.stand_in.server import MAX_UPLOAD_BYTES

TOKEN = "123456:TEST"
ALICE = 1001
BOLAT = 1002


def make_png(width: int, height: int) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x20\x80\xc0" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=text, callback_data=data)] for text, data in buttons]
    )


def make_bot(stand_in: BotApiStandIn, token: str = TOKEN) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(stand_in.base_url)))


@pytest.fixture
async def stand_in() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token=TOKEN, bot_username="bagalau_test_bot") as server:
        server.add_user(ALICE, first_name="Aigerim", username="aigerim", language_code="kk")
        yield server


@pytest.fixture
async def bot(stand_in: BotApiStandIn) -> AsyncIterator[Bot]:
    bot = make_bot(stand_in)
    try:
        yield bot
    finally:
        await bot.session.close()


async def test_get_me(stand_in: BotApiStandIn, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "bagalau_test_bot")
    assert stand_in.base_url.startswith("http://127.0.0.1:")
    assert stand_in.requests[-1] == ("getMe", {})


async def test_send_message_with_inline_keyboard_is_stored(stand_in: BotApiStandIn, bot: Bot) -> None:
    sent = await bot.send_message(
        ALICE,
        "Тілді таңдаңыз",
        reply_markup=keyboard(("Қазақша", "lang:kk"), ("Русский", "lang:ru")),
        protect_content=True,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    assert sent.message_id == 1
    assert sent.chat.id == ALICE and sent.chat.type == "private" and sent.chat.first_name == "Aigerim"
    assert sent.from_user is not None and sent.from_user.id == 123456
    assert sent.has_protected_content is True
    assert (
        sent.reply_markup is not None and sent.reply_markup.inline_keyboard[1][0].callback_data == "lang:ru"
    )

    [message] = stand_in.messages_for(ALICE)
    assert message == stand_in.last_message(ALICE)
    assert (message.message_id, message.kind, message.text) == (1, "text", "Тілді таңдаңыз")
    assert message.protect_content is True
    assert message.link_preview_options == {"is_disabled": True}
    assert message.button_texts == ["Қазақша", "Русский"]
    assert message.find_button("Рус")["callback_data"] == "lang:ru"
    assert message.reply_markup == {
        "inline_keyboard": [
            [{"text": "Қазақша", "callback_data": "lang:kk"}],
            [{"text": "Русский", "callback_data": "lang:ru"}],
        ]
    }
    params = stand_in.calls("sendMessage")[0]
    assert params["chat_id"] == ALICE and params["protect_content"] is True
    assert params["reply_markup"] == message.reply_markup


async def test_edit_message_text_and_markup(stand_in: BotApiStandIn, bot: Bot) -> None:
    sent = await bot.send_message(ALICE, "Question 1", reply_markup=keyboard(("Yes", "y"), ("No", "n")))
    edited = await bot.edit_message_text(
        text="Question 1 — answered",
        chat_id=ALICE,
        message_id=sent.message_id,
        reply_markup=keyboard(("Undo", "u")),
    )
    assert isinstance(edited, Message) and edited.edit_date is not None
    message = stand_in.last_message(ALICE)
    assert (message.text, message.button_texts, message.edit_count) == ("Question 1 — answered", ["Undo"], 1)

    await bot.edit_message_reply_markup(chat_id=ALICE, message_id=sent.message_id, reply_markup=None)
    message = stand_in.last_message(ALICE)
    assert (message.reply_markup, message.edit_count) == (None, 2)

    # Editing the text without reply_markup removes an inline keyboard, as on Telegram.
    await bot.edit_message_reply_markup(
        chat_id=ALICE, message_id=sent.message_id, reply_markup=keyboard(("Again", "a"))
    )
    await bot.edit_message_text(text="Final", chat_id=ALICE, message_id=sent.message_id)
    assert stand_in.last_message(ALICE).buttons == []


async def test_message_not_modified_is_a_bad_request(stand_in: BotApiStandIn, bot: Bot) -> None:
    sent = await bot.send_message(ALICE, "<b>Same</b>", parse_mode="HTML", reply_markup=keyboard(("A", "a")))
    with pytest.raises(TelegramBadRequest, match="message is not modified: specified new message content"):
        await bot.edit_message_text(
            text="<b>Same</b>",
            chat_id=ALICE,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard(("A", "a")),
        )
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=ALICE, message_id=sent.message_id, reply_markup=keyboard(("A", "a"))
        )
    assert stand_in.errors[-1][:2] == ("editMessageReplyMarkup", 400)
    assert stand_in.last_message(ALICE).edit_count == 0


async def test_common_misuses_get_telegram_errors(stand_in: BotApiStandIn, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=ALICE, message_id=999)
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(424242, "hello")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message text is empty"):
        await bot.send_message(ALICE, "")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message text is empty"):
        await bot.send_message(ALICE, " \n ")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message is too long"):
        await bot.send_message(ALICE, "я" * 4097)
    with pytest.raises(TelegramBadRequest, match="Bad Request: BUTTON_DATA_INVALID"):
        await bot.send_message(ALICE, "kb", reply_markup=keyboard(("Too long", "x" * 65)))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(ALICE, "kb", reply_markup=keyboard(("Cyrillic bytes", "ә" * 33)))
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(ALICE, 12345)
    with pytest.raises(TelegramBadRequest, match="query is too old and response timeout expired"):
        await bot.answer_callback_query("123")
    with pytest.raises(
        TelegramBadRequest, match='can\'t parse entities: Unsupported start tag "3" at byte offset 2'
    ):
        await bot.send_message(ALICE, "a <3 b", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match=r"Character '\.' is reserved"):
        await bot.send_message(ALICE, "Done.", parse_mode="MarkdownV2")
    assert await bot.send_message(ALICE, "x" * 64, reply_markup=keyboard(("ok", "d" * 64)))
    assert stand_in.messages_for(ALICE)[-1].text == "x" * 64
    assert [error[1] for error in stand_in.errors] == [400] * 11


async def test_blocked_user_is_forbidden(stand_in: BotApiStandIn, bot: Bot) -> None:
    sent = await bot.send_message(ALICE, "hi")
    stand_in.block(ALICE)
    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(ALICE, "are you there?")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(ALICE, "typing")
    with pytest.raises(TelegramForbiddenError):
        await bot.edit_message_text(text="edited", chat_id=ALICE, message_id=sent.message_id)
    [update] = await bot.get_updates(timeout=0)
    assert update.my_chat_member is not None and update.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(RuntimeError, match="blocked the bot"):
        stand_in.send_text(ALICE, "hello")
    stand_in.unblock(ALICE)
    assert await bot.send_message(ALICE, "welcome back")


async def test_bot_cannot_initiate_a_conversation(stand_in: BotApiStandIn, bot: Bot) -> None:
    stand_in.add_user(BOLAT, "Bolat", started=False)
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation with a user"):
        await bot.send_message(BOLAT, "hello")
    stand_in.send_text(BOLAT, "/start")
    assert await bot.send_message(BOLAT, "hello")


async def test_injected_flood_wait_raises_retry_after(stand_in: BotApiStandIn, bot: Bot) -> None:
    stand_in.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(ALICE, "one")
    assert caught.value.retry_after == 7
    assert stand_in.messages_for(ALICE) == []
    assert await bot.send_message(ALICE, "two")  # only the next call fails

    stand_in.fail_next("sendMessage", 500, "Internal Server Error", times=2, chat_id=BOLAT)
    assert await bot.send_message(ALICE, "unaffected chat")
    stand_in.fail_next("getMe", 502)
    with pytest.raises(Exception, match="Bad Gateway"):
        await bot.get_me()
    assert [m.text for m in stand_in.messages_for(ALICE)] == ["two", "unaffected chat"]


async def test_send_photo_then_download_returns_same_bytes(stand_in: BotApiStandIn, bot: Bot) -> None:
    png = make_png(64, 48)
    sent = await bot.send_photo(
        ALICE,
        BufferedInputFile(png, filename="chart.png"),
        caption="<b>Your</b> chart",
        parse_mode="HTML",
        protect_content=True,
        reply_markup=keyboard(("Details", "details")),
    )
    assert sent.photo is not None and sent.caption == "Your chart"
    largest = sent.photo[-1]
    assert (largest.width, largest.height, largest.file_size) == (64, 48, len(png))
    assert largest.file_unique_id

    file = await bot.get_file(largest.file_id)
    assert file.file_path and file.file_size == len(png)
    downloaded = await bot.download(largest.file_id)
    assert downloaded is not None and downloaded.read() == png

    message = stand_in.last_message(ALICE)
    assert (message.kind, message.caption, message.file_bytes) == ("photo", "Your chart", png)
    assert message.protect_content and message.button_texts == ["Details"]
    upload = stand_in.calls("sendPhoto")[0]
    assert upload["photo"].startswith("attach://") and upload["caption"] == "<b>Your</b> chart"

    # Re-sending by file_id works; a file_id of the wrong kind or a non-image upload does not.
    again = await bot.send_photo(ALICE, largest.file_id)
    assert again.photo is not None and again.photo[-1].file_id == largest.file_id
    with pytest.raises(TelegramBadRequest, match="can't use file of type Photo as Document"):
        await bot.send_document(ALICE, largest.file_id)
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(ALICE, BufferedInputFile(b"not an image", filename="x.png"))


async def test_send_document_upload(stand_in: BotApiStandIn, bot: Bot) -> None:
    data = b"PK\x03\x04 fake xlsx bytes"
    sent = await bot.send_document(
        ALICE,
        BufferedInputFile(data, filename="report.xlsx"),
        caption="Quarterly report",
        protect_content=True,
    )
    assert sent.document is not None
    assert sent.document.file_name == "report.xlsx" and sent.document.file_size == len(data)
    assert sent.document.mime_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    message = stand_in.last_message(ALICE)
    assert (message.kind, message.file_name, message.file_bytes, message.text) == (
        "document",
        "report.xlsx",
        data,
        "Quarterly report",
    )
    assert message.protect_content
    resent = await bot.send_document(ALICE, sent.document.file_id)
    assert resent.document is not None and resent.document.file_id == sent.document.file_id
    assert stand_in.last_message(ALICE).file_bytes == data


async def test_documents_up_to_fifty_megabytes(stand_in: BotApiStandIn, bot: Bot) -> None:
    """Read whole from a multipart form of any size Telegram takes, refused past it as Telegram
    refuses (413), whichever part of the form carries it."""
    largest = bytes(range(256)) * (MAX_UPLOAD_BYTES // 256)
    sent = await bot.send_document(ALICE, BufferedInputFile(largest, filename="reports.zip"), caption="Всё")
    assert sent.document is not None and sent.document.file_size == MAX_UPLOAD_BYTES
    assert stand_in.last_message(ALICE).file_bytes == largest
    assert stand_in.last_message(ALICE).caption == "Всё"
    with pytest.raises(TelegramEntityTooLarge, match="Request Entity Too Large"):
        await bot.send_document(ALICE, BufferedInputFile(largest + b"!", filename="more.zip"))
    with pytest.raises(TelegramEntityTooLarge):  # the form itself past what Telegram reads
        await bot.send_document(ALICE, BufferedInputFile(largest * 2, filename="twice.zip"))
    assert stand_in.last_message(ALICE).message_id == sent.message_id


async def test_a_malformed_form_is_refused(stand_in: BotApiStandIn) -> None:
    """A form field in a charset nobody knows, or a part with no name: 400, as JSON."""
    url = f"{stand_in.base_url}/bot{TOKEN}/sendMessage"
    chat = f'--B\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\n{ALICE}\r\n'
    odd = 'Content-Disposition: form-data; name="text"\r\nContent-Type: text/plain; charset=no-such-charset'
    nameless = "Content-Disposition: form-data"
    async with aiohttp.ClientSession() as http:
        for part in (odd, nameless):
            body = f"{chat}--B\r\n{part}\r\n\r\nhi\r\n--B--\r\n".encode()
            headers = {"Content-Type": "multipart/form-data; boundary=B"}
            async with http.post(url, data=body, headers=headers) as response:
                assert response.status == 400
                assert (await response.json())["description"] == "Bad Request: can't parse multipart form"
    assert stand_in.messages_for(ALICE) == []


async def test_user_document_is_downloadable_by_the_bot(stand_in: BotApiStandIn, bot: Bot) -> None:
    data = "ФИО;Балл\nАйгерім;87\n".encode()
    stand_in.send_document(ALICE, data, "scores.csv", "text/csv")
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.document is not None
    document = update.message.document
    assert (document.file_name, document.mime_type, document.file_size) == (
        "scores.csv",
        "text/csv",
        len(data),
    )
    file = await bot.get_file(document.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == data
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")


async def test_get_updates_long_polling_and_offset(stand_in: BotApiStandIn, bot: Bot) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5, allowed_updates=["message", "callback_query"]))
    await asyncio.sleep(0.2)
    assert not poll.done()
    sent = stand_in.send_text(ALICE, "/start TOKEN42")
    updates = await asyncio.wait_for(poll, 3)
    assert time.monotonic() - started < 2
    [update] = updates
    assert update.message is not None and update.message.text == "/start TOKEN42"
    assert update.message.message_id == sent["message_id"]
    assert update.message.from_user is not None and update.message.from_user.language_code == "kk"
    assert update.message.entities is not None
    assert (update.message.entities[0].type, update.message.entities[0].length) == ("bot_command", 6)
    assert stand_in.allowed_updates == ["message", "callback_query"]

    # Not confirmed yet: returned again until an offset above it is sent.
    assert stand_in.pending_updates() == 1
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [update.update_id]
    stand_in.send_text(ALICE, "second")
    stand_in.send_text(ALICE, "third")
    batch = await bot.get_updates(offset=update.update_id + 1, limit=1, timeout=0)
    assert [u.message.text for u in batch if u.message] == ["second"]
    assert stand_in.pending_updates() == 2
    rest = await bot.get_updates(offset=batch[0].update_id + 1, timeout=0)
    assert [u.message.text for u in rest if u.message] == ["third"]

    # An empty poll returns after its timeout.
    started = time.monotonic()
    assert await bot.get_updates(offset=rest[-1].update_id + 1, timeout=1) == []
    assert 0.9 <= time.monotonic() - started < 2.5
    assert stand_in.pending_updates() == 0


async def test_concurrent_get_updates_conflict(stand_in: BotApiStandIn, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await stand_in.wait_for(lambda: len(stand_in.calls("getUpdates")) == 1)
    second = asyncio.create_task(bot.get_updates(timeout=5))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 2)
    stand_in.send_text(ALICE, "hi")
    assert len(await asyncio.wait_for(second, 2)) == 1


async def test_stop_releases_a_pending_long_poll() -> None:
    server = BotApiStandIn(token=TOKEN)
    await server.start()
    other = make_bot(server)
    try:
        poll = asyncio.create_task(other.get_updates(timeout=30))
        await server.wait_until_polling(timeout=2)
        started = time.monotonic()
        await server.stop()
        assert time.monotonic() - started < 1.5
        assert await asyncio.wait_for(poll, 2) == []
        assert not server.is_polling
    finally:
        await other.session.close()


async def test_callback_query_and_answer(stand_in: BotApiStandIn, bot: Bot) -> None:
    sent = await bot.send_message(
        ALICE, "Rate", reply_markup=keyboard(("Good 👍", "rate:5"), ("Bad", "rate:1"))
    )
    query_id = stand_in.press_button(ALICE, sent.message_id, "Good")
    [update] = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query is not None and query.id == query_id and query.data == "rate:5"
    assert query.from_user.id == ALICE and query.chat_instance
    assert isinstance(query.message, Message) and query.message.text == "Rate"
    assert query.message.reply_markup is not None

    assert stand_in.unanswered_callback_queries() == [query_id]
    assert await bot.answer_callback_query(query_id, text="Thanks!", show_alert=True)
    assert stand_in.callback_answers[query_id] == {
        "text": "Thanks!",
        "show_alert": True,
        "url": None,
        "cache_time": None,
    }
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)

    with pytest.raises(LookupError, match="no button"):
        stand_in.press_button(ALICE, sent.message_id, "Excellent")
    with pytest.raises(LookupError, match="no button with callback_data"):
        stand_in.press(ALICE, sent.message_id, "rate:3")
    # message_id=None: the latest message carrying such a button
    other = stand_in.press_button(ALICE, None, "Bad")
    assert other != query_id


async def test_reply_keyboard_and_contact_sharing(stand_in: BotApiStandIn, bot: Bot) -> None:
    markup = ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text="📱 Share phone", request_contact=True)],
            [KeyboardButton(text="Cancel")],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    sent = await bot.send_message(ALICE, "Share your phone number", reply_markup=markup)
    assert sent.reply_markup is None  # Message.reply_markup only carries inline keyboards
    message = stand_in.last_message(ALICE)
    assert message.keyboard_texts == ["📱 Share phone", "Cancel"]
    assert (
        message.reply_markup is not None and message.reply_markup["keyboard"][0][0]["request_contact"] is True
    )
    assert stand_in.current_reply_keyboard(ALICE) == message.reply_markup

    stand_in.share_contact(ALICE, "+77011234567")
    stand_in.user(ALICE).phone_number = "77017654321"
    stand_in.press_reply_button(ALICE, "Share phone")
    stand_in.press_reply_button(ALICE, "Cancel")
    updates = await bot.get_updates(timeout=0)
    contacts = [u.message.contact for u in updates if u.message and u.message.contact]
    assert [(c.phone_number, c.user_id, c.first_name) for c in contacts] == [
        ("+77011234567", ALICE, "Aigerim"),
        ("77017654321", ALICE, "Aigerim"),
    ]
    assert updates[-1].message is not None and updates[-1].message.text == "Cancel"

    await bot.send_message(ALICE, "Thanks", reply_markup=ReplyKeyboardRemove())
    assert stand_in.current_reply_keyboard(ALICE) is None
    assert stand_in.last_message(ALICE).reply_markup == {"remove_keyboard": True}


async def test_wait_for_message_consumes_changes_in_order(stand_in: BotApiStandIn, bot: Bot) -> None:
    first = await bot.send_message(ALICE, "one")
    await bot.send_message(ALICE, "two")
    await bot.edit_message_text(text="one (edited)", chat_id=ALICE, message_id=first.message_id)
    await bot.edit_message_text(text="one (final)", chat_id=ALICE, message_id=first.message_id)

    assert (await stand_in.wait_for_message(ALICE)).text == "one"
    assert (await stand_in.wait_for_message(ALICE)).text == "two"
    edited = await stand_in.wait_for_message(ALICE, contains="edited")
    assert (edited.message_id, edited.edit_count) == (first.message_id, 1)  # the short-lived state is kept
    final = await stand_in.wait_for_message(ALICE)
    assert (final.text, final.edit_count) == ("one (final)", 2)
    with pytest.raises(TimeoutError, match="no bot message in chat 1001"):
        await stand_in.wait_for_message(ALICE, timeout=0.1)

    # A later message arriving while waiting; predicate and since= work too.
    mark = stand_in.version
    waiter = asyncio.create_task(stand_in.wait_for_message(ALICE, predicate=lambda m: m.kind == "document"))
    await asyncio.sleep(0.05)
    await bot.send_message(ALICE, "not a document")
    await bot.send_document(ALICE, BufferedInputFile(b"%PDF-1.4", filename="a.pdf"))
    document = await asyncio.wait_for(waiter, 2)
    assert document.file_name == "a.pdf" and document.mime_type == "application/pdf"
    assert (await stand_in.wait_for_message(ALICE, since=mark)).text == "not a document"
    assert stand_in.messages_for(ALICE)[0].text == "one (final)"
    user = stand_in.user(ALICE)
    stand_in.mark_seen(ALICE)
    await bot.send_message(ALICE, "after mark")
    assert (await user.wait_for_message()).text == "after mark"


async def test_delete_message_and_misc_methods(stand_in: BotApiStandIn, bot: Bot) -> None:
    sent = await bot.send_message(ALICE, "temporary")
    assert await bot.delete_message(ALICE, sent.message_id)
    assert stand_in.messages_for(ALICE) == []
    assert stand_in.messages_for(ALICE, include_deleted=True)[0].deleted
    with pytest.raises(LookupError):
        stand_in.last_message(ALICE)
    user_message = stand_in.send_text(ALICE, "delete me")
    assert await bot.delete_message(ALICE, user_message["message_id"])

    assert await bot.send_chat_action(ALICE, "upload_document")
    assert stand_in.chat_actions == [(ALICE, "upload_document")]
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await bot.send_chat_action(ALICE, "dancing")

    commands = [
        BotCommand(command="start", description="Бастау"),
        BotCommand(command="help", description="Көмек"),
    ]
    assert await bot.set_my_commands(commands, language_code="kk")
    assert [c.command for c in await bot.get_my_commands(language_code="kk")] == ["start", "help"]
    assert await bot.get_my_commands() == []
    assert await bot.delete_my_commands(language_code="kk")
    assert await bot.get_my_commands(language_code="kk") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="/Start", description="x")])

    # The description and short description, per language, falling back to the one without.
    assert await bot.set_my_description("Бағалау боты", language_code="kk")
    assert await bot.set_my_description("Evaluation bot")
    assert (await bot.get_my_description(language_code="kk")).description == "Бағалау боты"
    assert (await bot.get_my_description(language_code="ru")).description == "Evaluation bot"
    assert await bot.set_my_description("", language_code="kk")  # removes the dedicated one
    assert (await bot.get_my_description(language_code="kk")).description == "Evaluation bot"
    with pytest.raises(TelegramBadRequest, match="too long"):
        await bot.set_my_description("x" * 513)
    assert await bot.set_my_short_description("Бағалау", language_code="kk")
    assert (await bot.get_my_short_description(language_code="kk")).short_description == "Бағалау"
    assert (await bot.get_my_short_description(language_code="en")).short_description == ""
    with pytest.raises(TelegramBadRequest, match="too long"):
        await bot.set_my_short_description("x" * 121, language_code="en")

    assert await bot.set_webhook("https://example.invalid/hook")
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates(timeout=0)
    assert (await bot.get_webhook_info()).url == "https://example.invalid/hook"
    stand_in.send_text(ALICE, "pending")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).pending_update_count == 0
    chat = await bot.get_chat(ALICE)
    assert chat.first_name == "Aigerim" and chat.username == "aigerim"


async def test_raw_http_shapes(stand_in: BotApiStandIn) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{stand_in.base_url}/bot654321:WRONG/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        async with http.post(f"{stand_in.base_url}/bot{TOKEN}/fooBar") as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.get(f"{stand_in.base_url}/file/bot{TOKEN}/documents/none.txt") as resp:
            assert resp.status == 404
        payload: dict[str, Any] = {
            "chat_id": ALICE,
            "text": "json body",
            "reply_markup": {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]},
        }
        async with http.post(f"{stand_in.base_url}/bot{TOKEN}/sendmessage", json=payload) as resp:
            body = await resp.json()
            assert body["ok"] is True and body["result"]["reply_markup"] == payload["reply_markup"]
        async with http.get(f"{stand_in.base_url}/bot{TOKEN}/sendMessage?chat_id={ALICE}&text=123") as resp:
            assert (await resp.json())["result"]["text"] == "123"  # string fields stay strings
        async with http.post(
            f"{stand_in.base_url}/bot{TOKEN}/sendMessage",
            data={"chat_id": "1001", "text": "form", "parse_mode": ""},
        ) as resp:
            assert (await resp.json())["result"]["text"] == "form"
    wrong = make_bot(stand_in, "654321:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await wrong.get_me()
    finally:
        await wrong.session.close()


async def test_unknown_method_through_aiogram(stand_in: BotApiStandIn, bot: Bot) -> None:
    with pytest.raises(TelegramNotFound):
        await bot.send_location(ALICE, latitude=51.1, longitude=71.4)


async def test_dispatcher_polling_echo(stand_in: BotApiStandIn) -> None:
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = make_bot(stand_in)
    user = stand_in.user(ALICE)
    polling = asyncio.create_task(dispatcher.start_polling(bot, polling_timeout=1, handle_signals=False))
    try:
        user.send_text("сәлем")
        reply = await user.wait_for_message(contains="echo:", timeout=5)
        assert reply.text == "echo: сәлем"
        await stand_in.wait_for(lambda: stand_in.pending_updates() == 0, timeout=5)
        assert stand_in.allowed_updates == ["message"]
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling, 5)
    assert bot.session._session is None or bot.session._session.closed  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "mode", "plain", "entities"),
    [
        (
            "<b>Bold</b> &lt;3 <a href='https://t.me/x'>link</a>",
            "HTML",
            "Bold <3 link",
            [
                {"type": "bold", "offset": 0, "length": 4},
                {"type": "text_link", "offset": 8, "length": 4, "url": "https://t.me/x"},
            ],
        ),
        ("  <i>padded</i>\n\n", "HTML", "padded", [{"type": "italic", "offset": 0, "length": 6}]),
        ("*bold* \\. ||spoiler||", "MarkdownV2", "bold . spoiler", None),
        ("_it_ and `code`", "Markdown", "it and code", None),
        ("plain <b> stays", None, "plain <b> stays", []),
        ("😀 <u>x</u>", "html", "😀 x", [{"type": "underline", "offset": 3, "length": 1}]),
    ],
)
def test_formatting(text: str, mode: str | None, plain: str, entities: list[dict[str, Any]] | None) -> None:
    result_text, result_entities = format_text(text, mode)
    assert result_text == plain
    if entities is not None:
        assert result_entities == entities


@pytest.mark.parametrize(
    ("text", "mode", "error"),
    [
        ("<b>open", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", "HTML", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<div>x</div>", "HTML", 'Unsupported start tag "div" at byte offset 0'),
        ("*bold", "MarkdownV2", "Can't find end of Bold entity at byte offset 0"),
        ("1+1=2", "MarkdownV2", "Character '+' is reserved"),
        ("_open", "Markdown", "Can't find end of the entity starting at byte offset 0"),
    ],
)
def test_formatting_errors(text: str, mode: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        format_text(text, mode)
    assert str(caught.value).startswith(error)
