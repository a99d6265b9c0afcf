"""A respondent walks through questionnaires; every bad input is refused and changes nothing."""

from __future__ import annotations

import asyncio
from datetime import date

from aiogram.methods import EditMessageText
from sqlalchemy import func, select

from bot.infra.callbacks import Action, AnswerCb, NavCb
from bot.survey360 import rounds as campaigns
from storage.models import AnswerTally, Assignment, Ballot, DraftAnswer
from storage.survey360.ballots import keys_of
from tests.conversation.conftest import World
from tests.conversation.harness import Person

JOHN = 1005  # E2, English; answers about U1 (36 statements), E1, E3 (24 each) and themself


async def _drafts(world: World) -> list[tuple[int, int, int]]:
    """The drafts as stored, opened with the bot's secret (a reader without it sees ciphertext)."""
    async with world.runtime.sessionmaker() as session:
        rows = await session.execute(
            select(DraftAnswer.assignment_id, DraftAnswer.statement_no, DraftAnswer.sealed).order_by(
                DraftAnswer.assignment_id, DraftAnswer.statement_no
            )
        )
        keys = keys_of(session)
        return [(a, no, keys.open_draft(a, no, sealed)) for a, no, sealed in rows.all()]


def _chosen(person: Person) -> str:
    """The answer button marked as chosen on the screen."""
    return next(text for text, _ in person.last.buttons() if text.startswith("✅"))


async def _start(world: World) -> Person:
    await world.setup_staff()
    world.campaign_id = await world.running_round(["E1", "E2", "E3", "U1"])
    john = world.person(JOHN, "John", "en")
    await john.say("/start")
    return john


async def test_task_list_shows_every_open_questionnaire(world: World) -> None:
    john = await _start(world)
    assert "You have 4 questionnaires to fill by 10.01.2026." in john.last.text
    assert [text for text, _ in john.last.buttons()] == [
        "About Ерлан А. · 0/36",
        "About Асқар Н. · 0/24",
        "About Дана О. · 0/24",
        "Self-assessment · 0/24",
    ]


async def test_walk_through_review_change_and_submit(world: World) -> None:
    john = await _start(world)
    await john.press("About Дана")
    screen = john.last
    assert "About Дана О., Бас сарапшы" in screen.text and "Statement 1 of 24" in screen.text
    assert "1. Building effective communications" in screen.text
    # The first statement has nothing before it: no Back (issue 19: it only said "This is the
    # first statement."); the second has one.
    assert [[b.text for b in row] for row in screen.markup.inline_keyboard][1:] == [["⏸ Pause", "📋 Review"]]
    for statement in range(1, 25):
        if statement == 2:
            assert "◀ Back" in [text for text, _ in john.last.buttons()]
        assert f"Statement {statement} of 24" in john.last.text
        await john.press(str(statement % 5 + 1))
    assert john.last.message_id == screen.message_id  # one message, edited in place
    assert "Answered 24 of 24." in john.last.text
    assert "Nothing counts until you press Submit" in john.last.text

    await john.press("Change an answer")
    await john.press("5. ")
    assert "Statement 5 of 24" in john.last.text and _chosen(john) == "✅ 1"
    await john.press("4")
    assert "Answered 24 of 24." in john.last.text  # straight back to the review

    async with world.runtime.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(AnswerTally)) == 0  # nothing counts yet
    await john.press("Submit")
    assert "cannot be changed" in john.last.text
    await john.press("Yes, submit")
    assert "Thank you! Your answers about Дана О. are submitted" in john.last.text
    assert "3 more questionnaires are waiting for you." in john.last.text

    async with world.runtime.sessionmaker() as session:
        # Submitted, but nothing is tallied while the round runs: one sealed ballot.
        assert await session.scalar(select(func.count()).select_from(AnswerTally)) == 0
        assert await session.scalar(select(func.count()).select_from(Ballot)) == 1
    async with world.runtime.sessionmaker() as session, session.begin():
        await campaigns.close(session, world.campaign_id, world.runtime.clock.now())
    async with world.runtime.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Ballot)) == 0
        tallies = dict(
            ((no, score), count)
            for no, score, count in (
                await session.execute(select(AnswerTally.statement_no, AnswerTally.score, AnswerTally.count))
            ).all()
        )
    expected = {(s, s % 5 + 1): 1 for s in range(1, 25)}
    expected.pop((5, 1))
    expected[(5, 4)] = 1
    assert tallies == expected
    assert await _drafts(world) == []


async def test_back_pause_resume_and_restart(world: World) -> None:
    john = await _start(world)
    await john.press("Self-assessment")
    assert "How often do you show this?" in john.last.text
    for score in (5, 4, 3):
        await john.press(str(score))
    await john.press("Back")
    assert "Statement 3 of 24" in john.last.text and _chosen(john) == "✅ 3"
    await john.press("Pause")
    assert "Paused: 3 of 24 answered." in john.last.text
    await john.press("Continue")
    assert "Statement 3 of 24" in john.last.text

    world = world.restart()  # the bot process restarts; the chat goes on
    john = world.person(JOHN, "John", "en")
    await john.say("/start")
    assert "Self-assessment · 3/24" in [text for text, _ in john.last.buttons()]
    await john.press("Self-assessment")
    assert "Statement 4 of 24" in john.last.text  # the first unanswered statement


async def test_double_tap_stale_and_forged_buttons_change_nothing(world: World) -> None:
    john = await _start(world)
    await john.press("About Дана")
    questionnaire = john.last
    first_tap = next(data for text, data in questionnaire.buttons() if text == "4")
    await john.press_data(first_tap)
    drafts = await _drafts(world)
    assert [d[1:] for d in drafts] == [(1, 4)]

    # Double tap: the same button again, now that statement 2 is on screen.
    assert await john.press_data(first_tap) == (
        "Already recorded. Answer the statement now on the screen.",
        False,
    )
    # A forged score.
    assignment = AnswerCb.unpack(first_tap).assignment
    bad = AnswerCb(assignment=assignment, statement=2, score=9).pack()
    assert await john.press_data(bad) == ("Please choose one of the five answers.", False)
    # The same questionnaire opened from a newer message makes the old one stale.
    await john.say("/start")
    await john.press("About Дана")
    stale = AnswerCb(assignment=assignment, statement=2, score=5).pack()
    assert (await john.press_data(stale, questionnaire))[
        0
    ] == "This message is out of date. Use the latest one, or press /start."
    # Someone else's questionnaire.
    stranger_in_round = world.person(1007, "Igor", "en")  # E4 answers nothing in this round
    await stranger_in_round.say("/start")
    not_yours = world.runtime.i18n.gettext(
        "This questionnaire is not yours.", locale="ru"
    )  # E4 reads Russian
    assert not_yours != "This questionnaire is not yours."
    assert (await stranger_in_round.press_data(stale, questionnaire))[0] == not_yours
    # Garbage callback data.
    assert (await john.press_data("x:1:2:3"))[0] == "This button no longer works. Press /start."
    assert await _drafts(world) == drafts


async def test_text_and_empty_messages_get_a_clear_reply(world: World) -> None:
    john = await _start(world)
    await john.press("About Дана")
    before = await _drafts(world)
    await john.say("5")
    assert "I did not understand that" in john.last.text
    await john.send_sticker_like()
    assert "I did not understand that" in john.last.text
    assert await _drafts(world) == before


async def test_submit_needs_every_answer_and_a_closed_round_refuses(world: World) -> None:
    john = await _start(world)
    await john.press("About Дана")
    await john.press("4")
    await john.press("Review")
    assert "Some statements are still unanswered." in john.last.text
    assignment = NavCb.unpack(john.last.buttons()[0][1]).assignment
    submit = NavCb(assignment=assignment, action=Action.CONFIRM).pack()
    assert (await john.press_data(submit))[0] == "Some statements are still unanswered."

    async with world.runtime.sessionmaker() as session, session.begin():
        await campaigns.close(session, world.campaign_id, world.runtime.clock.now())
    assert (await john.press("Continue"))[0] == "This round is closed."
    async with world.runtime.sessionmaker() as session:
        assert await session.scalar(select(func.count()).where(Assignment.submitted.is_(True))) == 0


async def test_kazakh_is_the_default_for_kazakh_staff(world: World) -> None:
    await world.setup_staff()
    await world.running_round(["E1", "E2", "E3", "U1"])
    dana = world.person(1004, "Dana", "ru")  # E1: her staff record says kk, which wins over Telegram's
    await dana.say("/start")
    assert "Сәлеметсіз" in dana.last.text or "сауалнама" in dana.last.text
    assert date(2026, 1, 10).strftime("%d.%m.%Y") in dana.last.text


async def test_an_answer_is_stored_before_the_next_statement_is_shown(world: World) -> None:
    john = await _start(world)
    await john.press("About Дана")
    seen_when_shown: list[list[tuple[int, int, int]]] = []

    async def look_at_the_database(method: object) -> None:
        if isinstance(method, EditMessageText):
            seen_when_shown.append(await _drafts(world))  # another connection, committed data only

    world.telegram.before_call = look_at_the_database
    await john.press("4")
    assert "Statement 2 of 24" in john.last.text
    assert [[d[1:] for d in drafts] for drafts in seen_when_shown] == [[(1, 4)]]


async def test_simultaneous_double_tap_records_one_answer(world: World) -> None:
    john = await _start(world)
    await john.press("About Дана")
    buttons = dict(john.last.buttons())
    four = next(data for text, data in buttons.items() if text == "4")
    two = next(data for text, data in buttons.items() if text == "2")
    await asyncio.gather(john.press_data(four), john.press_data(two))
    drafts = await _drafts(world)
    assert len(drafts) == 1 and drafts[0][1] == 1 and drafts[0][2] in (2, 4)
    assert "Already recorded. Answer the statement now on the screen." in [
        text for text, _ in world.telegram.alerts
    ]
    assert "Statement 2 of 24" in john.last.text


async def test_buttons_under_messages_too_old_to_edit(world: World) -> None:
    john = await _start(world)
    opener = john.last.buttons()[0][1]
    stale = "This message is out of date. Use the latest one, or press /start."
    assert (await john.press_on_old_message(opener))[0] == stale
    assert (await john.press_on_old_message(AnswerCb(assignment=1, statement=1, score=3).pack()))[0] == stale
    assert (await john.press_on_old_message("t"))[0] == stale
    assert await _drafts(world) == []


async def test_an_unexpected_error_gets_an_apology_in_the_persons_language(world: World) -> None:
    john = await _start(world)

    async def fail(method: object) -> None:
        if isinstance(method, EditMessageText):
            world.telegram.before_call = None
            raise RuntimeError("Telegram had a bad day")

    world.telegram.before_call = fail
    alert = await john.press("About Дана")
    assert alert == ("Sorry, something went wrong. Please try again in a minute.", True)


async def test_continue_from_review_goes_to_the_first_unanswered_statement(world: World) -> None:
    """Issue 19, finding 1: "Review" part-way, then "Continue", "Pause" → "Continue" and
    "Change an answer" → answer → "Continue" each lead on to the first statement not yet
    answered, never back to the review the person was trying to leave."""
    john = await _start(world)
    await john.press("Self-assessment")
    for score in (5, 4, 3):
        await john.press(str(score))
    await john.press("Review")
    assert "Answered 3 of 24." in john.last.text and "Some statements are still unanswered." in john.last.text
    edits = john.last.edits
    await john.press("Continue")
    assert "Statement 4 of 24" in john.last.text and john.last.edits == edits + 1

    await john.press("Review")
    await john.press("Pause")
    await john.press("Continue")
    assert "Statement 4 of 24" in john.last.text

    await john.press("Review")
    await john.press("Change an answer")
    await john.press("2. ")
    await john.press("1")
    assert "Answered 3 of 24." in john.last.text  # a changed answer returns to the review...
    await john.press("Continue")
    assert "Statement 4 of 24" in john.last.text  # ...and Continue leads on from there
    for _statement in range(4, 25):
        await john.press("2")
    assert "Answered 24 of 24." in john.last.text

    # With nothing left to answer, Continue (from the pause) shows the review and says why.
    await john.press("Pause")
    alert = await john.press("Continue")
    assert alert == ("Every statement is answered: check your answers and press Submit.", False)
    assert "Nothing counts until you press Submit" in john.last.text
    # Pressed on the review itself (an older copy of its keyboard), it says so instead of a
    # silent no-op edit.
    resume = NavCb(assignment=NavCb.unpack(john.last.buttons()[0][1]).assignment, action=Action.RESUME)
    assert (await john.press_data(resume.pack()))[0] == (
        "Every statement is answered: check your answers and press Submit."
    )
