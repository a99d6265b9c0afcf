"""Issue 19, finding 6, walked as HR and a respondent walked it: the deadline's example is a
date that would be accepted (not a fixed one long past), a date typed in words is told it is
not in the expected form, a Saturday is refused with the next working day offered, and the
respondents still answering learn of a moved deadline."""

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
    # A month ahead, a working day: typing the example back is accepted.
    assert hr.last.text == "Year 2026. What is the deadline? Type a date as dd.mm.yyyy, e.g. 31.12.2026."
    await hr.say("25 желтоқсан")
    assert (
        hr.last.text == "“25 желтоқсан” is not a date in the form dd.mm.yyyy. Type it like this: 31.12.2026."
    )
    await hr.say("26.12.2026")  # a Saturday
    assert hr.last.text == (
        "This date is a weekend day or a public holiday. Type a working day, e.g. 28.12.2026."
    )
    await hr.say("28.12.2026")
    assert hr.last.text == "Who is evaluated?"


async def test_the_same_refusals_in_kazakh_and_russian(world: World) -> None:
    hr = await _hr(world, "kk")
    await hr.say("/newround")
    await hr.press("2025")
    assert "31.12.2025" in hr.last.text  # today (01.12.2025) and 30 days
    await hr.say("25 желтоқсан")
    assert hr.last.text.startswith("«25 желтоқсан» — кк.аа.жжжж түріндегі күн емес.")
    await hr.say("10.01.2026")
    assert hr.last.text == "Бұл күн демалыс немесе мереке күні. Жұмыс күнін жазыңыз, мысалы: 09.01.2026."
    officer = world.person(HR, "Гульнар", "ru")
    await officer.say("/cancel")
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, 5003, Role.HR, world.runtime.clock.now())
    russian = world.person(5003, "Марат", "ru")
    await russian.say("/newround")
    await russian.press("2025")
    await russian.say("01.11.2025")
    assert (
        russian.last.text
        == "Эта дата уже прошла. Введите дату, которая ещё не наступила, например 31.12.2025."
    )


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
        "The deadline is 22.12.2025. Type the new deadline as dd.mm.yyyy, e.g. 23.12.2025."
    )
    await hr.say("27.12.2025")  # a Saturday
    assert hr.last.text.endswith("Type a working day, e.g. 29.12.2025.")
    await hr.say("29.12.2025")
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
