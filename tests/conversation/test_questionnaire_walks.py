"""Issue 19: the respondent's questionnaire walked as people walked it, each screen asserted whole.

Finding 9: the competency's name on the questionnaire is the report's, the paper form's wording
linked. Finding 11: "Next" after "Back", a readable "Change an answer", short answer buttons
with the scale's meaning in the text. Finding 1 (fixed before): "Continue" from the review
leads on to the next unanswered statement, and answering it goes on from there."""

from __future__ import annotations

from bot.infra.callbacks import Action, NavCb
from tests.conversation.conftest import World
from tests.conversation.harness import Person
from tests.conversation.test_questionnaire import JOHN, _drafts

DANA = 1004  # E1: her staff record says Kazakh
OLGA = 1003  # U2, a head: Russian

LEGEND_EN = [
    "How often do you show this?",
    "1 — competency is not shown",
    "2 — competency is rarely shown",
    "3 — competency is shown in half of the cases",
    "4 — competency is shown in most cases",
    "5 — competency is always shown",
]


def keyboard(person: Person) -> list[list[str]]:
    return [[button.text for button in row] for row in person.last.markup.inline_keyboard]


async def _john_in_self_assessment(world: World) -> Person:
    await world.setup_staff()
    world.campaign_id = await world.running_round(["E1", "E2", "E3", "U1"])
    john = world.person(JOHN, "John", "en")
    await john.say("/start")
    await john.press("Self-assessment")
    return john


async def test_the_competency_is_named_as_in_the_report_with_the_forms_wording_linked(world: World) -> None:
    """Finding 9: statement 10 of a colleague's questionnaire opens competency 4, which the
    questionnaire form (appendix 6) heads «Нәтижеге бейімделу» and the report, like the result
    form (appendix 8) and clause 34 of seed 002, calls «Нәтижеге бағдарлану»."""
    await world.setup_staff()
    await world.running_round(["E1", "E2", "E3", "U1"])
    dana = world.person(DANA, "Dana", "ru")
    await dana.say("/start")
    await dana.press("John S. туралы")
    for _statement in range(1, 10):
        await dana.press("4")
    assert dana.last.text == "\n".join(
        [
            "<b>John S., Chief expert туралы</b>",
            "Тұжырым 10 / 24  ▰▰▰▱▱▱▱▱▱▱",
            "",
            "<b>4. Нәтижеге бағдарлану</b>",
            "(6-қосымшадағы бағалау парағында: «Нәтижеге бейімделу»)",
            "<i>Күрделі мақсаттар қойып, оларға қол жеткізеді</i>",
            "",
            "Бұл әріптесіңізде қаншалықты жиі көрінеді?",
            "1 — құзырет көрінбейді",
            "2 — құзырет сирек көрінеді",
            "3 — құзырет жағдайлардың жартысында көрінеді",
            "4 — құзырет көп жағдайда көрінеді",
            "5 — құзырет әрқашан көрінеді",
        ]
    )
    assert keyboard(dana) == [["1", "2", "3", "4", "5"], ["◀ Артқа"], ["⏸ Үзіліс", "📋 Тексеру"]]


async def test_next_after_back_keeps_the_answer(world: World) -> None:
    """Finding 11: after "Back" the answer given is shown and "Next ▶" goes on without pressing
    it again; a second tap of that "Next", arriving when the next statement is on screen, skips
    nothing."""
    john = await _john_in_self_assessment(world)
    for score in (5, 4, 3):
        await john.press(str(score))
    await john.press("Back")
    assert john.last.text == "\n".join(
        [
            "<b>Self-assessment</b>",
            "Statement 3 of 24  ▰▱▱▱▱▱▱▱▱▱",
            "",
            "<b>1. Building effective communications</b>",
            "<i>Builds effective work of the group/team with stakeholders</i>",
            "",
            *LEGEND_EN,
        ]
    )
    assert keyboard(john) == [["1", "2", "✅ 3", "4", "5"], ["◀ Back", "Next ▶"], ["⏸ Pause", "📋 Review"]]
    on_statement_3 = john.last.buttons()
    next_data = dict(on_statement_3)["Next ▶"]
    await john.press("Next")
    assert john.last.text.startswith("<b>Self-assessment</b>\nStatement 4 of 24  ▰▱▱▱▱▱▱▱▱▱\n\n")
    assert "<b>2. Adherence to ethical norms and rules</b>" in john.last.text
    assert keyboard(john) == [["1", "2", "3", "4", "5"], ["◀ Back"], ["⏸ Pause", "📋 Review"]]
    assert await john.press_data(next_data) == (
        "Already recorded. Answer the statement now on the screen.",
        False,
    )
    assignment = NavCb.unpack(next_data).assignment
    forged = NavCb(assignment=assignment, action=Action.NEXT, statement=4).pack()
    assert await john.press_data(forged) == ("Choose an answer first.", False)
    assert "Statement 4 of 24" in john.last.text
    assert [d[1:] for d in await _drafts(world)] == [(1, 5), (2, 4), (3, 3)]
    await john.press("2")
    assert "Statement 5 of 24" in john.last.text


async def test_change_an_answer_lists_statements_by_competency(world: World) -> None:
    """Finding 11: "Change an answer" was a grid of 24-36 buttons "8: 3". It is a list of pages,
    whole competencies to a page, each statement written out and a button naming it."""
    john = await _john_in_self_assessment(world)
    for statement in range(1, 25):
        await john.press(str(statement % 5 + 1))
    await john.press("Change an answer")
    assert john.last.text == "\n".join(
        [
            "<b>Self-assessment</b>",
            "Answered 24 of 24.",
            "Change an answer: page 1 of 3.",
            "",
            "<b>1. Building effective communications</b>",
            "1. Is able to coordinate their work with colleagues, is open to communication, shows "
            "readiness for business cooperation and helps colleagues when needed — <b>2</b>",
            "2. Is able to resolve conflicts to the benefit of the common cause, conveying their own "
            "point of view with arguments and taking colleagues&#x27; opinions into account — <b>3</b>",
            "3. Builds effective work of the group/team with stakeholders — <b>4</b>",
            "",
            "<b>2. Adherence to ethical norms and rules</b>",
            "4. Strictly follows the rules of ethical conduct in all situations in accordance with the "
            "Code of Ethics — <b>5</b>",
            "5. Adheres to the principles of decency, sincerity, goodwill and respect for colleagues and "
            "stakeholders — <b>1</b>",
            "6. Keeps self-control in a stressful situation, looks for and finds a solution — <b>2</b>",
            "",
            "<b>3. Change management</b>",
            "7. Has a positive attitude to changes in the organisation — <b>3</b>",
            "8. Adapts the tactics of their actions to the changed situation, analyses the causes of "
            "failure and changes approaches or strategy — <b>4</b>",
            "9. Supports and encourages the initiatives of staff — <b>5</b>",
            "",
            "Press the statement whose answer you want to change.",
        ]
    )
    assert keyboard(john) == [
        ["1. Is able to coordinate their… — 2"],
        ["2. Is able to resolve conflicts… — 3"],
        ["3. Builds effective work of the… — 4"],
        ["4. Strictly follows the rules… — 5"],
        ["5. Adheres to the principles of… — 1"],
        ["6. Keeps self-control in a… — 2"],
        ["7. Has a positive attitude to… — 3"],
        ["8. Adapts the tactics of their… — 4"],
        ["9. Supports and encourages the… — 5"],
        ["Page 2 ▶"],
        ["◀ Back to review"],
    ]
    await john.press("Page 2")
    assert "Change an answer: page 2 of 3." in john.last.text
    assert keyboard(john)[-2:] == [["◀ Page 1", "Page 3 ▶"], ["◀ Back to review"]]
    await john.press("Page 3")
    assert (
        "Change an answer: page 3 of 3." in john.last.text and "<b>8. Self-development</b>" in john.last.text
    )
    assert keyboard(john)[-2:] == [["◀ Page 2"], ["◀ Back to review"]]
    assert all(len(row) <= 8 for row in john.last.markup.inline_keyboard)
    assert all(len(data.encode()) <= 64 for _text, data in john.last.buttons())
    await john.press("◀ Page 2")
    await john.press("10. ")
    assert "Statement 10 of 24" in john.last.text and "✅ 1" in keyboard(john)[0]
    await john.press("4")
    assert (
        "Answered 24 of 24." in john.last.text
        and "4. Results orientation: <b>4 · 2 · 3</b>" in john.last.text
    )
    assert (10, 4) in [d[1:] for d in await _drafts(world)]


async def test_the_scale_is_explained_in_russian_too(world: World) -> None:
    await world.setup_staff()
    await world.running_round(["U2"])
    olga = world.person(OLGA, "Olga", "ru")
    await olga.say("/start")
    await olga.press("Самооценка")
    lines = olga.last.text.splitlines()
    assert lines[lines.index("Как часто Вы это проявляете?") + 1 :] == [
        "1 — компетенция не проявляется",
        "2 — компетенция проявляется редко",
        "3 — компетенция проявляется в половине случаев",
        "4 — компетенция проявляется в большинстве случаев",
        "5 — компетенция проявляется всегда",
    ]
    # The first statement: no "Back", nothing comes before it.
    assert keyboard(olga) == [["1", "2", "3", "4", "5"], ["⏸ Пауза", "📋 Проверка"]]
    await olga.press("3")
    await olga.press("Назад")
    assert keyboard(olga)[:2] == [["1", "2", "✅ 3", "4", "5"], ["Далее ▶"]]  # back on the first one


async def test_continue_from_the_review_then_answer_goes_on(world: World) -> None:
    """Finding 1 stays fixed: Review part-way → Continue → the answer to the statement shown is
    saved and the next one follows."""
    john = await _john_in_self_assessment(world)
    for score in (5, 4):
        await john.press(str(score))
    await john.press("Review")
    await john.press("Continue")
    assert john.last.text.startswith("<b>Self-assessment</b>\nStatement 3 of 24")
    assert keyboard(john) == [["1", "2", "3", "4", "5"], ["◀ Back"], ["⏸ Pause", "📋 Review"]]
    await john.press("3")
    assert john.last.text.startswith("<b>Self-assessment</b>\nStatement 4 of 24")
    assert [d[1:] for d in await _drafts(world)] == [(1, 5), (2, 4), (3, 3)]
    await john.press("1")
    assert john.last.text.startswith("<b>Self-assessment</b>\nStatement 5 of 24")
