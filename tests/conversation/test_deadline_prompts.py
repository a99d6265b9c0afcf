"""Issue 19, finding 6, walked as HR and a respondent walked it: the deadline is chosen in a
calendar that offers only the days that would be accepted (no example long past to copy, no
date format to get wrong), a Saturday or a holiday is shown as a day off and refused when
pressed, and the respondents still answering learn of a moved deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.factory import create_delivery
from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, grant_role
from storage.models import Campaign, Employee, OutboxMessage
from storage.survey360.answers import AnswerRepo
from storage.survey360.campaigns import CampaignRepo
from tests.conversation.conftest import FixedClock, World
from tests.conversation.harness import Person
from tests.factories import TELEGRAM_IDS

HR = 5001
JOHN = TELEGRAM_IDS["E2"]  # English, in the staff list


async def _hr(world: World, locale: str = "en") -> Person:
    await world.setup_staff()
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, HR, Role.HR, world.runtime.clock.now())
    return world.person(HR, "Gulnar", locale)


async def test_a_new_rounds_deadline_in_december_2026(world: World) -> None:
    clock = world.runtime.clock
    assert isinstance(clock, FixedClock)
    clock.current = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # a Tuesday
    hr = await _hr(world)
    await hr.say("/newround")
    await hr.press("2026")
    assert hr.last.text == (
        "Year 2026. Choose the deadline: a working day from 01.12.2026 to 10.01.2027 (clause 4: the 360 "
        "evaluation of 2026 is done by 10.01.2027)."
    )
    await hr.say("25 желтоқсан")  # typed: nothing is taken, the calendar is shown again
    assert hr.last.text.startswith("Year 2026. Choose the deadline")
    assert hr.calendar_cell(date(2026, 12, 26))[0] == "·"  # a Saturday
    text, alert = await hr.choose_day(date(2026, 12, 26))
    assert (
        alert and text == "26.12.2026 is a day off. Choose a working day: the days shown with their number."
    )
    assert hr.last.text.startswith("Year 2026. Choose the deadline")  # still the calendar
    await hr.choose_day(date(2026, 12, 28))
    assert hr.last.text == "Who is evaluated?"


async def test_the_same_refusals_in_kazakh_and_russian(world: World) -> None:
    hr = await _hr(world, "kk")
    await hr.say("/newround")
    await hr.press("2025")
    assert hr.last.text.startswith(
        "2025 жыл. Мерзімді таңдаңыз: 01.12.2025 мен 10.01.2026 аралығындағы жұмыс күні"
    )
    assert "🗓 Желтоқсан 2025" in [t for t, _ in hr.last_with_buttons().buttons()]
    text, alert = await hr.choose_day(date(2026, 1, 10))
    assert alert and text == (
        "10.01.2026 — демалыс күні. Жұмыс күнін таңдаңыз: жұмыс күндері санымен көрсетілген."
    )
    officer = world.person(HR, "Гульнар", "ru")
    await officer.say("/cancel")
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, 5003, Role.HR, world.runtime.clock.now())
    russian = world.person(5003, "Марат", "ru")
    await russian.say("/newround")
    await russian.press("2025")
    texts = [t for t, _ in russian.last_with_buttons().buttons()]
    assert "🗓 Декабрь 2025" in texts and "Январь ▶" in texts
    assert not any(t.startswith("◀ ") and t != "◀ Назад" for t in texts)  # November has passed
    text, alert = await russian.choose_day(date(2025, 12, 16))  # Independence Day
    assert alert and text == "16.12.2025 — выходной день. Выберите рабочий день: рабочие дни показаны числом."


async def test_moving_a_deadline_tells_those_still_answering(world: World) -> None:
    hr = await _hr(world)
    campaign_id = await world.running_round(["E1", "E2", "E3", "U1"], deadline=date(2025, 12, 22))
    # Everyone else finishes; John (E2) still has questionnaires to fill.
    async with world.runtime.sessionmaker() as session, session.begin():
        answers = AnswerRepo(session)
        for assignment in await CampaignRepo(session).assignments(campaign_id):
            respondent = await session.get(Employee, assignment.respondent_id)
            if respondent is not None and respondent.employee_id == "E2":
                continue
            task = await answers.task(assignment.id)
            assert task is not None
            questionnaire = world.runtime.profile.questionnaire(task.questionnaire)
            for statement in range(1, len(questionnaire.statements) + 1):
                await answers.save_draft(assignment.id, statement, 4)
            await answers.submit(assignment.id, questionnaire)

    await hr.say("/rounds")
    await hr.press("360 · 2025")
    await hr.press("Extend the deadline")
    assert hr.last.text == (
        "The deadline is 22.12.2025. Choose the new deadline: a working day from 23.12.2025 to 10.01.2026."
    )
    text, alert = await hr.choose_day(date(2025, 12, 27))  # a Saturday
    assert alert and text is not None and text.startswith("27.12.2025 is a day off.")
    await hr.choose_day(date(2025, 12, 29))
    assert hr.last.text == (
        "The deadline is now 29.12.2025. Respondents with questionnaires left are being told: 1."
    )
    async with world.runtime.sessionmaker() as session:
        assert await session.scalar(select(Campaign.deadline)) == date(2025, 12, 29)
        queued = (await session.execute(select(OutboxMessage.kind, OutboxMessage.recipient_id))).all()
    assert [kind for kind, _ in queued].count("deadline_moved_360") == 1

    await create_delivery(world.runtime, world.bot).deliver_pending()
    told = [m for m in world.telegram.chat(JOHN) if "has been moved" in m.text]
    assert len(told) == 1
    assert told[0].text.startswith("The deadline of the 360 evaluation of 2025 has been moved to 29.12.2025.")
    assert [text for text, _ in told[0].buttons()] == ["📋 My questionnaires"]
