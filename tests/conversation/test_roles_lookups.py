"""/roles asks Telegram for the names of role holders outside the staff list while the
update's transaction is open: the lookups run together and are given up on in time."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import GetChat

from handlers.staff import roles

SLOW, FAST, UNKNOWN, SILENT = 7001, 7002, 7003, 7004


class _Telegram:
    def __init__(self) -> None:
        self.asked: list[int] = []

    async def get_chat(self, chat_id: int) -> Any:
        self.asked.append(chat_id)
        if chat_id == SLOW:
            await asyncio.sleep(60)  # Telegram not answering
        if chat_id == UNKNOWN:
            raise TelegramBadRequest(GetChat(chat_id=chat_id), "Bad Request: chat not found")
        names = {FAST: ("Гүлнар", "Ахметова"), SILENT: ("", None)}
        first, last = names[chat_id]
        return SimpleNamespace(id=chat_id, first_name=first, last_name=last)  # what /roles reads of a chat


async def test_a_slow_account_costs_the_timeout_not_the_whole_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roles, "LOOKUP_TIMEOUT_S", 0.3)
    telegram = _Telegram()
    loop = asyncio.get_running_loop()
    started = loop.time()
    names = await roles.telegram_names(cast(Bot, telegram), [SLOW, FAST, UNKNOWN, SILENT])
    assert loop.time() - started < 5  # not the 60 s the slow account would take
    assert names == {FAST: "Гүлнар Ахметова"}  # the rest are shown by their ids
    assert sorted(telegram.asked) == [SLOW, FAST, UNKNOWN, SILENT]  # asked together, not in turn


async def test_nobody_outside_the_staff_list_asks_nothing() -> None:
    telegram = _Telegram()
    assert await roles.telegram_names(cast(Bot, telegram), []) == {}
    assert telegram.asked == []
