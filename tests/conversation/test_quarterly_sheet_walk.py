"""Issue 19, finding 12, walked as the manager and the evaluated person walked it: the sheet's
1-5 buttons are explained on the screen, the result keeps a mark that it was read and when,
and an application for a calibration session is shown back before it is sent (the preview
and its buttons are walked in test_appeals.py)."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Appeal
from tests.conversation.conftest import World
from tests.conversation.test_appeals import _deliver
from tests.conversation.test_quarterly import _in_english, _quarter, _score_person
from tests.factories import TELEGRAM_IDS

ERLAN, DANA, JOHN = (TELEGRAM_IDS[p] for p in ("U1", "E1", "E2"))


async def test_the_scores_are_explained_and_reading_leaves_a_mark(world: World) -> None:
    await _quarter(world)  # Monday 01.12.2025, 11:00 in Astana
    manager = await _in_english(world.person(ERLAN, "Ерлан", "en"))
    await manager.say("/start")
    await manager.press("John")
    assert "Parameter 1 of 4" in manager.last.text
    # The grade each score stands for (clause 7), highest first, under the question; 5 and 4
    # fall in one band (4 to 5) and say so once.
    assert manager.last.text.endswith(
        "Your score from 1 to 5:\n"
        "5, 4 — Performs functional duties effectively\n"
        "3 — Performs functional duties properly\n"
        "2 — Performs functional duties satisfactorily\n"
        "1 — Performs functional duties unsatisfactorily"
    )

    # In Kazakh, the methodology's own words.
    kazakh = world.person(ERLAN, "Ерлан", "kk")
    await kazakh.say("/language")
    await kazakh.press("Қазақша")
    await kazakh.say("/start")
    await kazakh.press("John")
    assert "3 — Функционалдық міндеттерін тиісті түрде атқарады" in kazakh.last.text
    await _in_english(manager)

    await _score_person(manager, "John", [3, 3, 3, 3], "Орташа.")
    await _deliver(world)
    john = world.person(JOHN, "John", "en")
    result = john.last_with_buttons()
    answer, _ = await john.press("I have read it", result)
    assert answer == "Thank you: noted that you have read the result."
    assert result.text.endswith("(clause 20).\n✅ Read on 01.12.2025 at 11:00.")
    # Issue 19: "mean of 1 quarter(s)"; counted as the Kazakh and Russian screens count.
    assert "The year 2025 so far (mean of the quarters evaluated: 1): 3.00 — " in result.text
    assert result.text.count("Read on") == 1
    assert [text for text, _ in result.buttons()] == ["📄 The sheet as PDF", "⚖️ I disagree"]

    # He starts an application, reads it back and drops it: nothing is filed.
    await john.press("I disagree", result)
    await john.say("Келіспеймін.")
    assert "Send it to the authorised person?" in john.last.text
    await john.press("Cancel")
    assert john.last.text == "The application was not sent." and john.last.buttons() == []
    async with world.runtime.sessionmaker() as session:
        assert (await session.execute(select(Appeal.id))).all() == []
