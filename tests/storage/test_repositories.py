"""Repositories and the services over them, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel import scoring
from bot.kernel.methodology import Profile
from bot.kernel.scoring import AnswerCount, Total
from bot.staff import people
from bot.survey360 import rounds as campaigns
from bot.survey360.results import campaign_results, results_csv
from bot.survey360.rounds import CampaignError, RespondentRow
from storage.models import AnswerTally, Assignment, Ballot, CompetencySum, DraftAnswer, SelfAnswer
from storage.outbox import OutboxRepo
from storage.staff.employees import EmployeeRepo
from storage.survey360.answers import AnswerRepo
from storage.survey360.campaigns import CampaignRepo
from tests.factories import STAFF_CSV, TELEGRAM_IDS, staff_validation

NOW = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)


async def _import(session: AsyncSession, today: date, csv_text: str = STAFF_CSV) -> None:
    summary = await people.import_staff(session, staff_validation(today, csv_text), today)
    assert summary is not None


async def _bind_all(session: AsyncSession) -> dict[str, int]:
    repo = EmployeeRepo(session)
    found = await repo.by_external_ids(TELEGRAM_IDS)
    for external_id, telegram_id in TELEGRAM_IDS.items():
        await repo.bind_telegram(found[external_id].id, telegram_id, NOW)
    return {k: v.id for k, v in found.items()}


async def test_import_creates_updates_and_marks_leavers(session: AsyncSession, today: date) -> None:
    first = await people.import_staff(session, staff_validation(today), today)
    assert first is not None and (first.new, first.changed, first.left) == (8, 0, 0)
    repo = EmployeeRepo(session)
    by_id = await repo.by_external_ids(["U1", "E1"])
    assert by_id["E1"].manager_id == by_id["U1"].id

    # E5 leaves, E4 moves to U1, everyone else unchanged.
    lines = STAFF_CSV.strip().splitlines()
    kept = [line for line in lines if not line.startswith("E5,")]
    kept = [
        line.replace(",Правовое управление,U2,", ",Жоспарлау басқармасы,U1,")
        if line.startswith("E4,")
        else line
        for line in kept
    ]
    second = await people.import_staff(session, staff_validation(today, "\n".join(kept) + "\n"), today)
    assert second is not None
    assert (second.new, second.changed, second.unchanged, second.left) == (0, 1, 6, 1)
    everyone = {e.employee_id: e for e in await repo.all()}
    assert len(everyone) == 8  # never deleted
    assert not everyone["E5"].active
    assert everyone["E4"].manager_id == everyone["U1"].id

    # Coming back reactivates the record.
    third = await people.import_staff(session, staff_validation(today), today)
    assert third is not None and third.left == 0 and third.new == 0
    assert (await repo.by_external_ids(["E5"]))["E5"].active


async def test_invite_links_are_stable_and_single_use(session: AsyncSession, today: date) -> None:
    await _import(session, today)
    links = await people.invite_links(session, "bagalau_bot")
    assert len(links) == 8
    assert links == await people.invite_links(session, "bagalau_bot")  # printing twice: same links
    token = links[0].link.split("start=")[1]
    assert links[0].link.startswith("https://t.me/bagalau_bot?start=")

    joined = await people.join_by_invite(session, token, 555, NOW)
    assert joined.outcome is people.JoinOutcome.JOINED
    assert joined.employee is not None and joined.employee.telegram_user_id == 555
    replay = await people.join_by_invite(session, token, 777, NOW)  # someone else replays it
    assert replay.outcome is people.JoinOutcome.UNKNOWN_LINK
    assert await EmployeeRepo(session).by_telegram_id(777) is None
    again = await people.join_by_invite(session, token, 555, NOW)
    assert again.outcome is people.JoinOutcome.ALREADY_JOINED
    assert len(await people.invite_links(session, "bagalau_bot")) == 7  # joined people need no link


async def test_join_by_own_contact_only(session: AsyncSession, today: date) -> None:
    await _import(session, today)
    forged = await people.join_by_contact(
        session, sender_id=42, contact_user_id=43, phone="+77010000004", now=NOW
    )
    assert forged.outcome is people.JoinOutcome.NOT_OWN_CONTACT
    unknown = await people.join_by_contact(
        session, sender_id=42, contact_user_id=42, phone="77019999999", now=NOW
    )
    assert unknown.outcome is people.JoinOutcome.NOT_FOUND
    ok = await people.join_by_contact(session, sender_id=42, contact_user_id=42, phone="77010000004", now=NOW)
    assert ok.outcome is people.JoinOutcome.JOINED
    assert ok.employee is not None and ok.employee.employee_id == "E1"


async def test_create_round_from_org_structure(session: AsyncSession, today: date, profile: Profile) -> None:
    await _import(session, today)
    report = await campaigns.create_360(session, profile, year=2025, deadline=date(2026, 1, 10), today=today)
    assert report.campaign.status == "draft"
    planned = {p.subject.employee.employee_id: p.respondents for p in report.planned}
    # D1: subordinates U1, U2. U1: D1 + E1..E3 + peer U2. E1: U1 + peers E2, E3. E4: U2 + E5.
    assert planned == {"D1": 2, "U1": 5, "U2": 4, "E1": 3, "E2": 3, "E3": 3, "E4": 2}
    # E5 was appointed on 1 November: less than three months in the post in 2025.
    assert [s.employee.employee_id for s in report.excluded] == ["E5"]
    assert report.excluded[0].excluded_reason == "too_short_in_post"
    assert {p.subject.employee.employee_id for p in report.short(profile)} == {"D1", "E4"}
    subjects = {s.employee.employee_id: s for s in await CampaignRepo(session).subjects(report.campaign.id)}
    assert subjects["U1"].questionnaire == "heads" and subjects["E1"].questionnaire == "employees"

    with pytest.raises(CampaignError, match="fewer than 3 respondents for: D1 \\(2\\), E4 \\(2\\)"):
        await campaigns.start(session, profile, report.campaign.id, NOW)


async def test_replace_respondents_all_or_nothing(
    session: AsyncSession, today: date, profile: Profile
) -> None:
    await _import(session, today)
    report = await campaigns.create_360(
        session, profile, year=2025, deadline=date(2026, 1, 10), today=today, employee_ids=["D1"]
    )
    bad = [
        RespondentRow(2, "D1", "U1", "subordinate"),
        RespondentRow(3, "D1", "D1", "peer"),
        RespondentRow(4, "D1", "XX", "peer"),
    ]
    problems = await campaigns.replace_respondents(session, profile, report.campaign.id, bad)
    assert [p.describe(profile) for p in problems] == [
        "line 3: a person cannot be their own respondent (the self-assessment is automatic)",
        "line 4: 'XX' is not an active employee",
        "D1: 1 respondents, the methodology asks for 3 to 7",
    ]
    good = [
        RespondentRow(2, "D1", "U1", "subordinate"),
        RespondentRow(3, "D1", "U2", "subordinate"),
        RespondentRow(4, "D1", "E1", "peer"),
    ]
    assert await campaigns.replace_respondents(session, profile, report.campaign.id, good) == []
    assert (await CampaignRepo(session).respondent_counts(report.campaign.id)).popitem()[1] == 3


async def _running_round(session: AsyncSession, today: date, profile: Profile) -> int:
    await _import(session, today)
    await _bind_all(session)
    report = await campaigns.create_360(
        session,
        profile,
        year=2025,
        deadline=date(2026, 1, 10),
        today=today,
        employee_ids=["E1", "E2", "E3", "U1"],
    )
    started = await campaigns.start(session, profile, report.campaign.id, NOW)
    # Respondents of E1..E3 and U1: U1, E1, E2, E3, D1, U2 (each also answers the self-assessment).
    assert started.notified == 6 and started.not_joined == 0
    return report.campaign.id


async def test_start_queues_one_message_per_respondent(
    session: AsyncSession, today: date, profile: Profile
) -> None:
    campaign_id = await _running_round(session, today, profile)
    outbox = OutboxRepo(session)
    pending = await outbox.pending(100)
    assert len(pending) == 6 and {p.kind for p in pending} == {"round_started"}
    for item in pending:  # queueing again keeps one
        assert item.recipient_id is not None
        await outbox.enqueue(item.recipient_id, item.kind, campaign_id)
    assert len(await outbox.pending(100)) == 6
    with pytest.raises(CampaignError, match="only a draft round can start"):
        await campaigns.start(session, profile, campaign_id, NOW)


async def test_submitted_answers_lose_their_respondent(
    session: AsyncSession, today: date, profile: Profile
) -> None:
    campaign_id = await _running_round(session, today, profile)
    answers = AnswerRepo(session)
    ids = await EmployeeRepo(session).by_external_ids(["U1"])
    tasks = await answers.open_tasks(ids["U1"].id)
    # U1 answers about E1, E2, E3 (manager) and about themself.
    assert sorted(t.subject.employee_id for t in tasks) == ["E1", "E2", "E3", "U1"]
    assert tasks[-1].assignment.relation == "self"
    about_e1 = next(t for t in tasks if t.subject.employee_id == "E1")
    for statement_no in range(1, 25):
        await answers.save_draft(about_e1.assignment.id, statement_no, 3)
    await answers.save_draft(about_e1.assignment.id, 1, 5)  # a changed answer replaces the old one
    assert (await answers.drafts(about_e1.assignment.id))[1] == 5

    e1_questionnaire = profile.questionnaire(about_e1.questionnaire)
    assert await answers.submit(about_e1.assignment.id, e1_questionnaire)
    assert not await answers.submit(about_e1.assignment.id, e1_questionnaire)  # a double tap
    assert await session.scalar(select(func.count()).select_from(DraftAnswer)) == 0
    # While the round runs the submission is one sealed ballot: nothing is tallied or summed.
    assert await session.scalar(select(func.count()).select_from(Ballot)) == 1
    assert await session.scalar(select(func.count()).select_from(AnswerTally)) == 0
    assert await answers.competency_totals(campaign_id) == ({}, {})
    # Nothing in the ballots, the tallies or the sums can point back to U1.
    assert {c.name for c in Ballot.__table__.columns} == {"id", "campaign_id", "sealed"}
    assert {c.name for c in AnswerTally.__table__.columns} == {"subject_id", "statement_no", "score", "count"}
    assert {c.name for c in CompetencySum.__table__.columns} == {
        "subject_id",
        "self_assessed",
        "competency_no",
        "points",
        "answers",
    }

    own = next(t for t in tasks if t.assignment.relation == "self")
    for statement_no in range(1, 37):
        await answers.save_draft(own.assignment.id, statement_no, 4)
    own_questionnaire = profile.questionnaire(own.questionnaire)
    assert await answers.submit(own.assignment.id, own_questionnaire)
    assert await session.scalar(select(func.count()).select_from(SelfAnswer)) == 36
    others, selves = await answers.competency_totals(campaign_id, own.assignment.subject_id)
    assert list(others) == [] and selves[own.assignment.subject_id] == {
        competency.no: Total(4 * len(competency.statements), len(competency.statements))
        for competency in own_questionnaire.competencies
    }
    assert await session.scalar(select(func.count()).where(Assignment.submitted.is_(True))) == 2

    # Closing the round releases the results: the ballot counted, then gone.
    await campaigns.close(session, campaign_id, NOW)
    assert await session.scalar(select(func.count()).select_from(Ballot)) == 0
    tallies = (
        await session.execute(select(AnswerTally.statement_no, AnswerTally.score, AnswerTally.count))
    ).all()
    assert sorted(tallies)[:2] == [(1, 5, 1), (2, 3, 1)]
    assert len(tallies) == 24  # self never tallied
    # The sums are the tallies added up per competency, counted once.
    others, _ = await answers.competency_totals(campaign_id)
    assert others[about_e1.assignment.subject_id] == scoring.competency_totals(
        e1_questionnaire, (AnswerCount(no, score, count) for no, score, count in tallies)
    )
    assert others[about_e1.assignment.subject_id][1] == Total(5 + 3 + 3, 3)

    results = await campaign_results(session, profile, campaign_id)
    e1 = next(r for r in results if r.subject.employee.employee_id == "E1")
    assert e1.result.withheld and e1.result.n_respondents == 1
    assert "E1,1,,1" in results_csv(results)  # withheld: no mean in the export either


async def test_close_queues_reports(session: AsyncSession, today: date, profile: Profile) -> None:
    campaign_id = await _running_round(session, today, profile)
    closed = await campaigns.close(session, campaign_id, NOW)
    assert closed.reports_queued == 4
    assert len([p for p in await OutboxRepo(session).pending(100) if p.kind == "report_360"]) == 4
    assert await AnswerRepo(session).open_tasks((await _bind_all(session))["U1"]) == []
    with pytest.raises(CampaignError, match="only a running round can close"):
        await campaigns.close(session, campaign_id, NOW)


async def test_the_people_report_offers_are_those_a_closed_round_evaluated(
    session: AsyncSession, today: date, profile: Profile
) -> None:
    """/report's picker (handlers/survey360/person_report.py) offers exactly the people for
    whom ``latest_closed_round_of`` finds a round: not while the round runs, not the excluded."""
    repo = CampaignRepo(session)
    campaign_id = await _running_round(session, today, profile)
    assert await repo.evaluated_in_closed_rounds() == []
    await campaigns.close(session, campaign_id, NOW)
    offered = {p.employee_id for p in await repo.evaluated_in_closed_rounds()}
    assert offered == {"E1", "E2", "E3", "U1"}  # the picker orders them itself
    everyone = [p.employee_id for p in await EmployeeRepo(session).all()]
    assert {e for e in everyone if await repo.latest_closed_round_of(e) is not None} == offered
