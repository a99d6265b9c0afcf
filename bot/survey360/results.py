"""360 results: per-competency means without the self-assessment, and their exports."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING

from bot.infra.formatting import KAZAKHSTAN_TIME
from bot.kernel.cells import csv_text
from bot.kernel.methodology import Profile, Questionnaire
from bot.kernel.scoring import Result360, compute_360_result
from storage.dto import CampaignDTO, EmployeeDTO, SubjectDTO

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.survey360.campaigns import CampaignRepo

# The repositories (and so SQLAlchemy) are imported by the functions that read, not at the top:
# a worker process unpickling a SubjectResult imports this module, and SQLAlchemy would add
# some 35 MiB to each worker for nothing (docs/heavy-work.md).


@dataclass(frozen=True, slots=True)
class SubjectResult:
    campaign: CampaignDTO
    subject: SubjectDTO
    questionnaire: Questionnaire
    result: Result360


def report_created_at(item: SubjectResult) -> datetime:
    """The date written into a report when none is given: the round's deadline, so that the
    same round always gives the same bytes."""
    return datetime.combine(item.campaign.deadline, time(0, 0), tzinfo=KAZAKHSTAN_TIME)


async def campaign_results(
    session: AsyncSession,
    profile: Profile,
    campaign_id: int,
    *,
    subject_id: int | None = None,
    among: Collection[int] | None = None,
) -> list[SubjectResult]:
    """Results of every person evaluated in a round, of one of them, or of the people
    ``among`` (a page of a report job: a large round is never read whole, bot/reports/jobs.py)."""
    repo = _campaigns(session)
    campaign = await repo.get(campaign_id)
    if campaign is None:
        return []
    # One person's report (as the delivery sends them) asks the database about that person only.
    subjects = await repo.subjects(campaign_id, included_only=True, subject_id=subject_id, among=among)
    return await _results(session, profile, campaign, subjects, subject_id=subject_id, among=among)


async def results_and_not_evaluated(
    session: AsyncSession, profile: Profile, campaign_id: int
) -> tuple[list[SubjectResult], list[SubjectDTO]]:
    """The round's workbook: the results of everyone it evaluates, and those it was made for
    but does not evaluate (with the stored reason), from one reading of who is in it."""
    repo = _campaigns(session)
    campaign = await repo.get(campaign_id)
    if campaign is None:
        return [], []
    subjects = await repo.subjects(campaign_id)
    results = await _results(session, profile, campaign, [s for s in subjects if s.excluded_reason is None])
    return results, [s for s in subjects if s.excluded_reason]


async def _results(
    session: AsyncSession,
    profile: Profile,
    campaign: CampaignDTO,
    subjects: Sequence[SubjectDTO],
    *,
    subject_id: int | None = None,
    among: Collection[int] | None = None,
) -> list[SubjectResult]:
    """The results of ``subjects``, read by the same filter (one person, a page, the round)."""
    from storage.survey360.answers import AnswerRepo

    others, own = await AnswerRepo(session).competency_totals(campaign.id, subject_id, among=among)
    submitted = await _campaigns(session).submitted_counts(campaign.id, subject_id, among=among)
    results = []
    for subject in subjects:
        questionnaire = profile.questionnaire(subject.questionnaire)
        result = compute_360_result(
            profile,
            questionnaire,
            others.get(subject.id, {}),
            own.get(subject.id, {}),
            submitted.get(subject.id, 0),
        )
        results.append(SubjectResult(campaign, subject, questionnaire, result))
    return results


async def acknowledge_report(
    session: AsyncSession, employee: EmployeeDTO, subject_id: int, now: datetime
) -> bool:
    """The person has read their 360 report (clause 11); False if it is not theirs or was noted."""
    return await _campaigns(session).acknowledge_report(subject_id, employee.id, now)


def _campaigns(session: AsyncSession) -> CampaignRepo:
    from storage.survey360.campaigns import CampaignRepo

    return CampaignRepo(session)


CSV_COLUMNS = ("employee_id", "competency_no", "mean", "n_responses")


def results_csv(results: Sequence[SubjectResult]) -> str:
    """One row per person and competency. A withheld result (too few responses to keep the
    respondents anonymous) has an empty mean. The ids came from an uploaded file: they are
    written as text that no spreadsheet runs."""
    rows: list[tuple[str, int, str, int]] = []
    for item in results:
        for competency in item.result.competencies:
            mean = "" if competency.mean is None else f"{competency.mean:.2f}"
            rows.append(
                (item.subject.employee.employee_id, competency.competency_no, mean, item.result.n_respondents)
            )
    return csv_text([CSV_COLUMNS, *rows])
