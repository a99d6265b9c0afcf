"""What HR sees of the quarterly evaluation: the year's rounds, and the uploads' outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.infra.callbacks import QuarterAction, QuarterCb
from bot.infra.formatting import format_date, progress_bar
from bot.kernel.access import Permission
from bot.quarterly.labels import exclusion_label
from bot.quarterly.plans import ImportReport, PlanProblem, Problem
from bot.quarterly.rounds import RoundOverview, StartReport
from bot.quarterly.sheet_screens import round_title
from bot.quarterly.upload_rules import FileError

Rendered = tuple[str, InlineKeyboardMarkup]
MAX_LISTED = 25
MAX_BEHIND = 10  # evaluators named on the screen; the workbook has everyone
MAX_NAMED = 10  # people not evaluated named per reason when a round starts


def status_name(status: str) -> str:
    names = {"draft": _("not started"), "running": _("running"), "closed": _("closed")}
    return names.get(status, status)


def quarters_screen(
    year: int, rounds: Sequence[RoundOverview], permissions: frozenset[Permission], today: date
) -> Rendered:
    builder = InlineKeyboardBuilder()
    lines = [
        _("<b>Quarterly evaluation {year}</b> (KPI for heads, differentiation for employees)").format(
            year=year
        )
    ]
    if not rounds:
        lines.append(_("The year's rounds are not created yet."))
        if Permission.RUN_ROUNDS in permissions:
            builder.row(
                InlineKeyboardButton(
                    text=_("🗓 Create the four rounds of {year}").format(year=year),
                    callback_data=QuarterCb(action=QuarterAction.CREATE_YEAR, value=year).pack(),
                )
            )
    for item in rounds:
        campaign = item.campaign
        title = round_title(campaign.year, campaign.quarter or 0)
        lines.append("")
        lines.append(
            _("<b>{title}</b> — {status}; deadline {deadline}").format(
                title=title, status=status_name(campaign.status), deadline=format_date(campaign.deadline)
            )
        )
        if campaign.actuals_due_by:
            lines.append(
                _(
                    "KPI actual values to evaluators by {date}; heads notified by {heads}, employees by {employees}."
                ).format(
                    date=format_date(campaign.actuals_due_by),
                    heads=format_date(campaign.heads_notified_by or campaign.deadline),
                    employees=format_date(campaign.employees_notified_by or campaign.deadline),
                )
            )
        if campaign.status != "draft":
            lines.append(
                _(
                    "{bar} submitted {submitted}/{sheets}, read by the person {read}; not evaluated {excluded}"
                ).format(
                    bar=progress_bar(item.submitted, item.sheets),
                    submitted=item.submitted,
                    sheets=item.sheets,
                    read=item.acknowledged,
                    excluded=item.excluded,
                )
            )
        if item.overdue:
            lines.append(overdue_line(item.overdue))
        if item.behind:
            shown = ", ".join(f"{escape(name)} ({count})" for name, count in item.behind[:MAX_BEHIND])
            more = len(item.behind) - MAX_BEHIND
            lines.append(
                _("Sheets still open with: {evaluators}").format(evaluators=shown)
                + (_(" and {count} more").format(count=more) if more > 0 else "")
            )
        buttons = []
        late = campaign.status == "draft" and campaign.deadline < today
        if late:
            lines.append(_("The deadline has passed: this round can no longer be started."))
        if campaign.status == "draft" and not late and Permission.RUN_ROUNDS in permissions:
            buttons.append((_("▶ Start {title}").format(title=title), QuarterAction.START))
        if campaign.status == "running" and Permission.RUN_ROUNDS in permissions:
            buttons.append((_("⏹ Close {title}").format(title=title), QuarterAction.CLOSE))
        if campaign.status != "draft" and Permission.VIEW_RESULTS in permissions:
            buttons.append((_("📥 XLSX {title}").format(title=title), QuarterAction.WORKBOOK))
        if buttons:
            builder.row(
                *[
                    InlineKeyboardButton(
                        text=text, callback_data=QuarterCb(action=action, value=campaign.id).pack()
                    )
                    for text, action in buttons
                ]
            )
    lines.append("")
    lines.append(
        _(
            "Uploads (CSV or XLSX): /plans YEAR — work plans (appendix 1); add a reason after the year to change "
            "approved plans (clause 25). /actuals YEAR — KPI actual values. /absences — leave, sickness, trips, training."
        )
    )
    return "\n".join(lines), builder.as_markup()


def overdue_line(count: int) -> str:
    """Open sheets past their due day (``sheet_overdue``: an absent head's KPIs by their own)."""
    return "⚠️ " + _("Sheets past their due day: {count}").format(count=count)


def started_text(report: StartReport) -> str:
    title = round_title(report.campaign.year, report.campaign.quarter or 0)
    lines = [
        _("{title} has started: {sheets} people to evaluate, {evaluators} evaluator(s) notified.").format(
            title=title, sheets=report.sheets, evaluators=report.evaluators
        )
    ]
    for reason, count in sorted(report.excluded.items()):
        lines.append(
            _("Not evaluated — {reason}: {count}").format(reason=exclusion_label(reason), count=count)
        )
        names = report.excluded_names.get(reason, [])
        if names:
            more = len(names) - MAX_NAMED
            lines.append(
                "    "
                + ", ".join(escape(name) for name in names[:MAX_NAMED])
                + (_(" and {count} more").format(count=more) if more > 0 else "")
            )
    return "\n".join(lines)


def problem_text(problem: Problem) -> str:
    texts = {
        PlanProblem.UNKNOWN_EMPLOYEE: _("{code}: not in the staff list"),
        PlanProblem.NOT_A_HEAD: _("{code}: not a head of unit; KPIs are set for heads only"),
        PlanProblem.NO_EVALUATOR: _("{code}: nobody above the person in the staff list to evaluate them"),
        PlanProblem.REASON_REQUIRED: _(
            "{code}: the plan is approved; it changes only with a reason (clause 25): /plans YEAR REASON"
        ),
        PlanProblem.NOT_YOUR_REPORT: _(
            "{code}: does not report to you; you draft the plans of your own heads only"
        ),
        PlanProblem.TOO_LATE_FOR_KPIS: _(
            "{code}: appointed with less than 3 months left in the year: no KPIs are set (clause 22)"
        ),
        PlanProblem.NO_SUCH_KPI: _("{code}: the plan has no KPI {detail} (KPI/quarter) planned"),
    }
    return texts[problem.problem].format(code=escape(problem.employee_code), detail=escape(problem.detail))


def file_errors_text(file_name: str, errors: Sequence[FileError]) -> str:
    head = _(
        "<b>{file}</b>: {count} problem(s), nothing was saved. Correct the file and send it again."
    ).format(file=escape(file_name), count=len(errors))
    return "\n".join([head, "", *[escape(e.describe(_)) for e in errors[:MAX_LISTED]]])


def import_text(file_name: str, report: ImportReport, year: int | None = None) -> str:
    """An upload's outcome; with ``year`` (HR's uploads), what to do next, with the command."""
    text = _import_outcome(file_name, report)
    if year is None or not report.ok:
        return text
    if report.saved:
        step = _(
            "Next: /actuals {year} — the KPI actual values, when known; /quarters {year} — start a quarter."
        )
    else:
        step = _("Next: /quarters {year} — the year's rounds: start a quarter or follow it.")
    return f"{text}\n\n{step.format(year=year)}"


def _import_outcome(file_name: str, report: ImportReport) -> str:
    if not report.ok:
        head = _("<b>{file}</b>: {count} problem(s), nothing was saved.").format(
            file=escape(file_name), count=len(report.problems)
        )
        return "\n".join([head, "", *[problem_text(p) for p in report.problems[:MAX_LISTED]]])
    if report.saved:
        lines = [
            _("<b>{file}</b>: {count} plan(s) saved.").format(file=escape(file_name), count=len(report.saved))
        ]
        for plan in report.saved:
            status = (
                _("sent for approval")
                if plan.status == "submitted"
                else _("approved (nobody above the evaluator)")
            )
            late = (
                _(" — later than 10 working days after the period's start (clause 22)") if plan.late else ""
            )
            lines.append(f"{escape(plan.employee_code)}: {status}{late}")
        return "\n".join(lines)
    return _("<b>{file}</b>: {count} row(s) saved.").format(file=escape(file_name), count=report.count)


def plans_stopped() -> str:
    """What ✖ Cancel and /cancel say while a work plans table is awaited (HR's /plans, a
    manager's /plan, the 2018 method's plans)."""
    return _("Stopped: the upload of work plans is cancelled.")
