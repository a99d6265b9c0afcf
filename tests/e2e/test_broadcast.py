"""Broadcasts through the real delivery against the Bot API stand-in with Telegram's limits:
429s, people who blocked the bot, refusals, a graceful restart and a crash half-way, the
progress bar in HR's chat, attachments, and reminders in each recipient's language.

The stand-in counts every accepted send per chat, so "nobody twice, nobody lost" is checked
against what Telegram would have delivered, not against what the bot believes it sent."""

from __future__ import annotations

import asyncio
import itertools
import struct
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts.progress import done_text
from bot.broadcasts.service import (
    Attachment,
    Audience,
    AudienceKind,
    AudiencePreview,
    DeliveryCounts,
    broadcast_counts,
    preview_audience,
    queue_round_reminders,
    start_broadcast,
)
from bot.deadlines.notices import reminder_text
from bot.factory import Runtime, create_bot, create_delivery, create_dispatcher, create_runtime
from bot.infra.callbacks import TasksCb
from bot.infra.config import Settings
from bot.infra.i18n import in_locale
from bot.infra.outbox import OutboxDelivery
from bot.kernel.methodology import suggested_deadline_360
from bot.staff import people
from bot.staff.files import load_staff_file
from bot.survey360 import rounds as campaigns
from storage.migrate import upgrade
from storage.models import Assignment, Broadcast, CampaignSubject, Employee, OutboxMessage
from storage.outbox import INTERRUPTED
from tests.e2e.support import TOKEN, BotProcess, bot_environment, free_port
from tests.factories import STAFF_CSV
from tests.stand_in import BotApiStandIn
from tests.stand_in.server import RateLimits, SendRecord

pytestmark = pytest.mark.e2e

TELEGRAM_BASE = 700_000_000  # everyone's Telegram id: TELEGRAM_BASE + their employees.id
TEXT = "Staff meeting on <Friday> at 15:00 & bring the 2025 plan"  # plain text: < and & as typed
BUTTON = {  # "📋 My questionnaires" as the catalogues translate it
    "kk": "📋 Менің сауалнамаларым",
    "ru": "📋 Мои анкеты",
    "en": "📋 My questionnaires",
}


def staff_csv(count: int) -> str:
    """``count`` people: P0001 (English) heads everyone else, languages and units alternate."""
    lines = ["employee_id,full_name,position,role,unit,manager_id,phone,language,appointed_on"]
    for n in range(1, count + 1):
        role, manager = ("head", "") if n == 1 else ("employee", "P0001")
        language = "en" if n == 1 else ("kk", "ru", "en")[n % 3]
        lines.append(
            f"P{n:04d},Surname{n} Name{n},Expert,{role},Unit {n % 4},{manager},"
            f"+7 702 {n:07d},{language},2020-01-01"
        )
    return "\n".join(lines) + "\n"


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


@dataclass
class Stack:
    """One bot process's worth of the application, built by the production factories."""

    runtime: Runtime
    bot: Bot
    delivery: OutboxDelivery

    @classmethod
    def start(cls, database_url: str, stand_in: BotApiStandIn) -> Stack:
        settings = Settings(
            _env_file=None,
            bot_token=TOKEN,
            database_url=database_url,
            telegram_api_url=stand_in.base_url,
            outbox_rate_per_second=30,
            default_locale="kk",
        )
        runtime = create_runtime(settings)
        bot = create_bot(settings)
        return cls(runtime, bot, create_delivery(runtime, bot))

    async def close(self) -> None:
        await self.bot.session.close()
        await self.runtime.engine.dispose()


async def populate(runtime: Runtime, csv_text: str) -> dict[str, int]:
    """Import the staff and bind everyone to a Telegram account; employee_id → Telegram id."""
    today = runtime.clock.today()
    validation = load_staff_file(csv_text.encode("utf-8"), "staff.csv", today)
    assert validation.ok, [e.describe() for e in validation.errors]
    async with runtime.sessionmaker.begin() as session:
        await people.import_staff(session, validation, today)
        await session.execute(update(Employee).values(telegram_user_id=Employee.id + TELEGRAM_BASE))
        rows = await session.execute(select(Employee.employee_id, Employee.telegram_user_id))
        return {employee_id: telegram_id for employee_id, telegram_id in rows.all() if telegram_id}


def outran_telegram(stand_in: BotApiStandIn) -> list[SendRecord]:
    """429s the stand-in gave on its own: the sender went over Telegram's limits."""
    return [r for r in stand_in.send_log if r.status == 429 and not r.injected]


async def outbox_statuses(runtime: Runtime, broadcast_id: int) -> dict[int, tuple[str, str | None]]:
    """Telegram id → (status, last_error) of every delivery of the broadcast."""
    async with runtime.sessionmaker() as session:
        rows = await session.execute(
            select(Employee.telegram_user_id, OutboxMessage.status, OutboxMessage.last_error)
            .join(Employee, Employee.id == OutboxMessage.recipient_id)
            .where(OutboxMessage.kind == "broadcast", OutboxMessage.ref_id == broadcast_id)
        )
        return {telegram_id: (status, error) for telegram_id, status, error in rows.all() if telegram_id}


async def test_the_stand_in_refuses_like_telegram() -> None:
    """The instrument the other tests rely on: over Telegram's limits, calls get 429."""
    async with BotApiStandIn(token=TOKEN, rate_limits=RateLimits(retry_after=3)) as stand_in:
        settings = Settings(_env_file=None, bot_token=TOKEN, telegram_api_url=stand_in.base_url)
        bot = create_bot(settings)
        try:
            for chat in range(1, 41):
                stand_in.add_user(chat)
            # 40 chats at once: the bot may send 30 a second, with a tenth of a second of slack.
            results = await asyncio.gather(
                *(bot.send_message(chat, "hi") for chat in range(1, 41)), return_exceptions=True
            )
            refused = [r for r in results if isinstance(r, TelegramRetryAfter)]
            assert 30 <= len(refused) <= 37 and all(r.retry_after == 3 for r in refused)
            await asyncio.sleep(1.1)
            await bot.send_message(1, "one")  # then a second to the same chat at once
            with pytest.raises(TelegramRetryAfter):
                await bot.send_message(1, "two")
            await asyncio.sleep(1.0)
            await bot.send_message(1, "two")
            assert (
                stand_in.sent_counts[1] == 3 and sum(stand_in.sent_counts.values()) == 40 - len(refused) + 2
            )
            assert len(outran_telegram(stand_in)) == len(refused) + 1
        finally:
            await bot.session.close()


async def test_broadcast_survives_429_blocks_refusals_and_a_restart(empty_database_url: str) -> None:
    await asyncio.to_thread(upgrade, empty_database_url)
    async with BotApiStandIn(token=TOKEN, rate_limits=RateLimits()) as stand_in:
        stack = Stack.start(empty_database_url, stand_in)
        telegram = await populate(stack.runtime, staff_csv(200))
        hr = telegram["P0001"]  # writes in English, and is in the audience too
        everyone = sorted(telegram.values())
        never_opened = set(everyone[-4:])  # Telegram answers 400 "chat not found"
        blocked = set(everyone[10:200:20])  # 10 people, 5%: 403
        for telegram_id in everyone:
            if telegram_id not in never_opened:
                stand_in.add_user(telegram_id, language_code=None)
        for telegram_id in blocked:
            stand_in.block(telegram_id, notify=False)
        progress = await stack.bot.send_message(hr, "Sending…")

        async with stack.runtime.sessionmaker.begin() as session:
            audience = Audience(AudienceKind.EVERYONE)
            assert await preview_audience(session, audience) == AudiencePreview(200, 0, 0)
            started = await start_broadcast(
                session,
                author_telegram_id=hr,
                audience=audience,
                text=TEXT,
                attachment=None,
                progress_chat_id=hr,
                progress_message_id=progress.message_id,
                now=stack.runtime.clock.now(),
            )
        assert started.queued == 200

        def accepted() -> int:
            return sum(stand_in.sent_counts.values()) - 1  # less the progress message itself

        run = asyncio.create_task(stack.delivery.deliver_pending())
        await stand_in.wait_for(lambda: accepted() >= 40, timeout=15)
        stand_in.fail_next("sendMessage", 429, retry_after=1, times=2)
        stand_in.fail_next("sendMessage", 502)  # then a passing server error
        await stand_in.wait_for(lambda: accepted() >= 100, timeout=15)
        await stack.delivery.stop()  # graceful: stop claiming, finish what is in flight
        await run
        halfway = Counter(
            status for status, _ in (await outbox_statuses(stack.runtime, started.broadcast_id)).values()
        )
        assert halfway["sending"] == 0, halfway  # nothing left in doubt
        assert halfway["pending"] > 0, halfway
        assert halfway["sent"] == accepted()  # every accepted send is recorded as sent
        await stack.close()

        stack = Stack.start(empty_database_url, stand_in)  # a new process on the same database
        try:
            assert await stack.delivery.recover_interrupted() == 0
            await stack.delivery.deliver_pending()

            # Nobody twice, nobody lost: every reachable chat got exactly one message.
            reachable = set(everyone) - blocked - never_opened
            assert {chat: stand_in.sent_counts[chat] for chat in reachable} == {
                chat: 2 if chat == hr else 1 for chat in reachable
            }
            assert not any(stand_in.sent_counts[chat] for chat in blocked | never_opened)
            message = stand_in.last_message(everyone[1])
            assert (message.text, message.raw_text, message.parse_mode) == (TEXT, TEXT, None)

            # The database agrees with what Telegram saw.
            statuses = await outbox_statuses(stack.runtime, started.broadcast_id)
            assert {chat for chat, (status, _) in statuses.items() if status == "sent"} == reachable
            assert {chat for chat, (status, _) in statuses.items() if status == "blocked"} == blocked
            failed = {chat: error for chat, (status, error) in statuses.items() if status == "failed"}
            assert set(failed) == never_opened
            assert all("chat not found" in (error or "") for error in failed.values())
            async with stack.runtime.sessionmaker() as session:
                counts = await broadcast_counts(session, started.broadcast_id)
                assert counts == DeliveryCounts(total=200, delivered=186, blocked=10, failed=4, pending=0)
                marked = await session.scalars(
                    select(Employee.telegram_user_id).where(Employee.blocked_at.is_not(None))
                )
                assert set(marked) == blocked
                assert await preview_audience(session, audience) == AudiencePreview(190, 0, 10)
                broadcast = await session.get(Broadcast, started.broadcast_id)
                assert broadcast is not None and broadcast.status == "done" and broadcast.finished_at

            # Paced: the stand-in never had to refuse on its own; each injected 429 was waited out.
            assert outran_telegram(stand_in) == []
            injected = [r for r in stand_in.send_log if r.status == 429 and r.injected]
            assert len(injected) == 2
            assert [r.status for r in stand_in.send_log if r.injected and r.status != 429] == [502]  # retried
            for refusal in injected:
                # Calls already on their way may land just after the 429; then silence.
                too_early = [r for r in stand_in.send_log if refusal.at + 0.1 < r.at < refusal.at + 0.95]
                assert too_early == [], (refusal, too_early[:3])

            # HR watched a progress bar in one message, which ends with the totals.
            bar = await stand_in.wait_for_message(
                hr, predicate=lambda m: m.message_id == progress.message_id and "▰" in (m.text or ""), since=0
            )
            assert "/200 · delivered" in (bar.text or "")
            final = stand_in.message(hr, progress.message_id)
            assert final.text == "Done: delivered 186, blocked 10, failed 4"
            assert final.edit_count >= 2

            # Someone who blocked the bot writes to it again: broadcasts reach them again. Blocking
            # it (Telegram tells the bot with an update from that person) does not count as writing.
            dispatcher = create_dispatcher(stack.runtime)
            back, still = sorted(blocked)[:2]
            stand_in.unblock(back, notify=False)
            stand_in.send_text(back, "/start")
            await dispatcher.feed_raw_update(stack.bot, stand_in.update_log[-1])
            stand_in.unblock(still, notify=False)
            stand_in.block(still)
            await dispatcher.feed_raw_update(stack.bot, stand_in.update_log[-1])
            async with stack.runtime.sessionmaker() as session:
                assert await preview_audience(session, audience) == AudiencePreview(191, 0, 9)
        finally:
            await stack.close()


async def statuses_now(
    database_url: str, stand_in: BotApiStandIn, broadcast_id: int, *, settled: bool = False
) -> dict[int, tuple[str, str | None]]:
    """The broadcast's outbox statuses by chat, read from outside the bot; ``settled``: once
    none is pending or being sent (up to 30 s)."""
    stack = Stack.start(database_url, stand_in)
    try:
        for _ in range(150):
            statuses = await outbox_statuses(stack.runtime, broadcast_id)
            if not settled or all(status not in ("pending", "sending") for status, _ in statuses.values()):
                return statuses
            await asyncio.sleep(0.2)
        raise TimeoutError(Counter(s for s, _ in statuses.values()))
    finally:
        await stack.close()


async def _queued_broadcast(database_url: str, stand_in: BotApiStandIn, recipients: int) -> int:
    """``recipients`` people on the staff list and in the stand-in, and a broadcast to them all
    queued (as HR's Send does); its id."""
    stack = Stack.start(database_url, stand_in)
    try:
        telegram = await populate(stack.runtime, staff_csv(recipients))
        async with stack.runtime.sessionmaker.begin() as session:
            started = await start_broadcast(
                session,
                author_telegram_id=None,
                audience=Audience(AudienceKind.EVERYONE),
                text=TEXT,
                attachment=None,
                progress_chat_id=None,
                progress_message_id=None,
                now=stack.runtime.clock.now(),
            )
    finally:
        await stack.close()
    for telegram_id in telegram.values():
        stand_in.add_user(telegram_id, language_code=None)
    return started.broadcast_id


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_graceful_stop_mid_broadcast_sends_nobody_twice(
    empty_database_url: str, tmp_path: Path, mode: str
) -> None:
    """SIGTERM (systemd's stop) while sends are on their way to Telegram: they finish and are
    recorded before the bot closes its connection to Telegram. Closing it first (as aiogram's
    polling and webhook server do on their way out) cut them off after Telegram had some of
    them; they went back to the queue and were sent again after the restart."""
    await asyncio.to_thread(upgrade, empty_database_url)
    async with BotApiStandIn(token=TOKEN, rate_limits=RateLimits(), latency=0.3) as stand_in:
        broadcast_id = await _queued_broadcast(empty_database_url, stand_in, 90)
        env = bot_environment(empty_database_url, stand_in, OUTBOX_RATE_PER_SECOND="30", HR_ADMIN_IDS="")
        if mode == "webhook":
            port = free_port()
            stand_in.webhook_targets = [f"http://127.0.0.1:{port}"]
            env |= {
                "WEBHOOK_URL": "https://bot.example.kz/telegram/updates",
                "WEBHOOK_SECRET": "s" * 40,
                "WEBHOOK_LISTEN_PORT": str(port),
            }
        bot = BotProcess(env, tmp_path / "bot.log")
        await bot.start()
        try:
            await stand_in.wait_for(lambda: sum(stand_in.sent_counts.values()) >= 20, timeout=30)
            assert await bot.stop(timeout=20)  # exited by itself
            stopped = Counter(
                s for s, _ in (await statuses_now(empty_database_url, stand_in, broadcast_id)).values()
            )
            assert stopped["sending"] == 0 and stopped["failed"] == 0, stopped  # each settled, none lost
            assert 0 < stopped["sent"] < 90, stopped  # stopped half-way

            await bot.start()
            statuses = await statuses_now(empty_database_url, stand_in, broadcast_id, settled=True)
            assert await bot.stop(timeout=20)
        finally:
            await bot.kill()
    assert {status for status, _ in statuses.values()} == {"sent"}
    assert len(stand_in.sent_counts) == 90 and max(stand_in.sent_counts.values()) == 1  # nobody twice
    log = (tmp_path / "bot.log").read_text(encoding="utf-8", errors="replace")
    assert "ServerDisconnectedError" not in log and "Session is closed" not in log


async def test_a_crash_mid_broadcast_never_sends_twice(empty_database_url: str, tmp_path: Path) -> None:
    await asyncio.to_thread(upgrade, empty_database_url)
    async with BotApiStandIn(token=TOKEN, rate_limits=RateLimits()) as stand_in:
        broadcast_id = await _queued_broadcast(empty_database_url, stand_in, 90)
        env = bot_environment(empty_database_url, stand_in, OUTBOX_RATE_PER_SECOND="30", HR_ADMIN_IDS="")
        bot = BotProcess(env, tmp_path / "bot.log")
        await bot.start()
        try:
            await stand_in.wait_for(lambda: sum(stand_in.sent_counts.values()) >= 30, timeout=30)
            await bot.kill()  # a crash: no chance to record anything
            crashed = Counter(
                s for s, _ in (await statuses_now(empty_database_url, stand_in, broadcast_id)).values()
            )
            assert crashed["sending"] > 0, crashed  # claimed, fate unknown

            await bot.start()  # recovers the interrupted rows, then carries on
            statuses = await statuses_now(empty_database_url, stand_in, broadcast_id, settled=True)
            assert await bot.stop(timeout=20)  # a graceful stop: in-flight sends finish
        finally:
            await bot.kill()
        log = (tmp_path / "bot.log").read_text(encoding="utf-8", errors="replace")
        assert "interrupted by a crash marked failed" in log

    interrupted = {chat for chat, (status, error) in statuses.items() if status == "failed"}
    assert all(statuses[chat][1] == INTERRUPTED for chat in interrupted)
    assert interrupted == {chat for chat, (status, _) in statuses.items() if status != "sent"}
    assert 0 < len(interrupted) == crashed["sending"]
    assert max(stand_in.sent_counts.values()) == 1  # nobody twice
    for chat, (status, _) in statuses.items():
        if status == "sent":
            assert stand_in.sent_counts[chat] == 1  # nobody the database calls served went without
    assert outran_telegram(stand_in) == []


async def test_attachments_go_as_a_caption_or_right_after_a_long_text(empty_database_url: str) -> None:
    await asyncio.to_thread(upgrade, empty_database_url)
    hr = 555
    async with BotApiStandIn(token=TOKEN, rate_limits=RateLimits()) as stand_in:
        stack = Stack.start(empty_database_url, stand_in)
        try:
            telegram = await populate(stack.runtime, STAFF_CSV)
            for telegram_id in [*telegram.values(), hr]:
                stand_in.add_user(telegram_id, language_code=None)
            # HR sent us a picture and a file: broadcasts pass their file_id on.
            photo_id = stand_in.send_photo(hr, tiny_png())["photo"][-1]["file_id"]
            document_id = stand_in.send_document(hr, b"%PDF-1.4 plan", "plan.pdf")["document"]["file_id"]
            unit = Audience(AudienceKind.UNIT, unit="Жоспарлау басқармасы")  # U1, E1, E2, E3
            long_text = "Жоспар туралы <маңызды> & ұзақ хабарлама. " * 40
            async with stack.runtime.sessionmaker.begin() as session:
                assert await preview_audience(session, unit) == AudiencePreview(4, 0, 0)
                for text, attachment in (
                    (TEXT, Attachment("photo", photo_id)),
                    (long_text, Attachment("document", document_id)),
                ):
                    await start_broadcast(
                        session,
                        author_telegram_id=hr,
                        audience=unit,
                        text=text,
                        attachment=attachment,
                        progress_chat_id=None,
                        progress_message_id=None,
                        now=stack.runtime.clock.now(),
                    )
            await stack.delivery.deliver_pending()
        finally:
            await stack.close()

        members = {telegram[e] for e in ("U1", "E1", "E2", "E3")}
        assert {chat for chat, n in stand_in.sent_counts.items() if n} == members
        for chat in members:
            photo, caption_too_long, document = stand_in.messages_for(chat)
            assert (photo.kind, photo.file_id, photo.caption, photo.parse_mode) == (
                "photo",
                photo_id,
                TEXT,
                None,
            )
            assert (caption_too_long.kind, caption_too_long.parse_mode) == ("text", None)
            assert caption_too_long.text == long_text.strip()
            assert (document.kind, document.file_id, document.caption) == ("document", document_id, None)
            calls = [r.at for r in stand_in.send_log if r.chat_id == chat]
            assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(calls))
        assert outran_telegram(stand_in) == []


async def test_reminders_reach_unfinished_respondents_in_their_language(empty_database_url: str) -> None:
    await asyncio.to_thread(upgrade, empty_database_url)
    languages = {
        "D1": "kk",
        "U1": "kk",
        "U2": "ru",
        "E1": "kk",
        "E2": "en",
        "E3": "kk",
        "E4": "ru",
        "E5": "kk",
    }
    async with BotApiStandIn(token=TOKEN, rate_limits=RateLimits()) as stand_in:
        stack = Stack.start(empty_database_url, stand_in)
        try:
            telegram = await populate(stack.runtime, STAFF_CSV)
            for telegram_id in telegram.values():
                stand_in.add_user(telegram_id, language_code=None)
            today = stack.runtime.clock.today()
            deadline = suggested_deadline_360(stack.runtime.profile, today.year, today, 20)  # clause 4
            hr = telegram["U2"]  # Russian: the progress is shown in Russian
            async with stack.runtime.sessionmaker.begin() as session:
                report = await campaigns.create_360(
                    session, stack.runtime.profile, year=today.year, deadline=deadline, today=today
                )
                campaign_id = report.campaign.id
                # D1 and E4 have too few respondents: left out, their self-assessments are no work.
                await campaigns.start(
                    session, stack.runtime.profile, campaign_id, stack.runtime.clock.now(), skip_short=True
                )
                e1 = await session.scalar(select(Employee.id).where(Employee.employee_id == "E1"))
                await session.execute(
                    update(Assignment).where(Assignment.respondent_id == e1).values(submitted=True)
                )
                remaining = await _remaining_by_hand(session, campaign_id)
            progress = await stack.bot.send_message(hr, "…")
            async with stack.runtime.sessionmaker.begin() as session:
                started = await queue_round_reminders(
                    session,
                    campaign_id,
                    author_telegram_id=hr,
                    now=stack.runtime.clock.now(),
                    progress_chat_id=hr,
                    progress_message_id=progress.message_id,
                )
            assert started.queued == len(remaining)
            await stack.delivery.deliver_pending()
        finally:
            await stack.close()

        assert "E1" not in remaining and remaining  # E1 has finished: not reminded
        for person, count in remaining.items():
            locale = languages[person]
            with in_locale(stack.runtime.i18n, locale):
                expected = reminder_text(count, today.year, deadline)
            reminders = [m for m in stand_in.messages_for(telegram[person]) if m.text == expected]
            assert len(reminders) == 1, (person, stand_in.describe_chat(telegram[person]))
            assert reminders[0].button_texts == [BUTTON[locale]]
            assert reminders[0].buttons[0]["callback_data"] == TasksCb().pack()
            assert deadline.strftime("%d.%m.%Y") in expected and str(count) in expected
        with in_locale(stack.runtime.i18n, "ru"):
            totals = done_text(DeliveryCounts(len(remaining), len(remaining), 0, 0, 0))
        assert stand_in.message(hr, progress.message_id).text == totals
        assert outran_telegram(stand_in) == []


async def _remaining_by_hand(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    """Unsubmitted questionnaires per respondent, counted in Python from the raw rows."""
    rows = await session.execute(
        select(Employee.employee_id, Assignment.submitted, CampaignSubject.excluded_reason)
        .join(Employee, Employee.id == Assignment.respondent_id)
        .join(CampaignSubject, CampaignSubject.id == Assignment.subject_id)
        .where(CampaignSubject.campaign_id == campaign_id)
    )
    remaining: Counter[str] = Counter()
    for person, submitted, excluded in rows.all():
        if not submitted and excluded is None:
            remaining[person] += 1
    return dict(remaining)
