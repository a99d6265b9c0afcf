"""What the 2018 method's commission and results look like in a chat: the sitting announced to
evaluators, the cases a member votes on, and the result the evaluated person acquaints
themselves with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.deadlines.rules import Reminder
from bot.infra.callbacks import (
    CommissionAction,
    CommissionCb,
    LegacyAckCb,
    LegacyAction,
    LegacyApproveCb,
    LegacyCb,
    LegacyDecideCb,
    LegacyPlansCb,
    LegacySheetPdfCb,
    LegacyStage,
)
from bot.infra.formatting import current_locale, format_date, local_time
from bot.infra.notices import Notice, NoticeContext, Part, notice, parts_of
from bot.kernel.methodology import LegacyRules
from bot.kernel.workdays import WorkCalendar
from bot.legacy2018 import commission as legacy_commission
from bot.legacy2018 import service as legacy
from bot.legacy2018.commission import Case
from bot.legacy2018.reminders import (
    LEGACY_ABSENCE_DUE,
    LEGACY_BACK_DUE,
    LEGACY_PLAN_REMINDERS,
    returned_by,
)
from bot.legacy2018.rules import plan_due
from bot.legacy2018.service import (
    LEGACY_DECIDE,
    LEGACY_DECIDED,
    LEGACY_PROTOCOL,
    LEGACY_RESULT,
    LEGACY_RESULT_AGAIN,
    LEGACY_SITTING,
    LEGACY_VOTE,
    PLAN_DAYS,
    Refusal,
)
from bot.reports.files import legacy_protocol
from storage.dto import EmployeeDTO, OutboxDTO
from storage.legacy2018 import CompetencyOutcome, LegacyKpiRow, LegacyRepo, LegacySheetDTO
from storage.staff.employees import EmployeeRepo
from storage.survey360.campaigns import CampaignRepo

LEGACY_KINDS = frozenset(
    {
        LEGACY_SITTING,
        LEGACY_VOTE,
        LEGACY_RESULT,
        LEGACY_RESULT_AGAIN,
        LEGACY_PROTOCOL,
        LEGACY_DECIDE,
        LEGACY_DECIDED,
        LEGACY_BACK_DUE,
        LEGACY_ABSENCE_DUE,
        *LEGACY_PLAN_REMINDERS.values(),
    }
)
Rendered = tuple[str, InlineKeyboardMarkup]


def grade_name(rules: LegacyRules, code: str | None) -> str:
    grade = next((g for g in rules.kpi_count.grades if g.code == code), None)
    return f"«{escape(grade.name.get(current_locale()))}»" if grade else "—"


async def legacy_notice(
    session: AsyncSession,
    kind: str,
    ref_id: int,
    recipient: EmployeeDTO,
    calendar: WorkCalendar,
    *,
    organisation: str,
    now: datetime,
) -> list[Notice]:
    """The messages owed; empty when they are no longer due."""
    repo = LegacyRepo(session)
    if kind in (LEGACY_PROTOCOL, LEGACY_SITTING, LEGACY_VOTE):
        return await _sitting_notice(session, kind, ref_id, recipient, organisation=organisation, now=now)
    if kind in (LEGACY_DECIDE, LEGACY_DECIDED):
        return await _decision_notice(session, kind, ref_id)
    if kind in LEGACY_PLAN_KINDS:
        return await _plan_reminder(session, kind, ref_id, recipient, calendar)
    if kind in (LEGACY_BACK_DUE, LEGACY_ABSENCE_DUE):
        return await _sheet_reminder(session, kind, ref_id)
    sheet = await repo.sheet(ref_id)
    if sheet is None or not sheet.released or sheet.acquainted_at or sheet.refused_at:
        return []
    campaign = await CampaignRepo(session).get(sheet.campaign_id)
    assert campaign is not None
    _profile, rules = legacy.rules_of(campaign)
    text = result_text(sheet, rules, campaign.year, await repo.competency_results(sheet.id), calendar)
    if kind == LEGACY_RESULT_AGAIN:
        text = _("Reminder: please read your result and confirm with the button below.") + "\n\n" + text
    read = InlineKeyboardButton(text=_("✅ I have read it"), callback_data=LegacyAckCb(sheet=sheet.id).pack())
    markup = InlineKeyboardMarkup(inline_keyboard=[*sheets_pdf_markup(sheet.id).inline_keyboard, [read]])
    return [Notice(text, markup, confidential=True)]


LEGACY_PLAN_KINDS = frozenset(LEGACY_PLAN_REMINDERS.values())


async def _sitting_notice(
    session: AsyncSession,
    kind: str,
    sitting_id: int,
    recipient: EmployeeDTO,
    *,
    organisation: str,
    now: datetime,
) -> list[Notice]:
    """A sitting announced to an evaluator (clause 29), opened to a member, or its protocol to
    the chair and the secretary; nothing once the sitting has moved on."""
    found = await LegacyRepo(session).sitting(sitting_id)
    if found is None:
        return []
    commission, sitting = found
    if kind == LEGACY_PROTOCOL:
        file = await legacy_protocol(
            session, commission.campaign_id, organisation, now, sitting=sitting.number
        )
        caption = _("📄 The protocol of the evaluation commission's sitting (appendix 5), to be signed.")
        return [Notice(caption, None, confidential=True, document=(file.name, file.data))]
    campaign = await CampaignRepo(session).get(commission.campaign_id)
    assert campaign is not None
    if kind == LEGACY_SITTING:
        if sitting.status != "scheduled":
            return []
        text = _(
            "📅 The evaluation commission will consider the {year} results of your people on {when} "
            "(clause 29). Please be ready to present them."
        ).format(year=campaign.year, when=local_time(sitting.sitting_at).strftime("%d.%m.%Y %H:%M"))
        return [Notice(text, None)]
    if sitting.status != "sitting" or recipient.id not in commission.members:
        return []
    text, markup = cases_screen(await legacy_commission.cases(session, recipient), recipient)
    return [Notice(text, markup, confidential=True)]


async def _plan_reminder(
    session: AsyncSession, kind: str, campaign_id: int, manager: EmployeeDTO, calendar: WorkCalendar
) -> list[Notice]:
    """To a direct manager: the people whose plans are not submitted yet (004 clause 9)."""
    campaign = await CampaignRepo(session).get(campaign_id)
    sheets = await LegacyRepo(session).plans_to_write(campaign_id, manager.id)
    if campaign is None or campaign.status != "running" or not sheets:
        return []
    people = await EmployeeRepo(session).many({s.employee_id for s in sheets})
    if kind == LEGACY_PLAN_REMINDERS[Reminder.DEADLINE_DAY]:
        first = _(
            "⏰ Reminder: today is the last day to set the individual work plans for {year} (clause 9)."
        )
    else:
        first = _("⏰ Reminder: the individual work plans for {year} must be set by {date} (clause 9).")
    lines = [
        first.format(year=campaign.year, date=format_date(plan_due(campaign.year, calendar, PLAN_DAYS))),
        _("Not submitted yet:"),
        *(f"• {escape(people[s.employee_id].full_name)}" for s in sheets),
    ]
    upload = InlineKeyboardButton(
        text=_("📝 Upload plans (appendix 1)"), callback_data=LegacyPlansCb().pack()
    )
    return [Notice("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=[[upload]]), confidential=True)]


async def _sheet_reminder(session: AsyncSession, kind: str, sheet_id: int) -> list[Notice]:
    """To a direct manager: a returned plan or KPI sheet due back (004 clauses 12, 23), or an
    absent person's sheets due (clause 4); nothing once it is done."""
    sheet = await LegacyRepo(session).sheet(sheet_id)
    if sheet is None or sheet.decision is not None:
        return []
    campaign = await CampaignRepo(session).get(sheet.campaign_id)
    assert campaign is not None
    _profile, rules = legacy.rules_of(campaign)
    person = (await EmployeeRepo(session).many({sheet.employee_id}))[sheet.employee_id]
    name = escape(person.full_name)
    if kind == LEGACY_BACK_DUE:
        if sheet.resubmit_by is None or returned_by(sheet) is None:
            return []
        if sheet.plan_status == "returned":
            text = _(
                "⏰ Reminder: the plan of {name}, returned for correction, must go back to the superior "
                "manager by {date} (clause 12)."
            )
        else:
            text = _(
                "⏰ Reminder: the KPI sheet of {name}, returned for correction, must go back to the superior "
                "manager by {date} (clause 23)."
            )
        return [
            Notice(text.format(name=name, date=format_date(sheet.resubmit_by)), _open_button(sheet.id), True)
        ]
    if sheet.absence_due is None or sheet.absent_until is None or legacy.ready_for_commission(sheet, rules):
        return []
    text = _(
        "⏰ Reminder: {name} was absent until {until}; they are to be evaluated by {date}, within {days} "
        "working days of being back (clause 4). Please complete their sheets."
    ).format(
        name=name,
        until=format_date(sheet.absent_until),
        date=format_date(sheet.absence_due),
        days=rules.absence_working_days,
    )
    return [Notice(text, _open_button(sheet.id), True)]


async def overdue_return_notice(session: AsyncSession, sheet_id: int, today: date) -> list[Notice]:
    """To HR's role holders: a returned plan or KPI sheet that has not come back in time."""
    sheet = await LegacyRepo(session).sheet(sheet_id)
    last_day = returned_by(sheet) if sheet is not None and sheet.decision is None else None
    if sheet is None or last_day is None or last_day >= today:
        return []
    staff = await EmployeeRepo(session).many(
        {sheet.employee_id, *([sheet.evaluator_id] if sheet.evaluator_id else [])}
    )
    person = staff[sheet.employee_id]
    manager = staff[sheet.evaluator_id].full_name if sheet.evaluator_id in staff else "—"
    if sheet.plan_status == "returned":
        text = _(
            "⚠️ The plan of {name} ({code}) was returned for correction and has not come back by {date} "
            "(2 working days, clause 12). Direct manager: {manager}."
        )
    else:
        text = _(
            "⚠️ The KPI sheet of {name} ({code}) was returned for correction and has not come back by {date} "
            "(2 working days, clause 23). Direct manager: {manager}."
        )
    return [
        Notice(
            text.format(
                name=escape(person.full_name),
                code=escape(person.employee_id),
                date=format_date(last_day),
                manager=escape(manager),
            ),
            None,
        )
    ]


async def _decision_notice(session: AsyncSession, kind: str, sheet_id: int) -> list[Notice]:
    """To the superior manager, a plan or KPI sheet to decide on; to the direct manager, what
    was decided. Composed as things stand: nothing once it is no longer so."""
    repo = LegacyRepo(session)
    sheet = await repo.sheet(sheet_id)
    if sheet is None:
        return []
    campaign = await CampaignRepo(session).get(sheet.campaign_id)
    assert campaign is not None
    _profile, rules = legacy.rules_of(campaign)
    person = (await EmployeeRepo(session).many({sheet.employee_id}))[sheet.employee_id]
    kpis = await repo.kpis(sheet.id)
    if kind == LEGACY_DECIDE:
        if sheet.plan_status == "submitted":
            return [Notice(*plan_to_decide(sheet, person, campaign.year, kpis, rules), confidential=True)]
        if sheet.kpi_status == "submitted":
            return [
                Notice(*kpi_sheet_to_decide(sheet, person, campaign.year, kpis, rules), confidential=True)
            ]
        return []
    name = escape(person.full_name)
    if sheet.kpi_status == "returned":
        text = _("↩ The KPI sheet of {name} was returned for correction: «{comment}». Resubmit it by {date}.")
    elif sheet.kpi_status == "agreed":
        text = _("✅ The superior manager agreed with the KPI sheet of {name}.")
    elif sheet.plan_status == "returned":
        text = _("↩ The plan of {name} was returned for correction: «{comment}». Resubmit it by {date}.")
    elif sheet.plan_status == "approved":
        text = _("✅ The plan of {name} is approved.")
    else:
        return []
    resubmit_by = format_date(sheet.resubmit_by) if sheet.resubmit_by else "—"
    text = text.format(name=name, comment=escape(sheet.return_comment or ""), date=resubmit_by)
    return [Notice(text, _open_button(sheet.id), confidential=True)]


def plan_to_decide(
    sheet: LegacySheetDTO, person: EmployeeDTO, year: int, kpis: Sequence[LegacyKpiRow], rules: LegacyRules
) -> Rendered:
    lines = [
        _("📝 <b>Individual work plan for {year} to approve</b> (appendix 1)").format(year=year),
        f"{escape(person.full_name)} · {escape(person.position)}",
        "",
    ]
    for kpi in kpis:
        lines.append(
            _(
                "{no}. {name} — {unit}, planned {planned}, by {due}. Source: {source}. Key result: {result}"
            ).format(
                no=kpi.no,
                name=escape(kpi.name),
                unit=escape(kpi.unit),
                planned=escape(kpi.planned),
                due=escape(kpi.due),
                source=escape(kpi.source),
                result=escape(kpi.key_result),
            )
        )
    lines += [
        "",
        _("Approve it, or return it for correction: it comes back within {days} working days.").format(
            days=rules.kpi_count.resubmit_working_days
        ),
    ]
    return "\n".join(lines), _decide_buttons(sheet.id, LegacyStage.PLAN)


def kpi_sheet_to_decide(
    sheet: LegacySheetDTO, person: EmployeeDTO, year: int, kpis: Sequence[LegacyKpiRow], rules: LegacyRules
) -> Rendered:
    lines = [
        _("📊 <b>KPI sheet for {year} to agree</b> (appendix 2)").format(year=year),
        f"{escape(person.full_name)} · {escape(person.position)}",
        "",
        *(kpi_line(kpi) for kpi in kpis),
        "",
        _("KPIs met: {met} of {total} → {grade}").format(
            met=sheet.kpi_met, total=rules.kpi_count.kpis, grade=grade_name(rules, sheet.kpi_grade)
        ),
        _("Agree with it, or return it when the facts are insufficient or unreliable (clause 22)."),
    ]
    return "\n".join(lines), _decide_buttons(sheet.id, LegacyStage.KPI)


def kpi_line(kpi: LegacyKpiRow) -> str:
    mark = "✅" if kpi.met else "❌"
    return _("{mark} {no}. {name}: actual {actual} against planned {planned}. Facts: {facts}").format(
        mark=mark,
        no=kpi.no,
        name=escape(kpi.name),
        actual=escape(kpi.actual or "—"),
        planned=escape(kpi.planned),
        facts=escape(kpi.facts or "—"),
    )


def _decide_buttons(sheet_id: int, stage: LegacyStage) -> InlineKeyboardMarkup:
    agree = _("✅ Approve") if stage is LegacyStage.PLAN else _("✅ Agree")
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=agree, callback_data=LegacyDecideCb(sheet=sheet_id, stage=stage, agree=True).pack()
                ),
                InlineKeyboardButton(
                    text=_("↩ Return for correction"),
                    callback_data=LegacyDecideCb(sheet=sheet_id, stage=stage, agree=False).pack(),
                ),
            ]
        ]
    )


def _open_button(sheet_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("📂 Open"), callback_data=LegacyCb(sheet=sheet_id, action=LegacyAction.MENU).pack()
                )
            ]
        ]
    )


def result_text(
    sheet: LegacySheetDTO,
    rules: LegacyRules,
    year: int,
    competencies: Sequence[CompetencyOutcome],
    calendar: WorkCalendar,
) -> str:
    """The person's result after the commission (004 clauses 18, 27, 37-43)."""
    locale = current_locale()
    names = {
        c.no: c.sheet_name.get(locale)
        for c in (rules.competencies.competencies if rules.competencies else ())
    }
    lines = [
        _("📋 <b>Your evaluation result for {year}</b>").format(year=year),
        "",
        _("KPIs met: {met} of {total}; grade by the KPI sheet: {grade}.").format(
            met=sheet.kpi_met, total=rules.kpi_count.kpis, grade=grade_name(rules, sheet.kpi_grade)
        ),
    ]
    if sheet.decision == "revise":
        lines.append(
            _("The evaluation commission revised the result: {grade}.").format(
                grade=grade_name(rules, sheet.corrected_grade)
            )
        )
    else:
        lines.append(_("The evaluation commission approved the result."))
    if competencies:
        lines += ["", _("Competencies (to plan your development; they do not affect bonuses):")]
        for outcome in competencies:
            name = escape(names.get(outcome.competency_no, str(outcome.competency_no)))
            if outcome.meets:
                lines.append(_("✅ {name}: meets expectations").format(name=name))
            else:
                lines.append(_("❌ {name}: does not meet expectations").format(name=name))
    if sheet.decided_at is not None:
        appeal_by = legacy.appeal_by(sheet, rules, calendar)  # from the approval (clause 39)
        lines += [
            "",
            _(
                "If you disagree, you may appeal the commission's decision to the civil service agency "
                "by {date} (within {days} working days, clause 43), or to court (clause 44)."
            ).format(date=format_date(appeal_by), days=rules.commission.agency_appeal_working_days),
        ]
    lines += ["", _("Please confirm that you have read it.")]
    return "\n".join(lines)


def cases_screen(found: Sequence[Case], member: EmployeeDTO) -> Rendered:
    if not found:
        return _("No evaluation commission you belong to is sitting now."), InlineKeyboardMarkup(
            inline_keyboard=[]
        )
    commission = found[0].commission
    lines = [
        _("🗳 <b>The evaluation commission is sitting on the {year} results</b>").format(
            year=found[0].campaign.year
        ),
        _("Vote openly on each result: approve it, or revise it with the corrected grade (clauses 32-38)."),
    ]
    if commission.chair_id == member.id:
        lines.append(_("You chair the commission: your vote decides a tie."))
    builder = InlineKeyboardBuilder()
    for item in found:
        mark = "✅" if item.my_vote else "🗳"
        builder.button(
            text=f"{mark} {item.person.short_name}",
            callback_data=CommissionCb(action=CommissionAction.SHOW, sheet=item.sheet.id).pack(),
        )
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


def case_screen(item: Case, rules: LegacyRules) -> Rendered:
    locale = current_locale()
    sheet, person = item.sheet, item.person
    lines = [
        f"<b>{escape(person.full_name)}</b> · {escape(person.position)} · {item.campaign.year}",
        "",
        _("KPI sheet: {met} of {total} met → {grade}").format(
            met=sheet.kpi_met, total=rules.kpi_count.kpis, grade=grade_name(rules, sheet.kpi_grade)
        ),
    ]
    for kpi in item.kpis:
        mark = "✅" if kpi.met else "❌"
        lines.append(
            f"{mark} {kpi.no}. {escape(kpi.name)}: {escape(kpi.actual or '—')} / {escape(kpi.planned)} — "
            f"{escape(kpi.facts or '')}"
        )
    if item.competencies and rules.competencies is not None:
        names = {c.no: c.sheet_name.get(locale) for c in rules.competencies.competencies}
        lines += ["", _("Competency sheet:")]
        lines += [
            f"{'✅' if c.meets else '❌'} {escape(names[c.competency_no])} ({c.seen}/{c.total})"
            for c in item.competencies
        ]
    lines.append("")
    if item.my_vote is None:
        lines.append(_("Your vote: not given yet."))
    elif item.my_vote.choice == "approve":
        lines.append(_("Your vote: approve."))
    else:
        lines.append(
            _("Your vote: revise to {grade}.").format(grade=grade_name(rules, item.my_vote.corrected_grade))
        )
    builder = InlineKeyboardBuilder()
    if item.my_vote is None:
        builder.row(
            _button(_("✅ Approve"), CommissionCb(action=CommissionAction.APPROVE, sheet=sheet.id)),
            _button(_("✏️ Revise"), CommissionCb(action=CommissionAction.REVISE, sheet=sheet.id)),
        )
    builder.row(_button(_("◀ All results"), CommissionCb(action=CommissionAction.LIST)))
    return "\n".join(lines), builder.as_markup()


def revise_screen(item: Case, rules: LegacyRules) -> Rendered:
    text = _("Revise the result of {name} to which grade? (Now: {grade}.)").format(
        name=escape(item.person.full_name), grade=grade_name(rules, item.sheet.kpi_grade)
    )
    builder = InlineKeyboardBuilder()
    for grade in rules.kpi_count.grades:
        if grade.code != item.sheet.kpi_grade:
            builder.row(
                _button(
                    grade.name.get(current_locale()),
                    CommissionCb(action=CommissionAction.GRADE, sheet=item.sheet.id, grade=grade.code),
                )
            )
    builder.row(_button(_("◀ Back"), CommissionCb(action=CommissionAction.SHOW, sheet=item.sheet.id)))
    return text, builder.as_markup()


def sheets_pdf_markup(sheet_id: int) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(
        text=_("📄 The sheets (PDF)"), callback_data=LegacySheetPdfCb(sheet=sheet_id).pack()
    )
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


async def approval_notice(
    session: AsyncSession, sitting_id: int, *, organisation: str, now: datetime
) -> list[Notice]:
    """To the authorised person: the protocol of a closed sitting with its results to approve
    (004 clause 39); nothing once they are approved."""
    pending = await legacy_commission.pending_approval(session, sitting_id)
    if isinstance(pending, Refusal):
        return []
    file = await legacy_protocol(
        session, pending.campaign.id, organisation, now, sitting=pending.sitting.number
    )
    text, markup = approval_request(pending)
    return [Notice(text, markup, confidential=True, document=(file.name, file.data))]


def approval_request(pending: legacy_commission.PendingApproval) -> Rendered:
    """The summary under a protocol the authorised person is asked to approve, and the button."""
    text = "\n".join(
        [
            _("📄 <b>Evaluation results for {year}: sitting {number} of the commission</b>").format(
                year=pending.campaign.year, number=pending.sitting.number
            ),
            _("Results decided: {count}; corrected by the commission: {revised}.").format(
                count=pending.decided, revised=pending.revised
            ),
            _(
                "The results are approved by the authorised person (clause 39); the people receive them "
                "once you approve."
            ),
        ]
    )
    button = InlineKeyboardButton(
        text=_("✅ Approve the results (clause 39)"),
        callback_data=LegacyApproveCb(sitting=pending.sitting.id).pack(),
    )
    return text, InlineKeyboardMarkup(inline_keyboard=[[button]])


def approval_refusal_text(refusal: Refusal) -> str:
    match refusal:
        case Refusal.NOT_ALLOWED:
            return _("Only the authorised person may approve the evaluation results (clause 39).")
        case Refusal.ALREADY_APPROVED:
            return _("These results are approved already.")
        case _:
            return _("There is nothing to approve at this sitting now.")


def approval_done_text(pending: legacy_commission.PendingApproval) -> str:
    return ngettext(
        "✅ Approved: {count} result of {year}, sitting {number}. The person receives it now (clause 40).",
        "✅ Approved: {count} results of {year}, sitting {number}. The people receive them now (clause 40).",
        pending.decided,
    ).format(count=pending.decided, year=pending.campaign.year, number=pending.sitting.number)


def vote_refusal_text(refusal: Refusal) -> str:
    match refusal:
        case Refusal.NOT_A_MEMBER:
            return _("This result is not before a commission you sit on.")
        case Refusal.WRONG_STATE:
            return _("Your vote on this result is already given; an open vote is not taken back.")
        case _:
            return _("This vote cannot be taken.")


def acknowledgement_text(refusal: Refusal | None) -> str:
    if refusal is None:
        return _("Thank you: your acquaintance with the result is recorded.")
    if refusal is Refusal.NOT_YOURS:
        return _("This result is not yours.")
    return _("Your acquaintance with this result is recorded already.")


def _button(text: str, data: CommissionCb) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


@notice(legacy.LEGACY_APPROVAL)  # to the authorised person's accounts
async def approval_parts(context: NoticeContext, item: OutboxDTO) -> list[Part]:
    notices = await approval_notice(
        context.session, item.ref_id, organisation=context.organisation, now=context.now()
    )
    return parts_of(notices, why_none="the sheet is no longer open")


@notice(*LEGACY_KINDS)
async def legacy_parts(context: NoticeContext, item: OutboxDTO) -> list[Part]:
    notices = await legacy_notice(
        context.session,
        item.kind,
        item.ref_id,
        context.person(),
        context.calendar,
        organisation=context.organisation,
        now=context.now(),
    )
    return parts_of(notices, why_none="the sheet is no longer open")
