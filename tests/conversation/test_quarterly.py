"""A quarter through the real dispatcher: U1 scores their three people (differentiation),
D1 scores U1's KPIs; forbidden scores, stale and forged buttons and stray text are refused
and change nothing; each person receives the result and acknowledges it.

The department (tests/factories.py), Q4 2025, deadline 10.01.2026, today 01.12.2025:
D1 has nobody above (not evaluated: no evaluator), U1 has an approved plan with three KPIs,
U2 has none (not evaluated: no plan), E5 was appointed 01.11.2025 (too short in the post).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.factory import Runtime, create_delivery
from bot.infra.callbacks import AcknowledgeCb, SheetPdfCb, SheetScoreCb
from bot.kernel.workdays import KAZAKHSTAN
from bot.quarterly import rounds as quarterly
from bot.staff import people
from bot.staff.access import COMMAND_LINE
from storage.models import QuarterSheet, SheetScore
from storage.quarterly import AbsenceRepo, NewKpi, PlanRepo
from storage.staff.employees import EmployeeRepo
from tests.conversation.conftest import World
from tests.conversation.harness import Person
from tests.factories import STAFF_CSV, staff_validation

DIRECTOR, U1, E1, E2, E3 = 1001, 1002, 1004, 1005, 1006


async def _quarter(world: World, *, u1_away: tuple[date, date] | None = None) -> int:
    """Staff, an approved plan for U1 with Q4 actual values, and the started Q4 2025 round;
    ``u1_away``: U1 (a head) on leave over these days, recorded before the start."""
    await world.setup_staff()
    runtime = world.runtime
    now, today = runtime.clock.now(), runtime.clock.today()
    async with runtime.sessionmaker() as session, session.begin():
        staff = await EmployeeRepo(session).by_external_ids(["D1", "U1"])
        plans = PlanRepo(session)
        kpis = [
            NewKpi(
                1,
                "Жобалар саны",
                "Стратегиялық жоспар 1.1",
                "дана",
                True,
                "Жобалар іске асты",
                {4: Decimal(10)},
                {},
            ),
            NewKpi(
                2, "Шарттар", "Стратегиялық жоспар 1.2", "%", True, "Шарттар орындалды", {4: Decimal(100)}, {}
            ),
            NewKpi(3, "Өтінім мерзімі", "Келісім 3", "күн", False, "Мерзім қысқарды", {4: Decimal(10)}, {}),
        ]
        await plans.save(
            employee_pk=staff["U1"].id,
            year=2025,
            evaluator_id=staff["D1"].id,
            approver_id=None,
            kpis=kpis,
            status="approved",
            now=now,
        )
        # 100 % → 5 only; 96,5 % → 4,75-4,99; less is better, 20 days against 10 → 50 % → 2,50-2,74.
        for no, actual in ((1, Decimal(10)), (2, Decimal("96.5")), (3, Decimal(20))):
            assert await plans.set_actual(staff["U1"].id, 2025, no, 4, actual, now)
        if u1_away is not None:
            await AbsenceRepo(session).add(staff["U1"].id, "leave", *u1_away)
        rounds = await quarterly.create_year(session, runtime.profile, 2025, KAZAKHSTAN, COMMAND_LINE, now)
        q4 = rounds[3]
        report = await quarterly.start_round(
            session, q4.id, today=today, now=now, actor=COMMAND_LINE, calendar=KAZAKHSTAN
        )
    assert report.sheets == 4 + 1  # E1-E4 and U1
    assert dict(report.excluded) == {"no_evaluator": 1, "no_plan": 1, "too_short_in_post": 1}
    await create_delivery(runtime, world.bot).deliver_pending()
    return q4.id


async def _start_q4(session: AsyncSession, runtime: Runtime) -> None:
    """The year 2025's rounds made and Q4 started, from the command line, today."""
    today, now = runtime.clock.today(), runtime.clock.now()
    rounds = await quarterly.create_year(session, runtime.profile, 2025, KAZAKHSTAN, COMMAND_LINE, now)
    await quarterly.start_round(
        session, rounds[3].id, today=today, now=now, actor=COMMAND_LINE, calendar=KAZAKHSTAN
    )


def _staff_without(code: str) -> str:
    """The test staff list with one person's line left out: they have left the body."""
    return "\n".join(line for line in STAFF_CSV.splitlines() if not line.startswith(f"{code},")) + "\n"


async def _in_english(person: Person) -> Person:
    await person.say("/language")
    await person.press("English")
    return person


async def _sheets(world: World) -> dict[str, QuarterSheet]:
    async with world.runtime.sessionmaker() as session:
        rows = (await session.execute(select(QuarterSheet))).scalars().all()
        staff = await EmployeeRepo(session).many([row.employee_id for row in rows])
        return {staff[row.employee_id].employee_id: row for row in rows}


async def _scores(world: World) -> list[tuple[int, int, Decimal, str | None]]:
    async with world.runtime.sessionmaker() as session:
        rows = await session.execute(
            select(SheetScore.sheet_id, SheetScore.item_no, SheetScore.score, SheetScore.comment).order_by(
                SheetScore.sheet_id, SheetScore.item_no
            )
        )
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def _score_person(manager: Person, name: str, scores: list[int], justification: str) -> None:
    await manager.say("/start")
    await manager.press(name)
    for position, score in enumerate(scores, start=1):
        assert f"Parameter {position} of 4" in manager.last.text
        await manager.press(str(score))
    await manager.say(justification)
    assert "Final score" in manager.last.text
    await manager.press("Submit")
    await manager.press("Yes, submit")


async def test_a_manager_scores_three_people_who_then_acknowledge(world: World) -> None:
    await _quarter(world)
    manager = world.person(U1, "Ерлан", "en")
    prompt = next(m for m in manager.chat if len(m.buttons()) == 3)
    assert "10.01.2026" in prompt.text
    # In Kazakh, U1's language: "📝 2025 ж. 4-тоқсан · John S." and so on.
    assert sorted(text.split(" · ")[1] for text, _ in prompt.buttons()) == ["John S.", "Асқар Н.", "Дана О."]
    # The people were told they are evaluated (clause 30); E5, too short in the post, was not.
    dana = world.person(E1, "Дана", "kk")
    assert "2025 ж. 4-тоқсан" in dana.last.text and "Ахметов Ерлан Болатұлы" in dana.last.text
    assert world.telegram.chat(1008) == []

    # Dana: the first parameter with its criterion; a forged 6 and a forged 0 change nothing.
    await _in_english(manager)
    await manager.say("/start")
    await manager.press("Дана")
    screen = manager.last
    assert "Parameter 1 of 4: <b>Quality of performing functional duties</b>" in screen.text
    assert "No justified remarks or complaints" in screen.text
    assert [text for text, _ in screen.buttons()][:5] == ["1", "2", "3", "4", "5"]
    sheet_id = (await _sheets(world))["E1"].id
    for forged in (600, 0, 450):
        answer, _ = await manager.press_data(SheetScoreCb(sheet=sheet_id, item=1, hundredths=forged).pack())
        assert answer is not None and "not allowed" in answer
    # A score for an item not on screen is refused too.
    answer, _ = await manager.press_data(SheetScoreCb(sheet=sheet_id, item=3, hundredths=500).pack())
    assert answer is not None and "Already recorded" in answer
    assert await _scores(world) == []

    await manager.press("4")
    assert "Parameter 2 of 4" in manager.last.text
    await manager.press("Back")
    assert "Parameter 1 of 4" in manager.last.text and "Now: 4" in manager.last.text
    await manager.press("3")
    for score in ("5", "4", "4"):
        await manager.press(score)
    assert "Write the justification" in manager.last.text
    # Leaving for the home screen: what is typed afterwards is not taken for the justification.
    await manager.say("/start")
    await manager.say("a note to self")
    assert (await _sheets(world))["E1"].justification is None
    await manager.press("Дана")
    assert "Write the justification" in manager.last_with_buttons().text
    # An empty justification is refused; a real one brings the review in a new message.
    await manager.say("   ")
    assert "The text is empty" in manager.last.text
    await manager.say("Жоспар уақытында орындалды.")
    review = manager.last
    assert "Final score: <b>4.00</b> — Performs functional duties effectively" in review.text
    assert "Жоспар уақытында орындалды." in review.text
    # The review's edit buttons: change parameter 4 from 4 to 5.
    await manager.press("✏️ 4")
    await manager.press("5")
    assert "Final score: <b>4.25</b>" in manager.last.text
    await manager.press("Submit")
    assert "can be changed only through a calibration session" in manager.last.text
    await manager.press("Yes, submit")
    assert "Submitted." in manager.last.text and "Sheets left to fill: 2." in manager.last.text
    # The submitted sheet's buttons no longer work.
    answer, _ = await manager.press_data(SheetScoreCb(sheet=sheet_id, item=1, hundredths=100).pack())
    assert answer is not None and "already been submitted" in answer

    await _score_person(manager, "John", [5, 5, 5, 5], "Excellent quarter.")
    await _score_person(manager, "Асқар", [2, 2, 1, 2], "Мерзімдер бұзылды.")
    assert "All your sheets are submitted." in manager.last.text

    sheets = await _sheets(world)
    assert (sheets["E1"].status, sheets["E1"].final_score) == ("submitted", Decimal("4.25"))
    assert sheets["E2"].final_score == Decimal("5.00") and sheets["E3"].final_score == Decimal("1.75")

    # Each person receives the result and acknowledges it, once.
    await create_delivery(world.runtime, world.bot).deliver_pending()
    result = dana.last  # in Kazakh, Dana's language; not to be forwarded (clause 15)
    assert result.protect_content
    assert "1. Функционалдық міндеттерді орындау сапасы: <b>3</b>" in result.text
    assert "<b>4,25</b>" in result.text and "Жоспар уақытында орындалды." in result.text
    first, alert = await dana.press("✅")
    acknowledged = (await _sheets(world))["E1"].acknowledged_at
    assert alert and acknowledged is not None
    again, _ = await dana.press_data(AcknowledgeCb(sheet=sheet_id).pack(), result)
    assert again != first and (await _sheets(world))["E1"].acknowledged_at == acknowledged
    # The sheet as a PDF, for Dana and for her evaluator only (clause 20).
    assert await dana.press("PDF") == ("Файл дайындалуда…", False)
    await world.runtime.report_jobs.idle()  # drawn beside the updates (bot/reports/jobs.py)
    name, data = world.telegram.documents[max(world.telegram.documents)]
    assert name == "quarter-2025-Q4-E1.pdf" and data.startswith(b"%PDF")
    john = world.person(E2, "John", "en")
    answer, _ = await john.press_data(SheetPdfCb(sheet=sheet_id).pack(), john.last)
    assert answer == "This sheet is not yours to see."
    await manager.press_data(SheetPdfCb(sheet=sheet_id).pack(), manager.last_with_buttons())
    await world.runtime.report_jobs.idle()
    assert max(world.telegram.documents) > max(
        k for k in world.telegram.documents if k != max(world.telegram.documents)
    )
    # Someone else's result cannot be acknowledged for them.
    john = world.person(E2, "John", "en")
    assert "Final score: <b>1.75</b>" not in john.last.text and "5.00" in john.last.text
    await john.press_data(AcknowledgeCb(sheet=sheets["E3"].id).pack(), john.last)
    assert (await _sheets(world))["E3"].acknowledged_at is None


async def test_kpi_scores_stay_inside_the_appendix_3_range(world: World) -> None:
    await _quarter(world)
    director = await _in_english(world.person(DIRECTOR, "Айгерім", "en"))
    await director.say("/start")
    await director.press("Ерлан")
    screen = director.last
    assert "KPI 1 of 3" in screen.text and "Achievement: 100.00 % → allowed score 5.00" in screen.text
    assert screen.buttons()[0][0] == "5.00"
    sheet_id = (await _sheets(world))["U1"].id
    answer, _ = await director.press_data(SheetScoreCb(sheet=sheet_id, item=1, hundredths=499).pack())
    assert answer is not None and "Allowed: 5.00" in answer
    await director.press("5.00")
    assert "Write a comment" in director.last.text
    await director.press("No comment")

    screen = director.last
    assert "KPI 2 of 3" in screen.text and "96.50 %" in screen.text and "4.75–4.99" in screen.text
    assert [text for text, _ in screen.buttons()][:6] == ["4.75", "4.80", "4.85", "4.90", "4.95", "4.99"]
    await director.say("5")  # typed, outside the range
    assert "Allowed: 4.75–4.99" in director.last.text
    await director.say("4,875")  # more than two decimals
    assert "at most two decimals" in director.last.text
    await director.say("4,87")
    assert "score 4.87" in director.last.text
    await director.say("Контрагенттердің кешігуі.")

    screen = director.last
    assert "KPI 3 of 3" in screen.text and "less is better" in screen.text and "2.50–2.74" in screen.text
    await director.say("2,75")
    assert "Allowed: 2.50–2.74" in director.last.text
    await director.press("2.60")
    await director.press("No comment")
    # HR corrects KPI 2's actual value: 96,5 → 90 % allows 4,50-4,74, so 4,87 must be given again.
    async with world.runtime.sessionmaker() as session, session.begin():
        u1 = (await EmployeeRepo(session).by_external_ids(["U1"]))["U1"]
        await PlanRepo(session).set_actual(u1.id, 2025, 2, 4, Decimal(90), world.runtime.clock.now())
    answer, _ = await director.press("Submit", director.last_with_buttons())
    assert answer is not None and "Some items are still without a score" in answer
    review = director.last_with_buttons()
    assert "2. Шарттар: <b>—</b>" in review.text and "Final score" not in review.text
    await director.press("✏️ 2")
    assert "90.00 %" in director.last_with_buttons().text and "4.50–4.74" in director.last_with_buttons().text
    await director.press("4.70")
    await director.press("No comment")
    async with world.runtime.sessionmaker() as session, session.begin():
        await PlanRepo(session).set_actual(u1.id, 2025, 2, 4, Decimal("96.5"), world.runtime.clock.now())
    await director.press("✏️ 2")
    await director.say("4,87")
    await director.say("Контрагенттердің кешігуі.")
    review = director.last_with_buttons()
    # (5 + 4,87 + 2,60) / 3 = 4,1566… → 4,16
    assert "Final score: <b>4.16</b> — Performs functional duties effectively" in review.text
    assert "Контрагенттердің кешігуі." in review.text
    await director.press("Submit")
    await director.press("Yes, submit")
    assert await _scores(world) == [
        (sheet_id, 1, Decimal("5.00"), None),
        (sheet_id, 2, Decimal("4.87"), "Контрагенттердің кешігуі."),
        (sheet_id, 3, Decimal("2.60"), None),
    ]
    await create_delivery(world.runtime, world.bot).deliver_pending()
    erlan = world.person(U1, "Ерлан", "en")
    result = erlan.last  # in Kazakh, U1's language: the final score and the year's mean so far
    assert result.protect_content and result.text.count("<b>4,16</b>") == 1 and result.text.count("4,16") == 2


async def test_deadline_dates_of_the_year(world: World) -> None:
    await world.setup_staff()
    runtime = world.runtime
    async with runtime.sessionmaker() as session, session.begin():
        rounds = await quarterly.create_year(
            session, runtime.profile, 2026, KAZAKHSTAN, COMMAND_LINE, runtime.clock.now()
        )
        again = await quarterly.create_year(
            session, runtime.profile, 2026, KAZAKHSTAN, COMMAND_LINE, runtime.clock.now()
        )
    assert [r.id for r in rounds] == [r.id for r in again]
    assert [r.deadline for r in rounds] == [
        date(2026, 4, 10),
        date(2026, 7, 10),
        date(2026, 10, 10),
        date(2027, 1, 10),
    ]
    assert rounds[0].heads_notified_by == date(2026, 4, 5)
    assert all(r.actuals_due_by and r.actuals_due_by < r.deadline - timedelta(days=4) for r in rounds)


BIG_UNIT = STAFF_CSV + "".join(
    f"X{n:02},Қызметкер Сынақ {n:02},Сарапшы,employee,Жоспарлау басқармасы,U1,,kk,2020-01-01\n"
    for n in range(1, 51)
)


async def test_a_head_of_a_large_unit_names_other_evaluators(world: World) -> None:
    """Clause 31: over 50 employees in the unit (here 53), the head may have others evaluate."""
    await world.setup_staff(csv_text=BIG_UNIT)
    runtime = world.runtime
    async with runtime.sessionmaker() as session, session.begin():
        now = runtime.clock.now()
        rounds = await quarterly.create_year(session, runtime.profile, 2025, KAZAKHSTAN, COMMAND_LINE, now)
        await quarterly.start_round(
            session,
            rounds[3].id,
            today=runtime.clock.today(),
            now=now,
            actor=COMMAND_LINE,
            calendar=KAZAKHSTAN,
        )
    head = await _in_english(world.person(U1, "Ерлан", "en"))
    await head.say("/delegate E1 E2 E4")  # E4 is not U1's
    assert "You have no open sheet for: E4. Nothing was handed over." in head.last.text
    await head.say("/delegate U2 E2")  # not in the unit
    assert "The evaluator must be someone else in your unit." in head.last.text
    await head.say("/delegate E1 E2 X07")
    assert "2 sheet(s) handed over" in head.last.text
    sheets = await _sheets(world)
    staff = {code: sheet.evaluator_id for code, sheet in sheets.items()}
    assert staff["E2"] == staff["X07"] == sheets["E1"].employee_id
    assert staff["E3"] == sheets["E1"].evaluator_id  # the rest stay with U1
    await create_delivery(runtime, world.bot).deliver_pending()
    delegate = world.person(E1, "Дана", "kk")
    named = next(m for m in delegate.chat if "31-тармақ" in m.text)  # in Kazakh, Dana's language
    assert sorted(text.split(" · ")[1] for text, _ in named.buttons()) == ["John S.", "Сынақ Қ."]
    # A head of a small unit evaluates everyone themself.
    small = await _in_english(world.person(1003, "Ольга", "ru"))
    await small.say("/delegate E4 E5")
    assert "50 employees or fewer" in small.last.text


async def test_people_who_left_or_are_away_are_evaluated_without_them(world: World) -> None:
    """Clauses 5-6: E3 leaves during the quarter (missing from the next staff list), E4 is on
    leave over the evaluation: both are evaluated by their manager; E3 is not messaged."""
    await world.setup_staff()
    runtime = world.runtime
    today = runtime.clock.today()
    async with runtime.sessionmaker() as session, session.begin():
        await people.import_staff(session, staff_validation(today, _staff_without("E3")), today)
        staff = await EmployeeRepo(session).by_external_ids(["E4"])
        await AbsenceRepo(session).add(staff["E4"].id, "leave", date(2025, 12, 20), date(2026, 1, 20))
        await _start_q4(session, runtime)
    sheets = await _sheets(world)
    assert (sheets["E3"].status, sheets["E3"].absence) == ("open", "dismissed")
    assert (sheets["E4"].status, sheets["E4"].absence) == ("open", "leave")
    assert sheets["E3"].evaluator_id == sheets["E1"].evaluator_id  # U1, their last manager

    manager = await _in_english(world.person(U1, "Ерлан", "en"))
    await _score_person(manager, "Асқар", [3, 3, 3, 3], "Тоқсан ішінде жұмыстан шықты.")
    assert "The person has left the body" in manager.last.text
    await create_delivery(runtime, world.bot).deliver_pending()
    assert world.telegram.chat(1006) == []  # E3: neither the notice nor the result
    on_leave = world.person(1007, "Игорь", "ru")
    assert len(on_leave.chat) == 1  # the notice (clause 30); the result comes when U2 submits


async def _q4_of_a_big_unit(world: World) -> None:
    await world.setup_staff(csv_text=BIG_UNIT)
    runtime = world.runtime
    async with runtime.sessionmaker() as session, session.begin():
        now = runtime.clock.now()
        rounds = await quarterly.create_year(session, runtime.profile, 2025, KAZAKHSTAN, COMMAND_LINE, now)
        await quarterly.start_round(
            session,
            rounds[3].id,
            today=runtime.clock.today(),
            now=now,
            actor=COMMAND_LINE,
            calendar=KAZAKHSTAN,
        )


async def test_a_head_names_other_evaluators_by_the_wizard_in_russian(world: World) -> None:
    """/delegate without arguments (clause 31): the evaluator pressed among the others in the
    unit, the people of the head's open sheets chosen in the picker (never the evaluator), a
    summary, confirm. In Russian, the head's language."""
    await _q4_of_a_big_unit(world)
    head = world.person(U1, "Ерлан", "ru")
    await head.say("/language")
    await head.press("Русский")
    await head.say("/delegate")
    assert head.last.text.startswith("<b>Другие оценивающие</b> (пункт 31)")
    await head.say("Иванова")  # U2 heads another unit: not offered
    assert "По запросу «Иванова» никого не нашлось" in head.last.text
    await head.say("Ахметов")  # nor the head themself
    assert "По запросу «Ахметов» никого не нашлось" in head.last.text
    await head.say("Омарова")
    await head.press("Омарова Дана Серікқызы (E1)")
    assert head.last.text.startswith(
        "Оценивающий: Омарова Дана Серікқызы (E1). Чьи оценочные листы передать?"
    )
    await head.say("E1")  # the evaluator is not among the people to hand over
    assert "По запросу «E1» никого не нашлось" in head.last.text
    await head.say("X07")  # an employee id typed whole is chosen at once
    await head.say("Smith")
    await head.press("Smith John (E2)")
    await head.press("✔ Готово (2)")
    summary = head.last.text
    assert summary.startswith("<b>Передать оценочные листы этого квартала (2)?</b> Оценивающий: Омарова")
    assert "• Smith John (E2)\n• Қызметкер Сынақ 07 (X07)" in summary
    assert all(s.evaluator_id != s.employee_id for s in (await _sheets(world)).values())
    before = {code: sheet.evaluator_id for code, sheet in (await _sheets(world)).items()}
    await head.press("◀ Назад")  # the choice is kept
    assert "Выбраны (2)" in head.last.text
    await head.press("✔ Готово (2)")
    assert {code: s.evaluator_id for code, s in (await _sheets(world)).items()} == before  # not yet
    await head.press("✅ Передать")
    assert head.last.text == "Передано оценочных листов: 2; оценивающее лицо уведомлено."
    sheets = await _sheets(world)
    assert sheets["E2"].evaluator_id == sheets["X07"].evaluator_id == sheets["E1"].employee_id
    assert sheets["E3"].evaluator_id == before["E3"]  # the rest stay with U1

    # A head of a small unit: no wizard, the rule at once; ✖ Cancel stops the wizard.
    small = world.person(1003, "Ольга", "ru")
    await small.say("/delegate")
    assert (
        small.last.text
        == "В Вашем подразделении не более 50 служащих: всех оценивает руководитель (пункт 31)."
    )
    await head.say("/delegate")
    await head.press("✖ Отмена")
    assert head.last.text == "Прервано: ни один оценочный лист не передан."
