"""The new-round wizard: every step, bad input at each, cancel in the middle."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, grant_role
from storage.models import AuditEntry, Campaign, CampaignSubject, OutboxMessage
from tests.conversation.conftest import World
from tests.conversation.harness import Person

HR = 5001


async def _hr(world: World) -> Person:
    await world.setup_staff()
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, HR, Role.HR, world.runtime.clock.now())
    return world.person(HR, "Gulnar", "en")


async def _scalar(world: World, query: object) -> object:
    async with world.runtime.sessionmaker() as session:
        return await session.scalar(query)  # type: ignore[call-overload]


async def _to_scope(hr: Person) -> None:
    await hr.say("/newround")
    await hr.press("2025")
    await hr.say("09.01.2026")  # a Friday: 10.01.2026, clause 4's last day, is a Saturday


async def test_a_round_from_a_list_of_people(world: World) -> None:
    hr = await _hr(world)
    await _to_scope(hr)
    assert hr.last.text == "Who is evaluated?"
    await hr.press("A list of employee ids")
    await hr.say("E1, E2 E3;U1")
    preview = hr.last.text
    assert "Draft: 360 evaluation 2025</b>, deadline 09.01.2026" in preview
    assert "Evaluated: 4. Not evaluated: 0." in preview
    assert "Ахметов Ерлан Болатұлы (U1): Айгерім С. — manager, Дана О. — subordinate" in preview
    await hr.press("Start the round")
    assert hr.last.text.startswith("The round has started. 6 respondent(s) are being notified")
    assert await _scalar(world, select(Campaign.status)) == "running"
    assert await _scalar(world, select(func.count()).select_from(OutboxMessage)) == 6
    actions = await _scalar(
        world, select(func.count()).where(AuditEntry.action.in_(["round.create", "round.start"]))
    )
    assert actions == 2


async def test_bad_input_at_every_step_changes_nothing(world: World) -> None:
    hr = await _hr(world)
    await hr.say("/newround")
    await hr.say("next year")
    assert hr.last.text == "Please type a year such as 2025."
    await hr.say("2025")
    await hr.say("31.02.2026")
    assert hr.last.text.startswith("“31.02.2026” is not a date in the form dd.mm.yyyy.")
    await hr.say("01.11.2025")  # in the past
    assert hr.last.text.startswith("This date has passed. Type a date not yet passed")
    await hr.say("09.01.2026")
    await hr.say("everyone please")  # buttons expected here
    assert hr.last.text == "Please answer the question above, or send /cancel to stop."
    await hr.send_sticker_like()
    assert hr.last.text == "Please answer the question above, or send /cancel to stop."
    await hr.press("A list of employee ids")
    await hr.say("E1, NOBODY")
    assert hr.last.text == "The round cannot be created: unknown or departed employees: NOBODY"
    await hr.say("/cancel")
    assert hr.last.text.startswith("Stopped.")
    assert await _scalar(world, select(func.count()).select_from(Campaign)) == 0


async def test_the_deadline_must_keep_clause_4(world: World) -> None:
    """Clause 4: the 360 evaluation of a year is done by the 10th of the month after it. Today is
    1 December 2025; HR is told why in their language, and nothing is created."""
    hr = await _hr(world)
    await hr.say("/newround")
    await hr.press("2025")
    await hr.say("30.06.2026")  # the case: half a year too late
    assert hr.last.text == (
        "Not accepted: the 360 evaluation of 2025 is done by 10.01.2026 (clause 4). Type a date from "
        "01.12.2025 to 10.01.2026."
    )
    await hr.say("11.01.2026")
    assert hr.last.text.startswith("Not accepted: the 360 evaluation of 2025 is done by 10.01.2026")
    await hr.say("/cancel")

    # The next year: not before it begins.
    await hr.say("/newround")
    await hr.say("2026")
    await hr.say("31.12.2025")
    assert hr.last.text == (
        "Not accepted: the 360 evaluation of 2026 is done by 10.01.2027 (clause 4). Type a date from "
        "01.01.2026 to 10.01.2027."
    )
    await hr.say("/cancel")

    # A year whose 360 evaluation was due already: the wizard stops.
    await hr.say("/newround")
    await hr.say("2024")
    await hr.say("20.12.2025")
    assert hr.last.text == (
        "The 360 evaluation of 2024 had to be done by 10.01.2025 (clause 4), and that day has passed: no "
        "round can be created for 2024. /newround to choose another year."
    )
    await hr.say("10.01.2026")  # the question is over
    assert await _scalar(world, select(func.count()).select_from(Campaign)) == 0

    # The same refusal in Kazakh and in Russian.
    for account, locale, expected in (
        (5002, "kk", "2025 жылғы 360 бағалау 10.01.2026 дейін жүргізіледі (4-тармақ)"),
        (5003, "ru", "оценка 360 за 2025 год проводится не позднее 10.01.2026 (пункт 4)"),
    ):
        async with world.runtime.sessionmaker() as session, session.begin():
            await grant_role(session, COMMAND_LINE, account, Role.HR, world.runtime.clock.now())
        officer = world.person(account, "Officer", locale)
        await officer.say("/newround")
        await officer.press("2025")
        await officer.say("30.06.2026")
        assert expected in officer.last.text, officer.last.text
    assert await _scalar(world, select(func.count()).select_from(Campaign)) == 0


async def test_short_of_respondents_must_be_solved_before_the_start(world: World) -> None:
    hr = await _hr(world)
    await _to_scope(hr)
    await hr.press("Everyone")
    assert "Fewer than 3 respondents" in hr.last.text and "Серікова Айгерім Нұрланқызы (2)" in hr.last.text
    assert "Қасымова Әсел Маратқызы: too short in the post (clause 5)" in hr.last.text
    await hr.press("Start the round")
    assert hr.last.text.startswith("These people have fewer than 3 respondents")
    await hr.press("Respondents of one person")
    await hr.say("D1")
    await hr.say("U1 U2")
    assert hr.last.text == "2 respondents: the methodology asks for 3 to 7."
    await hr.say("U1 U2 D1")
    assert hr.last.text.splitlines() == [
        "A person cannot be their own respondent: the self-assessment is automatic.",
        "2 respondents: the methodology asks for 3 to 7.",  # every problem at once
    ]
    await hr.say("U1, U2, E1")
    assert "Серікова Айгерім Нұрланқызы (2)" not in hr.last.text
    assert (
        "Серікова Айгерім Нұрланқызы (D1): Ерлан А. — subordinate, Ольга И. — subordinate, Дана О. — peer"
        in hr.last.text
    )
    await hr.press("Start the round")
    assert "Петров Игорь Сергеевич" in hr.last.text  # E4 still has two
    await hr.press("Start without them")
    assert hr.last.text.startswith("The round has started.")
    excluded = await _scalar(
        world, select(func.count()).where(CampaignSubject.excluded_reason == "too_few_respondents")
    )
    assert excluded == 1


async def test_a_unit_and_deleting_the_draft(world: World) -> None:
    hr = await _hr(world)
    await _to_scope(hr)
    await hr.press("One unit")
    await hr.press("Жоспарлау басқармасы")
    assert "Evaluated: 4." in hr.last.text
    await hr.press("Delete the draft")
    assert hr.last.text == "The draft is deleted."
    assert await _scalar(world, select(func.count()).select_from(Campaign)) == 0


async def test_extending_the_deadline(world: World) -> None:
    hr = await _hr(world)
    await world.running_round(["E1", "E2", "E3", "U1"], deadline=date(2025, 12, 22))
    await hr.say("/rounds")
    await hr.press("360 · 2025")
    await hr.press("Extend the deadline")
    await hr.say("19.12.2025")  # earlier than the current deadline
    assert hr.last.text == "The new deadline must be later than the current one, e.g. 23.12.2025."
    await hr.say("20.01.2026")  # clause 4: the 360 evaluation of 2025 is done by 10.01.2026
    assert hr.last.text == (
        "Not accepted: the 360 evaluation of 2025 is done by 10.01.2026 (clause 4). Type a date from "
        "01.12.2025 to 10.01.2026."
    )
    await hr.say("10.01.2026")  # a Saturday
    assert hr.last.text.endswith("Type a working day, e.g. 09.01.2026.")
    await hr.say("09.01.2026")
    assert hr.last.text.startswith("The deadline is now 09.01.2026.")
    assert await _scalar(world, select(Campaign.deadline)) == date(2026, 1, 9)
    assert await _scalar(world, select(func.count()).where(AuditEntry.action == "round.extend")) == 1
