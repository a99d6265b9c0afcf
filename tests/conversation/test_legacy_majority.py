"""The 2018 method's commission votes in Telegram without a majority on one result (004 clause
33), through the real dispatcher: of the five members present, two revise E1's result to
«excellent», one approves it, one revises it to «satisfactory» and one to «unsatisfactory».
"Revise to «excellent»" has 2 of 5 votes: nothing is decided on E1. HR closes the sitting and is
told so; E1's result stays undecided for a further sitting, while E2's (approved by all five)
is decided and goes into the protocol alone.

The department and round of tests/conversation/test_legacy.py: E1's and E2's sheets ready, the
commission of D1 (chair), U1, U2, E3, E4 with E5 as secretary; today is Monday 1 December 2025.
"""

from __future__ import annotations

import io

from pypdf import PdfReader

from bot.factory import create_delivery
from bot.kernel.access import Role
from bot.legacy2018 import commission as legacy_commission
from bot.legacy2018 import service as legacy
from bot.staff.access import COMMAND_LINE, grant_role
from storage.legacy2018 import LegacyRepo
from storage.survey360.campaigns import CampaignRepo
from tests.conversation.conftest import World
from tests.conversation.test_legacy import HR_HEAD_ACCOUNT, _ready_for_commission, _year
from tests.conversation.test_quarterly import _in_english
from tests.conversation.test_reminders import HR_ACCOUNT, _hr_account
from tests.factories import TELEGRAM_IDS


async def test_a_result_without_a_majority_stays_before_the_commission(world: World) -> None:
    sheets = await _year(world)
    await _ready_for_commission(world, sheets)
    async with world.runtime.sessionmaker() as session, session.begin():
        campaign = await CampaignRepo(session).get(world.campaign_id)
        assert campaign is not None
        assert not isinstance(await legacy_commission.open_sitting(session, campaign), legacy.Refusal)
    delivery = create_delivery(world.runtime, world.bot)
    await delivery.deliver_pending()
    members = [await _in_english(world.person(TELEGRAM_IDS[c])) for c in ("D1", "U1", "U2", "E3", "E4")]

    # E1 (4 of 5 KPIs: «effective»): revise→excellent, revise→excellent, approve,
    # revise→satisfactory, revise→unsatisfactory. E2: all five approve.
    for member, grade in zip(
        members, ("excellent", "excellent", None, "satisfactory", "unsatisfactory"), strict=True
    ):
        await member.say("/commission")
        await member.press("Дана")
        if grade is None:
            await member.press("Approve")
            assert "Your vote: approve." in member.last.text
        else:
            await member.press("Revise")
            await member.press(grade)
            assert "Your vote:" in member.last.text and f"«{grade}»" in member.last.text
        await member.say("/commission")
        await member.press("John")
        await member.press("Approve")

    await _hr_account(world)
    async with world.runtime.sessionmaker() as session, session.begin():
        for role in (Role.HR_HEAD, Role.HR):
            await grant_role(session, COMMAND_LINE, HR_HEAD_ACCOUNT, role, world.runtime.clock.now())
    hr = world.person(HR_ACCOUNT, "Gulnar", "en")
    await hr.say("/legacyrounds")
    await hr.press("Close the sitting")
    await hr.say("E1 бойынша көпшілік дауыс жоқ.")
    screen = hr.last.text
    assert screen.startswith(
        "⚠ No majority at this sitting on 1 result(s): neither approving nor any one corrected result had "
        "more than half of the members present (clause 33)."
    )
    assert "Sitting 1, 11.12.2025 10:00: closed. Present: 5 of 5." in screen and "decided: 1" in screen
    assert "Results (1) awaiting approval by the authorised person (clause 39)." in screen
    assert "📅 Set the sitting" in [text for text, _ in hr.last.buttons()]  # E1 needs a further sitting

    async with world.runtime.sessionmaker() as session:
        e1 = await LegacyRepo(session).sheet(sheets["E1"])
        e2 = await LegacyRepo(session).sheet(sheets["E2"])
    assert e1 is not None and e1.decision is None and e1.decided_in_sitting_id is None
    assert e2 is not None and e2.decision == "approve"

    # The chair's protocol holds E2's decision only; E1 is not decided there.
    await delivery.deliver_pending()
    _name, data = next(
        (n, d) for n, d in reversed(list(world.telegram.documents.values())) if n.startswith("protocol-")
    )
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert "Smith John" in text and "Омарова Дана" not in text
