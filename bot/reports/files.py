"""The files HR hands to management, built from a round's results, each under the profile the
round was made under (``profile_of_round``), never the one configured since. Rendering is CPU
work: the bot's report jobs (bot/reports/jobs.py) read a ``Drawing`` here in a short session
and draw it in worker processes (bot/infra/workers.py), so that it keeps answering meanwhile;
the command line, with nothing else to answer, and the remaining forms (docs/heavy-work.md)
draw in a worker thread."""

from __future__ import annotations

# The forms drawn in the bot (in a worker thread) are imported by the functions that draw them,
# not here: the bot then loads fpdf and its libraries only once it draws one (docs/heavy-work.md).
import asyncio
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.formatting import current_locale, local_time
from bot.infra.workers import Imported, Workers
from bot.kernel.methodology import Profile, profile_of_round
from bot.legacy2018 import service as legacy
from bot.legacy2018.rules import competencies_for, indicator_group, quorum
from bot.quarterly.results import sheet_records
from bot.reports.rules import archive_name
from bot.survey360.results import SubjectResult, campaign_results, results_and_not_evaluated
from bot.survey360.rounds import CampaignError
from storage.dto import CampaignDTO, EmployeeDTO, SubjectDTO
from storage.legacy2018 import LegacyRepo
from storage.staff.employees import EmployeeRepo
from storage.survey360.campaigns import CampaignRepo
from storage.written_notices import WrittenNoticeRepo

T = TypeVar("T")

# The drawing code of the files drawn in worker processes, named rather than imported (see
# Imported). The rest is drawn in a worker thread, in the bot, and imported when first drawn.
PERSON_PDF = Imported("bot.survey360.result_pdf", "build_person_pdf")
MEMBER_PDF = Imported("bot.survey360.result_pdf", "build_member_pdf")  # a ZIP's, bot/reports/jobs.py
ROUND_WORKBOOK = Imported("bot.survey360.workbook", "build_round_workbook")
QUARTER_WORKBOOK = Imported("bot.quarterly.workbook", "build_quarter_workbook")
SHEET_PDF = Imported("bot.quarterly.sheet_pdf", "build_sheet_pdf")


@dataclass(frozen=True, slots=True)
class ReportFile:
    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Drawing:
    """A file read from the database and ready to draw: what to call, with what. Read inside a
    session, drawn after it (a report job holds no connection while it draws, bot/reports/jobs.py)."""

    name: str
    build: Callable[..., bytes]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]

    async def draw(self, workers: Workers | None = None) -> ReportFile:
        """In a worker process (the bot), or a worker thread (the command line)."""
        return ReportFile(self.name, await _render(workers, self.build, *self.args, **self.kwargs))


async def _render(workers: Workers | None, build: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    if workers is None:
        return await asyncio.to_thread(build, *args, **kwargs)
    return await workers.run(build, *args, **kwargs)


async def closed_round(session: AsyncSession, campaign_id: int) -> tuple[CampaignDTO, Profile]:
    """A closed 360 round and the profile it was made under (not the configured one)."""
    campaign = await CampaignRepo(session).get(campaign_id)
    if campaign is None or campaign.status != "closed":
        raise CampaignError(f"round {campaign_id} is not closed: reports exist for closed rounds only")
    return campaign, profile_of_round(campaign)


async def closed_results(
    session: AsyncSession, campaign_id: int, *, among: Collection[int] | None = None
) -> list[SubjectResult]:
    """The results of a closed round (or of the people ``among``: a page of a report job)."""
    _campaign, profile = await closed_round(session, campaign_id)
    return await campaign_results(session, profile, campaign_id, among=among)


async def closed_subjects(
    session: AsyncSession, campaign_id: int, unit: str | None = None
) -> list[SubjectDTO]:
    """Who a closed round evaluated (of one unit): the index a report job pages through,
    a few hundred bytes a person, without their results."""
    await closed_round(session, campaign_id)
    subjects = await CampaignRepo(session).subjects(campaign_id, included_only=True)
    return [s for s in subjects if unit in (None, s.employee.unit)]


async def round_workbook(session: AsyncSession, campaign_id: int, today: date) -> Drawing:
    """The round's workbook: one sheet holds everyone, so the round is read whole, once."""
    campaign, profile = await closed_round(session, campaign_id)
    results, not_evaluated = await results_and_not_evaluated(session, profile, campaign_id)
    return Drawing(
        f"360-{campaign.year}-round-{campaign_id}.xlsx",
        ROUND_WORKBOOK,
        (results, profile),
        {"generated_on": today, "not_evaluated": not_evaluated},
    )


async def person_pdf(session: AsyncSession, campaign_id: int, employee_id: str) -> Drawing:
    """One person's result PDF: that person's results only are read."""
    campaign, profile = await closed_round(session, campaign_id)
    subject_id = await CampaignRepo(session).subject_of(campaign_id, employee_id)
    found = (
        await campaign_results(session, profile, campaign_id, subject_id=subject_id)
        if subject_id is not None
        else []
    )
    if not found:
        raise CampaignError(f"{employee_id} is not evaluated in round {campaign_id}")
    return Drawing(f"360-{campaign.year}-{employee_id}.pdf", PERSON_PDF, (found[0], profile), {})


async def round_archive(session: AsyncSession, campaign_id: int, unit: str | None = None) -> ReportFile:
    """The command line's ZIP, in memory (the bot's is a report job, bot/reports/jobs.py)."""
    from bot.survey360.archive import build_pdf_archive

    _campaign, profile = await closed_round(session, campaign_id)
    results = [
        r
        for r in await campaign_results(session, profile, campaign_id)
        if unit in (None, r.subject.employee.unit)
    ]
    if not results:
        raise CampaignError(f"nobody from {unit!r} is evaluated in round {campaign_id}")
    data = await asyncio.to_thread(build_pdf_archive, results, profile)
    return ReportFile(archive_name(results[0].campaign.year, unit, current_locale()), data)


async def closed_units(session: AsyncSession, campaign_id: int) -> list[str]:
    return sorted({s.employee.unit for s in await closed_subjects(session, campaign_id)})


async def latest_closed_round_of(session: AsyncSession, employee_id: str) -> int | None:
    """The most recent closed round that evaluated this person."""
    return await CampaignRepo(session).latest_closed_round_of(employee_id)


async def evaluated_in_closed_rounds(session: AsyncSession) -> list[EmployeeDTO]:
    """The people ``latest_closed_round_of`` finds a round for: whose report /report can draw."""
    return await CampaignRepo(session).evaluated_in_closed_rounds()


async def started_quarter(session: AsyncSession, campaign_id: int) -> tuple[CampaignDTO, Profile]:
    """A started quarterly round and the profile it was made under (not the configured one)."""
    campaign = await CampaignRepo(session).get(campaign_id)
    if campaign is None or campaign.quarter is None or campaign.status == "draft":
        raise CampaignError(f"round {campaign_id} is not a started quarterly round")
    return campaign, profile_of_round(campaign)


async def quarter_workbook(session: AsyncSession, campaign_id: int, now: datetime) -> Drawing:
    """The quarter's workbook for HR: every sheet, submitted or not, and who is not evaluated."""
    campaign, profile = await started_quarter(session, campaign_id)
    records = await sheet_records(session, profile, campaign_id)
    return Drawing(
        f"quarter-{campaign.year}-Q{campaign.quarter}.xlsx",
        QUARTER_WORKBOOK,
        (records, profile),
        {"year": campaign.year, "quarter": campaign.quarter, "created_at": now},
    )


async def sheet_pdf(session: AsyncSession, campaign_id: int, sheet_id: int, now: datetime) -> Drawing:
    """One person's sheet (appendix 2 or 4) as a PDF; the caller checks clause 20."""
    _campaign, profile = await started_quarter(session, campaign_id)
    records = await sheet_records(session, profile, campaign_id, sheet_id=sheet_id)
    if not records or records[0].status != "submitted":
        raise CampaignError(f"sheet {sheet_id} is not submitted")
    record = records[0]
    return Drawing(
        f"quarter-{record.year}-Q{record.quarter}-{record.employee_code}.pdf",
        SHEET_PDF,
        (record, profile),
        {"created_at": now},
    )


async def written_letter(session: AsyncSession, notice_id: int, now: datetime) -> ReportFile:
    """The letter for a person who left (000 clause 11, second part; 003 clauses 12 and 69):
    with the quarterly sheet, the 360 year's result and grade, or the 2018 year's grade, each
    under the profile its round was scored by. The caller checks clause 20."""
    notice = await WrittenNoticeRepo(session).get(notice_id)
    if notice is None:
        raise CampaignError(f"there is no written notice {notice_id}")
    if notice.subject_id is not None:
        return await _letter_360(session, notice.campaign_id, notice.subject_id, now)
    if notice.legacy_sheet_id is not None:
        return await _letter_2018(session, notice.legacy_sheet_id, now)
    _campaign, profile = await started_quarter(session, notice.campaign_id)
    records = await sheet_records(session, profile, notice.campaign_id, sheet_id=notice.sheet_id)
    if not records or records[0].status != "submitted":
        raise CampaignError(f"notice {notice_id} has no result to send")
    record = records[0]
    from bot.quarterly.letter_pdf import build_letter_pdf

    data = await asyncio.to_thread(build_letter_pdf, record, profile, created_at=now)
    return ReportFile(f"notice-{record.year}-Q{record.quarter}-{record.employee_code}.pdf", data)


async def _letter_360(session: AsyncSession, campaign_id: int, subject_id: int, now: datetime) -> ReportFile:
    campaign = await CampaignRepo(session).get(campaign_id)
    assert campaign is not None
    profile = profile_of_round(campaign)
    found = await campaign_results(session, profile, campaign_id, subject_id=subject_id)
    if not found:
        raise CampaignError(f"subject {subject_id} has no result")
    from bot.reports.letters import build_360_letter

    data = await asyncio.to_thread(build_360_letter, found[0], profile, created_at=now)
    return ReportFile(f"notice-{campaign.year}-360-{found[0].subject.employee.employee_id}.pdf", data)


async def _letter_2018(session: AsyncSession, sheet_id: int, now: datetime) -> ReportFile:
    sheet = await LegacyRepo(session).sheet(sheet_id)
    campaign = await CampaignRepo(session).get(sheet.campaign_id) if sheet is not None else None
    if sheet is None or campaign is None or not sheet.released:
        raise CampaignError(f"2018-method sheet {sheet_id} has no released result")
    profile, rules = legacy.rules_of(campaign)
    person = (await EmployeeRepo(session).many({sheet.employee_id}))[sheet.employee_id]
    from bot.reports.letters import build_2018_letter

    data = await asyncio.to_thread(
        build_2018_letter, sheet, person, campaign.year, profile, rules, created_at=now
    )
    return ReportFile(f"notice-{campaign.year}-2018-{person.employee_id}.pdf", data)


async def legacy_protocol(
    session: AsyncSession, campaign_id: int, organisation: str, now: datetime, *, sitting: int | None = None
) -> ReportFile:
    """The protocol of a sitting of a 2018-method round's commission (004 appendix 5), once it
    is over: sitting number ``sitting`` (default: the latest over). It lists the results that
    sitting decided, its own attendance, conclusion and votes."""
    from bot.legacy2018.forms_pdf import LegacyProtocol, ProtocolLine, build_legacy_protocol_pdf

    repo = LegacyRepo(session)
    campaign = await CampaignRepo(session).get(campaign_id)
    commission = await repo.commission(campaign_id) if campaign is not None else None
    over = [s for s in commission.sittings if s.over] if commission is not None else []
    chosen = next((s for s in reversed(over) if sitting is None or s.number == sitting), None)
    if campaign is None or commission is None or chosen is None:
        raise legacy.LegacyError(f"the commission of round {campaign_id} has not held that sitting yet")
    profile, rules = legacy.rules_of(campaign)
    locale = current_locale()
    grades = {g.code: g.name.get(locale) for g in rules.kpi_count.grades}
    sheets = [s for s in await repo.sheets(campaign_id) if s.decided_in_sitting_id == chosen.id]
    names = await EmployeeRepo(session).many(
        {s.employee_id for s in sheets} | set(commission.members) | {commission.secretary_id or 0}
    )
    lines = []
    for sheet in sheets:
        votes = await repo.votes(chosen.id, sheet.id)
        competencies = await repo.competency_results(sheet.id)
        revised = Counter(v.corrected_grade for v in votes if v.choice == "revise" and v.corrected_grade)
        person = names[sheet.employee_id]
        lines.append(
            ProtocolLine(
                person=person.full_name,
                position=person.position,
                kpi_met=sheet.kpi_met or 0,
                kpis=rules.kpi_count.kpis,
                grade=grades.get(sheet.kpi_grade or "", "—"),
                competencies_met=sum(c.meets for c in competencies) if rules.competencies else None,
                competencies=len(competencies) if rules.competencies else None,
                corrected=grades.get(sheet.corrected_grade or "") if sheet.decision == "revise" else None,
                proposal=sheet.recommendation or "",
                approve_votes=sum(1 for v in votes if v.choice == "approve"),
                revise_votes=[(grades[code], count) for code, count in sorted(revised.items())],
            )
        )
    chair = names.get(commission.chair_id or 0)
    protocol = LegacyProtocol(
        organisation=organisation,
        year=campaign.year,
        number=chosen.number,
        sitting_at=chosen.sitting_at,
        lines=lines,
        conclusion=chosen.conclusion or "",
        secretary=names[commission.secretary_id].full_name if commission.secretary_id in names else "",
        chair=chair.full_name if chair else "",
        members=[names[m].full_name for m in commission.members if m != commission.chair_id and m in names],
        present=len(chosen.present),
        quorum=quorum(rules.commission, len(commission.members)),
        approved_by=chosen.approved_by_name,
        approved_on=local_time(chosen.approved_at).date() if chosen.approved_at else None,
    )
    data = await asyncio.to_thread(build_legacy_protocol_pdf, protocol, profile, created_at=now)
    return ReportFile(f"protocol-{campaign.year}-{campaign_id}-sitting-{chosen.number}.pdf", data)


async def legacy_sheets(session: AsyncSession, sheet_id: int, now: datetime) -> ReportFile:
    """A person's KPI sheet and competency sheet of a 2018-method year (004 appendices 2-3)."""
    from bot.legacy2018.forms_pdf import PersonSheets, SheetCompetency, SheetKpi, build_sheets_pdf

    repo = LegacyRepo(session)
    sheet = await repo.sheet(sheet_id)
    campaign = await CampaignRepo(session).get(sheet.campaign_id) if sheet is not None else None
    if sheet is None or campaign is None or sheet.excluded_reason is not None:
        raise legacy.LegacyError(f"there is no sheet {sheet_id} to print")
    profile, rules = legacy.rules_of(campaign)
    locale = current_locale()
    grades = {g.code: g.name.get(locale) for g in rules.kpi_count.grades}
    person = (await EmployeeRepo(session).many({sheet.employee_id}))[sheet.employee_id]
    kpis = [
        SheetKpi(
            k.no, k.name, k.unit, k.planned, k.actual or "", k.met if sheet.kpi_status != "open" else None
        )
        for k in await repo.kpis(sheet.id)
    ]
    competencies = None
    note = None
    if rules.competencies is not None:
        sheet_rules = rules.competencies
        verdicts = {r.competency_no: r for r in await repo.competency_results(sheet.id)}
        seen = await repo.indicators_seen(sheet.id)
        assessed = {c.no for c in competencies_for(sheet_rules, serves_public=sheet.serves_public)}
        competencies = []
        for competency in sheet_rules.competencies:
            star = "*" if competency.public_service_only else ""
            verdict = verdicts.get(competency.no)
            not_seen: list[str] = []
            if verdict is not None and not verdict.meets and sheet.position_category:
                group = indicator_group(competency, sheet.position_category, heads_unit=sheet.heads_unit)
                shown = seen.get(competency.no, set())
                not_seen = [t.get(locale) for i, t in enumerate(group.effective) if i not in shown]
            competencies.append(
                SheetCompetency(
                    competency.no,
                    competency.sheet_name.get(locale) + star,
                    competency.no in assessed,
                    verdict.meets if verdict is not None else None,
                    not_seen,
                )
            )
        note = sheet_rules.public_service_note.get(locale) if sheet_rules.public_service_note else None
    forms = PersonSheets(
        person=person.full_name,
        position=person.position,
        unit=person.unit,
        year=campaign.year,
        kpis=kpis,
        grade=grades.get(sheet.kpi_grade or "") if sheet.kpi_status in ("submitted", "agreed") else None,
        grade_names=[g.name.get(locale) for g in rules.kpi_count.grades],
        competencies=competencies,
        public_service_note=note,
    )
    data = await asyncio.to_thread(build_sheets_pdf, forms, profile, created_at=now)
    return ReportFile(f"sheets-{campaign.year}-{person.employee_id}.pdf", data)
