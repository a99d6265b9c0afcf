"""The 2018 method's competency sheet through the real dispatcher: U1 marks the behaviour
indicators of E1's post category, competency by competency, reviews the verdicts and submits;
someone else's press, a press after submitting and a person without a post category are
refused and change nothing.

The department of tests/factories.py with the categories of tests/storage/test_legacy_year.py;
a 2025 round under kz-2018; E1 is E-4 and does not serve the public (9 competencies).
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from pypdf import PdfReader
from sqlalchemy import select

from bot.deadlines.hr_notices import hr_notice
from bot.deadlines.keeper import HR_DIGEST
from bot.factory import create_delivery, plan_reminders_now
from bot.infra.callbacks import (
    CommissionAction,
    CommissionCb,
    LegacyAckCb,
    LegacyAction,
    LegacyApproveCb,
    LegacyCb,
    LegacyDecideCb,
    LegacySheetPdfCb,
    LegacyStage,
)
from bot.infra.i18n import in_locale
from bot.kernel.access import Role
from bot.kernel.methodology import load_profile
from bot.kernel.workdays import KAZAKHSTAN
from bot.legacy2018 import commission as legacy_commission
from bot.legacy2018 import service as legacy
from bot.legacy2018.rules import Choice
from bot.staff.access import COMMAND_LINE, grant_role
from storage.legacy2018 import LegacyRepo
from storage.models import LegacyIndicatorSeen
from storage.roles import AccountRepo
from storage.staff.employees import EmployeeRepo
from storage.survey360.campaigns import CampaignRepo
from tests.conversation.conftest import World
from tests.conversation.harness import ShownMessage
from tests.conversation.test_legacy_start import _cell, _choose_day
from tests.conversation.test_quarterly import _in_english
from tests.conversation.test_reminders import HR_ACCOUNT, _at, _hr_account
from tests.factories import TELEGRAM_IDS
from tests.legacy_support import approve_latest, ready_for_commission
from tests.storage.test_legacy_year import staff_with_categories


async def _year(world: World, csv_text: str | None = None) -> dict[str, int]:
    """The staff and a started 2025 round under kz-2018; the sheet ids by staff id."""
    await world.setup_staff(csv_text=csv_text or staff_with_categories())
    runtime = world.runtime
    async with runtime.sessionmaker() as session, session.begin():
        started = await legacy.start_year(
            session,
            load_profile("kz-2018"),
            2025,
            date(2026, 1, 30),
            KAZAKHSTAN,
            today=runtime.clock.today(),
            now=runtime.clock.now(),
            actor=COMMAND_LINE,
        )
        staff = await EmployeeRepo(session).many(
            [s.employee_id for s in await LegacyRepo(session).sheets(started.campaign.id)]
        )
        sheets = await LegacyRepo(session).sheets(started.campaign.id)
        return {staff[s.employee_id].employee_id: s.id for s in sheets}


async def _seen(world: World) -> list[tuple[int, int, int]]:
    async with world.runtime.sessionmaker() as session:
        rows = await session.execute(
            select(
                LegacyIndicatorSeen.sheet_id, LegacyIndicatorSeen.competency_no, LegacyIndicatorSeen.indicator
            ).order_by(
                LegacyIndicatorSeen.sheet_id, LegacyIndicatorSeen.competency_no, LegacyIndicatorSeen.indicator
            )
        )
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def test_a_manager_fills_a_competency_sheet(world: World) -> None:
    sheets = await _year(world)
    manager = await _in_english(world.person(TELEGRAM_IDS["U1"], "Erlan"))
    await manager.say("/legacy")
    listed = [text for text, _ in manager.last.buttons()]
    assert manager.last.text.startswith("Your people's evaluation under the 2018 methodology")
    people = [text for text in listed if text.startswith("📋 2025 · ")]
    assert len(people) == 3  # E1-E3

    await manager.press("Дана")  # E1: Омарова Дана
    assert "📝 Plan (appendix 1): not set yet" in manager.last.text
    await manager.press("Competency sheet")
    screen = manager.last.text
    assert "Competency sheet · 2025" in screen and "Post category: E-4 (chief specialists)" in screen
    assert "Competency 1 of 9: Managing activities" in screen
    assert "Seen: 0 of 4. Meets expectations from 3." in screen
    assert "⬜ 1. Ranks tasks in order of importance according to priorities" in screen

    await manager.press("⬜ 1")
    await manager.press("⬜ 2")
    await manager.press("✅ 2")  # unmarked again
    assert "Seen: 1 of 4." in manager.last.text and "✅ 1." in manager.last.text
    await manager.press("Next ▶")
    assert "Competency 2 of 9: Cooperation" in manager.last.text
    for number in (1, 2, 3):
        await manager.press(f"⬜ {number}")
    assert "Seen: 3 of 3. Meets expectations from 3." in manager.last.text
    assert await _seen(world) == [
        (sheets["E1"], 1, 0),
        (sheets["E1"], 2, 0),
        (sheets["E1"], 2, 1),
        (sheets["E1"], 2, 2),
    ]

    # Someone else's sheet, by a forged button: refused, nothing written.
    other = await _in_english(world.person(TELEGRAM_IDS["E2"], "John"))
    await other.say("/legacy")
    assert "nobody to evaluate" in other.last.text
    forged = LegacyCb(sheet=sheets["E1"], action=LegacyAction.TOGGLE, competency=1, item=3).pack()
    text, alert = await other.press_data(forged, manager.last)
    assert alert and text == "This sheet is not yours to fill."
    # A button for an indicator the category does not have, and a competency not on the sheet.
    for competency, item in ((1, 4), (6, 0)):
        bad = LegacyCb(
            sheet=sheets["E1"], action=LegacyAction.TOGGLE, competency=competency, item=item
        ).pack()
        text, alert = await manager.press_data(bad)
        assert alert and text == "This sheet can no longer be changed."
    assert len(await _seen(world)) == 4

    await manager.press("Review and submit")
    review = manager.last.text
    assert "❌ Managing activities: does not meet expectations (not seen: 2, 3, 4)" in review
    assert "✅ Cooperation: meets expectations" in review
    assert review.count("❌") == 8  # the other seven with nothing seen, and the first
    await manager.press("Back to the sheet")
    assert "Competency 1 of 9" in manager.last.text
    await manager.press("Review and submit")
    await manager.press("✅ Submit")
    assert manager.last.text.startswith("📤 The competency sheet of Омарова Дана Серікқызы is submitted.")

    # After submitting: the old screen's buttons change nothing.
    stale = LegacyCb(sheet=sheets["E1"], action=LegacyAction.TOGGLE, competency=1, item=1).pack()
    text, alert = await manager.press_data(stale, manager.chat[-1])
    assert alert and text == "This sheet can no longer be changed."
    assert len(await _seen(world)) == 4
    async with world.runtime.sessionmaker() as session:
        kept = await LegacyRepo(session).competency_results(sheets["E1"])
    assert [(k.competency_no, k.seen, k.total, k.meets) for k in kept][:2] == [
        (1, 1, 4, False),
        (2, 3, 3, True),
    ]
    await manager.say("/legacy")
    await manager.press("Дана")
    assert "🧭 Competency sheet (appendix 3): submitted" in manager.last.text


async def test_a_person_without_a_post_category_cannot_be_assessed_yet(world: World) -> None:
    csv_text = staff_with_categories().replace(",E-4,жоқ\n", ",,жоқ\n", 1)  # E1 loses its category
    sheets = await _year(world, csv_text)
    manager = await _in_english(world.person(TELEGRAM_IDS["U1"], "Erlan"))
    await manager.say("/legacy")
    await manager.press("Дана")
    text, alert = await manager.press("Competency sheet")
    assert (
        alert and text == "The staff list gives this person no post category of appendix 4; ask HR to add it."
    )
    assert await _seen(world) == []
    assert sheets["E1"]


async def _ready_for_commission(world: World, sheets: dict[str, int]) -> None:
    """E1's (4 KPIs of 5 met) and E2's (5 of 5) sheets ready for the commission, and the
    commission of D1 (chair), U1, U2, E3, E4 named, its sitting set."""
    runtime = world.runtime
    now, today = runtime.clock.now(), runtime.clock.today()
    async with runtime.sessionmaker() as session, session.begin():
        staff = await EmployeeRepo(session).by_external_ids(list(TELEGRAM_IDS))
        u1, d1 = staff["U1"], staff["D1"]
        for code, met in (("E1", 4), ("E2", 5)):
            await ready_for_commission(session, sheets[code], u1, d1, met=met, today=today, now=now)
        campaign = await LegacyRepo(session).sheet(sheets["E1"])
        assert campaign is not None
        found = await CampaignRepo(session).get(campaign.campaign_id)
        assert found is not None
        members = [staff[c].id for c in ("D1", "U1", "U2", "E3", "E4")]
        assert isinstance(
            await legacy_commission.name_commission(
                session, found, members, d1.id, staff["E5"].id, actor=COMMAND_LINE, now=now
            ),
            int,
        )
        sitting = datetime(2025, 12, 11, 10, 0)  # local time, 7 working days ahead
        assert (
            await legacy_commission.schedule_sitting(
                session, found, sitting, today=today, now=now, calendar=KAZAKHSTAN, zone=runtime.settings.zone
            )
            is None
        )
        world.campaign_id = found.id


AUTHORISED_ACCOUNT = 990_001  # the authorised person: not on the staff list


def _sitting_id(request: ShownMessage) -> int:
    """The sitting a request to approve is for, from its button."""
    data = next(data for text, data in request.buttons() if "Approve the results" in text)
    return LegacyApproveCb.unpack(data).sitting


async def test_the_commission_votes_in_the_bot_and_the_person_acquaints_themselves(world: World) -> None:
    """The commission votes; the authorised person approves the results in Telegram (004 clause
    39), where a press without the role, a stale button and a second press change nothing; the
    person then receives the result, with the appeal window counted from the approval."""
    sheets = await _year(world)
    await _ready_for_commission(world, sheets)
    delivery = create_delivery(world.runtime, world.bot)
    await delivery.deliver_pending()
    manager = world.person(TELEGRAM_IDS["U1"], "Erlan")
    assert "11.12.2025 10:00" in manager.last.text  # the sitting announced to the evaluator (clause 29)

    async with world.runtime.sessionmaker() as session, session.begin():
        campaign = await CampaignRepo(session).get(world.campaign_id)
        assert campaign is not None
        assert not isinstance(await legacy_commission.open_sitting(session, campaign), legacy.Refusal)
    await delivery.deliver_pending()
    chair, u2, e3 = [await _in_english(world.person(TELEGRAM_IDS[c])) for c in ("D1", "U2", "E3")]
    manager = await _in_english(manager)
    for member in (chair, manager, u2, e3):
        await member.say("/commission")
        assert "The evaluation commission is sitting on the 2025 results" in member.last.text
    assert "You chair the commission" in chair.last.text

    # E1: 4 of 5 KPIs → "тиімді"; two members revise it to "өте жақсы", two approve: the chair decides.
    for member, revise in ((chair, True), (manager, True), (u2, False), (e3, False)):
        await member.press("Дана")
        assert "KPI sheet: 4 of 5 met" in member.last.text
        if revise:
            await member.press("Revise")
            await member.press("excellent")
        else:
            await member.press("Approve")
        assert "Your vote:" in member.last.text and "not given" not in member.last.text
    # E2: everyone present approves.
    for member in (chair, manager, u2, e3):
        await member.say("/commission")
        await member.press("John")
        await member.press("Approve")

    # The secretary (E5) is not a member; a second vote is not taken; forged buttons change nothing.
    secretary = await _in_english(world.person(TELEGRAM_IDS["E5"]))
    forged = CommissionCb(action=CommissionAction.APPROVE, sheet=sheets["E1"]).pack()
    text, alert = await secretary.press_data(forged, chair.last)
    assert alert and text == "This result is not before a commission you sit on."
    again = CommissionCb(action=CommissionAction.GRADE, sheet=sheets["E1"], grade="satisfactory").pack()
    text, alert = await u2.press_data(again)
    assert alert and text == "Your vote on this result is already given; an open vote is not taken back."

    await _hr_account(world)
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(
            session, COMMAND_LINE, AUTHORISED_ACCOUNT, Role.AUTHORISED, world.runtime.clock.now()
        )
        await AccountRepo(session).set_locale(AUTHORISED_ACCOUNT, "en")
        campaign = await CampaignRepo(session).get(world.campaign_id)
        assert campaign is not None
        outcome = await legacy_commission.close_sitting(
            session, campaign, conclusion=None, now=world.runtime.clock.now()
        )
    assert (outcome.quorate, outcome.decided, outcome.revised) == (True, 2, 1)  # 4 of 5 voted: a quorum
    assert outcome.approvers == 1

    dana = await _in_english(world.person(TELEGRAM_IDS["E1"], "Dana"))
    await delivery.deliver_pending()
    # The protocol (appendix 5) to the chair and the secretary, who sign it on paper, and to the
    # authorised person to approve; the people are told nothing before the approval (clause 39).
    protocols = [
        (name, data) for name, data in world.telegram.documents.values() if name.startswith("protocol-")
    ]
    assert len(protocols) == 3
    assert not [m for m in dana.chat if "Your evaluation result" in (m.text or "")]
    text = " ".join(PdfReader(io.BytesIO(protocols[0][1])).pages[0].extract_text().split())
    for expected in (
        "Protocol of the sitting of the evaluation commission",
        "Омарова Дана Серікқызы",
        "KPIs met: 4 of 5 — «effective»",
        "«excellent»",
        "Smith John",
    ):
        assert expected in text, expected
    full = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(protocols[0][1])).pages).split())
    assert "approve: 2; revise to «excellent»: 2" in full and "approve: 4" in full
    request = world.telegram.chat(AUTHORISED_ACCOUNT)[-1]
    assert request.text.startswith("📄 <b>Evaluation results for 2025: sitting 1 of the commission</b>")
    assert "Results decided: 2; corrected by the commission: 1." in request.text
    assert request.protect_content and world.telegram.documents[request.message_id][0].startswith(
        "protocol-2025"
    )
    hr = world.person(HR_ACCOUNT, "Gulnar", "en")
    await hr.say("/legacyrounds")
    assert "Results (2) awaiting approval by the authorised person (clause 39)." in hr.last.text
    assert "Nobody holds" not in hr.last.text and "Refusal to acquaint" not in str(hr.last.buttons())

    # Bad input changes nothing: an HR officer and a staff member without the role, a stale button.
    approve = LegacyApproveCb(sitting=_sitting_id(request)).pack()
    for outsider in (hr, await _in_english(world.person(TELEGRAM_IDS["E2"], "John"))):
        text, alert = await outsider.press_data(approve, request)
        assert (
            alert and text == "Only the authorised person may approve the evaluation results (clause 39)."
        ), text
    approver = world.person(AUTHORISED_ACCOUNT, "Ерлан", "en")
    text, alert = await approver.press_data(LegacyApproveCb(sitting=999).pack(), request)
    assert alert and text == "There is nothing to approve at this sitting now."
    await delivery.deliver_pending()
    assert not [m for m in dana.chat if "Your evaluation result" in (m.text or "")]

    # The authorised person approves on Tuesday 2 December; a second press is refused.
    _at(world, datetime(2025, 12, 2, 5, 0, tzinfo=UTC))
    text, alert = await approver.press("Approve the results (clause 39)", request)
    assert not alert
    assert (
        approver.last.text
        == "✅ Approved: 2 results of 2025, sitting 1. The people receive them now (clause 40)."
    )
    assert request.markup is None or not request.buttons()  # the button is gone
    text, alert = await approver.press_data(approve, request)
    assert alert and text == "These results are approved already."
    await approver.say("/approvals")
    assert approver.last.text == "No evaluation results await your approval."
    await hr.say("/legacyrounds")
    assert "Results approved on 02.12.2025 by Ерлан." in hr.last.text
    assert "Refusal to acquaint" in str(hr.last.buttons())

    await delivery.deliver_pending()
    result = next(m for m in reversed(dana.chat) if "Your evaluation result for 2025" in (m.text or ""))
    assert "KPIs met: 4 of 5; grade by the KPI sheet: «effective»." in result.text
    assert "The evaluation commission revised the result: «excellent»." in result.text
    # 10 working days from the approval on 2 December (16 December is Independence Day).
    assert "civil service agency by 17.12.2025" in result.text
    john = await _in_english(world.person(TELEGRAM_IDS["E2"], "John"))
    text, alert = await john.press_data(LegacyAckCb(sheet=sheets["E1"]).pack(), result)
    assert alert and text == "This result is not yours."
    text, alert = await dana.press("I have read it", result)
    assert not alert and text == "Thank you: your acquaintance with the result is recorded."
    text, alert = await john.press_data(LegacySheetPdfCb(sheet=sheets["E1"]).pack(), dana.chat[-1])
    assert alert and text == "These sheets are not yours to see."  # E2 is neither E1 nor E1's manager
    await dana.press("The sheets (PDF)", result)  # the button stays once read
    name, data = world.telegram.documents[max(world.telegram.documents)]
    assert (
        name == "sheets-2025-E1.pdf"
        and "KPI evaluation sheet" in PdfReader(io.BytesIO(data)).pages[0].extract_text()
    )
    async with world.runtime.sessionmaker() as session:
        read = await LegacyRepo(session).sheet(sheets["E1"])
        unread = await LegacyRepo(session).sheet(sheets["E2"])
    assert read is not None and read.acquainted_at is not None and read.final_grade == "excellent"
    assert unread is not None and unread.acquainted_at is None and unread.final_grade == "excellent"  # 5 of 5


PLANS = "employee_id,kpi_no,name,source,unit,planned,due,key_result\n" + "".join(
    f"E1,{no},Indicator {no},District plan 1.{no},%,100,31.12.2025,Result {no}\n" for no in range(1, 6)
)


async def test_plan_and_kpi_sheet_with_the_superior_managers_decisions(world: World) -> None:
    """U1 uploads E1's plan; D1 returns it with a comment, then approves the corrected one; U1
    enters the year's KPI lines in the chat and submits; D1 agrees. Bad text, forged and
    repeated presses change nothing."""
    sheets = await _year(world)
    delivery = create_delivery(world.runtime, world.bot)
    manager = await _in_english(world.person(TELEGRAM_IDS["U1"], "Erlan"))
    director = await _in_english(world.person(TELEGRAM_IDS["D1"], "Aigerim"))

    await manager.say("/legacy")
    await manager.press("Upload plans")
    assert "exactly 5 KPIs a person" in manager.last.text
    short = "\n".join(PLANS.splitlines()[:5]) + "\n"  # 4 KPIs
    await manager.send_document(short.encode(), "plans.csv")
    assert manager.last.text.startswith("Nothing is saved") and "at least 5 are required" in manager.last.text
    await manager.send_document(PLANS.replace("E1,", "E4,").encode(), "plans.csv")  # U2's person
    assert "E4: not one of your people" in manager.last.text
    await manager.send_document(PLANS.encode(), "plans.csv")
    assert manager.last.text == "Plans saved: 1. Each has gone to the superior manager for approval."

    await delivery.deliver_pending()
    assert "Individual work plan for 2025 to approve" in director.last.text
    assert "1. Indicator 1 — %, planned 100, by 31.12.2025." in director.last.text
    plan_notice = director.last_with_buttons()
    # Someone else presses the director's button: refused.
    other = await _in_english(world.person(TELEGRAM_IDS["E2"], "John"))
    forged = LegacyDecideCb(sheet=sheets["E1"], stage=LegacyStage.PLAN, agree=True).pack()
    text, alert = await other.press_data(forged, plan_notice)
    assert alert and text == "This decision is not yours to take."
    await director.press("Return for correction", plan_notice)
    assert director.last.text == "Write what should be corrected (one message)."
    await director.say("Indicator 3 has no baseline.")
    assert director.last.text == "Done: the direct manager is told."
    await delivery.deliver_pending()
    assert (
        "The plan of Омарова Дана Серікқызы was returned for correction: «Indicator 3 has no baseline.»"
        in (manager.last.text)
    )
    text, alert = await director.press("Approve", plan_notice)  # the old notice: decided already
    assert alert and text == "This has been decided already."

    await manager.say("/legacy")
    await manager.press("Upload plans")
    await manager.send_document(PLANS.encode(), "plans.csv")
    await delivery.deliver_pending()
    text, alert = await director.press("Approve")
    assert not alert and text == "Done: the direct manager is told."
    await delivery.deliver_pending()
    assert "The plan of Омарова Дана Серікқызы is approved." in manager.last.text

    # The KPI sheet in the chat: met or not, then the actual value and the facts.
    await manager.press("Open")
    assert "📝 Plan (appendix 1): approved" in manager.last.text
    await manager.press("KPI sheet")
    assert "KPI 1 of 5: Indicator 1" in manager.last.text and "Not entered yet." in manager.last.text
    for no in range(1, 6):
        await manager.press("Not met" if no == 5 else "✅ Met")
        assert f"KPI {no}: " in manager.last.text
        if no == 1:
            await manager.say("100")  # no facts: asked again, nothing saved
            assert "Write the actual value on the first line" in manager.last.text
        await manager.say(f"{90 if no == 5 else 100}\nAct No. {no} of 20.12.2025")
    assert "Submit to the superior manager" in " ".join(t for t, _ in manager.last.buttons())
    await manager.press("Submit to the superior manager")
    assert "📊 KPI sheet (appendix 2): with the superior manager" in manager.last.text

    await delivery.deliver_pending()
    assert "KPI sheet for 2025 to agree" in director.last.text
    assert "KPIs met: 4 of 5 → «effective»" in director.last.text
    assert (
        "❌ 5. Indicator 5: actual 90 against planned 100. Facts: Act No. 5 of 20.12.2025"
        in director.last.text
    )
    text, alert = await director.press("Agree")
    assert not alert
    again = LegacyDecideCb(sheet=sheets["E1"], stage=LegacyStage.KPI, agree=True).pack()
    text, alert = await director.press_data(again, director.chat[-1])  # a second tap: nothing happens
    assert alert and text == "This has been decided already."
    await delivery.deliver_pending()
    assert "agreed with the KPI sheet of Омарова Дана Серікқызы" in manager.last.text
    async with world.runtime.sessionmaker() as session:
        sheet = await LegacyRepo(session).sheet(sheets["E1"])
        kpis = await LegacyRepo(session).kpis(sheets["E1"])
    assert sheet is not None and (sheet.plan_status, sheet.kpi_status, sheet.kpi_met, sheet.kpi_grade) == (
        "approved",
        "agreed",
        4,
        "effective",
    )
    assert kpis[0].facts == "Act No. 1 of 20.12.2025"


async def test_hrs_daily_digest_shows_where_a_legacy_year_stands(world: World) -> None:
    await _year(world)
    runtime = world.runtime
    async with runtime.sessionmaker() as session:
        with in_locale(runtime.i18n, "en"):
            notices = await hr_notice(
                session,
                runtime.profile,
                HR_DIGEST,
                runtime.clock.today().toordinal(),
                runtime.clock.today(),
                KAZAKHSTAN,
                runtime.settings.zone,
                runtime.clock.now(),
            )
    assert len(notices) == 1
    assert "<b>2025 under the 2018 methodology</b>, deadline 30.01.2026" in notices[0].text
    assert "ready for the commission 0/6; plans approved: 0; decided: 0" in notices[0].text


async def test_an_unread_result_is_sent_again_and_hr_is_told(world: World) -> None:
    """004 clause 40: HR acquaints the person within 2 working days. A result still unread the
    next working morning is sent again; still unread on the second working day, HR is told."""
    sheets = await _year(world)
    await _ready_for_commission(world, sheets)
    await _hr_account(world)
    runtime = world.runtime
    async with runtime.sessionmaker() as session, session.begin():
        campaign = await CampaignRepo(session).get(world.campaign_id)
        assert campaign is not None
        await legacy_commission.open_sitting(session, campaign)
        staff = await EmployeeRepo(session).by_external_ids(["D1", "U1", "U2", "E3"])
        for member in staff.values():
            for code in ("E1", "E2"):
                await legacy_commission.vote(
                    session, campaign, member, sheets[code], Choice.APPROVE, None, runtime.clock.now()
                )
        outcome = await legacy_commission.close_sitting(
            session,
            campaign,
            conclusion=None,
            now=runtime.clock.now(),
        )
        # Approved on paper the same morning: the results go out, the clause 40 days start.
        await approve_latest(session, campaign.id, on=runtime.clock.today(), now=runtime.clock.now())
    assert outcome.decided == 2
    delivery = create_delivery(runtime, world.bot)
    await delivery.deliver_pending()
    dana = world.person(TELEGRAM_IDS["E1"], "Dana")
    await dana.press_data(LegacyAckCb(sheet=sheets["E1"]).pack(), dana.chat[-1])

    _at(world, datetime(2025, 12, 2, 4, 0, tzinfo=UTC))  # Tuesday 09:00 in Almaty
    await plan_reminders_now(runtime)
    await delivery.deliver_pending()
    john = world.telegram.chat(TELEGRAM_IDS["E2"])
    assert "Your evaluation result for 2025" in john[-1].text and john[-1].text.startswith("Reminder:")
    dana_results = [m for m in world.telegram.chat(TELEGRAM_IDS["E1"]) if "2025" in (m.text or "")]
    assert len(dana_results) == 1  # she read hers: not sent again

    _at(world, datetime(2025, 12, 3, 4, 0, tzinfo=UTC))  # the second working day
    await plan_reminders_now(runtime)
    await delivery.deliver_pending()
    told = [m.text for m in world.telegram.chat(HR_ACCOUNT) if m.text.startswith("📋")]
    assert len(told) == 1 and "Smith John (E2)" in told[0] and "Омарова" not in told[0]


async def test_hr_runs_the_commission_from_its_screen(world: World) -> None:
    """/legacyrounds: name the commission (bad ids and a too small one refused), set the
    sitting (too soon refused), open it, close it with the conclusion, and the head of HR
    downloads the protocol; an HR officer without the head's role may not."""
    sheets = await _year(world)
    await _hr_account(world)
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, HR_HEAD_ACCOUNT, Role.HR_HEAD, world.runtime.clock.now())
        await grant_role(session, COMMAND_LINE, HR_HEAD_ACCOUNT, Role.HR, world.runtime.clock.now())
    hr = world.person(HR_ACCOUNT, "Gulnar", "en")
    await hr.say("/legacyrounds")
    assert "<b>2025 under the 2018 methodology</b> (kz-2018 2018-03-29)" in hr.last.text
    assert "Commission: not named yet." in hr.last.text

    await hr.press("Name the commission")
    assert "at least 5 members" in hr.last.text
    await hr.say("X9")  # nobody: not offered
    assert "Nobody matches “X9”" in hr.last.text
    await hr.say("D1, U1, U2, E3")  # staff ids typed are taken at once: four members
    assert "Chosen (4): " in hr.last.text
    text, alert = await hr.press("✔ Done (4)")
    assert alert and (text or "").startswith("Not saved: the commission needs enough members")
    await hr.say("Петров")
    await hr.press("Петров Игорь")
    await hr.press("✔ Done (5)")
    assert hr.last.text == "Who chairs the commission? Press one of the members."
    members = [t for t, _ in hr.last_with_buttons().buttons()][:-2]
    assert len(members) == 5 and members[-1] == "Серікова Айгерім Нұрланқызы (D1)"
    await hr.press("◀ Back")  # the members stay chosen
    assert "Chosen (5): " in hr.last.text
    await hr.press("✔ Done (5)")
    await hr.press("Серікова Айгерім")
    assert hr.last.text.startswith("Who is the secretary?")
    await hr.say("Серікова")  # a member cannot be the secretary: not offered
    assert [t for t, _ in hr.last_with_buttons().buttons() if t.endswith(")")] == []
    await hr.say("Қасымова")
    await hr.press("Қасымова Әсел Маратқызы (E5)")
    assert "Commission: 5 members, named" in hr.last.text

    await hr.press("Set the sitting")
    assert "at least 7 working days ahead" in hr.last.text
    # 3 December, 2 working days ahead, is not offered; 11 December is.
    assert _cell(hr, date(2025, 12, 3)) == " "
    await _choose_day(hr, date(2025, 12, 11), "December 2025")
    await hr.press_exact("10:00")
    assert "Commission: 5 members.\nSitting 1, 11.12.2025 10:00: sitting set." in hr.last.text

    await _ready_sheets_only(world, sheets)
    await hr.press("Open the sitting")
    assert "sitting now" in hr.last.text
    async with world.runtime.sessionmaker() as session, session.begin():
        campaign = await CampaignRepo(session).get(world.campaign_id)
        assert campaign is not None
        for member in (await EmployeeRepo(session).by_external_ids(["D1", "U1", "U2", "E3"])).values():
            await legacy_commission.vote(
                session, campaign, member, sheets["E1"], Choice.APPROVE, None, world.runtime.clock.now()
            )
    await hr.press("Close the sitting")
    await hr.say("Бағалау нәтижелері бекітілсін.")
    assert (
        "Sitting 1, 11.12.2025 10:00: closed. Present: 4 of 5. Results (1) awaiting approval by the "
        "authorised person (clause 39)." in hr.last.text
    )
    assert "decided: 1" in hr.last.text
    assert "⚠️ Nobody holds the authorised person's role" in hr.last.text  # nobody to ask: HR is told

    text, alert = await hr.press("Protocol (PDF)")
    assert alert and text == "Only the head of HR may download the protocol (clause 20)."
    head = world.person(HR_HEAD_ACCOUNT, "Saule", "en")
    await head.say("/legacyrounds")
    await head.press("Protocol (PDF)")
    name, data = world.telegram.documents[max(world.telegram.documents)]
    assert name.startswith("protocol-2025") and "Бағалау нәтижелері бекітілсін." in " ".join(
        PdfReader(io.BytesIO(data)).pages[0].extract_text().split()
    )
    # An employee is not HR: the command is not theirs.
    stranger = world.person(TELEGRAM_IDS["E2"], "John", "en")
    await stranger.say("/legacyrounds")
    assert "2018 methodology</b>" not in (stranger.last.text or "")


HR_HEAD_ACCOUNT = 5002


async def _ready_sheets_only(world: World, sheets: dict[str, int]) -> None:
    """E1's sheet ready for the commission (5 KPIs of 5 met), without naming a commission."""
    runtime = world.runtime
    async with runtime.sessionmaker() as session, session.begin():
        staff = await EmployeeRepo(session).by_external_ids(["U1", "D1"])
        await ready_for_commission(
            session,
            sheets["E1"],
            staff["U1"],
            staff["D1"],
            met=5,
            today=runtime.clock.today(),
            now=runtime.clock.now(),
        )
        world.campaign_id = (await LegacyRepo(session).sheet(sheets["E1"])).campaign_id  # type: ignore[union-attr]
