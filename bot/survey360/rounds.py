"""360 rounds: creation from the org structure, respondents, start and close."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.eligibility import ineligibility_of
from bot.kernel.leaving import owed_in_writing
from bot.kernel.methodology import Profile, deadline_360_allowed, deadline_window_360, profile_of_round
from bot.kernel.scoring import is_withheld
from bot.kernel.workdays import WorkCalendar, bundled_calendar
from bot.survey360.respondent_rules import (
    RESPONDENT_RELATIONS,
    OrgPerson,
    Relation,
    RespondentCountProblem,
    propose_respondents,
    relation_between,
    respondent_count_problem,
)
from storage.dto import CampaignDTO, EmployeeDTO, SubjectDTO
from storage.outbox import OutboxRepo
from storage.staff.employees import EmployeeRepo
from storage.survey360.answers import AnswerRepo
from storage.survey360.campaigns import CampaignRepo, ProgressRepo
from storage.written_notices import WrittenNoticeRepo

ROUND_STARTED = "round_started"
REPORT_360 = "report_360"
TOO_FEW_RESPONDENTS = "too_few_respondents"


class CampaignError(Exception):
    """A request HR must correct; the message says how."""


class UnknownEmployeesError(CampaignError):
    """Ids HR gave that are not active people in the staff list; the bot says it in HR's words."""

    def __init__(self, unknown: list[str]) -> None:
        super().__init__("unknown or departed employees: " + ", ".join(unknown))
        self.unknown = unknown


class NobodyToEvaluateError(CampaignError):
    def __init__(self) -> None:
        super().__init__("there is nobody to evaluate: import the staff list first")


class ShortOfRespondentsError(CampaignError):
    """The round cannot start: these people have fewer respondents than the methodology asks."""

    def __init__(self, message: str, subjects: list[SubjectDTO]) -> None:
        super().__init__(message)
        self.subjects = subjects


def questionnaire_for(person: EmployeeDTO) -> str:
    return "heads" if person.role == "head" else "employees"


@dataclass(frozen=True, slots=True)
class SubjectPlan:
    subject: SubjectDTO
    respondents: int


@dataclass(frozen=True, slots=True)
class CreationReport:
    campaign: CampaignDTO
    planned: list[SubjectPlan]
    excluded: list[SubjectDTO]
    unbound_respondents: int

    def short(self, profile: Profile) -> list[SubjectPlan]:
        return [p for p in self.planned if p.respondents < profile.min_respondents]


async def create_360(
    session: AsyncSession,
    profile: Profile,
    *,
    year: int,
    deadline: date,
    today: date,
    employee_ids: Sequence[str] | None = None,
) -> CreationReport:
    if deadline < today:
        raise CampaignError(f"the deadline {deadline.isoformat()} has already passed")
    if not 2000 <= year <= today.year + 1:
        raise CampaignError(f"the year {year} is out of range")
    if not deadline_360_allowed(profile, year, deadline):
        first, last = deadline_window_360(profile, year)
        raise CampaignError(
            f"the deadline {deadline.isoformat()} is outside {first.isoformat()}..{last.isoformat()}: "
            f"the 360 evaluation of {year} is done by {last.isoformat()} (clause 4)"
        )
    employees = EmployeeRepo(session)
    people = await employees.all(active_only=True)
    if employee_ids:
        found = await employees.by_external_ids(employee_ids)
        unknown = [i for i in employee_ids if i not in found or not found[i].active]
        if unknown:
            raise UnknownEmployeesError(unknown)
        subjects = [found[i] for i in dict.fromkeys(employee_ids)]
    else:
        subjects = people
    if not subjects:
        raise NobodyToEvaluateError()

    repo = CampaignRepo(session)
    campaign = await repo.create(
        kind="360", year=year, deadline=deadline, profile_code=profile.code, profile_version=profile.version
    )
    org = {p.id: OrgPerson(p.id, p.manager_id, p.active) for p in people}
    by_id = {p.id: p for p in people}
    period_end = date(year, 12, 31)
    respondents_seen: set[int] = set()
    for person in subjects:
        subject_id = await repo.add_subject(campaign.id, person.id, questionnaire_for(person))
        reason = ineligibility_of(person, period_end, profile)
        if reason is not None:
            await repo.exclude_subject(subject_id, reason.value)
            continue
        proposal = propose_respondents(person.id, org, profile.max_respondents)
        await repo.set_respondents(subject_id, [(pk, rel.value) for pk, rel in proposal.respondents])
        await repo.add_self_assessment(subject_id, person.id)
        respondents_seen.update(pk for pk, _ in proposal.respondents)
        respondents_seen.add(person.id)
    return await _report(
        session, campaign, unbound=sum(1 for pk in respondents_seen if by_id[pk].telegram_user_id is None)
    )


async def draft_report(session: AsyncSession, campaign_id: int) -> CreationReport:
    """The creation report of an existing round, e.g. after HR changed its respondents."""
    repo = CampaignRepo(session)
    campaign = await _require(repo, campaign_id)
    respondents = {a.respondent_id for a in await repo.assignments(campaign_id)}
    people = await EmployeeRepo(session).many(respondents)
    return await _report(
        session, campaign, unbound=sum(1 for p in people.values() if p.telegram_user_id is None)
    )


async def _report(session: AsyncSession, campaign: CampaignDTO, unbound: int) -> CreationReport:
    repo = CampaignRepo(session)
    counts = await repo.respondent_counts(campaign.id)
    subjects = await repo.subjects(campaign.id)
    planned = [SubjectPlan(s, counts.get(s.id, 0)) for s in subjects if not s.excluded_reason]
    excluded = [s for s in subjects if s.excluded_reason]
    return CreationReport(campaign, planned, excluded, unbound)


@dataclass(frozen=True, slots=True)
class RespondentRow:
    line: int
    subject_id: str
    respondent_id: str
    relation: str


class RespondentIssue(StrEnum):
    ROUND_STARTED = "round_started"
    NOT_EVALUATED = "not_evaluated"
    NOT_ACTIVE = "not_active"
    SELF = "self"
    BAD_RELATION = "bad_relation"
    TWICE = "twice"
    COUNT = "count"


@dataclass(frozen=True, slots=True)
class RespondentProblem:
    """One thing wrong with HR's respondent list; the words come from whoever shows it."""

    issue: RespondentIssue
    line: int = 0
    subject_id: str = ""
    value: str = ""
    count: int = 0

    def describe(self, profile: Profile) -> str:
        texts = {
            RespondentIssue.ROUND_STARTED: "the round has started: respondents can only change before the start",
            RespondentIssue.NOT_EVALUATED: f"{self.value!r} is not evaluated in this round",
            RespondentIssue.NOT_ACTIVE: f"{self.value!r} is not an active employee",
            RespondentIssue.SELF: "a person cannot be their own respondent (the self-assessment is automatic)",
            RespondentIssue.BAD_RELATION: f"relation must be manager, subordinate or peer, not {self.value!r}",
            RespondentIssue.TWICE: f"{self.value!r} is listed twice for {self.subject_id!r}",
            RespondentIssue.COUNT: (
                f"{self.count} respondents, the methodology asks for "
                f"{profile.min_respondents} to {profile.max_respondents}"
            ),
        }
        where = f"line {self.line}: " if self.line else f"{self.subject_id}: " if self.subject_id else ""
        return where + texts[self.issue]


async def replace_respondents(
    session: AsyncSession, profile: Profile, campaign_id: int, rows: Sequence[RespondentRow]
) -> list[RespondentProblem]:
    """HR's own respondent lists, all or nothing: returns the problems, empty when applied."""
    repo = CampaignRepo(session)
    campaign = await _require(repo, campaign_id)
    if campaign.status != "draft":
        return [RespondentProblem(RespondentIssue.ROUND_STARTED)]
    subjects = {s.employee.employee_id: s for s in await repo.subjects(campaign_id, included_only=True)}
    people = await EmployeeRepo(session).by_external_ids({r.respondent_id for r in rows})
    problems: list[RespondentProblem] = []
    lists: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in rows:
        subject = subjects.get(row.subject_id)
        respondent = people.get(row.respondent_id)
        issue, value = None, ""
        if subject is None:
            issue, value = RespondentIssue.NOT_EVALUATED, row.subject_id
        elif respondent is None or not respondent.active:
            issue, value = RespondentIssue.NOT_ACTIVE, row.respondent_id
        elif respondent.id == subject.employee.id:
            issue = RespondentIssue.SELF
        elif row.relation not in {r.value for r in RESPONDENT_RELATIONS}:
            issue, value = RespondentIssue.BAD_RELATION, row.relation
        elif respondent.id in {pk for pk, _ in lists[row.subject_id]}:
            issue, value = RespondentIssue.TWICE, row.respondent_id
        if issue is not None:
            problems.append(RespondentProblem(issue, row.line, row.subject_id, value))
            continue
        assert respondent is not None
        lists[row.subject_id].append((respondent.id, row.relation))
    for subject_key, respondents in lists.items():
        if respondent_count_problem(len(respondents), profile.min_respondents, profile.max_respondents):
            problems.append(
                RespondentProblem(RespondentIssue.COUNT, subject_id=subject_key, count=len(respondents))
            )
    if problems:
        return problems
    for subject_key, respondents in lists.items():
        await repo.set_respondents(subjects[subject_key].id, respondents)
    return []


async def respondents_by_hand(
    session: AsyncSession, profile: Profile, campaign_id: int, subject_id: str, respondent_ids: Sequence[str]
) -> list[RespondentProblem]:
    """Replace one person's respondents with people HR names; each one's relation to the
    person follows from the org structure."""
    people = await EmployeeRepo(session).by_external_ids([subject_id, *respondent_ids])
    org = {p.employee_id: OrgPerson(p.id, p.manager_id, p.active) for p in people.values()}
    rows = [
        RespondentRow(
            line=0,
            subject_id=subject_id,
            respondent_id=respondent,
            relation=(
                relation_between(org[subject_id], org[respondent]).value
                if subject_id in org and respondent in org
                else Relation.PEER.value
            ),
        )
        for respondent in respondent_ids
    ]
    return await replace_respondents(session, profile, campaign_id, rows)


async def delete_draft(session: AsyncSession, campaign_id: int) -> bool:
    return await ProgressRepo(session).delete_draft(campaign_id)


async def _require(repo: CampaignRepo, campaign_id: int) -> CampaignDTO:
    campaign = await repo.get(campaign_id)
    if campaign is None:
        raise CampaignError(f"there is no round {campaign_id}")
    return campaign


@dataclass(frozen=True, slots=True)
class StartReport:
    notified: int
    not_joined: int
    skipped: list[SubjectDTO]


async def start(
    session: AsyncSession, profile: Profile, campaign_id: int, now: datetime, *, skip_short: bool = False
) -> StartReport:
    """Open the round and queue a message to every respondent who has joined the bot."""
    repo = CampaignRepo(session)
    campaign = await _require(repo, campaign_id)
    if campaign.status != "draft":
        raise CampaignError(f"round {campaign_id} is {campaign.status}, only a draft round can start")
    counts = await repo.respondent_counts(campaign_id)
    subjects = await repo.subjects(campaign_id, included_only=True)
    short = [
        s
        for s in subjects
        if respondent_count_problem(counts.get(s.id, 0), profile.min_respondents, profile.max_respondents)
        is RespondentCountProblem.TOO_FEW
    ]
    if short and not skip_short:
        names = ", ".join(f"{s.employee.employee_id} ({counts.get(s.id, 0)})" for s in short)
        raise ShortOfRespondentsError(
            f"fewer than {profile.min_respondents} respondents for: {names}. Assign respondents with "
            "campaign-respondents, or start with --skip-short to leave these people out of the round",
            short,
        )
    for subject in short:
        await repo.exclude_subject(subject.id, TOO_FEW_RESPONDENTS)
    excluded = {s.id for s in short}
    respondent_pks = {
        a.respondent_id for a in await repo.assignments(campaign_id) if a.subject_id not in excluded
    }
    people = await EmployeeRepo(session).many(respondent_pks)
    outbox = OutboxRepo(session)
    notified = 0
    for person in people.values():
        if person.telegram_user_id is not None and person.active:
            await outbox.enqueue(person.id, ROUND_STARTED, campaign_id)
            notified += 1
    await repo.set_status(campaign_id, "running", now)
    return StartReport(notified=notified, not_joined=len(people) - notified, skipped=short)


@dataclass(frozen=True, slots=True)
class CloseReport:
    reports_queued: int  # evaluated people in the bot: each is sent a report
    not_joined: int  # evaluated people not in the bot: nothing is sent to them
    in_writing: int = 0  # people who left: HR acquaints them in writing (000 clause 11)
    withheld: int = 0  # of the reports queued, those that say the result is withheld (too few answered)


async def close(
    session: AsyncSession,
    campaign_id: int,
    now: datetime,
    *,
    today: date | None = None,
    calendar: WorkCalendar | None = None,
) -> CloseReport:
    """Close the round, release its results (its sealed ballots counted into the tallies and
    deleted, storage/survey360/answers.py) and queue every evaluated person's report (one whose
    result is withheld says so, and why). Someone
    who has left the body gets nothing from the bot where the profile has them acquainted in
    writing: HR owes them a written notice within the profile's working days of ``today`` (the
    body's local day; the day of ``now`` when not given)."""
    repo = CampaignRepo(session)
    campaign = await _require(repo, campaign_id)
    if campaign.status != "running":
        raise CampaignError(f"round {campaign_id} is {campaign.status}, only a running round can close")
    # The status first: updating the round's row waits for submissions under way and keeps
    # new ones out (AnswerRepo.submit), so every ballot of the round is counted below.
    await repo.set_status(campaign_id, "closed", now)
    profile = profile_of_round(campaign)
    await AnswerRepo(session).release(campaign_id, profile.questionnaires)
    outbox = OutboxRepo(session)
    notices = WrittenNoticeRepo(session)
    subjects = await repo.subjects(campaign_id, included_only=True)
    states = await notices.staff_states(s.employee.id for s in subjects)
    due = (calendar or bundled_calendar()).add(today or now.date(), profile.acquaintance_working_days)
    colleagues = await repo.submitted_counts(campaign_id)  # colleagues' questionnaires, by subject
    queued = not_joined = in_writing = withheld = 0
    for subject in subjects:
        active, left_on = states[subject.employee.id]
        if owed_in_writing(profile, active=active, left_on=left_on):
            await notices.add_for_subject(subject.id, due, now)
            in_writing += 1
            continue
        if subject.employee.telegram_user_id is None:
            not_joined += 1
            continue
        await outbox.enqueue(subject.employee.id, REPORT_360, subject.id)
        queued += 1
        withheld += is_withheld(profile, colleagues.get(subject.id, 0))
    return CloseReport(reports_queued=queued, not_joined=not_joined, in_writing=in_writing, withheld=withheld)
