"""Webhook mode: a request whose body is not a Telegram update is answered 400 with one line in
the log (it was 500, with aiohttp's traceback); the secret is still checked first; a real
update behind it is handled as before."""

from __future__ import annotations

import json
import logging

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.factory import create_inbox
from bot.infra.webhook import create_web_app
from tests.conversation.conftest import World

SECRET = "s3cret-for-tests"
PATH = "/telegram/updates"

MALFORMED = [
    b"not json at all",
    b"",
    b"[1, 2, 3]",
    b'"an update"',
    b"{}",
    b'{"update_id": "one"}',
    b'{"update_id": 2, "message": {"text": "no chat, no date"}}',
    b'{"update_id": 3, "callback_query": {"id": "1", "data": "a:1:1:1"}}',
    json.dumps({"update_id": 2**70, "message": "x" * 10_000}).encode(),
]


def _help(update_id: int, chat: int) -> bytes:
    message = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": "A", "language_code": "en"},
        "text": "/help",
    }
    return json.dumps({"update_id": update_id, "message": message}).encode()


async def test_a_body_that_is_not_an_update_is_refused_with_400(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    settings = world.runtime.settings.model_copy(
        update={"webhook_url": f"https://bot.example.org{PATH}", "webhook_secret": SecretStr(SECRET)}
    )
    inbox = create_inbox(world.runtime, world.dispatcher, world.bot)
    app = create_web_app(settings, world.dispatcher, world.bot, world.runtime.engine, inbox)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    async with TestClient(TestServer(app)) as client:
        for body in MALFORMED:
            caplog.clear()
            with caplog.at_level(logging.INFO):
                response = await client.post(PATH, data=body, headers=headers)
            assert response.status == 400, body
            logged = [r for r in caplog.records if r.name != "aiohttp.access"]
            assert [(r.levelname, r.getMessage().split(" (")[0]) for r in logged] == [
                ("WARNING", "webhook: a request whose body is not an update refused")
            ], body
            assert all(r.exc_info is None for r in logged)
        # Without the secret the answer is 401 whatever the body: nothing is said about it.
        response = await client.post(PATH, data=b"not json", headers={"Content-Type": "application/json"})
        assert response.status == 401
        # An update is stored on the 200 and handled from the inbox.
        response = await client.post(PATH, data=_help(10, 4242), headers=headers)
        assert response.status == 200
    await inbox.drain()
    assert any(chat == 4242 for chat, _ in world.telegram.messages)
