"""The CPU an answer costs inside the bot, against the bare bot, with Telegram faked.

    python -m bench.answering_cpu [--answers 1500] [--database sqlite|postgresql|both]

bench/answering.py measures the goal, but its figures move by a fifth between runs on shared
cores, too much to tell a change of a tenth. This one feeds the same answer presses straight
into the real dispatcher (``bot.factory``: middlewares, routers, handlers, the database) and
into the bare bot's (bench/bare_bot.py), in one process and one after the other, with a Bot API
session that does the Telegram-side work of a call (the request's form, the answer's parsing)
but sends nothing; and counts the process's CPU time per answer. What it leaves out is the same
for both bots: the HTTP of the calls and the long poll. Writes
bench/results/answering_cpu.json.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import AnswerCallbackQuery, EditMessageText, TelegramMethod
from aiogram.methods.base import Response
from aiogram.types import Update
from sqlalchemy import select, update

from bench import bare_bot
from bench.answering import BALLOT_SECRET, fill
from bench.support import fresh_database
from bot import factory
from bot.infra.callbacks import AnswerCb
from bot.infra.config import Settings
from storage.migrate import upgrade
from storage.models import Assignment, Employee

RESULTS = Path(__file__).parent / "results" / "answering_cpu.json"
TOKEN = "123456:BENCH"  # noqa: S105 (not a secret: nothing is sent)
MESSAGE_ID = 7
WARM_UP = 300  # answers before the count starts: caches filled, statements prepared


class OfflineSession(AiohttpSession):
    """Builds each call's form and parses a plausible answer, as a real call would, and sends
    nothing."""

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> Any:
        self.build_form_data(bot, method)
        if isinstance(method, AnswerCallbackQuery):
            content = '{"ok":true,"result":true}'
        else:
            assert isinstance(method, EditMessageText)
            message = {
                "message_id": method.message_id,
                "date": 1_700_000_000,
                "chat": {"id": method.chat_id, "type": "private"},
                "text": method.text,
            }
            content = json.dumps({"ok": True, "result": message})
        response: Response[Any] = self.check_response(bot, method, 200, content)
        return response.result


def press(update_id: int, chat: int, data: str) -> dict[str, Any]:
    user = {"id": chat, "is_bot": False, "first_name": "R", "language_code": "en"}
    message = {
        "message_id": MESSAGE_ID,
        "date": 1_700_000_000,
        "chat": {"id": chat, "type": "private"},
        "from": {"id": 123456, "is_bot": True, "first_name": "B"},
        "text": "…",
    }
    query = {"id": str(update_id), "chat_instance": "1", "data": data, "from": user, "message": message}
    return {"update_id": update_id, "callback_query": query}


async def cpu_per_answer(dispatcher: Dispatcher, bot: Bot, updates: list[dict[str, Any]]) -> float:
    """Seconds of CPU an update, after the warm-up; each update parsed as polling parses it."""
    for raw in updates[:WARM_UP]:
        await dispatcher.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))
    gc.collect()
    started = time.process_time()
    for raw in updates[WARM_UP:]:
        await dispatcher.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))
    return (time.process_time() - started) / (len(updates) - WARM_UP)


async def _opened_questionnaires(runtime: factory.Runtime, chats: list[int]) -> list[tuple[int, int]]:
    """(chat, assignment): each person's first colleague's questionnaire, open at statement 1 in
    message MESSAGE_ID."""
    async with runtime.sessionmaker() as session:
        rows = await session.execute(
            select(Employee.telegram_user_id, Assignment.id)
            .join(Assignment, Assignment.respondent_id == Employee.id)
            .where(Employee.telegram_user_id.in_(chats), Assignment.relation == "peer")
            .order_by(Assignment.id)
        )
        first: dict[int, int] = {}
        for chat, assignment in rows:
            first.setdefault(int(chat or 0), assignment)
        await session.execute(
            update(Assignment)
            .where(Assignment.id.in_(first.values()))
            .values(cursor=1, message_id=MESSAGE_ID)
        )
        await session.commit()
    return list(first.items())


async def measure(database: str, answers: int) -> dict[str, Any]:
    async with fresh_database(database, "answering-cpu") as url:
        await asyncio.to_thread(upgrade, url)
        chats = await fill(url, 2_000, 400, 200)
        settings = Settings(
            bot_token=TOKEN,
            database_url=url,
            default_locale="en",
            log_level="WARNING",
            ballot_secret=BALLOT_SECRET,
        )
        runtime = factory.create_runtime(settings)
        try:
            people = await _opened_questionnaires(runtime, chats)
            bot = factory.create_bot(settings, session=OfflineSession())
            dispatcher = factory.create_dispatcher(runtime)
            factory.create_delivery(runtime, bot)  # its request middleware sees every call, as when running
            presses = [
                AnswerCb(assignment=assignment, statement=statement, score=3).pack()
                for statement in range(1, 25)
                for _, assignment in people
            ]
            chats_in_turn = [chat for _ in range(1, 25) for chat, _ in people]
            total = min(answers + WARM_UP, len(presses))
            ours = await cpu_per_answer(
                dispatcher, bot, [press(i + 1, chats_in_turn[i], presses[i]) for i in range(total)]
            )
        finally:
            await runtime.engine.dispose()
    bare_dispatcher = Dispatcher()
    bare_dispatcher.callback_query.register(bare_bot.on_press)
    bare = await cpu_per_answer(
        bare_dispatcher,
        Bot(TOKEN, session=OfflineSession()),
        [press(i + 1, 1_000 + i % 200, f"a:1:{i % 24}:3") for i in range(total)],
    )
    return {
        "database": database,
        "answers": total - WARM_UP,
        "bagalau_cpu_us": round(ours * 1e6),
        "bare_cpu_us": round(bare * 1e6),
        "ratio": round(bare / ours, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=1_500)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    rows = [asyncio.run(measure(kind, args.answers)) for kind in kinds]
    print(f"{'database':<12} {'bot µs':>8} {'bare µs':>8} {'bare/bot':>8}")
    for row in rows:
        print(f"{row['database']:<12} {row['bagalau_cpu_us']:>8} {row['bare_cpu_us']:>8} {row['ratio']:>8}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
