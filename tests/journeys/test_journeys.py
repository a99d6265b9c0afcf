"""Journeys as tests (issue 19): each role walked end to end through the real polling bot and the
Bot API stand-in, in Kazakh, Russian and English, every screen recorded in
``docs/screens/<journey>.<lang>.md`` and compared on every run. A screen that changes fails the
test until its transcript is regenerated (``make screens``) and the diff reviewed.

docs/screens/README.md maps issue 19's thirteen findings to the steps that walk them; the steps
assert what each finding was about, besides the transcript."""

from __future__ import annotations

from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from bot.infra.callbacks import Action, AnswerCb, NavCb
from tests.factories import TELEGRAM_IDS
from tests.journeys.conftest import running_bot
from tests.journeys.screens import LANGUAGES
from tests.journeys.walk import Person, Walk

pytestmark = [pytest.mark.e2e, pytest.mark.journey, pytest.mark.usefixtures("stopped_clock")]


each_language = pytest.mark.parametrize("language", LANGUAGES)


def _nav(walk: Walk, who: Person, action: Action) -> str:
    found = [d for d in walk.buttons(who, "n:") if NavCb.unpack(d).action is action]
    assert found, f"no {action.name} button:\n{walk.stand_in.describe_chat(who.chat)}"
    return found[0]


def _answers(walk: Walk, who: Person) -> list[AnswerCb]:
    return [AnswerCb.unpack(d) for d in walk.buttons(who, "a:")]


async def _answer(walk: Walk, who: Person, score: int) -> AnswerCb:
    """Presses ``score`` on the statement on screen; returns the answer given."""
    answer = next(a for a in _answers(walk, who) if a.score == score)
    await walk.press(who, answer.pack())
    return answer


@each_language
async def test_respondent(language: str, empty_database_url: str, tmp_path: Path, screens: SnapshotAssertion) -> None:
    """A colleague joins with their personal link, opens a colleague's questionnaire, reviews it
    part-way, pauses, continues (finding 1), answers everything and submits."""
    async with running_bot(empty_database_url, tmp_path, language) as bot:
        me = Person("Respondent (E3)", TELEGRAM_IDS["E3"])
        walk = Walk(bot.stand_in, "A respondent's 360 questionnaire", [me])
        invites = tmp_path / "invites.csv"
        await bot.cli("invites", "--output", str(invites))
        link = next(line for line in invites.read_text("utf-8-sig").splitlines() if line.startswith("E3,"))
        token = link.split("start=")[1].split(",")[0].strip()
        await walk.type(me, f"/start {token}", shown="/start <invite-token> (opens the personal link)")
        await bot.cli(
            "campaign-create", "--kind", "360", "--year", "2025", "--deadline", "2025-12-26",
            "--employees", "E2",
        )  # fmt: skip
        await bot.cli("campaign-start", "1")
        await walk.outside("HR starts a 360 round evaluating E2 (on the server: `campaign-start 1`)")
        await walk.type(me, "/start")
        opens = [d for d in walk.buttons(me, "n:") if NavCb.unpack(d).action is Action.OPEN]
        assert len(opens) == 1, walk.screen_text(me)
        await walk.press(me, opens[0])
        for score in (4, 5, 3):
            await _answer(walk, me, score)
        # Finding 1: Review part-way, then Continue goes on to the first unanswered statement.
        await walk.press(me, _nav(walk, me, Action.REVIEW))
        await walk.press(me, _nav(walk, me, Action.RESUME))
        assert _answers(walk, me)[0].statement == 4, walk.screen_text(me)
        await walk.press(me, _nav(walk, me, Action.PAUSE))
        await walk.press(me, _nav(walk, me, Action.RESUME))
        assert _answers(walk, me)[0].statement == 4, walk.screen_text(me)
        # Finding 11: after Back the answer given is kept and Next goes on.
        await walk.press(me, _nav(walk, me, Action.BACK))
        await walk.press(me, _nav(walk, me, Action.NEXT))
        assert _answers(walk, me)[0].statement == 4, walk.screen_text(me)
        while _answers(walk, me):
            await _answer(walk, me, 4)
        await walk.press(me, _nav(walk, me, Action.SUBMIT))
        await walk.press(me, _nav(walk, me, Action.CONFIRM))
        assert not walk.buttons(me, "a:")
    assert walk.markdown(
        "E3 answers the questionnaire about their colleague E2 (Smith John), in the language of "
        "their staff record and Telegram."
    ) == screens
