"""HR runs a quarter from the chat: the year's rounds, the work plans with the superior
manager's approval and return for correction, changes only with a reason (clause 25), the
actual values, the start, and the workbook that only the head of HR may download.

The department of tests/factories.py with a minister (M0) above the director, so that the
heads' plans have a superior manager to approve them: U1's and U2's evaluator is D1, and
their plans go to M0.
"""

from __future__ import annotations

import io
import json

import openpyxl
from sqlalchemy import select

from bot.factory import create_delivery
from bot.infra.callbacks import QuarterAction, QuarterCb
from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, grant_role
from storage.models import KpiQuarter, PlanChange, QuarterSheet, WorkPlan
from storage.staff.employees import EmployeeRepo
from tests.conversation.conftest import World
from tests.conversation.harness import Person
from tests.factories import STAFF_CSV

HR, HR_HEAD = 5001, 5002
MINISTER, DIRECTOR = 1009, 1001

STAFF_WITH_MINISTER = (
    STAFF_CSV.replace(
        "D1,Серікова Айгерім Нұрланқызы,Департамент директоры,head,Департамент,,",
        "D1,Серікова Айгерім Нұрланқызы,Департамент директоры,head,Департамент,M0,",
    )
    + "M0,Мұратов Бауыржан Асқарұлы,Вице-министр,head,Басшылық,,+7 701 000 00 09,en,2018-01-10\n"
)

PLANS = """employee_id,kpi_no,name,source,unit,direction,key_result,plan_q1,plan_q2,plan_q3,plan_q4,due_q1,due_q2,due_q3,due_q4
U1,1,Жобалар саны,Стратегиялық жоспар 1.1,дана,higher,Жобалар іске асты,,,,10,,,,
U1,2,Шарттар,Стратегиялық жоспар 1.2,%,higher,Шарттар орындалды,,,,100,,,,
U1,3,Өтінім мерзімі,Келісім 3,күн,lower,Мерзім қысқарды,,,,10,,,,
U2,1,Экспертизы,План министерства,шт,higher,Экспертизы проведены,,,,40,,,,
U2,2,Иски,План министерства,%,higher,Иски выиграны,,,,80,,,,
U2,3,Сроки,Соглашение А,дней,lower,Сроки сокращены,,,,5,,,,
"""

ACTUALS = """employee_id,kpi_no,quarter,actual
U1,1,4,10
U1,2,4,"96,5"
U1,3,4,20
"""


async def _staff_and_roles(world: World) -> None:
    await world.setup_staff(csv_text=STAFF_WITH_MINISTER)
    async with world.runtime.sessionmaker() as session, session.begin():
        now = world.runtime.clock.now()
        repo = EmployeeRepo(session)
        minister = (await repo.by_external_ids(["M0"]))["M0"]
        await repo.bind_telegram(minister.id, MINISTER, now)
        await grant_role(session, COMMAND_LINE, HR, Role.HR, now)
        await grant_role(session, COMMAND_LINE, HR_HEAD, Role.HR_HEAD, now)


async def _deliver(world: World) -> None:
    await create_delivery(world.runtime, world.bot).deliver_pending()


async def _plans(world: World) -> dict[str, WorkPlan]:
    async with world.runtime.sessionmaker() as session:
        rows = (await session.execute(select(WorkPlan))).scalars().all()
        staff = await EmployeeRepo(session).many([row.employee_id for row in rows])
        return {staff[row.employee_id].employee_id: row for row in rows}


async def _in_english(person: Person) -> Person:
    await person.say("/language")
    await person.press("English")
    return person


async def _upload(hr: Person, command: str, content: str, name: str) -> str:
    await hr.say(command)
    await hr.send_document(content.encode("utf-8"), name)
    return hr.last.text


async def test_hr_runs_a_quarter_from_the_chat(world: World) -> None:
    await _staff_and_roles(world)
    hr = world.person(HR, "Gulnar", "en")

    await hr.say("/quarters 2025")
    assert "The year's rounds are not created yet." in hr.last.text
    await hr.press("Create the four rounds of 2025")
    screen = hr.last.text
    assert "<b>Q4 2025</b> — not started; deadline 10.01.2026" in screen
    assert "<b>Q1 2025</b> — not started; deadline 10.04.2025" in screen
    # Only the head of HR sees results (clause 20): no workbook button for an HR officer.
    assert not any("XLSX" in text for text, _ in hr.last.buttons())

    # The plans: 3 KPIs each, drafted by their evaluator D1, sent to M0 for approval.
    text = await _upload(hr, "/plans 2025", PLANS, "plans.csv")
    assert "<b>plans.csv</b>: 2 plan(s) saved." in text and "U1: sent for approval" in text
    await _deliver(world)
    minister = world.person(MINISTER, "Бауыржан", "en")
    requests = [m for m in minister.chat if "awaits your approval" in m.text]
    assert len(requests) == 2 and all(m.protect_content for m in requests)
    u1_request = next(m for m in requests if "Ахметов Ерлан" in m.text)
    u2_request = next(m for m in requests if "Иванова Ольга" in m.text)
    assert "Planned: Q4: 10" in u1_request.text

    # The director (the evaluator) cannot approve: the plan awaits the minister.
    director = await _in_english(world.person(DIRECTOR, "Айгерім", "en"))
    answer, _ = await director.press_data(
        next(d for t, d in u1_request.buttons() if "Approve" in t), u1_request
    )
    assert answer == "This plan does not await your approval."
    await minister.press("Approve", u1_request)
    await minister.press("Return", u2_request)
    assert "Write what should be corrected" in minister.last.text
    await minister.say("КПИ 2 не измерим: укажите базовое значение.")
    assert "returned for correction" in minister.last.text
    answer, _ = await minister.press("Approve", u2_request)  # a second decision is refused
    assert answer == "This plan has already been decided."
    plans = await _plans(world)
    assert (plans["U1"].status, plans["U2"].status) == ("approved", "returned")
    assert plans["U2"].return_comment == "КПИ 2 не измерим: укажите базовое значение."
    await _deliver(world)
    assert any("returned for correction: КПИ 2 не измерим" in m.text for m in director.chat)

    # An approved plan changes only with a reason, kept in its history (clause 25).
    u1_only = "\n".join(line for line in PLANS.splitlines() if not line.startswith("U2"))
    text = await _upload(hr, "/plans 2025", u1_only.replace("Жобалар саны", "Жобалар саны (жаңа)"), "p.csv")
    assert "U1: the plan is approved; it changes only with a reason" in text
    text = await _upload(hr, "/plans 2025 Құрылым өзгерді", u1_only, "p.csv")
    assert "1 plan(s) saved" in text
    await _deliver(world)
    again = next(m for m in reversed(minister.chat) if "awaits your approval" in m.text)
    await minister.press("Approve", again)
    async with world.runtime.sessionmaker() as session:
        changes = (
            await session.execute(
                select(PlanChange.action, PlanChange.reason, PlanChange.kpis_after)
                .where(PlanChange.plan_id == plans["U1"].id)
                .order_by(PlanChange.id)
            )
        ).all()
    assert [(a, r) for a, r, _ in changes] == [
        ("drafted", None),
        ("approved", None),
        ("changed", "Құрылым өзгерді"),
        ("approved", None),
    ]
    assert json.loads(changes[2][2] or "")[0]["name"] == "Жобалар саны"

    # Actual values: a KPI the plan lacks is refused and nothing is saved; then the real ones.
    text = await _upload(hr, "/actuals 2025", ACTUALS + "U1,4,4,1\n", "actuals.csv")
    assert "U1: the plan has no KPI 4/4 (KPI/quarter) planned" in text
    async with world.runtime.sessionmaker() as session:
        assert (await session.scalars(select(KpiQuarter.actual))).all() == [None] * 6
    text = await _upload(hr, "/actuals 2025", ACTUALS, "actuals.csv")
    assert "3 row(s) saved" in text

    # Start Q4: U1 has an approved plan; U2's was returned and D1 has none; E5 is too short
    # in the post; M0 has nobody above to evaluate them.
    await hr.say("/quarters 2025")
    await hr.press("Start Q4 2025")
    started = next(m.text for m in reversed(hr.chat) if "has started" in m.text)
    assert "Q4 2025 has started: 5 people to evaluate" in started
    assert "Not evaluated — no KPIs set for the quarter (clause 22): 2" in started  # D1 and U2
    async with world.runtime.sessionmaker() as session:
        sheets = (await session.execute(select(QuarterSheet.status, QuarterSheet.excluded_reason))).all()
    assert sorted(r or "" for _, r in sheets) == [""] * 5 + [
        "no_evaluator",  # M0: nobody above
        "no_plan",  # D1
        "no_plan",  # U2
        "too_short_in_post",  # E5
    ]

    # The dashboard names the evaluators who have sheets to fill, the busiest first.
    await hr.say("/quarters 2025")
    assert "Sheets still open with: Ахметов Ерлан Болатұлы (3), " in hr.last.text
    assert "submitted 0/5, read by the person 0; not evaluated 4" in hr.last.text

    # The workbook: refused to an HR officer even with a forged button, sent to the head of HR.
    q4 = await _q4_id(world)
    answer, alert = await hr.press_data(QuarterCb(action=QuarterAction.WORKBOOK, value=q4).pack())
    assert (answer, alert) == ("Your role does not allow this.", True)
    head = world.person(HR_HEAD, "Saule", "en")
    await head.say("/quarters 2025")
    # A report job beside the updates: answered at once, the file once drawn.
    assert await head.press("XLSX Q4 2025") == ("Preparing the file…", False)
    await world.runtime.report_jobs.idle()
    name, data = world.telegram.documents[max(world.telegram.documents)]
    assert name == "quarter-2025-Q4.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    cells = {
        str(c.value) for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row if c.value
    }
    assert "Ахметов Ерлан Болатұлы" in cells and "Қасымова Әсел Маратқызы" in cells


async def _q4_id(world: World) -> int:
    async with world.runtime.sessionmaker() as session:
        return int(await session.scalar(select(QuarterSheet.campaign_id).limit(1)) or 0)


async def test_an_evaluator_drafts_their_heads_plans_in_the_chat(world: World) -> None:
    await _staff_and_roles(world)
    director = await _in_english(world.person(DIRECTOR, "Айгерім", "en"))
    await director.say("/plan 2025")
    name, template = world.telegram.documents[max(world.telegram.documents)]
    assert name == "work-plans-2025.csv"
    lines = template.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("employee_id;full_name;kpi_no;name;source;unit;direction")
    assert [line.split(";")[:3] for line in lines[1:]] == [
        ["U1", "Ахметов Ерлан Болатұлы", "1"],
        ["U1", "Ахметов Ерлан Болатұлы", "2"],
        ["U1", "Ахметов Ерлан Болатұлы", "3"],
        ["U2", "Иванова Ольга Петровна", "1"],
        ["U2", "Иванова Ольга Петровна", "2"],
        ["U2", "Иванова Ольга Петровна", "3"],
    ]
    # A plan for someone who does not report to the director: nothing saved.
    await director.send_document(PLANS.replace("U2,", "D1,").encode(), "plans.csv")  # their own
    assert "D1: does not report to you" in director.last.text
    assert await _plans(world) == {}
    await director.send_document(PLANS.encode(), "plans.csv")
    assert "2 plan(s) saved" in director.last.text
    plans = await _plans(world)
    assert {code: plan.status for code, plan in plans.items()} == {"U1": "submitted", "U2": "submitted"}
    await _deliver(world)
    minister = world.person(MINISTER, "Бауыржан", "en")
    assert len([m for m in minister.chat if "awaits your approval" in m.text]) == 2
    # Someone with no heads reporting to them has no plans to draft.
    employee = await _in_english(world.person(1004, "Дана", "en"))
    await employee.say("/plan 2025")
    assert "work plans with KPIs are for heads" in employee.last.text
