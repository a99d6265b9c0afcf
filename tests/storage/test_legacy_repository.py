"""The 2018 method's year in the database (storage/legacy2018.py), on SQLite and PostgreSQL: a sheet
from plan to acquaintance, stale and repeated changes refused, and the tables' own guards."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.kernel.methodology import load_profile
from bot.legacy2018.rules import Choice, CommissionVote, decide, kpi_count_grade
from bot.staff import people
from storage.db import create_sessionmaker
from storage.legacy2018 import CompetencyOutcome, LegacyKpiRow, LegacyRepo, NewSheet
from storage.models import Campaign, LegacySheet
from storage.staff.employees import EmployeeRepo
from storage.survey360.campaigns import CampaignRepo
from tests.factories import staff_validation

NOW = datetime(2018, 12, 20, 10, 0, tzinfo=UTC)
PROFILE = load_profile("kz-2018")


def five_kpis() -> list[LegacyKpiRow]:
    return [
        LegacyKpiRow(no, f"KPI {no}", "district plan", "%", "100", "Q4 2018", f"result {no}")
        for no in range(1, 6)
    ]


async def _year(session: AsyncSession, today: date) -> tuple[int, dict[str, int]]:
    await people.import_staff(session, staff_validation(today), today)
    found = await EmployeeRepo(session).by_external_ids(["D1", "U1", "U2", "E1", "E2", "E3", "E4", "E5"])
    ids = {code: employee.id for code, employee in found.items()}
    campaign = await CampaignRepo(session).create(
        kind="legacy",
        year=2018,
        deadline=date(2019, 1, 10),
        profile_code=PROFILE.code,
        profile_version=PROFILE.version,
    )
    await LegacyRepo(session).create_sheets(
        campaign.id,
        [
            NewSheet(ids["E1"], ids["U1"], ids["D1"], "E-4", heads_unit=False, serves_public=True),
            NewSheet(ids["E2"], ids["U1"], ids["D1"], "E-4", heads_unit=False, serves_public=False),
        ],
    )
    return campaign.id, ids


async def test_a_year_from_plan_to_acquaintance(session: AsyncSession, today: date) -> None:
    campaign_id, ids = await _year(session, today)
    repo = LegacyRepo(session)
    sheet = await repo.sheet_of(campaign_id, ids["E1"])
    assert sheet is not None and (sheet.plan_status, sheet.kpi_status) == ("draft", "open")

    # The plan: drafted, returned once (resubmission within 2 working days), approved.
    assert await repo.save_plan(sheet.id, five_kpis())
    assert await repo.submit_plan(sheet.id)
    assert not await repo.save_plan(sheet.id, five_kpis())  # submitted: not editable
    assert await repo.return_plan(sheet.id, "KPI 3 is not measurable", date(2018, 1, 19))
    assert await repo.save_plan(sheet.id, five_kpis())
    assert await repo.submit_plan(sheet.id)
    assert await repo.approve_plan(sheet.id)
    assert not await repo.approve_plan(sheet.id)  # twice: nothing happens
    assert [k.no for k in await repo.kpis(sheet.id)] == [1, 2, 3, 4, 5]

    # The year's end: four of five met, each with its facts.
    for no in range(1, 6):
        assert await repo.record_kpi(
            sheet.id, no, actual="100" if no < 5 else "80", met=no < 5, facts=f"act {no}"
        )
    grade = kpi_count_grade(PROFILE.legacy.kpi_count, 4)  # type: ignore[union-attr]
    assert await repo.submit_kpi_sheet(sheet.id, 4, grade.code, NOW)
    assert not await repo.record_kpi(sheet.id, 5, actual="100", met=True, facts="late")  # submitted
    assert await repo.return_kpi_sheet(sheet.id, "no facts for KPI 2", date(2018, 12, 24))
    assert await repo.record_kpi(sheet.id, 2, actual="100", met=True, facts="order No. 12")
    assert await repo.submit_kpi_sheet(sheet.id, 4, grade.code, NOW)
    assert await repo.agree_kpi_sheet(sheet.id, NOW)
    kpis = await repo.kpis(sheet.id)
    assert [k.met for k in kpis] == [True, True, True, True, False] and kpis[1].facts == "order No. 12"

    # The competency sheet: indicators toggled, then submitted with each verdict.
    assert await repo.toggle_indicator(sheet.id, 1, 0) is True
    assert await repo.toggle_indicator(sheet.id, 1, 1) is True
    assert await repo.toggle_indicator(sheet.id, 1, 1) is False  # unmarked again
    assert await repo.indicators_seen(sheet.id) == {1: {0}}
    outcomes = [CompetencyOutcome(1, 1, 4, False), CompetencyOutcome(2, 3, 3, True)]
    assert await repo.submit_competencies(sheet.id, outcomes, NOW)
    assert not await repo.submit_competencies(sheet.id, outcomes, NOW)
    assert await repo.toggle_indicator(sheet.id, 1, 2) is None  # submitted: no more changes
    assert await repo.competency_results(sheet.id) == outcomes

    # The commission: five members, a chair, a secretary who does not vote.
    members = [ids[code] for code in ("D1", "U1", "U2", "E3", "E4")]
    commission_id = await repo.name_commission(campaign_id, members, ids["D1"], ids["E5"])
    assert commission_id is not None
    assert await repo.name_commission(campaign_id, members, ids["D1"], ids["E5"]) is None
    sitting_id = await repo.add_sitting(commission_id, datetime(2019, 1, 8, 10, tzinfo=UTC), NOW)
    assert sitting_id is not None
    assert (
        await repo.add_sitting(commission_id, datetime(2019, 1, 9, 10, tzinfo=UTC), NOW) is None
    )  # scheduled
    assert await repo.open_sitting(sitting_id)
    assert not await repo.open_sitting(sitting_id)
    for member in members[:4]:
        assert await repo.mark_present(sitting_id, member, NOW)
    assert not await repo.mark_present(sitting_id, members[0], NOW)  # present already
    commission = await repo.commission(campaign_id)
    assert commission is not None and commission.chair_id == ids["D1"] and commission.latest is not None
    sitting = commission.latest
    assert (sitting.number, sitting.status, len(sitting.present)) == (1, "sitting", 4)

    assert await repo.cast_vote(sitting_id, sheet.id, ids["D1"], "revise", "excellent", NOW)
    assert not await repo.cast_vote(sitting_id, sheet.id, ids["D1"], "approve", None, NOW)  # final
    assert await repo.cast_vote(sitting_id, sheet.id, ids["U1"], "revise", "excellent", NOW)
    assert await repo.cast_vote(sitting_id, sheet.id, ids["U2"], "approve", None, NOW)
    assert await repo.cast_vote(sitting_id, sheet.id, ids["E3"], "approve", None, NOW)
    votes = await repo.votes(sitting_id, sheet.id)
    assert await repo.vote_counts(sitting_id) == {sheet.id: 4}
    decision = decide(
        PROFILE.legacy.commission,  # type: ignore[union-attr]
        set(commission.members),
        ids["D1"],
        set(sitting.present),
        [CommissionVote(v.member_id, Choice(v.choice), v.corrected_grade) for v in votes],
    )
    assert decision.chair_decided and decision.corrected == "excellent"  # 2 to 2: the chair's side
    assert await repo.record_decision(sheet.id, sitting_id, "revise", "excellent", "keep the pace", NOW)
    assert not await repo.record_decision(sheet.id, sitting_id, "approve", None, None, NOW)
    approval: dict[str, Any] = {
        "at": NOW,
        "by_id": None,
        "by_account": 555,
        "by_name": "Бекқожаев Ерлан",
        "released_at": NOW,
        "acquaint_by": date(2019, 1, 10),
        "appeal_by": date(2019, 1, 22),
    }
    assert not await repo.approve(sitting_id, **approval)  # not closed yet: nothing to approve
    assert not await repo.acquaint(sheet.id, NOW, date(2019, 1, 22))  # not approved: not sent yet
    assert await repo.close_sitting(sitting_id, "closed", "results approved as in the protocol", NOW)
    assert not await repo.close_sitting(sitting_id, "no_quorum", None, NOW)
    assert [s.id for _c, s in await repo.awaiting_approval_sittings()] == [sitting_id]
    assert await repo.approve(sitting_id, **approval)
    assert not await repo.approve(sitting_id, **{**approval, "by_name": "someone else"})  # once
    assert await repo.awaiting_approval_sittings() == []
    released = await repo.sheet(sheet.id)
    assert released is not None and released.released
    assert (released.acquaint_by, released.agency_appeal_by) == (date(2019, 1, 10), date(2019, 1, 22))
    # A further sitting follows the closed one, numbered after it.
    further = await repo.add_sitting(commission_id, datetime(2019, 1, 21, 10, tzinfo=UTC), NOW)
    again = await repo.commission(campaign_id)
    assert further is not None and again is not None
    assert [(s.number, s.status) for s in again.sittings] == [(1, "closed"), (2, "scheduled")]
    assert again.sittings[0].conclusion == "results approved as in the protocol"

    # Acquaintance, then an appeal to the agency noted.
    assert await repo.acquaint(sheet.id, NOW, date(2019, 1, 24))
    assert not await repo.refuse(sheet.id, NOW, "refused to sign", date(2019, 1, 24))
    assert await repo.note_agency_appeal(sheet.id, date(2019, 1, 15))
    final = await repo.sheet(sheet.id)
    assert final is not None
    assert (final.final_grade, final.kpi_grade, final.agency_appeal_on) == (
        "excellent",
        "effective",
        date(2019, 1, 15),
    )


async def test_a_refusal_is_recorded_and_the_result_stands(session: AsyncSession, today: date) -> None:
    campaign_id, ids = await _year(session, today)
    repo = LegacyRepo(session)
    sheet = await repo.sheet_of(campaign_id, ids["E2"])
    assert sheet is not None
    commission_id = await repo.name_commission(campaign_id, [ids["D1"]], ids["D1"], None)
    assert commission_id is not None
    sitting_id = await repo.add_sitting(commission_id, datetime(2019, 1, 8, 10, tzinfo=UTC), NOW)
    assert sitting_id is not None
    assert await repo.record_decision(sheet.id, sitting_id, "approve", None, None, NOW)
    decided = await repo.sheet(sheet.id)
    assert decided is not None and decided.decided_in_sitting_id == sitting_id
    assert not await repo.refuse(sheet.id, NOW, "too early", date(2019, 1, 25))  # not approved yet
    assert await repo.open_sitting(sitting_id) and await repo.close_sitting(sitting_id, "closed", None, NOW)
    assert await repo.approve(
        sitting_id,
        at=NOW,
        by_id=ids["D1"],
        by_account=None,
        by_name="D1",
        released_at=NOW,
        acquaint_by=date(2019, 1, 10),
        appeal_by=date(2019, 1, 25),
    )
    assert await repo.refuse(
        sheet.id, NOW, "act of 11.01.2019, signed by HR and two witnesses", date(2019, 1, 25)
    )
    assert not await repo.acquaint(sheet.id, NOW, date(2019, 1, 25))
    after = await repo.sheet(sheet.id)
    assert after is not None and after.refused_at is not None and after.acquainted_at is None


async def test_the_tables_refuse_what_the_method_does_not_allow(session: AsyncSession, today: date) -> None:
    campaign_id, ids = await _year(session, today)
    sheet = await LegacyRepo(session).sheet_of(campaign_id, ids["E1"])
    assert sheet is not None
    for values in ({"kpi_met": 6}, {"decision": "revise"}, {"decision": "maybe"}):
        with pytest.raises(IntegrityError):
            async with session.begin_nested():
                await session.execute(update(LegacySheet).where(LegacySheet.id == sheet.id).values(**values))
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await LegacyRepo(session).save_plan(
                sheet.id, [*five_kpis(), LegacyKpiRow(6, "sixth", "", "", "", "", "")]
            )


async def test_a_year_has_one_round_under_the_method(session: AsyncSession) -> None:
    repo = LegacyRepo(session)
    first = await repo.create_year(
        year=2018, deadline=date(2019, 1, 10), profile_code=PROFILE.code, profile_version=PROFILE.version
    )
    assert first is not None
    again = await repo.create_year(
        year=2018, deadline=date(2019, 1, 15), profile_code="kz-2018-koksu", profile_version="1"
    )
    assert again is None
    # The refusal rolled back only its own attempt: the first round is still there, and
    # another year can be started in the same transaction.
    assert await CampaignRepo(session).get(first.id) == first
    assert await repo.create_year(
        year=2019, deadline=date(2020, 1, 10), profile_code=PROFILE.code, profile_version=PROFILE.version
    )


async def test_two_starts_at_the_same_moment_make_one_round(engine: AsyncEngine) -> None:
    """Two HR officers press Start together: on PostgreSQL both sessions see no round for the
    year, and the unique index lets only one insert stand."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises whole transactions: the two cannot overlap")
    make = create_sessionmaker(engine)
    async with make() as first, make() as second:
        created = await LegacyRepo(first).create_year(
            year=2018, deadline=date(2019, 1, 10), profile_code=PROFILE.code, profile_version=PROFILE.version
        )
        assert created is not None
        # The second insert waits for the first transaction, then meets its row.
        racing = asyncio.create_task(
            LegacyRepo(second).create_year(
                year=2018,
                deadline=date(2019, 1, 10),
                profile_code=PROFILE.code,
                profile_version=PROFILE.version,
            )
        )
        await asyncio.sleep(0.2)
        assert not racing.done()
        await first.commit()
        assert await racing is None
        await second.commit()
    async with make() as check:
        rounds = await check.scalars(select(Campaign.id).where(Campaign.kind == "legacy"))
        assert list(rounds) == [created.id]
