"""Issue 19, finding 8: a result without a self-assessment says nothing of one, and the
self-assessment itself is never called anonymous."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.factory import create_delivery
from bot.survey360 import radar
from bot.survey360 import rounds as campaigns
from bot.survey360.radar import RadarSeries, render_radar
from storage.staff.employees import EmployeeRepo
from storage.survey360.answers import AnswerRepo
from storage.survey360.campaigns import CampaignRepo
from tests.conversation.conftest import World
from tests.factories import TELEGRAM_IDS

JOHN = TELEGRAM_IDS["E2"]  # English


async def _round_without_johns_self_assessment(world: World, john_answers_himself: bool) -> None:
    """Every questionnaire submitted, except (unless asked) John's self-assessment; then closed."""
    await world.setup_staff()
    campaign_id = await world.running_round(["E1", "E2", "E3", "U1"])
    async with world.runtime.sessionmaker() as session, session.begin():
        john = (await EmployeeRepo(session).by_external_ids(["E2"]))["E2"]
        answers = AnswerRepo(session)
        for assignment in await CampaignRepo(session).assignments(campaign_id):
            if (
                assignment.relation == "self"
                and assignment.respondent_id == john.id
                and not john_answers_himself
            ):
                continue
            task = await answers.task(assignment.id)
            assert task is not None
            questionnaire = world.runtime.profile.questionnaire(task.questionnaire)
            for statement in range(1, len(questionnaire.statements) + 1):
                await answers.save_draft(assignment.id, statement, 4)
            await answers.submit(assignment.id, questionnaire)
        await campaigns.close(session, campaign_id, world.runtime.clock.now())


@pytest.mark.parametrize("john_answers_himself", [False, True])
async def test_the_result_mentions_a_self_assessment_only_when_there_is_one(
    world: World, monkeypatch: pytest.MonkeyPatch, john_answers_himself: bool
) -> None:
    legends: list[list[str]] = []

    def spy(labels: Sequence[str], series: Sequence[RadarSeries], title: str, **kwargs: object) -> bytes:
        legends.append([s.label for s in series])
        return render_radar(labels, series, title, **kwargs)  # type: ignore[arg-type]

    # The report imports the chart's module when it first draws (the bot starts without matplotlib).
    monkeypatch.setattr(radar, "render_radar", spy)
    await _round_without_johns_self_assessment(world, john_answers_himself)
    await create_delivery(world.runtime, world.bot).deliver_pending()

    chat = world.telegram.chat(JOHN)
    result = next(m for m in chat if "Your 360 evaluation result" in m.text)
    charts = [m for m in chat if m.photo]
    assert len(charts) == 1  # the chart was sent
    # John is the only one reading English: the English legend is his chart's.
    english = [legend for legend in legends if legend[0] == "Colleagues' average"]
    if john_answers_himself:
        assert "your self-assessment in brackets" in result.text
        assert "(4.00)" in result.text
        assert english == [["Colleagues' average", "Self-assessment"]]
        assert charts[0].text == "Radar chart: colleagues' average and your self-assessment."
    else:
        assert "in brackets" not in result.text and "(4.00)" not in result.text
        assert "you did not submit a self-assessment" in result.text
        assert english == [["Colleagues' average"]]
        # The chart's caption, as its legend, names no self-assessment.
        assert charts[0].text == "Radar chart: colleagues' average."


async def test_submitting_a_self_assessment_does_not_call_it_anonymous(world: World) -> None:
    await world.setup_staff()
    await world.running_round(["E2"])
    john = world.person(JOHN, "John", "en")
    await john.say("/start")
    await john.press("Self-assessment")
    for _statement in range(24):
        await john.press("4")
    await john.press("Submit")
    assert "Submit your self-assessment? After that it cannot be changed." in john.last.text
    assert "anonym" not in john.last.text
    await john.press("Yes, submit")
    assert john.last.text.startswith("Thank you! Your self-assessment is submitted.")
    assert "anonym" not in john.last.text
