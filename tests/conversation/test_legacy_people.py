"""HR records a person's step of a 2018-method year in /legacyrounds, through the real
dispatcher: an absence (004 clause 4), a refusal to acquaint themselves with the result
(clauses 41-42) and an appeal to the civil service agency (clause 43), by the same service
functions as the command line. HR finds the person by part of a name and presses them, and
chooses the date in the calendar. An unknown person or a person not evaluated in the year is not
offered; an unreadable or future date typed, a result not decided yet, a stale or forged button,
a person who is not HR, /cancel and ✖ Cancel change nothing.

The clock: Monday 01.12.2025, 11:00 in Almaty; a 2025 round under kz-2018 (tests/conversation/
test_legacy.py), in which D1 (nobody above) and E5 (new in the post) are not evaluated.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.infra.callbacks import LegacyRoundAction, LegacyRoundCb
from bot.kernel.methodology import load_profile
from bot.kernel.workdays import KAZAKHSTAN
from bot.legacy2018 import service as legacy
from bot.legacy2018.rules import Choice
from bot.staff.access import COMMAND_LINE
from storage.legacy2018 import LegacyRepo
from storage.models import AuditEntry, LegacySheet
from storage.staff.employees import EmployeeRepo
from tests.conversation.conftest import FixedClock, World
from tests.conversation.harness import Person
from tests.conversation.test_legacy import _year
from tests.conversation.test_legacy_start import _choose_day, _days
from tests.conversation.test_reminders import HR_ACCOUNT, _hr_account
from tests.factories import TELEGRAM_IDS
from tests.legacy_support import approve_latest
from tests.storage.test_legacy_year import staff_with_categories

STALE = "This button no longer works. Press /start."


def _picked(person: Person) -> list[str]:
    """The people the picker offers on screen: "Name (staff id)" buttons."""
    return [t for t, _ in person.last_with_buttons().buttons() if t.endswith(")")]


async def _sheet(world: World, sheet_id: int) -> tuple[object, ...]:
    """What the three steps write on a sheet."""
    async with world.runtime.sessionmaker() as session:
        row = await session.get(LegacySheet, sheet_id)
        assert row is not None
        return (row.absent_until, row.absence_due, row.refused_at, row.refusal_note, row.agency_appeal_on)


async def _audited(world: World) -> list[str]:
    async with world.runtime.sessionmaker() as session:
        steps = ("legacy.absent", "legacy.refusal", "legacy.agency_appeal")
        return sorted(await session.scalars(select(AuditEntry.action).where(AuditEntry.action.in_(steps))))


async def _decide(world: World, sheet_id: int, at: datetime) -> None:
    """The commission's decision on a sheet (its sitting is tests/conversation/test_legacy.py's)."""
    async with world.runtime.sessionmaker() as session, session.begin():
        repo = LegacyRepo(session)
        sheet = await repo.sheet(sheet_id)
        assert sheet is not None
        commission = await repo.commission(sheet.campaign_id)
        if commission is None:  # a one-member commission and its sitting, held at ``at``
            chair = sheet.approver_id or sheet.employee_id
            commission_id = await repo.name_commission(sheet.campaign_id, [chair], chair, None)
            assert commission_id is not None
            await repo.add_sitting(commission_id, at, at)
            commission = await repo.commission(sheet.campaign_id)
        assert commission is not None and commission.latest is not None
        assert await repo.record_decision(
            sheet_id, commission.latest.id, Choice.APPROVE.value, None, None, at
        )
        if commission.latest.status == "scheduled":
            assert await repo.open_sitting(commission.latest.id)
        if commission.latest.status != "closed":
            assert await repo.close_sitting(commission.latest.id, "closed", None, at)


async def _approve(world: World, sheet_id: int, at: datetime) -> None:
    """The authorised person approves the results of the sheet's sitting (004 clause 39) on the
    day of ``at``."""
    async with world.runtime.sessionmaker() as session, session.begin():
        sheet = await LegacyRepo(session).sheet(sheet_id)
        assert sheet is not None
        approved = await approve_latest(session, sheet.campaign_id, on=at.date(), now=at)
        assert approved.decided == 2


async def test_hr_records_an_absence_a_refusal_and_an_appeal(world: World) -> None:
    sheets = await _year(world)
    await _hr_account(world)
    hr = world.person(HR_ACCOUNT, "Gulnar", "en")
    nothing = (None, None, None, None, None)

    # Not HR: a forged button does nothing.
    stranger = world.person(TELEGRAM_IDS["E2"], "John", "en")
    await stranger.say("/start")
    forged = LegacyRoundCb(campaign=1, action=LegacyRoundAction.ABSENT).pack()
    text, _alert = await stranger.press_data(forged, stranger.last)
    assert text == STALE

    await hr.say("/legacyrounds")
    screen = hr.last
    assert "Absent (clause 4)" in str(screen.buttons())
    assert "Refusal to acquaint" not in str(screen.buttons())  # nothing is decided yet
    # A button of a round that does not exist: refused.
    text, alert = await hr.press_data(
        LegacyRoundCb(campaign=999, action=LegacyRoundAction.ABSENT).pack(), screen
    )
    assert alert and text == "This step is not open now; /legacyrounds shows where the year stands."

    # 1. Absent (clause 4): the person is found by part of a name among those evaluated.
    await hr.press("Absent", screen)
    assert hr.last.text.startswith("Who is absent during the evaluation")
    assert _picked(hr) == []
    await hr.say("Nobody Such")
    assert "Nobody matches “Nobody Such”" in hr.last.text and _picked(hr) == []
    await hr.say("D1")  # nobody above them: not evaluated, so not offered
    assert "Nobody matches “D1”" in hr.last.text and _picked(hr) == []
    await hr.say("Серікова")
    assert _picked(hr) == []
    await hr.say("ов")  # part of several names: each evaluated one is a button, E5 (new) is not
    assert _picked(hr) == [
        "Ахметов Ерлан Болатұлы (U1)",
        "Иванова Ольга Петровна (U2)",
        "Нұрланов Асқар Ерланұлы (E3)",
        "Омарова Дана Серікқызы (E1)",
        "Петров Игорь Сергеевич (E4)",
    ]
    await hr.say("Smith")
    await hr.press("Smith John (E2)")
    assert hr.last.text.startswith("Smith John (E2): choose the last day absent in the calendar")
    assert "🗓 December 2025" in [t for t, _ in hr.last_with_buttons().buttons()]  # today's month
    await hr.press("◀ Back")  # another person, then back to E2
    assert hr.last.text.startswith("Who is absent during the evaluation")
    await hr.say("E2")  # a staff id typed whole is taken at once
    for typed in ("after new year", "31.02.2025"):
        await hr.say(typed)
        assert hr.chat[-2].text == "Please type the date as dd.mm.yyyy, e.g. 15.01.2026, or /cancel to stop."
    assert await _sheet(world, sheets["E2"]) == nothing
    await _choose_day(hr, date(2025, 12, 31), "December 2025")
    assert any(
        m.text.startswith(
            "✅ Smith John (E2): absent until 31.12.2025, back on 05.01.2026; to be evaluated by 13.01.2026"
        )
        for m in hr.chat[-2:]
    )
    assert "<b>2025 under the 2018 methodology</b>" in hr.last.text
    assert await _sheet(world, sheets["E2"]) == (date(2025, 12, 31), date(2026, 1, 13), None, None, None)
    await hr.say("01.01.2026")  # the step is over: the text records nothing
    assert (await _sheet(world, sheets["E2"]))[:2] == (date(2025, 12, 31), date(2026, 1, 13))

    # /cancel stops, and so does ✖ Cancel; the date typed after it records nothing.
    await hr.press("Absent", hr.last_with_buttons())
    await hr.say("E3")
    await hr.say("/cancel")
    assert hr.last.text == "Stopped."
    await hr.say("31.12.2025")
    await hr.say("/legacyrounds")
    await hr.press("Absent")
    await hr.say("E3")
    await hr.press("✖ Cancel")
    assert hr.last.text == "Stopped: nothing was recorded."
    await hr.say("31.12.2025")
    assert await _sheet(world, sheets["E3"]) == nothing
    await hr.say("/legacyrounds")

    # 2. A refusal before the result is decided: refused, nothing recorded.
    await hr.press_data(
        LegacyRoundCb(campaign=1, action=LegacyRoundAction.REFUSAL).pack(), hr.last_with_buttons()
    )
    await hr.say("E1")
    assert hr.chat[-2].text.startswith("Nothing recorded: the commission has not decided the result of")
    assert hr.last.text.startswith("Who refused to acquaint themselves")  # the question stands
    await hr.say("Act No. 1 of 20.01.2026")
    assert await _sheet(world, sheets["E1"]) == nothing

    # The commission decides E1 and E3 on Monday 12.01.2026; E3 reads the result.
    assert isinstance(world.runtime.clock, FixedClock)
    world.runtime.clock.current = datetime(2026, 1, 28, 6, 0, tzinfo=UTC)
    for code in ("E1", "E3"):
        await _decide(world, sheets[code], datetime(2026, 1, 12, 6, 0, tzinfo=UTC))
    # Decided, not approved yet: nothing to record about acquaintance (clause 39).
    await hr.say("/legacyrounds")
    assert "Results (2) awaiting approval by the authorised person (clause 39)." in hr.last.text
    assert "Nobody holds the authorised person's role" in hr.last.text
    assert "Refusal to acquaint" not in str(hr.last.buttons())
    await hr.press_data(
        LegacyRoundCb(campaign=1, action=LegacyRoundAction.REFUSAL).pack(), hr.last_with_buttons()
    )
    await hr.say("Омарова")
    text, alert = await hr.press("Омарова Дана")
    assert alert and (text or "").startswith(
        "Nothing recorded: the result of Омарова Дана Серікқызы (E1) awaits approval"
    )
    await _approve(world, sheets["E1"], datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
    async with world.runtime.sessionmaker() as session, session.begin():
        person = (await EmployeeRepo(session).by_external_ids(["E3"]))["E3"]
        now = world.runtime.clock.now()
        assert await legacy.acquaint(session, sheets["E3"], person, now=now, calendar=KAZAKHSTAN) is None

    # An absence after the decision: refused by the service.
    await hr.say("/legacyrounds")
    await hr.press("Absent")
    await hr.say("E1")
    await _choose_day(hr, date(2025, 12, 31), "December 2025")
    assert any(
        m.text.startswith(
            "Nothing recorded: the commission has decided the result of Омарова Дана Серікқызы (E1)"
        )
        for m in hr.chat[-2:]
    )
    assert await _sheet(world, sheets["E1"]) == nothing

    # 2. The refusal to acquaint (clauses 41-42).
    await hr.say("/legacyrounds")
    await hr.press("Refusal to acquaint")
    await hr.say("E1")
    assert "type the act of the refusal" in hr.last.text
    await hr.say("Act of 27.01.2026 signed by G. Nurova, A. Sadykov, B. Omarov")
    assert any(
        m.text.startswith("✅ Омарова Дана Серікқызы (E1): the refusal and its act are recorded")
        for m in hr.chat[-2:]
    )
    refused = await _sheet(world, sheets["E1"])
    assert (
        refused[2] is not None
        and refused[3] == "Act of 27.01.2026 signed by G. Nurova, A. Sadykov, B. Omarov"
    )
    # Again: it is recorded already; the first act stays.
    await hr.press("Refusal to acquaint")
    await hr.say("E1")
    await hr.say("Another act")
    assert any(
        m.text.startswith("Nothing recorded: Омарова Дана Серікқызы (E1) has already read")
        for m in hr.chat[-2:]
    )
    assert (await _sheet(world, sheets["E1"]))[3] == refused[3]

    # 3. Appeals (clause 43): the 10 working days from 12.01.2026 end on 26.01.2026.
    await hr.press("Appeal noted")
    await hr.say("E1")
    assert "choose the day the appeal was filed in the calendar" in hr.last.text
    # Days to come are not offered (today: Wednesday 28.01.2026); typed, they are refused.
    assert _days(hr)[28:35] == ["26", "27", "28", " ", " ", " ", " "]
    for typed, reply in (
        ("yesterday", "Please type the date as dd.mm.yyyy, e.g. 15.01.2026, or /cancel to stop."),
        ("29.01.2026", "This date has not come yet: please type the day the appeal was filed, or /cancel."),
    ):
        await hr.say(typed)
        assert hr.chat[-2].text == reply, typed
    assert (await _sheet(world, sheets["E1"]))[4] is None
    await _choose_day(hr, date(2026, 1, 27), "January 2026")
    assert any("It was filed after the 10 working days of clause 43" in m.text for m in hr.chat[-2:])
    assert (await _sheet(world, sheets["E1"]))[4] == date(2026, 1, 27)
    await hr.press("Appeal noted")
    await hr.say("E3")
    await _choose_day(hr, date(2026, 1, 20), "January 2026")
    assert any("is noted, within the 10 working days of clause 43" in m.text for m in hr.chat[-2:])
    assert (await _sheet(world, sheets["E3"]))[4] == date(2026, 1, 20)
    # A second appeal of E1: refused, the first date stays.
    await hr.press("Appeal noted")
    await hr.say("E1")
    await _choose_day(hr, date(2026, 1, 28), "January 2026")
    assert any(
        m.text.startswith("Nothing recorded: an appeal of Омарова Дана Серікқызы (E1)") for m in hr.chat[-2:]
    )
    assert (await _sheet(world, sheets["E1"]))[4] == date(2026, 1, 27)

    assert await _audited(world) == [
        "legacy.absent",
        "legacy.agency_appeal",
        "legacy.agency_appeal",
        "legacy.refusal",
    ]


async def test_a_profile_without_an_absence_rule_records_no_absence(world: World) -> None:
    """kz-2018-koksu (seed 003) has no working days for people absent during the evaluation: the
    service refuses, and the Russian-speaking HR officer is told so in Russian."""
    await world.setup_staff(csv_text=staff_with_categories())
    async with world.runtime.sessionmaker() as session, session.begin():
        started = await legacy.start_year(
            session,
            load_profile("kz-2018-koksu"),
            2025,
            date(2026, 1, 30),
            KAZAKHSTAN,
            today=world.runtime.clock.today(),
            now=world.runtime.clock.now(),
            actor=COMMAND_LINE,
        )
        e1 = (await EmployeeRepo(session).by_external_ids(["E1"]))["E1"]
        sheet = await LegacyRepo(session).sheet_of(started.campaign.id, e1.id)
        assert sheet is not None
    await _hr_account(world)
    hr = world.person(HR_ACCOUNT, "Гульнар", "ru")
    await hr.say("/legacyrounds")
    await hr.press("Отсутствовал")
    assert hr.last.text.startswith("Кто отсутствовал в период оценки")
    await hr.say("E1")
    await _choose_day(hr, date(2025, 12, 31), "Декабрь 2025")
    assert any(
        m.text.startswith("Ничего не зарегистрировано: методика этого года не содержит нормы")
        for m in hr.chat[-2:]
    )
    assert await _sheet(world, sheet.id) == (None, None, None, None, None)
    assert await _audited(world) == []
