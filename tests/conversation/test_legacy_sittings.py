"""A further sitting of the 2018 method's commission set by HR in Telegram (/legacyrounds),
through the real dispatcher: the first sitting has no quorum; a word, a date too soon, a
non-HR user and a stale button change nothing; the second sitting is set, announced to the
evaluator, opened, voted on afresh and closed; each sitting has its own protocol.

The department and round of tests/conversation/test_legacy.py: E1's and E2's sheets ready, the
commission of D1 (chair), U1, U2, E3, E4 with E5 as secretary, sitting 1 on 11.12.2025 10:00;
today is Monday 1 December 2025.
"""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from bot.factory import create_delivery
from bot.infra.callbacks import LegacyRoundAction, LegacyRoundCb
from bot.kernel.access import Role
from bot.legacy2018 import commission as legacy_commission
from bot.legacy2018 import service as legacy
from bot.legacy2018.rules import Choice
from bot.staff.access import COMMAND_LINE, grant_role
from storage.dto import CampaignDTO
from storage.legacy2018 import LegacyRepo
from storage.staff.employees import EmployeeRepo
from storage.survey360.campaigns import CampaignRepo
from tests.conversation.conftest import World
from tests.conversation.test_legacy import HR_HEAD_ACCOUNT, _ready_for_commission, _year
from tests.conversation.test_legacy_start import _cell, _choose_day
from tests.conversation.test_quarterly import _in_english
from tests.conversation.test_reminders import HR_ACCOUNT, _hr_account
from tests.factories import TELEGRAM_IDS


async def _campaign(world: World) -> CampaignDTO:
    async with world.runtime.sessionmaker() as session:
        campaign = await CampaignRepo(session).get(world.campaign_id)
    assert campaign is not None
    return campaign


async def _sittings(world: World) -> list[tuple[int, str, str]]:
    """(number, status, local time) of each sitting, the first first."""
    async with world.runtime.sessionmaker() as session:
        commission = await LegacyRepo(session).commission(world.campaign_id)
    assert commission is not None
    return [
        (s.number, s.status, s.sitting_at.astimezone(world.runtime.settings.zone).strftime("%d.%m.%Y %H:%M"))
        for s in commission.sittings
    ]


async def _vote(world: World, codes: tuple[str, ...], sheet_ids: list[int]) -> None:
    """Members approve results at the sitting under way, through the service."""
    campaign = await _campaign(world)
    async with world.runtime.sessionmaker() as session, session.begin():
        staff = await EmployeeRepo(session).by_external_ids(list(codes))
        for code in codes:
            for sheet_id in sheet_ids:
                refused = await legacy_commission.vote(
                    session, campaign, staff[code], sheet_id, Choice.APPROVE, None, world.runtime.clock.now()
                )
                assert refused is None, (code, sheet_id, refused)


async def _no_quorum_at_the_first_sitting(world: World, sheets: dict[str, int]) -> None:
    campaign = await _campaign(world)
    runtime = world.runtime
    async with runtime.sessionmaker() as session, session.begin():
        assert not isinstance(await legacy_commission.open_sitting(session, campaign), legacy.Refusal)
    await _vote(world, ("D1", "U1", "U2"), [sheets["E1"]])  # 3 of 5: the quorum is 4
    async with runtime.sessionmaker() as session, session.begin():
        outcome = await legacy_commission.close_sitting(
            session,
            campaign,
            conclusion="Кворум жоқ.",
            now=runtime.clock.now(),
        )
    assert (outcome.quorate, outcome.decided) == (False, 0)


async def test_hr_sets_a_further_sitting_after_one_without_a_quorum(world: World) -> None:
    sheets = await _year(world)
    await _ready_for_commission(world, sheets)
    await _no_quorum_at_the_first_sitting(world, sheets)
    await _hr_account(world)
    async with world.runtime.sessionmaker() as session, session.begin():
        for role in (Role.HR_HEAD, Role.HR):
            await grant_role(session, COMMAND_LINE, HR_HEAD_ACCOUNT, role, world.runtime.clock.now())
    first = [(1, "no_quorum", "11.12.2025 10:00")]

    hr = world.person(HR_ACCOUNT, "Gulnar", "en")
    await hr.say("/legacyrounds")
    screen = hr.last.text
    assert (
        "Commission: 5 members.\nSitting 1, 11.12.2025 10:00: closed without a quorum. Present: 3 of 5."
        in screen
    )
    assert "decided: 0" in screen
    labels = [text for text, _ in hr.last.buttons()]
    assert "📅 Set the sitting" in labels and "📄 Protocol (PDF)" in labels

    # Someone who is not HR: the button and the date are not theirs.
    schedule = LegacyRoundCb(campaign=world.campaign_id, action=LegacyRoundAction.SCHEDULE).pack()
    stranger = world.person(TELEGRAM_IDS["E2"], "John", "en")
    text, _alert = await stranger.press_data(schedule, hr.last)
    assert text == "This button no longer works. Press /start."
    await stranger.say("12.12.2025 10:00")
    assert await _sittings(world) == first

    # HR: a day too soon (7 working days are needed) is not offered: a blank, a press on it does nothing.
    await hr.press("Set the sitting")
    assert "at least 7 working days ahead" in hr.last.text
    text, alert = await _choose_day(hr, date(2025, 12, 9), "December 2025")  # 6 working days ahead
    assert text is None and not alert
    assert _cell(hr, date(2025, 12, 9)) == " " and _cell(hr, date(2025, 12, 10)) == "10"
    await hr.say("/legacyrounds")  # a command leaves the wizard: nothing set
    assert await _sittings(world) == first

    await hr.press("Set the sitting")
    await _choose_day(hr, date(2025, 12, 12), "December 2025")
    assert hr.last.text == "The sitting on 12.12.2025: at what time?"
    hours = [t for t, _ in hr.last_with_buttons().buttons()]
    assert hours[0] == "09:00" and hours[9] == "18:00" and "19:00" not in hours  # working hours
    await hr.press_exact("10:00")
    assert "Sitting 2, 12.12.2025 10:00: sitting set." in hr.last.text
    assert await _sittings(world) == [*first, (2, "scheduled", "12.12.2025 10:00")]
    delivery = create_delivery(world.runtime, world.bot)
    await delivery.deliver_pending()
    evaluator = world.person(TELEGRAM_IDS["U1"], "Erlan")
    assert "12.12.2025 10:00" in evaluator.last.text  # the second sitting announced (clause 29)

    await hr.press("Open the sitting")
    assert "Sitting 2, 12.12.2025 10:00: sitting now." in hr.last.text
    # Stale buttons: setting a sitting while one is under way, opening the first again.
    text, alert = await hr.press_data(schedule)
    assert alert and text == "Not saved: a sitting is under way; close it before setting another."
    reopen = LegacyRoundCb(campaign=world.campaign_id, action=LegacyRoundAction.OPEN, sitting=1).pack()
    text, alert = await hr.press_data(reopen)
    assert alert and text == "This step is not open now; /legacyrounds shows where the year stands."
    assert [s[:2] for s in await _sittings(world)] == [(1, "no_quorum"), (2, "sitting")]

    # D1 voted at the first sitting, which decided nothing: in the bot, D1 votes afresh.
    await delivery.deliver_pending()
    chair = await _in_english(world.person(TELEGRAM_IDS["D1"]))
    await chair.say("/commission")
    await chair.press("Дана")
    await chair.press("Approve")
    assert "Your vote: approve." in chair.last.text
    await _vote(world, ("U1", "U2", "E3"), [sheets["E1"], sheets["E2"]])
    await _vote(world, ("D1",), [sheets["E2"]])

    await hr.press("Close the sitting")
    await hr.say("Нәтижелер бекітілсін.")
    screen = hr.last.text
    assert "Sitting 2, 12.12.2025 10:00: closed. Present: 4 of 5." in screen and "decided: 2" in screen
    labels = [text for text, _ in hr.last.buttons()]
    assert "📄 Protocol of sitting 1 (PDF)" in labels and "📄 Protocol of sitting 2 (PDF)" in labels
    assert "📅 Set the sitting" in labels  # the others' results are still to be decided

    head = world.person(HR_HEAD_ACCOUNT, "Saule", "en")
    await head.say("/legacyrounds")
    for number, expected, absent in (
        (2, "Омарова Дана Серікқызы", "No result was decided"),
        (1, "No result was decided at this sitting.", "Омарова Дана"),
    ):
        await head.press(f"Protocol of sitting {number}")
        name, data = world.telegram.documents[max(world.telegram.documents)]
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
        assert name == f"protocol-2025-{world.campaign_id}-sitting-{number}.pdf"
        assert expected in text and absent not in text
        assert f"Sitting {number}, 1{number}.12.2025 10:00" in text
