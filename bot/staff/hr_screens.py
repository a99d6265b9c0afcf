"""What HR sees: menus, the staff import summary, people, rounds, roles, the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.broadcasts.service import AudiencePreview
from bot.infra.callbacks import (
    AuditPageCb,
    RoundAction,
    RoundCb,
    StaffImportAction,
    StaffImportCb,
    UnitArchiveCb,
    WizardAction,
    WizardCb,
)
from bot.infra.formatting import format_date, progress_bar
from bot.infra.waits import Waiting, cancel_button
from bot.kernel.access import Permission, Role, authorised_only
from bot.kernel.methodology import Profile
from bot.staff.access import RoleChange
from bot.staff.labels import exclusion_reason
from bot.staff.people import UnbindOutcome, UnbindResult
from bot.staff.rules import StaffError
from bot.survey360.progress import RoundProgress
from bot.survey360.rounds import CloseReport, CreationReport, RespondentIssue, RespondentProblem
from storage.dto import CampaignDTO, EmployeeDTO, ImportSummary
from storage.roles import AuditDTO, GrantDTO

Rendered = tuple[str, InlineKeyboardMarkup]
MAX_LISTED = 25


def role_name(role: Role) -> str:
    names = {
        Role.HR: _("HR officer"),
        Role.HR_HEAD: _("head of the HR service"),
        Role.AUTHORISED: _("authorised person"),
    }
    return names[role]


def hr_menu(permissions: frozenset[Permission]) -> str:
    lines = [
        _("<b>The authorised person's tools</b>") if authorised_only(permissions) else _("<b>HR tools</b>")
    ]
    if Permission.MANAGE_STAFF in permissions:
        lines.append(
            _(
                "📄 Send the staff list (CSV or XLSX) as a document to import it; /find — look a person up (choose "
                "from a list, or /find NAME or ID at once); /invites — the personal links of people not in the bot yet."
            )
        )
        lines.append(
            _(
                "🔓 /unbind — disconnect a person's Telegram account (a new phone, a lost account): choose them "
                "from a list, or /unbind ID at once; they join again with a new personal link."
            )
        )
    if Permission.VIEW_PROGRESS in permissions:
        lines.append(
            _("📊 /rounds — evaluation rounds and their progress; /newround — start a new 360 round.")
        )
        lines.append(
            _("🗓 /quarters — the quarterly evaluation (KPI and differentiation): rounds, uploads, workbooks.")
        )
    if Permission.RUN_ROUNDS in permissions:
        lines.append(
            _("📜 /legacyrounds — a year under the 2018 methodology: its commission, sitting and protocol.")
        )
    if Permission.MANAGE_ROLES in permissions:
        lines.append(
            _(
                "👥 /roles — who holds which role; /grant and /revoke — give or take away a role: choose the "
                "person and the role from lists, or /grant ID ROLE, /revoke ID ROLE at once."
            )
        )
    if Permission.BROADCAST in permissions:
        lines.append(_("📣 /broadcast — a message to everyone, a unit, or a round's unfinished respondents."))
    if Permission.VIEW_AUDIT in permissions:
        lines.append(_("🧾 /audit — the log of HR actions."))
    if Permission.DECIDE_CALIBRATION in permissions:
        lines.append(
            _("⚖️ Applications for calibration sessions come here as messages, with a button to hold one.")
        )
    if Permission.APPROVE_LEGACY_RESULTS in permissions:
        lines.append(
            _(
                "✅ /approvals — the results of the evaluation commission's sittings (2018 methodology) awaiting "
                "your approval (clause 39); each also comes as a message when the sitting closes."
            )
        )
    if Permission.VIEW_RESULTS in permissions:
        lines.append(
            _(
                "📄 /report — one person's latest 360 report as PDF: choose them from a list, or /report ID at once; "
                "the round dashboard has the workbook and the archives."
            )
        )
    lines.append(_("🌐 /language — change the language."))
    return "\n\n".join(lines)


def listed(lines: Sequence[str]) -> list[str]:
    """At most MAX_LISTED lines, then how many more there are."""
    shown = list(lines[:MAX_LISTED])
    if len(lines) > MAX_LISTED:
        shown.append(_("… and {count} more").format(count=len(lines) - MAX_LISTED))
    return shown


def staff_errors(file_name: str, errors: Sequence[StaffError]) -> str:
    head = _(
        "<b>{file}</b>: nothing was imported; problems: {count}. Correct the file and send it again."
    ).format(file=escape(file_name), count=len(errors))
    return "\n".join([head, "", *listed([escape(e.describe(_), quote=False) for e in errors])])


def staff_preview(file_name: str, people: int, summary: ImportSummary, confirming: Waiting) -> Rendered:
    """The list's counts, ✅ Import, and ✖ Cancel, which ends ``confirming`` (handlers/cancel.py)."""
    text = "\n".join(
        [
            _("<b>{file}</b>: {count} people, no problems found.").format(
                file=escape(file_name), count=people
            ),
            _(
                "New: {new}. Changed: {changed}. Unchanged: {unchanged}. Leaving (missing from the file): {left}."
            ).format(
                new=summary.new, changed=summary.changed, unchanged=summary.unchanged, left=summary.left
            ),
            "",
            _("Import this list?"),
        ]
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("✅ Import"), callback_data=StaffImportCb(action=StaffImportAction.CONFIRM).pack()
                ),
                cancel_button(confirming),
            ]
        ]
    )
    return text, markup


def staff_imported(summary: ImportSummary, year: int, *, quarterly: bool) -> str:
    """The import's counts, then what HR does next, with the commands to tap (issue 19)."""
    counts = _(
        "Imported. New: {new}. Changed: {changed}. Unchanged: {unchanged}. Marked as having left: {left}."
    ).format(new=summary.new, changed=summary.changed, unchanged=summary.unchanged, left=summary.left)
    steps = [
        _("Next: /invites — the links that bring people into the bot; /newround — start an evaluation round.")
    ]
    if quarterly:
        steps.append(_("/quarters {year} — the quarterly evaluation of {year}.").format(year=year))
    return "\n\n".join([counts, " ".join(steps)])


def person_card(person: EmployeeDTO, manager: EmployeeDTO | None, open_tasks: int) -> str:
    lines = [
        f"<b>{escape(person.full_name)}</b> · {escape(person.employee_id)}",
        f"{escape(person.position)}, {escape(person.unit)}",
        _("Manager: {name}").format(name=escape(manager.full_name) if manager else "—"),
        _("In the bot: yes") if person.telegram_user_id is not None else _("In the bot: not yet"),
        _("Open questionnaires: {count}").format(count=open_tasks),
    ]
    if not person.active:
        lines.append(_("Has left the organisation."))
    return "\n".join(lines)


def status_name(status: str) -> str:
    names = {"draft": _("draft"), "running": _("running"), "closed": _("closed")}
    return names.get(status, status)


def rounds_list(campaigns: Sequence[CampaignDTO]) -> Rendered:
    builder = InlineKeyboardBuilder()
    if not campaigns:
        return _("There are no evaluation rounds yet."), builder.as_markup()
    for campaign in campaigns[:MAX_LISTED]:
        builder.row(
            InlineKeyboardButton(
                text=_("360 · {year} · {status} · until {deadline}").format(
                    year=campaign.year,
                    status=status_name(campaign.status),
                    deadline=format_date(campaign.deadline),
                ),
                callback_data=RoundCb(action=RoundAction.SHOW, campaign=campaign.id).pack(),
            )
        )
    return _("Evaluation rounds:"), builder.as_markup()


def _round_button(text: str, action: RoundAction, campaign_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=RoundCb(action=action, campaign=campaign_id).pack())


def round_dashboard(progress: RoundProgress, permissions: frozenset[Permission]) -> Rendered:
    campaign = progress.campaign
    share = progress.submitted / progress.total if progress.total else 0.0
    closed = campaign.status == "closed"  # what is withheld and unfinished is settled now
    lines = [
        _("<b>360 evaluation {year}</b> · {status} · deadline {deadline}").format(
            year=campaign.year, status=status_name(campaign.status), deadline=format_date(campaign.deadline)
        ),
        _("Questionnaires submitted: {done} of {total}").format(done=progress.submitted, total=progress.total)
        + f"  {progress_bar(progress.submitted, progress.total)} {share:.0%}",
        "",
        _("<b>By unit</b> (respondents' units):"),
        # A ministry has a hundred units and more: listed whole they passed Telegram's 4,096
        # characters, and HR got no dashboard at all (bench/reports_load, 10,000 people).
        *listed(
            [
                f"• {escape(u.unit)}: {u.submitted}/{u.total} {progress_bar(u.submitted, u.total)}"
                for u in progress.units
            ]
        ),
        "",
        (
            _("<b>Results withheld</b> (too few responses): {count}")
            if closed
            else _("<b>Below the anonymity threshold</b> (results would be withheld): {count}")
        ).format(count=len(progress.below_threshold)),
        *listed([f"• {escape(s.employee.full_name)}" for s in progress.below_threshold]),
        "",
        (
            _("<b>Did not finish</b>: {count} people ({not_joined} not in the bot)")
            if closed
            else _("<b>Not finished yet</b>: {count} people ({not_joined} not in the bot)")
        ).format(count=len(progress.unfinished), not_joined=progress.not_joined),
        *listed(
            [
                f"• {escape(u.respondent.full_name)} — {u.remaining}"
                + ("" if u.respondent.telegram_user_id else " ⚠")
                for u in progress.unfinished
            ]
        ),
    ]
    builder = InlineKeyboardBuilder()
    builder.row(
        _round_button(_("🔄 Refresh"), RoundAction.REFRESH, campaign.id),
        _round_button(_("📊 Chart"), RoundAction.CHART, campaign.id),
    )
    if campaign.status == "running" and Permission.BROADCAST in permissions and progress.unfinished:
        builder.row(_round_button(_("🔔 Remind the unfinished"), RoundAction.REMIND, campaign.id))
    if campaign.status == "running" and Permission.RUN_ROUNDS in permissions:
        builder.row(
            _wizard_button(_("📅 Extend the deadline"), WizardAction.EXTEND, campaign.id),
            _round_button(_("🏁 Close the round"), RoundAction.CLOSE, campaign.id),
        )
    if campaign.status == "closed" and Permission.VIEW_RESULTS in permissions:
        builder.row(
            _round_button(_("📗 Workbook (XLSX)"), RoundAction.REPORT_XLSX, campaign.id),
            _round_button(_("🗂 All reports (ZIP)"), RoundAction.REPORT_ZIP, campaign.id),
        )
        builder.row(_round_button(_("🗂 One unit's reports (ZIP)"), RoundAction.REPORT_UNITS, campaign.id))
    return "\n".join(lines), builder.as_markup()


def close_confirmation(progress: RoundProgress) -> Rendered:
    text = "\n".join(
        [
            _(
                "Close the 360 evaluation {year}? Unfinished questionnaires will not count; every evaluated person in the bot receives their report, and those who are not are sent nothing."
            ).format(year=progress.campaign.year),
            _("Results withheld for too few responses: {count}.").format(count=len(progress.below_threshold)),
        ]
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [_round_button(_("🏁 Yes, close it"), RoundAction.CLOSE_CONFIRM, progress.campaign.id)],
            [_round_button(_("◀ Back"), RoundAction.SHOW, progress.campaign.id)],
        ]
    )
    return text, markup


def close_summary(year: int, report: CloseReport, min_respondents: int) -> str:
    """What closing a round set going, person by person: who is sent a result, who is told
    theirs is withheld (their report says so: no scores), who gets nothing from the bot."""
    lines = [
        _("<b>The 360 evaluation {year} is closed.</b>").format(year=year),
        _("Results sent to the evaluated: {count}.").format(count=report.reports_queued - report.withheld),
    ]
    if report.withheld:
        lines.append(
            _(
                "Told that their result is withheld, as fewer than {minimum} colleagues answered: {count}."
            ).format(minimum=min_respondents, count=report.withheld)
        )
    if report.not_joined:
        lines.append(
            _("Not in the bot, so sent nothing (their reports are in the ZIP): {count}.").format(
                count=report.not_joined
            )
        )
    if report.in_writing:
        lines.append(
            _("Left the body, to be given their results in writing (/written): {count}.").format(
                count=report.in_writing
            )
        )
    return "\n".join(lines)


def roles_list(grants: Sequence[GrantDTO], names: dict[int, str]) -> str:
    if not grants:
        return _("Nobody holds a role yet.")
    lines = [_("<b>Roles</b>")]
    for grant in grants:
        who = escape(names.get(grant.telegram_user_id, "")) or _("Telegram account")
        lines.append(f"• {who} ({grant.telegram_user_id}): {role_name(grant.role)}")
    lines += [
        "",
        _(
            "To give or take away a role: /grant or /revoke alone, then choose from lists; or at once /grant ID ROLE, "
            "/revoke ID ROLE (ID: an employee id or a Telegram id; ROLE: {roles})."
        ).format(roles=role_codes()),
    ]
    return "\n".join(lines)


def role_codes() -> str:
    """The codes /grant and /revoke take, each with the role's name in the reader's language:
    the code is what is typed, the name is what it means."""
    return "; ".join(f"<code>{role.value}</code> — {role_name(role)}" for role in Role)


def own_role_refusal() -> str:
    return _("You may not grant a role to yourself: another person must decide it.")


def role_change_reply(outcome: RoleChange, granting: bool, role: Role, target: str) -> str:
    """What /grant and /revoke answer, one-line or by the wizard; ``target`` as shown (HTML)."""
    replies = {
        RoleChange.DONE: _("Done: {role} for {target}.")
        if granting
        else _("Done: {role} taken from {target}."),
        RoleChange.UNCHANGED: _("Nothing to change: {target} and {role}."),
        RoleChange.NOT_ALLOWED: _("You may not hand out or take away the role {role}."),
        RoleChange.OWN_ROLE: own_role_refusal(),
        RoleChange.LAST_HR_HEAD: _(
            "{target} is the last head of the HR service: grant the role to someone else first."
        ),
    }
    return replies[outcome].format(role=role_name(role), target=target)


def audit_page(entries: Sequence[AuditDTO], offset: int, total: int, names: dict[int, str]) -> Rendered:
    lines = [
        _("<b>Audit log</b> ({first}–{last} of {total})").format(
            first=offset + 1, last=offset + len(entries), total=total
        )
    ]
    for entry in entries:
        who = names.get(entry.actor_telegram_id or 0) or (
            str(entry.actor_telegram_id) if entry.actor_telegram_id else _("command line")
        )
        details = ", ".join(f"{k}={v}" for k, v in entry.details.items())
        lines.append(
            f"{entry.at:%d.%m.%Y %H:%M} · {escape(who)} · {escape(entry.action)} "
            f"{escape(entry.object_type)} {escape(entry.object_id or '')} {escape(details)}".rstrip()
        )
    builder = InlineKeyboardBuilder()
    if offset + len(entries) < total:
        builder.button(text=_("Older ▶"), callback_data=AuditPageCb(offset=offset + len(entries)).pack())
    if offset > 0:
        builder.button(text=_("◀ Newer"), callback_data=AuditPageCb(offset=max(0, offset - 20)).pack())
    return "\n".join(lines), builder.as_markup()


# ---------------------------------------------------------------- the new-round wizard


def _wizard_button(text: str, action: WizardAction, value: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=WizardCb(action=action, value=value).pack())


def deadline_outside_360(year: int, first: date, last: date) -> str:
    """A deadline clause 4 does not allow for this year's 360 round."""
    return _(
        "Not accepted: the 360 evaluation of {year} is done by {last} (clause 4). Type a date from {first} "
        "to {last}."
    ).format(year=year, first=format_date(first), last=format_date(last))


def deadline_passed_360(year: int, last: date) -> str:
    """The year's 360 evaluation was due by a day now past: no round can be created for it."""
    return _(
        "The 360 evaluation of {year} had to be done by {last} (clause 4), and that day has passed: "
        "no round can be created for {year}. /newround to choose another year."
    ).format(year=year, last=format_date(last))


def relation_name(relation: str) -> str:
    names = {"manager": _("manager"), "subordinate": _("subordinate"), "peer": _("peer")}
    return names.get(relation, relation)


def draft_preview(
    report: CreationReport, profile: Profile, respondents: dict[int, list[tuple[str, str]]]
) -> Rendered:
    """``respondents``: subject id → [(respondent's short name, relation)]."""
    campaign = report.campaign
    short = report.short(profile)
    lines = [
        _("<b>Draft: 360 evaluation {year}</b>, deadline {deadline}").format(
            year=campaign.year, deadline=format_date(campaign.deadline)
        ),
        _("Evaluated: {count}. Not evaluated: {excluded}.").format(
            count=len(report.planned), excluded=len(report.excluded)
        ),
    ]
    if short:
        lines.append(
            _("⚠ Fewer than {minimum} respondents (the round cannot start until this is solved):").format(
                minimum=profile.min_respondents
            )
        )
        lines += listed([f"• {escape(p.subject.employee.full_name)} ({p.respondents})" for p in short])
    lines += listed(
        [
            f"• {escape(s.employee.full_name)}: {exclusion_reason(s.excluded_reason or '')}"
            for s in report.excluded
        ]
    )
    if report.unbound_respondents:
        lines.append(
            _("Respondents who have not joined the bot yet: {count}.").format(
                count=report.unbound_respondents
            )
        )
    lines += ["", _("<b>Respondents</b>:")]
    lines += listed(
        [
            f"• {escape(p.subject.employee.full_name)} ({escape(p.subject.employee.employee_id)}): "
            + ", ".join(
                f"{escape(name)} — {relation_name(rel)}" for name, rel in respondents.get(p.subject.id, [])
            )
            for p in report.planned
        ]
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [_wizard_button(_("✏️ Respondents of one person"), WizardAction.REPLACE, campaign.id)],
            [_wizard_button(_("▶ Start the round"), WizardAction.START, campaign.id)],
            [_wizard_button(_("🗑 Delete the draft"), WizardAction.DELETE, campaign.id)],
        ]
    )
    return "\n".join(lines), markup


def start_blocked(names: Sequence[str], campaign_id: int) -> Rendered:
    text = "\n".join(
        [
            _("These people have fewer than 3 respondents, so the round cannot start with them:"),
            *listed([f"• {escape(n)}" for n in names]),
            "",
            _("Assign them respondents, or start without them: they are then recorded as not evaluated."),
        ]
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [_wizard_button(_("✏️ Respondents of one person"), WizardAction.REPLACE, campaign_id)],
            [_wizard_button(_("▶ Start without them"), WizardAction.START_SKIPPING, campaign_id)],
        ]
    )
    return text, markup


def round_started(notified: int, not_joined: int) -> str:
    return _(
        "The round has started. Respondents being notified: {notified}; not in the bot yet: {not_joined} "
        "(they will see their questionnaires when they join)."
    ).format(notified=notified, not_joined=not_joined)


def respondent_problem(problem: RespondentProblem, profile: Profile) -> str:
    texts = {
        RespondentIssue.ROUND_STARTED: _(
            "The round has started: respondents can only change before the start."
        ),
        RespondentIssue.NOT_EVALUATED: _("{value} is not evaluated in this round."),
        RespondentIssue.NOT_ACTIVE: _("{value} is not an active employee."),
        RespondentIssue.SELF: _("A person cannot be their own respondent: the self-assessment is automatic."),
        RespondentIssue.BAD_RELATION: _("Unknown relation {value}."),
        RespondentIssue.TWICE: _("{value} is listed twice."),
        RespondentIssue.COUNT: _("{count} respondents: the methodology asks for {minimum} to {maximum}."),
    }
    return texts[problem.issue].format(
        value=escape(problem.value),
        count=problem.count,
        minimum=profile.min_respondents,
        maximum=profile.max_respondents,
    )


def unit_archive_choice(campaign_id: int, units: Sequence[str]) -> Rendered:
    builder = InlineKeyboardBuilder()
    for index, unit in enumerate(units):
        builder.row(
            InlineKeyboardButton(
                text=unit[:60], callback_data=UnitArchiveCb(campaign=campaign_id, unit=index).pack()
            )
        )
    return _("Which unit's reports?"), builder.as_markup()


# ---------------------------------------------------------------------------- broadcasts


def broadcast_compose() -> str:
    return _(
        "<b>New message</b> (/cancel stops)\n\nSend the text, or a picture or a document with a caption. "
        "It goes out exactly as you write it."
    )


def broadcast_round_label(campaign: CampaignDTO) -> str:
    return _("360 · {year} · until {deadline}").format(
        year=campaign.year, deadline=format_date(campaign.deadline)
    )


def broadcast_preview(preview: AudiencePreview) -> str:
    """The confirmation's text, under the message as recipients get it."""
    lines = [
        _("Recipients: {count}.").format(count=preview.reachable),
        _("Not in the bot (cannot be reached): {count}. Blocked the bot: {blocked}.").format(
            count=preview.not_joined, blocked=preview.blocked
        ),
        _("The message above is exactly what they will receive."),
    ]
    return "\n".join(lines)


def not_joined_links(count: int) -> str:
    return _(
        "{count} people have not joined the bot, so no message can reach them. Here are their personal links to send by e-mail or in person."
    ).format(count=count)


def unbind_reply(employee_id: str, result: UnbindResult) -> str:
    if result.outcome is UnbindOutcome.UNKNOWN:
        return _("Nobody in the staff list has the employee id {id}.").format(id=escape(employee_id))
    assert result.employee is not None
    name = escape(result.employee.full_name)
    if result.outcome is UnbindOutcome.NOT_BOUND:
        return _("{name} is not connected to the bot: nothing to disconnect.").format(name=name)
    return _(
        "{name} is disconnected from their Telegram account. Send them a new personal link: /invites."
    ).format(name=name)
