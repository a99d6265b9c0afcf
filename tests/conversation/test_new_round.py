"""The new-round wizard (aiogram-dialog): every step, by buttons, the calendar and the people
picker; bad input at each, back and cancel in the middle."""

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
    await hr.choose_day(date(2026, 1, 9))  # a Friday: 10.01.2026, clause 4's last day, is a Saturday


async def test_a_round_from_a_list_of_people(world: World) -> None:
    hr = await _hr(world)
    await _to_scope(hr)
    assert hr.last.text == "Who is evaluated?"
    await hr.press("Chosen people")
    await hr.say("E1, E2 E3;U1")  # employee ids typed whole are chosen at once
    assert "Chosen (4): " in hr.last.text
    await hr.press("✔ Done (4)")
    preview = hr.last.text
    assert "Draft: 360 evaluation 2025</b>, deadline 09.01.2026" in preview
    assert "Evaluated: 4. Not evaluated: 0." in preview
    assert "Ахметов Ерлан Болатұлы (U1): Айгерім С. — manager, Дана О. — subordinate" in preview
    await hr.press("Start the round")
    assert hr.last.text.startswith(
        "The round has started. Respondents being notified: 6; not in the bot yet: 0"
    )
    assert await _scalar(world, select(Campaign.status)) == "running"
    assert await _scalar(world, select(func.count()).select_from(OutboxMessage)) == 6
    actions = await _scalar(
        world, select(func.count()).where(AuditEntry.action.in_(["round.create", "round.start"]))
    )
    assert actions == 2


async def test_bad_input_at_every_step_changes_nothing(world: World) -> None:
    hr = await _hr(world)
    await hr.say("/newround")
    question = hr.last.text
    assert question == "<b>New 360 round</b>\n\nWhich year is evaluated?"
    assert [t for t, _ in hr.last.buttons()] == ["2024", "2025", "2026", "✖ Cancel"]
    await hr.say("next year")  # nothing to type here: the question is asked again
    assert hr.last.text == question
    await hr.press("2025")
    await hr.say("31.02.2026")  # a date is chosen in the calendar, not typed
    assert hr.last.text.startswith("Year 2025. Choose the deadline")
    assert hr.calendar_cell(date(2025, 12, 6))[0] == "·"  # a Saturday
    text, alert = await hr.choose_day(date(2025, 12, 6))
    assert (
        alert and text == "06.12.2025 is a day off. Choose a working day: the days shown with their number."
    )
    await hr.choose_day(date(2026, 1, 9))
    await hr.say("everyone please")  # buttons expected here
    assert hr.last.text == "Who is evaluated?"
    await hr.press("◀ Back")  # back to the calendar, and forward again
    assert hr.last.text.startswith("Year 2025. Choose the deadline")
    await hr.choose_day(date(2026, 1, 9))
    await hr.press("Chosen people")
    await hr.say("E1, NOBODY")
    assert "Nobody with these employee ids: NOBODY" in [m.text for m in hr.chat[-2:]]
    assert "Chosen (1): Дана О." in hr.last.text  # E1 is chosen, nothing is created yet
    await hr.say("/cancel")
    assert hr.last.text == "Stopped. A draft already created stays among the rounds (/rounds)."
    assert await _scalar(world, select(func.count()).select_from(Campaign)) == 0
    await hr.say("/newround")
    await hr.press("✖ Cancel")
    assert hr.last.text == "Stopped. A draft already created stays among the rounds (/rounds)."


async def test_the_deadline_must_keep_clause_4(world: World) -> None:
    """Clause 4: the 360 evaluation of a year is done by the 10th of the month after it. Today is
    1 December 2025; the calendar offers no other day, and says why, in HR's language."""
    hr = await _hr(world)
    await hr.say("/newround")
    await hr.press("2025")
    assert hr.last.text == (
        "Year 2025. Choose the deadline: a working day from 01.12.2025 to 10.01.2026 (clause 4: the 360 "
        "evaluation of 2025 is done by 10.01.2026)."
    )
    texts = [t for t, _ in hr.last_with_buttons().buttons()]
    assert [t for t in texts if t.startswith("◀ ")] == ["◀ Back"]  # no month before today's
    await hr.choose_day(date(2026, 1, 1))  # January is offered: paged to
    assert hr.calendar_cell(date(2026, 1, 9))[0] == "9"
    assert hr.calendar_cell(date(2026, 1, 12))[0] == " "  # after clause 4's last day: nothing
    assert not any(t.endswith(" ▶") for t, _ in hr.last_with_buttons().buttons())  # no February
    await hr.say("/cancel")

    # The next year: not before it begins.
    await hr.say("/newround")
    await hr.press("2026")
    assert hr.last.text.startswith("Year 2026. Choose the deadline: a working day from 01.01.2026 to")
    assert "🗓 January 2026" in [t for t, _ in hr.last_with_buttons().buttons()]
    await hr.say("/cancel")

    # A year whose 360 evaluation was due already: the wizard says so and stays at the year.
    await hr.say("/newround")
    await hr.press("2024")
    assert hr.last.text == (
        "⚠ The 360 evaluation of 2024 had to be done by 10.01.2025 (clause 4), and that day has passed: no "
        "round can be created for 2024. /newround to choose another year.\n\n"
        "<b>New 360 round</b>\n\nWhich year is evaluated?"
    )
    assert await _scalar(world, select(func.count()).select_from(Campaign)) == 0

    # The same rule in Kazakh and in Russian.
    for account, locale, expected in (
        (5002, "kk", "2025 жылғы 360 бағалау 10.01.2026 дейін жүргізіледі"),
        (5003, "ru", "оценка 360 за 2025 год проводится не позднее 10.01.2026"),
    ):
        async with world.runtime.sessionmaker() as session, session.begin():
            await grant_role(session, COMMAND_LINE, account, Role.HR, world.runtime.clock.now())
        officer = world.person(account, "Officer", locale)
        await officer.say("/newround")
        await officer.press("2025")
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
    await hr.say("Сері")  # part of a name: the matches come back as buttons
    await hr.press("Серікова Айгерім")
    assert hr.last.text.startswith("Respondents of Серікова Айгерім Нұрланқызы (D1): type part of a name")
    assert "choose at least 3 and at most 7 people" in hr.last.text
    await hr.say("U1 U2")
    await hr.press("✔ Done")
    assert hr.last.text.startswith("⚠ 2 respondents: the methodology asks for 3 to 7.\n\n")
    await hr.say("D1")
    await hr.press("✔ Done (3)")
    assert hr.last.text.split("\n\n")[0].splitlines() == [
        "⚠ A person cannot be their own respondent: the self-assessment is automatic.",
        "2 respondents: the methodology asks for 3 to 7.",  # every problem at once
    ]
    await hr.press("✅ Серікова")  # unchosen again
    await hr.say("E1")
    await hr.press("✔ Done (3)")
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
    # Clause 4: the 360 evaluation of 2025 is done by 10.01.2026; later than the current deadline.
    assert hr.last.text == (
        "The deadline is 22.12.2025. Choose the new deadline: a working day from 23.12.2025 to 10.01.2026."
    )
    assert hr.calendar_cell(date(2025, 12, 19))[0] == " "  # earlier than the current deadline
    assert hr.calendar_cell(date(2025, 12, 23))[0] == "23"
    text, alert = await hr.choose_day(date(2026, 1, 10))  # a Saturday
    assert alert and text is not None and text.startswith("10.01.2026 is a day off.")
    assert not any(t.endswith(" ▶") for t, _ in hr.last_with_buttons().buttons())  # nothing after January
    await hr.choose_day(date(2026, 1, 9))
    assert hr.last.text.startswith("The deadline is now 09.01.2026.")
    assert await _scalar(world, select(Campaign.deadline)) == date(2026, 1, 9)
    assert await _scalar(world, select(func.count()).where(AuditEntry.action == "round.extend")) == 1
