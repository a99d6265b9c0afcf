"""Deadline reminders driven by a fake clock through a 360 round and a quarter: who gets what,
when, in which language; never at night, never twice (a restart, two bot instances); a
moved deadline moves them; someone who has finished gets nothing.

The 360 round of the conversation tests: started 01.12.2025 11:00 Almaty, deadline Saturday
10.01.2026, so its last working day is Friday the 9th; reminders at 09:00 Almaty (04:00 UTC)
on 5 January (3 working days before: 7 January is a holiday), 8 January and 9 January.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import select, update

from bot.factory import create_delivery, plan_reminders_now
from bot.staff.access import COMMAND_LINE
from bot.survey360 import progress
from bot.survey360 import rounds as campaigns
from storage.models import OutboxMessage
from storage.staff.employees import EmployeeRepo
from storage.survey360.answers import AnswerRepo
from tests.conversation.conftest import FixedClock, World
from tests.factories import TELEGRAM_IDS

JOHN, DANA, ERLAN = TELEGRAM_IDS["E2"], TELEGRAM_IDS["E1"], TELEGRAM_IDS["U1"]


def _at(world: World, moment: datetime) -> None:
    clock = world.runtime.clock
    assert isinstance(clock, FixedClock)
    clock.current = moment


def _reminders(world: World, chat: int) -> list[str]:
    return [m.text for m in world.telegram.chat(chat) if "Reminder" in m.text or "Еске салу" in m.text]


async def _deliver(world: World) -> None:
    await create_delivery(world.runtime, world.bot).deliver_pending()


async def _rows(world: World, kind: str) -> list[tuple[int | None, datetime | None, str]]:
    async with world.runtime.sessionmaker() as session:
        rows = await session.execute(
            select(OutboxMessage.recipient_id, OutboxMessage.not_before, OutboxMessage.status)
            .where(OutboxMessage.kind == kind)
            .order_by(OutboxMessage.recipient_id)
        )
        return [
            (pk, at.replace(tzinfo=UTC) if at and at.tzinfo is None else at, status)
            for pk, at, status in rows
        ]


async def _submit_everything_of(world: World, external_id: str) -> None:
    async with world.runtime.sessionmaker() as session, session.begin():
        person = (await EmployeeRepo(session).by_external_ids([external_id]))[external_id]
        answers = AnswerRepo(session)
        for progress_item in await answers.open_tasks(person.id):
            task = await answers.task(progress_item.assignment.id)
            assert task is not None
            questionnaire = world.runtime.profile.questionnaire(task.questionnaire)
            for statement in range(1, len(questionnaire.statements) + 1):
                await answers.save_draft(task.assignment.id, statement, 4)
            await answers.submit(task.assignment.id, questionnaire)


async def test_a_360_round_reminds_itself(world: World) -> None:
    await world.setup_staff()
    campaign_id = await world.running_round(["E1", "E2", "E3"])
    await _deliver(world)  # the opening notices
    assert await plan_reminders_now(world.runtime) > 0
    three_days = await _rows(world, "remind_3d")
    assert {at for _, at, _ in three_days} == {datetime(2026, 1, 5, 4, 0, tzinfo=UTC)}
    assert {at for _, at, _ in await _rows(world, "remind_1d")} == {datetime(2026, 1, 8, 4, 0, tzinfo=UTC)}
    assert {at for _, at, _ in await _rows(world, "remind_due")} == {datetime(2026, 1, 9, 4, 0, tzinfo=UTC)}

    # What is due, by when: /deadlines.
    john = world.person(JOHN, "John", "en")
    await john.say("/deadlines")
    assert (
        "🗓 10.01.2026: 360 evaluation 2025, questionnaires to submit: 3" in john.last.text
    )  # E1, E3 and self

    # Dana finishes everything before the first reminder; the others do not.
    await _submit_everything_of(world, "E1")
    _at(world, datetime(2026, 1, 4, 18, 0, tzinfo=UTC))  # 23:00 the night before: nothing
    await _deliver(world)
    _at(world, datetime(2026, 1, 5, 3, 59, tzinfo=UTC))  # 08:59: still nothing
    await _deliver(world)
    assert _reminders(world, JOHN) == []
    _at(world, datetime(2026, 1, 5, 4, 0, tzinfo=UTC))
    await _deliver(world)
    sent = _reminders(world, JOHN)
    assert len(sent) == 1 and sent[0].startswith("Reminder: you have") and "10.01.2026" in sent[0]
    assert len(_reminders(world, ERLAN)) == 1 and "Еске салу" in _reminders(world, ERLAN)[0]  # Kazakh
    assert _reminders(world, DANA) == []  # finished: nothing to remind of
    # A restart (a new delivery) and a second planning run send nothing again.
    await plan_reminders_now(world.runtime)
    await _deliver(world)
    assert len(_reminders(world, JOHN)) == 1

    # The bot was down on the 8th; it comes back on the 8th at 15:00: the day's reminder goes
    # out once, even with two bot instances delivering at the same moment.
    _at(world, datetime(2026, 1, 8, 10, 0, tzinfo=UTC))
    await asyncio.gather(_deliver(world), _deliver(world))
    assert len(_reminders(world, JOHN)) == 2

    _at(world, datetime(2026, 1, 12, 4, 0, tzinfo=UTC))  # past the deadline
    await john.say("/deadlines")
    assert "(⚠️ already passed)" in john.last.text and "⚠️ 10.01.2026" in john.last.text
    _at(world, datetime(2026, 1, 8, 10, 0, tzinfo=UTC))

    # HR moves the deadline to Tuesday 20 January: the deadline-day reminder moves with it.
    async with world.runtime.sessionmaker() as session, session.begin():
        await progress.extend_deadline(
            session,
            COMMAND_LINE,
            campaign_id,
            date(2026, 1, 20),
            today=date(2026, 1, 8),
            now=world.runtime.clock.now(),
        )
    await plan_reminders_now(world.runtime)
    assert {at for _, at, _ in await _rows(world, "remind_due")} == {datetime(2026, 1, 20, 4, 0, tzinfo=UTC)}
    assert {status for _, _, status in await _rows(world, "remind_1d")} == {"sent"}
    _at(world, datetime(2026, 1, 9, 5, 0, tzinfo=UTC))
    await _deliver(world)
    assert len(_reminders(world, JOHN)) == 2
    _at(world, datetime(2026, 1, 20, 4, 0, tzinfo=UTC))
    await _deliver(world)
    assert len(_reminders(world, JOHN)) == 3 and "20.01.2026" in _reminders(world, JOHN)[-1]

    # A closed round reminds nobody, even of what was still queued when HR closed it.
    async with world.runtime.sessionmaker() as session, session.begin():
        await campaigns.close(session, campaign_id, world.runtime.clock.now())
        person = await EmployeeRepo(session).by_telegram_id(JOHN)
        assert person is not None
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.kind == "remind_due", OutboxMessage.recipient_id == person.id)
            .values(status="pending")
        )
    await _deliver(world)
    assert len(_reminders(world, JOHN)) == 3
    assert [status for pk, _, status in await _rows(world, "remind_due") if pk == person.id] == ["failed"]


async def test_evaluators_are_reminded_of_their_open_sheets(world: World) -> None:
    from tests.conversation.test_quarterly import _quarter, _score_person

    await _quarter(world)  # Q4 2025: U1 evaluates E1-E3, D1 evaluates U1's KPIs
    await plan_reminders_now(world.runtime)
    manager = world.person(ERLAN, "Ерлан", "kk")
    await manager.say("/language")
    await manager.press("English")
    await _score_person(manager, "Дана", [4, 4, 4, 4], "Жақсы.")
    await plan_reminders_now(world.runtime)
    _at(world, datetime(2026, 1, 5, 4, 0, tzinfo=UTC))
    await _deliver(world)
    reminder = world.telegram.chat(ERLAN)[-1]
    assert reminder.text.startswith("Reminder: 2 evaluation sheet(s) of your people in Q4 2025")
    assert sorted(text.split(" · ")[1] for text, _ in reminder.buttons()) == ["John S.", "Асқар Н."]
    director = world.telegram.chat(TELEGRAM_IDS["D1"])[-1]  # in Kazakh: D1 has not scored U1's KPIs
    assert "10.01.2026" in director.text and [t.split(" · ")[1] for t, _ in director.buttons()] == [
        "Ерлан А."
    ]


async def test_an_unread_result_is_sent_again_then_escalated_to_hr(world: World) -> None:
    """Clause 11: HR acquaints the person with the result within 2 working days. Unread the next
    working morning, it is sent again, once; still unread on the last of the 2 days, HR is told
    who, so that they acquaint the person themselves."""
    from bot.infra.callbacks import AcknowledgeCb
    from tests.conversation.test_quarterly import _quarter, _score_person

    await _quarter(world)
    await _hr_account(world)
    manager = world.person(ERLAN, "Ерлан", "kk")
    await manager.say("/language")
    await manager.press("English")
    await _score_person(manager, "Дана", [4, 4, 4, 4], "Жақсы.")  # Monday 01.12.2025, 11:00
    await _score_person(manager, "John", [5, 5, 5, 5], "Excellent.")
    await _deliver(world)
    john = world.person(JOHN, "John", "en")
    await john.press("I have read it")

    def results(chat: int) -> int:
        """Result messages (they carry the sheet's PDF button)."""
        return sum(1 for m in world.telegram.chat(chat) if any(d.startswith("qp:") for _, d in m.buttons()))

    assert results(DANA) == 1
    await plan_reminders_now(world.runtime)
    _at(world, datetime(2025, 12, 2, 3, 59, tzinfo=UTC))  # Tuesday 08:59: not yet
    await _deliver(world)
    assert results(DANA) == 1
    _at(world, datetime(2025, 12, 2, 4, 0, tzinfo=UTC))  # the next working day, 09:00
    await _deliver(world)
    assert results(DANA) == 2 and results(JOHN) == 1  # John has read his: not asked again
    again = world.telegram.chat(DANA)[-1]
    assert (AcknowledgeCb.__prefix__ + ":") in str(again.buttons()) and again.protect_content
    assert _escalations(world) == []
    # Wednesday 09:00, the last of the 2 working days: HR is told Dana has not read hers.
    _at(world, datetime(2025, 12, 3, 4, 0, tzinfo=UTC))
    await plan_reminders_now(world.runtime)
    await _deliver(world)
    [escalation] = _escalations(world)
    assert "03.12.2025" in escalation and "E1" in escalation and "E2" not in escalation
    # Once only, whatever the planner and the senders do afterwards.
    await plan_reminders_now(world.runtime)
    _at(world, datetime(2025, 12, 10, 4, 0, tzinfo=UTC))
    await _deliver(world)
    assert results(DANA) == 2 and len(_escalations(world)) == 1


HR_ACCOUNT = 5001  # not in the staff list: written to in the default language, Kazakh


async def _hr_account(world: World) -> None:
    from bot.kernel.access import Role
    from bot.staff.access import grant_role

    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, HR_ACCOUNT, Role.HR, world.runtime.clock.now())


def _escalations(world: World) -> list[str]:
    return [m.text for m in world.telegram.chat(HR_ACCOUNT) if m.text.startswith("📋")]


async def test_a_360_report_is_acknowledged_resent_and_escalated(world: World) -> None:
    from bot.infra.callbacks import ReportAckCb

    await world.setup_staff()
    await _hr_account(world)
    await world.closed_round(["E1", "E2", "E3", "U1"])  # closed Monday 01.12.2025, 11:00
    await _deliver(world)
    john, dana = world.person(JOHN, "John", "en"), world.person(DANA, "Дана", "kk")

    def acknowledge_buttons(chat: int) -> list[str]:
        return [d for m in world.telegram.chat(chat) for _, d in m.buttons() if d.startswith("ack3:")]

    # The button sits under the report's last message, the radar chart.
    [john_button] = acknowledge_buttons(JOHN)
    assert world.telegram.chat(JOHN)[-1].buttons() and john.last.protect_content
    # Someone else's report cannot be acknowledged for them.
    [dana_button] = acknowledge_buttons(DANA)
    answer, _ = await john.press_data(dana_button, john.last)
    assert answer == "Already noted, or this result is not yours."
    answer, alert = await john.press_data(john_button, john.last)
    assert alert and answer == "Thank you: noted that you have read the result."
    assert world.telegram.chat(JOHN)[-1].buttons() == []  # the button goes once pressed
    subject = ReportAckCb.unpack(john_button).subject
    async with world.runtime.sessionmaker() as session:
        from storage.models import CampaignSubject

        assert (await session.get(CampaignSubject, subject)).acknowledged_at is not None  # type: ignore[union-attr]

    # The others are sent their report again on Tuesday morning, John is not.
    await plan_reminders_now(world.runtime)
    _at(world, datetime(2025, 12, 2, 4, 0, tzinfo=UTC))
    await _deliver(world)
    assert len(acknowledge_buttons(DANA)) == 2 and acknowledge_buttons(JOHN) == []
    assert dana.chat[-2].text.startswith("Еске салу")
    await dana.press_data(acknowledge_buttons(DANA)[-1], dana.chat[-1])
    # Wednesday: HR is told who still has not read theirs: not Dana, not John.
    _at(world, datetime(2025, 12, 3, 4, 0, tzinfo=UTC))
    await plan_reminders_now(world.runtime)
    await _deliver(world)
    [escalation] = _escalations(world)
    assert "2025 жылғы 360 бағалау" in escalation
    assert "(E3)" in escalation and "(U1)" in escalation
    assert "(E1)" not in escalation and "(E2)" not in escalation


async def test_hr_gets_a_daily_digest_and_an_alert_when_a_deadline_passes(world: World) -> None:

    hr_account = HR_ACCOUNT
    await world.setup_staff()
    await _hr_account(world)
    await world.running_round(["E1", "E2"])

    # The account is not in the staff list: it is written to in the default language, Kazakh.
    def digests() -> list[str]:
        return [m.text for m in world.telegram.chat(hr_account) if "Бүгінгі бағалау кезеңдері" in m.text]

    await plan_reminders_now(world.runtime)  # Monday 01.12.2025, 11:00
    await asyncio.gather(_deliver(world), _deliver(world))
    assert len(digests()) == 1
    assert "<b>2025 жылғы 360 бағалау</b>, мерзімі 10.01.2026" in digests()[0]
    assert "жіберілген сауалнамалар 0/" in digests()[0]
    _at(world, datetime(2025, 12, 1, 15, 0, tzinfo=UTC))  # 20:00: no second digest today
    await plan_reminders_now(world.runtime)
    await _deliver(world)
    _at(world, datetime(2025, 12, 2, 3, 0, tzinfo=UTC))  # Tuesday 08:00: planned, waits for 09:00
    await plan_reminders_now(world.runtime)
    await _deliver(world)
    assert len(digests()) == 1
    _at(world, datetime(2025, 12, 2, 4, 0, tzinfo=UTC))
    await _deliver(world)
    assert len(digests()) == 2 and "02.12.2025" in digests()[1]
    _at(world, datetime(2025, 12, 6, 6, 0, tzinfo=UTC))  # Saturday: no digest
    await plan_reminders_now(world.runtime)
    await _deliver(world)
    assert len(digests()) == 2

    # Monday 12 January 2026: the deadline (10th) has passed with questionnaires unsubmitted.
    _at(world, datetime(2026, 1, 12, 5, 0, tzinfo=UTC))
    await plan_reminders_now(world.runtime)
    await _deliver(world)
    await plan_reminders_now(world.runtime)
    await _deliver(world)
    alerts = [m.text for m in world.telegram.chat(hr_account) if m.text.startswith("⚠️")]
    assert len(alerts) == 1 and "мерзімі өтті" in alerts[0] and "/rounds" in alerts[0]
