"""The 2018 method's commands of ``python -m bot`` (see bot/cli.py): a year's round under a
kz-2018 profile, where it stands, and its evaluation commission."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.cli_failures import Parser, output_file, profile_code, record_id, sitting_number, year
from bot.infra.config import Settings
from bot.kernel.clock import SystemClock, local_naive, utc_from_local
from bot.kernel.methodology import load_profile
from bot.legacy2018 import commission as legacy_commission
from bot.legacy2018 import service as legacy
from bot.legacy2018 import sheets as legacy_sheets
from bot.legacy2018.rules import back_from_absence
from bot.legacy2018.service import LegacyError, Refusal
from bot.quarterly.uploads import load_legacy_plans_file
from bot.staff.access import COMMAND_LINE
from storage.dto import CampaignDTO
from storage.legacy2018 import LEGACY, LegacyRepo
from storage.staff.employees import EmployeeRepo
from storage.survey360.campaigns import CampaignRepo

OK, INPUT_ERROR = 0, 1
Command = Callable[[AsyncSession, argparse.Namespace, Settings], Awaitable[int]]


def add_commands(commands: argparse._SubParsersAction[Parser]) -> None:
    start = commands.add_parser(
        "legacy-start", help="start a year under the 2018 method (a kz-2018 profile): a sheet for everyone"
    )
    start.add_argument("--year", type=year, required=True)
    start.add_argument(
        "--deadline", type=date.fromisoformat, required=True, help="YYYY-MM-DD, after the year"
    )
    start.add_argument(
        "--profile",
        type=profile_code,
        help="the profile that scores the round: a bundled code or a body's profile file (default: METHODOLOGY_PROFILE)",
    )
    plans = commands.add_parser(
        "legacy-plans-import", help="import the 2018 method's work plans (appendix 1, 5 KPIs a person)"
    )
    plans.add_argument("campaign_id", type=record_id)
    plans.add_argument("file", type=Path)
    status = commands.add_parser("legacy-status", help="where a 2018-method round stands")
    status.add_argument("campaign_id", type=record_id)
    commission = commands.add_parser("legacy-commission", help="name a round's evaluation commission")
    commission.add_argument("campaign_id", type=record_id)
    commission.add_argument("--members", required=True, help="staff ids, comma-separated (at least 5)")
    commission.add_argument("--chair", required=True, help="the chair's staff id (one of the members)")
    commission.add_argument("--secretary", help="the secretary's staff id (HR; does not vote)")
    schedule = commands.add_parser(
        "legacy-schedule",
        help="set the commission's next sitting (local time), or move the one scheduled; a further "
        "sitting decides the results earlier ones left undecided",
    )
    schedule.add_argument("campaign_id", type=record_id)
    schedule.add_argument("--at", type=datetime.fromisoformat, required=True, help="YYYY-MM-DD HH:MM")
    opening = commands.add_parser(
        "legacy-open", help="open the commission's sitting: its members vote in the bot"
    )
    opening.add_argument("campaign_id", type=record_id)
    closing = commands.add_parser(
        "legacy-close",
        help="close the sitting: each result decided by the votes cast; the authorised person is asked to "
        "approve them",
    )
    closing.add_argument("campaign_id", type=record_id)
    closing.add_argument("--conclusion", help="the commission's conclusion for the protocol")
    approval = commands.add_parser(
        "legacy-approve",
        help="record the authorised person's approval of a sitting's results given on paper (clause 39): "
        "the results then go to the people",
    )
    approval.add_argument("campaign_id", type=record_id)
    approval.add_argument(
        "--sitting", type=sitting_number, help="the sitting's number (default: the latest held)"
    )
    approval.add_argument("--by", required=True, help="who approved: a staff id, or the name as on the paper")
    approval.add_argument(
        "--on", type=date.fromisoformat, required=True, help="YYYY-MM-DD, the date of the approval"
    )
    refusal = commands.add_parser(
        "legacy-refusal",
        help="record that a person refused to acquaint themselves with the result (clause 41)",
    )
    refusal.add_argument("campaign_id", type=record_id)
    refusal.add_argument("employee_id")
    refusal.add_argument("--act", required=True, help="the act: its date and who signed it")
    sheets = commands.add_parser(
        "legacy-sheets-pdf", help="a person's KPI and competency sheets (appendices 2-3) as PDF"
    )
    sheets.add_argument("campaign_id", type=record_id)
    sheets.add_argument("employee_id")
    sheets.add_argument("--lang", choices=["kk", "ru", "en"], help="default: DEFAULT_LOCALE")
    sheets.add_argument("--output", type=output_file, required=True)
    protocol = commands.add_parser(
        "legacy-protocol", help="the protocol of a sitting of the commission (appendix 5) as PDF"
    )
    protocol.add_argument("campaign_id", type=record_id)
    protocol.add_argument(
        "--sitting", type=sitting_number, help="the sitting's number (default: the latest held)"
    )
    protocol.add_argument("--lang", choices=["kk", "ru", "en"], help="default: DEFAULT_LOCALE")
    protocol.add_argument("--output", type=output_file, required=True)
    absent = commands.add_parser(
        "legacy-absent",
        help="a person absent during the evaluation, evaluated within 5 working days of being back (clause 4)",
    )
    absent.add_argument("campaign_id", type=record_id)
    absent.add_argument("employee_id")
    absent.add_argument(
        "--until", type=date.fromisoformat, required=True, help="YYYY-MM-DD, the last day of the absence"
    )
    appeal = commands.add_parser(
        "legacy-appeal", help="note an appeal to the civil service agency (clause 43)"
    )
    appeal.add_argument("campaign_id", type=record_id)
    appeal.add_argument("employee_id")
    appeal.add_argument("--filed-on", type=date.fromisoformat, required=True, help="YYYY-MM-DD")


async def _round(session: AsyncSession, campaign_id: int) -> CampaignDTO:
    campaign = await CampaignRepo(session).get(campaign_id)
    if campaign is None or campaign.kind != LEGACY:
        raise LegacyError(f"there is no 2018-method round {campaign_id}")
    return campaign


async def _start(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    profile = load_profile(args.profile or settings.methodology_profile)
    clock = SystemClock(settings.zone)
    started = await legacy.start_year(
        session,
        profile,
        args.year,
        args.deadline,
        settings.calendar,
        today=clock.today(),
        now=clock.now(),
        actor=COMMAND_LINE,
    )
    print(
        f"round {started.campaign.id}: {args.year} under {profile.code} ({profile.version}), "
        f"{started.sheets} people to evaluate; plans (5 KPIs each) due by {started.plan_due}"
    )
    for reason, count in sorted(started.excluded.items()):
        print(f"  not evaluated ({reason}): {count}")
    if started.without_category:
        shown = ", ".join(started.without_category[:20])
        print(f"  no post category of appendix 4 in the staff list, so no competency sheet yet: {shown}")
    return OK


async def _plans(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    campaign = await _round(session, args.campaign_id)
    _profile, rules = legacy.rules_of(campaign)
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise LegacyError(f"cannot read {args.file}: {exc.strerror}") from exc
    validation = load_legacy_plans_file(data, args.file.name, rules.kpi_count.kpis)
    if not validation.ok:
        print(f"{args.file}: {len(validation.errors)} problem(s), nothing saved:", file=sys.stderr)
        for error in validation.errors:
            print(f"  {error.describe()}", file=sys.stderr)
        return INPUT_ERROR
    report = await legacy_sheets.import_plans(session, campaign, validation.plans, None)
    if not report.ok:
        print(f"{len(report.problems)} problem(s), nothing saved:", file=sys.stderr)
        for code, problem in report.problems:
            print(f"  {code}: {problem}", file=sys.stderr)
        return INPUT_ERROR
    print(f"round {campaign.id}: plans of {len(report.saved)} people saved ({', '.join(report.saved)})")
    return OK


async def _status(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    campaign = await _round(session, args.campaign_id)
    _profile, rules = legacy.rules_of(campaign)
    sheets = [s for s in await LegacyRepo(session).sheets(campaign.id) if s.excluded_reason is None]
    counts = Counter[str]()
    for sheet in sheets:
        counts[f"plan {sheet.plan_status}"] += 1
        counts[f"KPI sheet {sheet.kpi_status}"] += 1
        counts[
            "competency sheet submitted" if sheet.competencies_submitted_at else "competency sheet open"
        ] += 1
        counts["ready for the commission" if legacy.ready_for_commission(sheet, rules) else "not ready"] += 1
        if sheet.decision:
            counts[f"decided: {sheet.decision}"] += 1
        elif sheet.absence_due:
            counts["absent, to be evaluated by their own deadline (clause 4)"] += 1
    print(f"round {campaign.id}: {campaign.year} under {campaign.profile_code} ({campaign.profile_version})")
    for label, count in sorted(counts.items()):
        print(f"  {label}: {count}")
    commission = await LegacyRepo(session).commission(campaign.id)
    if commission is not None:
        print(f"  commission: {len(commission.members)} members, {len(commission.sittings)} sitting(s)")
    for sitting in commission.sittings if commission is not None else ():
        when = local_naive(sitting.sitting_at, settings.zone).strftime("%Y-%m-%d %H:%M")
        decided = sum(1 for s in sheets if s.decided_in_sitting_id == sitting.id)
        if sitting.approved_at is not None:
            approval = f", approved on {local_naive(sitting.approved_at, settings.zone):%Y-%m-%d} by "
            approval += sitting.approved_by_name or "-"
        elif sitting.status == "closed" and decided:
            approval = ", awaiting approval by the authorised person"
        else:
            approval = ""
        print(
            f"  sitting {sitting.number}: {when}, {sitting.status}, {len(sitting.present)} present, "
            f"{decided} decided{approval}"
        )
    return OK


async def _commission(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    campaign = await _round(session, args.campaign_id)
    codes = [code.strip() for code in args.members.split(",") if code.strip()]
    wanted = [*codes, args.chair, *([args.secretary] if args.secretary else [])]
    found = await EmployeeRepo(session).by_external_ids(wanted)
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise LegacyError(f"not in the staff list: {', '.join(unknown)}")
    outcome = await legacy_commission.name_commission(
        session,
        campaign,
        [found[code].id for code in codes],
        found[args.chair].id,
        found[args.secretary].id if args.secretary else None,
        actor=COMMAND_LINE,
        now=SystemClock(settings.zone).now(),
    )
    if outcome is Refusal.BAD_COMPOSITION:
        _profile, rules = legacy.rules_of(campaign)
        raise LegacyError(
            f"a commission needs at least {rules.commission.min_members} members with the chair among them, "
            f"and a secretary who is not a member"
        )
    if isinstance(outcome, Refusal):
        raise LegacyError("the round has a commission already")
    print(f"round {campaign.id}: commission of {len(codes)} named, chaired by {args.chair}")
    return OK


async def _schedule(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    campaign = await _round(session, args.campaign_id)
    clock = SystemClock(settings.zone)
    at: datetime = args.at.replace(tzinfo=None)  # as the clock in the body's time zone shows it
    outcome = await legacy_commission.schedule_sitting(
        session,
        campaign,
        at,
        today=clock.today(),
        now=clock.now(),
        calendar=settings.calendar,
        zone=settings.zone,
    )
    if outcome is Refusal.TOO_SOON:
        _profile, rules = legacy.rules_of(campaign)
        raise LegacyError(
            f"the sitting must be in working hours (09:00-19:00) on a working day at least "
            f"{rules.commission.notice_working_days} working days from today, so that the evaluators are told in time"
        )
    if outcome is Refusal.SITTING_OPEN:
        raise LegacyError("a sitting is under way: close it first (legacy-close)")
    if outcome is Refusal.NOTHING_TO_DECIDE:
        raise LegacyError("every result of the year is decided: nothing is left for another sitting")
    if outcome is not None:
        raise LegacyError("name the commission first (legacy-commission)")
    evaluators = await legacy.evaluators_to_notify(session, campaign)
    commission = await LegacyRepo(session).commission(campaign.id)
    assert commission is not None and commission.latest is not None
    print(
        f"round {campaign.id}: sitting {commission.latest.number} on {at:%Y-%m-%d %H:%M}; "
        f"{len(evaluators)} evaluator(s) to be told"
    )
    return OK


async def _open(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    campaign = await _round(session, args.campaign_id)
    opened = await legacy_commission.open_sitting(session, campaign)
    if isinstance(opened, Refusal):
        raise LegacyError("the commission has no sitting scheduled (legacy-schedule)")
    commission, sitting = opened
    _profile, rules = legacy.rules_of(campaign)
    before = legacy_commission.before_sitting(await LegacyRepo(session).sheets(campaign.id), rules)
    print(
        f"round {campaign.id}: sitting {sitting.number} open; {len(commission.members)} members asked to vote "
        f"on {len(before)} result(s)"
    )
    return OK


async def _close(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    campaign = await _round(session, args.campaign_id)
    clock = SystemClock(settings.zone)
    outcome = await legacy_commission.close_sitting(
        session, campaign, conclusion=args.conclusion, now=clock.now()
    )
    if not outcome.quorate:
        print(
            f"round {campaign.id}: sitting {outcome.number}: no quorum (two thirds of the members must vote); "
            f"nothing decided; set another sitting (legacy-schedule)"
        )
        return INPUT_ERROR
    left = len(legacy.undecided(await LegacyRepo(session).sheets(campaign.id)))
    print(
        f"round {campaign.id}: sitting {outcome.number} closed; {outcome.decided} result(s) decided, "
        f"{outcome.revised} revised; "
        + (
            f"they await the authorised person's approval ({outcome.approvers} account(s) asked; "
            f"or legacy-approve)"
            if outcome.approvers
            else "they await the authorised person's approval, but nobody holds the role: grant it "
            "(grant-role ... authorised) or record an approval on paper (legacy-approve)"
        )
        + (
            f"; {outcome.no_majority} without a majority of the members present (clause 33)"
            if outcome.no_majority
            else ""
        )
        + (f"; {left} still undecided: another sitting may be set (legacy-schedule)" if left else "")
    )
    return OK


async def _approve(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    campaign = await _round(session, args.campaign_id)
    clock = SystemClock(settings.zone)
    commission = await LegacyRepo(session).commission(campaign.id)
    over = [s for s in commission.sittings if s.over] if commission is not None else []
    sitting = next((s for s in reversed(over) if args.sitting in (None, s.number)), None)
    if sitting is None:
        raise LegacyError("the commission has not closed that sitting (legacy-close)")
    if args.on > clock.today() or (
        sitting.closed_at and args.on < local_naive(sitting.closed_at, settings.zone).date()
    ):
        raise LegacyError("the approval's date falls before the sitting closed, or is still to come")
    # The paper gives the day only: the approval is taken at noon of it (the moment of today's).
    at = (
        clock.now()
        if args.on == clock.today()
        else utc_from_local(datetime.combine(args.on, time(12)), settings.zone)
    )
    approved = await legacy_commission.approve_results(
        session,
        sitting.id,
        await legacy_commission.approver_named(session, args.by),
        actor=COMMAND_LINE,
        on=args.on,
        at=at,
        now=clock.now(),
        calendar=settings.calendar,
    )
    if approved is Refusal.ALREADY_APPROVED:
        raise LegacyError(f"the results of sitting {sitting.number} are approved already")
    if isinstance(approved, Refusal):
        raise LegacyError(f"sitting {sitting.number} decided no result: there is nothing to approve")
    print(
        f"round {campaign.id}: sitting {sitting.number}: {approved.decided} result(s) approved on {args.on} "
        f"({approved.revised} revised by the commission); the people are told by the bot"
    )
    return OK


async def _refusal(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    campaign = await _round(session, args.campaign_id)
    sheet_id = await legacy.sheet_id_of(session, campaign.id, args.employee_id)
    refused = await legacy.record_refusal(
        session,
        sheet_id,
        args.act,
        actor=COMMAND_LINE,
        now=SystemClock(settings.zone).now(),
        calendar=settings.calendar,
    )
    if refused is Refusal.NOT_READY:
        raise LegacyError("the commission has not decided this result yet")
    if refused is not None:
        raise LegacyError("the person's acquaintance (or refusal) is recorded already")
    print(f"{args.employee_id}: refusal recorded; the result stands (clause 42)")
    return OK


async def _appeal(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    campaign = await _round(session, args.campaign_id)
    sheet_id = await legacy.sheet_id_of(session, campaign.id, args.employee_id)
    noted = await legacy.note_appeal(
        session, sheet_id, args.filed_on, actor=COMMAND_LINE, now=SystemClock(settings.zone).now()
    )
    if isinstance(noted, Refusal):
        raise LegacyError("the result is not decided yet, or an appeal is noted already")
    late = " (after the 10 working days of clause 43)" if noted else ""
    print(f"{args.employee_id}: appeal to the agency noted, filed on {args.filed_on}{late}")
    return OK


async def _absent(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    campaign = await _round(session, args.campaign_id)
    sheet_id = await legacy.sheet_id_of(session, campaign.id, args.employee_id)
    due = await legacy.mark_absent(
        session,
        sheet_id,
        args.until,
        calendar=settings.calendar,
        actor=COMMAND_LINE,
        now=SystemClock(settings.zone).now(),
    )
    if isinstance(due, Refusal):
        raise LegacyError("the commission has decided this result already")
    print(
        f"{args.employee_id}: absent until {args.until}, back on "
        f"{back_from_absence(args.until, settings.calendar)}; to be evaluated by {due}"
    )
    return OK


HANDLERS: dict[str, Command] = {
    "legacy-start": _start,
    "legacy-plans-import": _plans,
    "legacy-status": _status,
    "legacy-commission": _commission,
    "legacy-schedule": _schedule,
    "legacy-open": _open,
    "legacy-close": _close,
    "legacy-approve": _approve,
    "legacy-refusal": _refusal,
    "legacy-appeal": _appeal,
    "legacy-absent": _absent,
}

__all__ = ["HANDLERS", "add_commands"]
