"""The quarterly evaluation's commands of ``python -m bot`` (see bot/cli.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.cli_failures import Parser, output_file, record_id, year
from bot.infra.config import Settings
from bot.kernel.clock import SystemClock
from bot.kernel.methodology import load_profile
from bot.quarterly import plans, written
from bot.quarterly import rounds as quarterly
from bot.quarterly.upload_rules import FileError
from bot.quarterly.uploads import load_absences_file, load_actuals_file, load_plans_file
from bot.quarterly.written_rules import Channel
from bot.retention import purge as retention
from bot.staff.access import COMMAND_LINE

OK, INPUT_ERROR = 0, 1
Command = Callable[[AsyncSession, argparse.Namespace, Settings], Awaitable[int]]


def add_commands(commands: argparse._SubParsersAction[Parser]) -> None:
    create = commands.add_parser("quarters-create", help="create the four quarterly rounds of a year")
    create.add_argument("--year", type=year, required=True)
    for name, help_text in (
        ("quarter-start", "start a quarterly round: sheets for everyone, evaluators notified"),
        ("quarter-close", "close a quarterly round"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("campaign_id", type=record_id)

    plans_file = commands.add_parser("plans-import", help="import work plans (appendix 1) from CSV or XLSX")
    plans_file.add_argument("file", type=Path)
    plans_file.add_argument("--year", type=year, required=True)
    plans_file.add_argument("--reason", help="why approved plans change (clause 25)")
    actuals = commands.add_parser("actuals-import", help="import KPI actual values from CSV or XLSX")
    actuals.add_argument("file", type=Path)
    actuals.add_argument("--year", type=year, required=True)
    absences = commands.add_parser("absences-import", help="import leave, sickness, trips, training")
    absences.add_argument("file", type=Path)

    purge = commands.add_parser(
        "purge-expired", help="remove evaluation records older than the keeping period (clause 14)"
    )
    purge.add_argument("--dry-run", action="store_true", help="count what would be removed, remove nothing")

    commands.add_parser(
        "written-notices",
        help="results owed in writing to people who left the body (clause 11), and their state",
    )
    delivered = commands.add_parser(
        "written-delivered", help="record how and when a result was sent to a person who left (clause 11)"
    )
    delivered.add_argument("notice_id", type=record_id, help="the number written-notices shows")
    delivered.add_argument("channel", choices=[c.value for c in Channel])
    delivered.add_argument("sent_on", type=date.fromisoformat, help="YYYY-MM-DD")
    delivered.add_argument("reference", help="the letter's number, the telephonogram's, and so on")

    workbook = commands.add_parser("quarter-xlsx", help="the workbook of a started quarterly round")
    workbook.add_argument("campaign_id", type=record_id)
    sheet = commands.add_parser("sheet-pdf", help="one person's submitted quarterly sheet (appendix 2 or 4)")
    sheet.add_argument("campaign_id", type=record_id)
    sheet.add_argument("employee_id")
    for files in (workbook, sheet):
        files.add_argument("--lang", choices=["kk", "ru", "en"], help="default: DEFAULT_LOCALE")
        files.add_argument("--output", type=output_file, required=True)


def _errors(path: Path, errors: Sequence[FileError]) -> int:
    print(f"{path}: {len(errors)} problem(s), nothing saved:", file=sys.stderr)
    for error in errors:
        print(f"  {error.describe()}", file=sys.stderr)
    return INPUT_ERROR


def _problems(report: plans.ImportReport) -> int:
    print(f"{len(report.problems)} problem(s), nothing saved:", file=sys.stderr)
    for problem in report.problems:
        detail = f" ({problem.detail})" if problem.detail else ""
        print(f"  {problem.employee_code}: {problem.problem.value}{detail}", file=sys.stderr)
    return INPUT_ERROR


async def _create(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    profile, clock = load_profile(settings.methodology_profile), SystemClock(settings.zone)
    for campaign in await quarterly.create_year(
        session, profile, args.year, settings.calendar, COMMAND_LINE, clock.now()
    ):
        print(
            f"round {campaign.id}: Q{campaign.quarter} {campaign.year} ({campaign.status}), deadline {campaign.deadline}, "
            f"actual values by {campaign.actuals_due_by}, heads notified by {campaign.heads_notified_by}, "
            f"employees by {campaign.employees_notified_by}"
        )
    return OK


async def _start(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    clock = SystemClock(settings.zone)
    report = await quarterly.start_round(
        session,
        args.campaign_id,
        today=clock.today(),
        now=clock.now(),
        actor=COMMAND_LINE,
        calendar=settings.calendar,
        # The administrator may start a quarter late (a body joining mid-year); the chat's
        # HR screen does not offer it.
        late=True,
    )
    print(
        f"round {args.campaign_id} started: {report.sheets} people to evaluate, "
        f"{report.evaluators} evaluator(s) will be notified by the bot"
    )
    for reason, count in sorted(report.excluded.items()):
        print(f"  not evaluated ({reason}): {count}")
    return OK


async def _close(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    await quarterly.close_round(
        session, args.campaign_id, now=SystemClock(settings.zone).now(), actor=COMMAND_LINE
    )
    print(f"round {args.campaign_id} closed")
    return OK


def _file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise quarterly.QuarterError(f"cannot read {path}: {exc.strerror}") from exc


async def _plans(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    profile, clock = load_profile(settings.methodology_profile), SystemClock(settings.zone)
    assert profile.kpi is not None
    validation = load_plans_file(_file(args.file), args.file.name, profile.kpi)
    if not validation.ok:
        return _errors(args.file, validation.errors)
    report = await plans.import_plans(
        session,
        profile,
        validation,
        year=args.year,
        reason=args.reason,
        calendar=settings.calendar,
        actor=COMMAND_LINE,
        now=clock.now(),
        today=clock.today(),
    )
    if not report.ok:
        return _problems(report)
    for plan in report.saved:
        late = " (later than 10 working days after the period's start, clause 22)" if plan.late else ""
        print(f"{plan.employee_code}: plan {plan.plan_id} {plan.status}{late}")
    return OK


async def _actuals(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    validation = load_actuals_file(_file(args.file), args.file.name)
    if not validation.ok:
        return _errors(args.file, validation.errors)
    now = SystemClock(settings.zone).now()
    report = await plans.import_actuals(session, validation, year=args.year, actor=COMMAND_LINE, now=now)
    if not report.ok:
        return _problems(report)
    print(f"{report.count} actual value(s) saved")
    return OK


async def _absences(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    validation = load_absences_file(_file(args.file), args.file.name)
    if not validation.ok:
        return _errors(args.file, validation.errors)
    clock = SystemClock(settings.zone)
    report = await plans.import_absences(
        session,
        validation,
        actor=COMMAND_LINE,
        now=clock.now(),
        profile=load_profile(settings.methodology_profile),
        today=clock.today(),
        calendar=settings.calendar,
    )
    if not report.ok:
        return _problems(report)
    print(f"{report.count} absence(s) saved")
    return OK


async def _purge(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    profile, clock = load_profile(settings.methodology_profile), SystemClock(settings.zone)
    purged = await retention.purge_expired(
        session, profile, today=clock.today(), now=clock.now(), actor=COMMAND_LINE, dry_run=args.dry_run
    )
    verb = "would remove" if args.dry_run else "removed"
    print(
        f"{verb}: {purged.rounds} round(s) with {purged.evaluated} evaluated, {purged.plans} work plan(s), "
        f"{purged.absences} absence(s) (kept: {profile.retention_years} years)"
    )
    return OK


async def _written(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    clock = SystemClock(settings.zone)
    for row in await written.notices(session, today=clock.today(), calendar=settings.calendar):
        notice = row.notice
        about = {"quarter": f"Q{notice.quarter} {notice.year}", "360": f"360 year {notice.year}"}.get(
            notice.kind, f"2018-method year {notice.year}"
        )
        where = f"{notice.id}: {notice.employee_code} {about}"
        if notice.sent_on is not None:
            window = f"; may apply until {row.appeal_closes}" if row.appeal_closes else ""
            print(f"{where} sent {notice.sent_on} by {notice.channel} ({notice.reference}){window}")
        else:
            print(f"{where} due {notice.due_on}{' OVERDUE' if row.overdue else ''}")
    return OK


async def _delivered(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    clock = SystemClock(settings.zone)
    outcome = await written.record_delivery(
        session,
        COMMAND_LINE,
        args.notice_id,
        channel=Channel(args.channel),
        sent_on=args.sent_on,
        reference=args.reference,
        today=clock.today(),
        now=clock.now(),
        calendar=settings.calendar,
        zone=settings.zone,
    )
    if outcome.unknown or outcome.already or outcome.refusal is not None:
        problem = (
            "no such written notice" if outcome.unknown else "recorded already" if outcome.already else ""
        )
        print(f"not recorded: {problem or outcome.refusal}", file=sys.stderr)
        return INPUT_ERROR
    print(
        f"recorded; the person may apply until {outcome.appeal_closes}"
        if outcome.appeal_closes
        else "recorded"
    )
    return OK


HANDLERS: dict[str, Command] = {
    "quarters-create": _create,
    "quarter-start": _start,
    "quarter-close": _close,
    "plans-import": _plans,
    "actuals-import": _actuals,
    "absences-import": _absences,
    "purge-expired": _purge,
    "written-notices": _written,
    "written-delivered": _delivered,
}

__all__ = ["HANDLERS", "add_commands"]
