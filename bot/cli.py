"""``python -m bot COMMAND``: running the bot and HR's commands. Commands never wait for
input; environment variables override ``.env``; the exit code says how it went
(0 done, 1 the input needs correcting, 2 configuration or usage problem), and a failure is
said on one line of standard error (bot/infra/cli_failures.py)."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.cli_failures import (
    CONFIG_ERROR,
    INPUT_ERROR,
    OK,
    Parser,
    explain,
    output_file,
    prepare_database,
    record_id,
    settings_failure,
    telegram_id,
    year,
)
from bot.infra.config import MissingTokenError, Settings
from bot.infra.logs import configure_logging
from bot.kernel.access import Role
from bot.kernel.clock import SystemClock
from bot.kernel.methodology import bundled_data, load_profile
from bot.legacy2018 import cli as cli_legacy
from bot.legacy2018 import service as legacy
from bot.quarterly import cli as cli_quarters
from bot.quarterly import rounds as quarterly
from bot.staff import people
from bot.staff.access import COMMAND_LINE, RoleChange, audit, grant_role, revoke_role, seed_roles
from bot.staff.files import StaffFileError, load_staff_file, read_table
from bot.survey360 import results
from bot.survey360 import rounds as campaigns
from storage.db import checkpoints_done, create_engine, create_sessionmaker
from storage.survey360.ballots import MissingBallotSecretError

if TYPE_CHECKING:
    from aiogram import Bot


class CommandError(Exception):
    """The command cannot go on; the message tells the user what to do."""


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m bot",
        description="Bagalau: the performance evaluation of corps B civil servants in Telegram.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser("run", help="apply migrations and run the bot (long polling)")
    commands.add_parser("migrate", help="create or upgrade the database schema")

    staff = commands.add_parser("import-staff", help="import the staff list (CSV or XLSX)")
    staff.add_argument("file", type=Path)
    staff.add_argument("--dry-run", action="store_true", help="validate and show the changes, import nothing")

    invites = commands.add_parser(
        "invites", help="print personal single-use links for people not yet in the bot"
    )
    invites.add_argument("--output", type=output_file, help="write the CSV here instead of standard output")

    create = commands.add_parser("campaign-create", help="create an evaluation round (a draft)")
    create.add_argument("--kind", choices=["360"], required=True)
    create.add_argument("--year", type=year, required=True)
    create.add_argument("--deadline", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    create.add_argument("--employees", help="comma-separated employee ids (default: everyone active)")

    respondents = commands.add_parser(
        "campaign-respondents", help="replace respondents from CSV: subject_id,respondent_id,relation"
    )
    respondents.add_argument("campaign_id", type=record_id)
    respondents.add_argument("file", type=Path)

    start = commands.add_parser("campaign-start", help="start a round and notify respondents")
    start.add_argument("campaign_id", type=record_id)
    start.add_argument(
        "--skip-short",
        action="store_true",
        help="leave out people with too few respondents instead of refusing",
    )

    close = commands.add_parser("campaign-close", help="close a round and send everyone their report")
    close.add_argument("campaign_id", type=record_id)

    for verb, preposition in (("grant", "to"), ("revoke", "from")):
        role = commands.add_parser(
            f"{verb}-role", help=f"{verb} a role (hr, hr_head, authorised) {preposition} a Telegram account"
        )
        role.add_argument("telegram_id", type=telegram_id)
        role.add_argument("role", choices=[r.value for r in Role])

    for name, help_text in (
        ("report-xlsx", "the management workbook of a closed round"),
        ("report-pdf", "one person's 360 report (PDF) from a closed round"),
        ("report-zip", "all per-person PDFs of a closed round (or of one unit) in a ZIP"),
    ):
        files = commands.add_parser(name, help=help_text)
        files.add_argument("campaign_id", type=record_id)
        if name == "report-pdf":
            files.add_argument("employee_id")
        if name == "report-zip":
            files.add_argument("--unit", help="only this unit")
        files.add_argument("--lang", choices=["kk", "ru", "en"], help="default: DEFAULT_LOCALE")
        files.add_argument("--output", type=output_file, required=True)

    report = commands.add_parser("results", help="export a round's results")
    report.add_argument("campaign_id", type=record_id)
    report.add_argument("--format", choices=["csv"], default="csv")
    report.add_argument("--output", type=output_file, help="write here instead of standard output")
    cli_quarters.add_commands(commands)
    cli_legacy.add_commands(commands)

    profile = commands.add_parser("profile", help="check or show a methodology profile (docs/profiles.md)")
    actions = profile.add_subparsers(dest="profile_action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="check a body's profile file; one line per problem")
    check.add_argument("file", type=Path)
    show = actions.add_parser(
        "show", help="the profile in effect after the merge (default: the configured one)"
    )
    show.add_argument(
        "file", type=Path, nargs="?", help="a body's profile file (default: METHODOLOGY_PROFILE)"
    )
    show.add_argument("--json", action="store_true", help="the whole effective profile as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "profile" and args.file is not None:
        # A file on the command line needs no settings: a body checks its file before
        # (and whatever) METHODOLOGY_PROFILE names.
        return _profile(args, str(args.file))
    try:
        settings = Settings()
    except (ValidationError, SettingsError) as exc:
        print(settings_failure(exc), file=sys.stderr)
        return CONFIG_ERROR
    configure_logging(settings.log_level)
    try:
        return _command(args, settings)
    except (MissingTokenError, MissingBallotSecretError) as exc:
        print(exc, file=sys.stderr)
        return CONFIG_ERROR
    except (CommandError, campaigns.CampaignError, quarterly.QuarterError, legacy.LegacyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return INPUT_ERROR
    except KeyboardInterrupt:
        return OK
    except Exception as exc:
        # The database or Telegram the settings name, a file: one line; a fault in the bot
        # keeps its traceback.
        failure = explain(exc, settings)
        if failure is None:
            raise
        code, line = failure
        print(line, file=sys.stderr)
        return code


def _command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "profile":
        return _profile(args, settings.methodology_profile)
    if args.command == "run":
        settings.require_token()
        prepare_database(settings)
        asyncio.run(_in_transaction(settings, _seed_roles, args))
        from bot.factory import run_bot

        asyncio.run(run_bot(settings))
        return OK
    prepare_database(settings)
    if args.command == "migrate":
        print("database is up to date")
        return OK
    return asyncio.run(_dispatch(args, settings))


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    handlers: dict[str, Callable[[AsyncSession, argparse.Namespace, Settings], Awaitable[int]]] = {
        "import-staff": _import_staff,
        "invites": _invites,
        "campaign-create": _campaign_create,
        "campaign-respondents": _campaign_respondents,
        "campaign-start": _campaign_start,
        "campaign-close": _campaign_close,
        "results": _results,
        "report-xlsx": _report_file,
        "report-pdf": _report_file,
        "report-zip": _report_file,
        "quarter-xlsx": _report_file,
        "sheet-pdf": _report_file,
        "legacy-protocol": _report_file,
        "legacy-sheets-pdf": _report_file,
        "grant-role": _change_role,
        "revoke-role": _change_role,
        **cli_quarters.HANDLERS,
        **cli_legacy.HANDLERS,
    }
    return await _in_transaction(settings, handlers[args.command], args)


async def _in_transaction(
    settings: Settings,
    command: Callable[[AsyncSession, argparse.Namespace, Settings], Awaitable[int]],
    args: argparse.Namespace,
) -> int:
    engine = create_engine(settings.database_url, hide_parameters=True)
    try:
        secret = settings.ballot_secret.get_secret_value() if settings.ballot_secret else None
        async with create_sessionmaker(engine, ballot_secret=secret)() as session, session.begin():
            return await command(session, args, settings)
    finally:
        await checkpoints_done()  # closing a round checkpoints SQLite's log once committed
        await engine.dispose()


async def _report_file(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    # Imported here: rendering needs aiogram's i18n and matplotlib, which HR's other commands do not.
    from bot.infra.i18n import create_i18n, in_locale
    from bot.reports import files as reports

    # Each round's files are drawn under the profile it was made under (bot/reports/files.py).
    clock = SystemClock(settings.zone)
    i18n = create_i18n(settings.default_locale)
    with in_locale(i18n, args.lang or settings.default_locale):
        if args.command == "report-xlsx":
            file = await (await reports.round_workbook(session, args.campaign_id, clock.today())).draw()
        elif args.command == "report-pdf":
            file = await (await reports.person_pdf(session, args.campaign_id, args.employee_id)).draw()
        elif args.command == "report-zip":
            file = await reports.round_archive(session, args.campaign_id, args.unit)
        elif args.command == "quarter-xlsx":
            file = await (await reports.quarter_workbook(session, args.campaign_id, clock.now())).draw()
        elif args.command == "legacy-sheets-pdf":
            sheet_id = await legacy.sheet_id_of(session, args.campaign_id, args.employee_id)
            file = await reports.legacy_sheets(session, sheet_id, clock.now())
        elif args.command == "legacy-protocol":
            file = await reports.legacy_protocol(
                session, args.campaign_id, settings.organisation_name, clock.now(), sitting=args.sitting
            )
        else:
            sheet_id = await quarterly.sheet_of(session, args.campaign_id, args.employee_id)
            file = await (await reports.sheet_pdf(session, args.campaign_id, sheet_id, clock.now())).draw()
    args.output.write_bytes(file.data)
    await audit(
        session,
        COMMAND_LINE,
        "report.download",
        "campaign",
        args.campaign_id,
        at=clock.now(),
        details={"file": file.name},
    )
    print(f"{args.output}: {len(file.data)} bytes ({file.name})")
    return OK


def _profile(args: argparse.Namespace, setting: str) -> int:
    """``profile check FILE`` and ``profile show [FILE]``: a file's problems one a line on standard
    error (exit 1), or the profile in effect after the merge."""
    # jsonschema and the merge are loaded only here and when METHODOLOGY_PROFILE is a file.
    from bot.kernel.profile_file import ProfileFileError, is_profile_path, read_profile_file, summary

    file = None
    try:
        if args.profile_action == "check" or is_profile_path(setting):
            file = read_profile_file(Path(setting))
            profile, effective = file.profile, file.effective
        else:
            profile, effective = load_profile(setting), bundled_data(setting)
    except ProfileFileError as exc:
        print(f"{exc.source}: {len(exc.problems)} problem(s), not a usable profile:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return INPUT_ERROR
    if args.profile_action == "show" and args.json:
        print(json.dumps(effective, ensure_ascii=False, indent=2))
        return OK
    if args.profile_action == "check":
        print(f"{setting}: a valid profile; its rounds will record {profile.code} {profile.version}")
    print("\n".join(summary(profile, file)))
    return OK


async def _seed_roles(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    now = SystemClock(settings.zone).now()
    for ids, role in ((settings.hr_admin_ids, Role.HR), (settings.hr_head_ids, Role.HR_HEAD)):
        added = await seed_roles(session, ids, role, now)
        if added:
            logging.getLogger(__name__).info(
                "%d configured account(s) now hold the %s role", added, role.value
            )
    return OK


async def _change_role(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    change = grant_role if args.command == "grant-role" else revoke_role
    outcome = await change(
        session, COMMAND_LINE, args.telegram_id, Role(args.role), SystemClock(settings.zone).now()
    )
    if outcome is RoleChange.LAST_HR_HEAD:
        raise CommandError(f"{args.telegram_id} is the last hr_head: grant the role to someone else first")
    print(f"{args.command} {args.role} for {args.telegram_id}: {outcome.value}")
    return OK


def _telegram_bot(settings: Settings) -> Bot:
    # aiogram takes seconds to import (it builds ~300 pydantic models); only the commands
    # that talk to Telegram pay for it, HR's database commands start at once.
    from bot.factory import create_bot

    return create_bot(settings)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc


def _today(settings: Settings) -> date:
    return SystemClock(settings.zone).today()


async def _import_staff(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    validation = load_staff_file(_read(args.file), args.file.name, _today(settings))
    if not validation.ok:
        print(f"{args.file}: {len(validation.errors)} problem(s), nothing imported:", file=sys.stderr)
        for error in validation.errors:
            print(f"  {error.describe()}", file=sys.stderr)
        return INPUT_ERROR
    summary = await people.import_staff(session, validation, _today(settings))
    assert summary is not None
    verb = "would import" if args.dry_run else "imported"
    print(
        f"{verb} {len(validation.records)} people: {summary.new} new, {summary.changed} changed, "
        f"{summary.unchanged} unchanged, {summary.left} marked as having left"
    )
    if args.dry_run:
        await session.rollback()
    return OK


async def _invites(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    bot = _telegram_bot(settings)
    try:
        me = await bot.get_me()
    finally:
        await bot.session.close()
    if not me.username:
        raise CommandError("the bot has no username; set one with @BotFather")
    links = await people.invite_links(session, me.username)
    with _output(args.output) as out:
        out.write(people.invites_csv(links))
    print(f"{len(links)} invite link(s) for people not yet in the bot", file=sys.stderr)
    return OK


async def _campaign_create(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    profile = load_profile(settings.methodology_profile)
    ids = [part.strip() for part in args.employees.split(",") if part.strip()] if args.employees else None
    report = await campaigns.create_360(
        session, profile, year=args.year, deadline=args.deadline, today=_today(settings), employee_ids=ids
    )
    print(f"round {report.campaign.id} created (draft): 360 evaluation {args.year}, deadline {args.deadline}")
    print(f"  {len(report.planned)} people evaluated, {len(report.excluded)} not evaluated")
    for subject in report.excluded:
        print(
            f"  not evaluated: {subject.employee.employee_id} {subject.employee.full_name} ({subject.excluded_reason})"
        )
    for plan in report.short(profile):
        print(
            f"  WARNING: {plan.subject.employee.employee_id} {plan.subject.employee.full_name} has "
            f"{plan.respondents} possible respondent(s), the methodology asks for at least {profile.min_respondents}"
        )
    if report.unbound_respondents:
        print(f"  {report.unbound_respondents} respondent(s) have not joined the bot yet (see `invites`)")
    print(f"next: `python -m bot campaign-start {report.campaign.id}`")
    return OK


async def _campaign_respondents(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    try:
        header, rows = read_table(_read(args.file), args.file.name)
    except StaffFileError as exc:
        raise CommandError(f"{args.file}: {exc.describe()}") from exc
    expected = {"subject_id", "respondent_id", "relation"}
    names = {name.strip().casefold() for name in header}
    if not expected <= names:
        raise CommandError(f"{args.file}: the columns must be subject_id,respondent_id,relation")
    parsed = [
        campaigns.RespondentRow(
            line=line,
            subject_id=str(values.get("subject_id") or "").strip(),
            respondent_id=str(values.get("respondent_id") or "").strip(),
            relation=str(values.get("relation") or "").strip().casefold(),
        )
        for line, values in ((line, {k.strip().casefold(): v for k, v in row.items()}) for line, row in rows)
    ]
    profile = load_profile(settings.methodology_profile)
    problems = await campaigns.replace_respondents(session, profile, args.campaign_id, parsed)
    if problems:
        print(f"{args.file}: {len(problems)} problem(s), nothing changed:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem.describe(profile)}", file=sys.stderr)
        return INPUT_ERROR
    print(
        f"respondents replaced for {len({row.subject_id for row in parsed})} people in round {args.campaign_id}"
    )
    return OK


async def _campaign_start(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    profile = load_profile(settings.methodology_profile)
    report = await campaigns.start(
        session, profile, args.campaign_id, SystemClock(settings.zone).now(), skip_short=args.skip_short
    )
    print(f"round {args.campaign_id} started: {report.notified} respondent(s) will be notified by the bot")
    if report.not_joined:
        print(
            f"  {report.not_joined} respondent(s) have not joined the bot yet; they see their tasks when they join"
        )
    for subject in report.skipped:
        print(
            f"  left out (too few respondents): {subject.employee.employee_id} {subject.employee.full_name}"
        )
    return OK


async def _campaign_close(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    clock = SystemClock(settings.zone)
    report = await campaigns.close(
        session, args.campaign_id, clock.now(), today=clock.today(), calendar=settings.calendar
    )
    print(f"round {args.campaign_id} closed: {report.reports_queued} report(s) will be sent by the bot")
    if report.in_writing:
        print(
            f"  {report.in_writing} evaluated person(s) left the body: deliver in writing, see `written-notices`"
        )
    if report.not_joined:
        print(
            f"  {report.not_joined} evaluated person(s) have not joined the bot: use `results` for their reports"
        )
    return OK


async def _results(session: AsyncSession, args: argparse.Namespace, settings: Settings) -> int:
    profile = load_profile(settings.methodology_profile)
    found = await results.campaign_results(session, profile, args.campaign_id)
    if not found:
        raise CommandError(f"there is no round {args.campaign_id} or nobody is evaluated in it")
    with _output(args.output) as out:
        out.write(results.results_csv(found))
    return OK


class _output:
    """Standard output, or a file written whole (UTF-8 with BOM, so that Excel reads Kazakh)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.buffer = io.StringIO()

    def __enter__(self) -> TextIO:
        return sys.stdout if self.path is None else self.buffer

    def __exit__(self, *exc: object) -> None:
        if self.path is not None and exc[0] is None:
            self.path.write_text(self.buffer.getvalue(), encoding="utf-8-sig")
