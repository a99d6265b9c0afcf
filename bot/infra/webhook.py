"""Webhook mode (WEBHOOK_URL set): Telegram posts each update to the bot's web server, which a
reverse proxy (nginx) exposes over HTTPS; several instances may stand behind one proxy.

- Every request must carry the secret Telegram was given (X-Telegram-Bot-Api-Secret-Token);
  anything else is refused before it reaches the dispatcher.
- An update is answered only once it is stored in the inbox (bot/infra/inbox.py), which hands it to
  the dispatcher from there; Telegram's next update need not wait for the handling. If the
  instance dies before storing it, Telegram gets no answer and delivers the update again (to
  this or another instance); if it dies after, the update is handled from the inbox. So an
  update is never lost, and the inbox and the update log make a repeated one a no-op.
- A body that is not an update (not JSON, or not shaped as Telegram's Update) is answered 400
  with one line in the log; before, it reached aiogram's parsing and came back 500, with a
  traceback in the log.
- ``GET /healthz`` answers the proxy's health checks: 200 while the database answers.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.infra.config import Settings
from bot.infra.inbox import Inbox

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"


class _UpdateHandler(SimpleRequestHandler):
    """aiogram's handler, except that the web server's shutdown leaves the bot's session open:
    it closed it before the outbox's sends in flight had finished, which cut them off after
    Telegram had some of them, and they were sent again (bot.factory.run_bot closes it last)."""

    async def close(self) -> None:
        return None

    async def handle(self, request: web.Request) -> web.Response:
        bot = await self.resolve_bot(request)
        # The secret first, as aiogram checks it: without it, nothing about the body is told.
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if self.verify_secret(secret, bot):
            try:
                Update.model_validate(await request.json(loads=bot.session.json_loads), context={"bot": bot})
            except (ValueError, ValidationError) as exc:  # JSONDecodeError is a ValueError
                log.warning("webhook: a request whose body is not an update refused (%s)", type(exc).__name__)
                return web.Response(status=400, text="the body is not a Telegram update")
        # aiohttp keeps the body it has read: aiogram reads it again from memory.
        return await super().handle(request)


class _IntoInbox(Dispatcher):
    """Where the webhook's handler puts each update: into the inbox, answering Telegram once
    it is stored (the dispatcher proper handles it from there)."""

    def __init__(self, inbox: Inbox) -> None:
        super().__init__()
        self.inbox = inbox

    async def feed_webhook_update(
        self, bot: Bot, update: Update | dict[str, Any], _timeout: float = 55, **kwargs: Any
    ) -> TelegramMethod[Any] | None:
        if not isinstance(update, Update):
            update = Update.model_validate(update, context={"bot": bot})
        await self.inbox.store([update])
        return None


def create_web_app(
    settings: Settings, dispatcher: Dispatcher, bot: Bot, engine: AsyncEngine, inbox: Inbox
) -> web.Application:
    assert settings.webhook_secret is not None  # Settings refuses WEBHOOK_URL without one
    app = web.Application()
    _UpdateHandler(
        _IntoInbox(inbox),
        bot,
        handle_in_background=False,
        secret_token=settings.webhook_secret.get_secret_value(),
    ).register(app, path=settings.webhook_path)

    async def health(request: web.Request) -> web.Response:
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return web.Response(status=503, text="database unavailable")
        return web.Response(text="ok")

    app.router.add_get(HEALTH_PATH, health)
    setup_application(app, dispatcher, bot=bot)
    return app


async def serve_webhook(
    settings: Settings, dispatcher: Dispatcher, bot: Bot, engine: AsyncEngine, inbox: Inbox
) -> None:
    """Serve until SIGINT or SIGTERM. Every instance registers the same URL and secret, which
    is idempotent; none removes it on the way out, since the others still serve it."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    runner = web.AppRunner(create_web_app(settings, dispatcher, bot, engine, inbox), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_listen_host, settings.webhook_listen_port)
    await site.start()
    await bot.set_webhook(
        settings.webhook_url,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=dispatcher.resolve_used_update_types(),
        drop_pending_updates=False,
    )
    log.info(
        "webhook: listening on %s:%s%s",
        settings.webhook_listen_host,
        settings.webhook_listen_port,
        settings.webhook_path,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    worker = asyncio.create_task(inbox.work(stop))  # with what a previous run left in the inbox
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await runner.cleanup()
        stop.set()
        await worker
