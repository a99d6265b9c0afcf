"""The notifications of a quarterly round, composed when they are sent, in the recipient's
language: the evaluator's prompt, the evaluated person's notice (clauses 26, 30), the
actual values having arrived (clause 22), and the result with "I have read it"."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import SheetAction, SheetCb
from bot.infra.formatting import format_date
from bot.infra.notices import Notice, NoticeContext, Part, notice, parts_of
from bot.kernel.methodology import Profile
from bot.quarterly.plans import PLAN_APPROVAL, PLAN_DECIDED
from bot.quarterly.results import sheet_records
from bot.quarterly.rounds import (
    KPI_ACTUALS,
    QUARTER_NOTICE,
    QUARTER_RESULT,
    QUARTER_STARTED,
    RESULT_AGAIN,
    SHEETS_DELEGATED,
    year_result,
)
from bot.quarterly.rules import Method, sheet_due_on
from bot.quarterly.sheet_screens import (
    method_name,
    plan_decision_markup,
    render_plan,
    render_result,
    round_title,
    sheet_buttons,
)
from storage.dto import CampaignDTO, EmployeeDTO, OutboxDTO
from storage.quarterly import PlanRepo, QuarterRepo

QUARTERLY_KINDS = frozenset(
    {
        QUARTER_STARTED,
        SHEETS_DELEGATED,
        QUARTER_NOTICE,
        QUARTER_RESULT,
        RESULT_AGAIN,
        KPI_ACTUALS,
        PLAN_APPROVAL,
        PLAN_DECIDED,
    }
)


async def quarterly_notice(
    session: AsyncSession, profile: Profile, kind: str, ref_id: int, recipient: EmployeeDTO
) -> list[Notice]:
    """The messages owed; empty when they are no longer due."""
    repo = QuarterRepo(session)
    if kind in (PLAN_APPROVAL, PLAN_DECIDED):
        return await _plan_notice(session, kind, ref_id)
    if kind in (QUARTER_STARTED, SHEETS_DELEGATED):
        sheets = [s for s in await repo.open_sheets_of(recipient.id) if s.campaign.id == ref_id]
        if not sheets:
            return []
        campaign = sheets[0].campaign
        quarter = round_title(campaign.year, campaign.quarter or 0)
        intro = (
            _("The quarterly evaluation for {quarter} has started.")
            if kind == QUARTER_STARTED
            else _("The head of your unit has named you an evaluator for {quarter} (clause 31).")
        )
        text = "\n\n".join(
            [
                intro.format(quarter=quarter),
                _("Please evaluate your people by {deadline}. Sheets: {count}.").format(
                    deadline=format_date(
                        min(sheet_due_on(s.campaign.deadline, s.kpi_due_on) for s in sheets)
                    ),
                    count=len(sheets),
                ),
                _(
                    "Scores outside what the methodology allows cannot be given; you can review before submitting."
                ),
            ]
        )
        markup = InlineKeyboardMarkup(inline_keyboard=[[button] for button in sheet_buttons(sheets)])
        return [Notice(text, markup)]
    sheet = await repo.sheet(ref_id)
    if sheet is None:
        return []
    title = round_title(sheet.campaign.year, sheet.campaign.quarter or 0)
    if kind == QUARTER_NOTICE:
        evaluator = (await repo.names([sheet.evaluator_id] if sheet.evaluator_id else [])).get(
            sheet.evaluator_id or 0
        )
        how = (
            _("by your KPIs (individual work plan)")
            if sheet.method == Method.KPI
            else _("by the differentiation method (four parameters)")
        )
        text = _(
            "You are evaluated for {quarter} {how}. Evaluator: {evaluator}. Deadline: {deadline}."
        ).format(
            quarter=title,
            how=how,
            evaluator=escape(evaluator.full_name) if evaluator else "—",
            deadline=format_date(sheet_due_on(sheet.campaign.deadline, sheet.kpi_due_on)),
        )
        return [Notice(text, None)]
    if kind == KPI_ACTUALS:
        if sheet.status != "open":
            return []
        text = _(
            "HR has entered the actual KPI values of {name} for {quarter}. The sheet can be filled now."
        ).format(name=escape(sheet.employee.full_name), quarter=title)
        button = InlineKeyboardButton(
            text=f"📝 {method_name(Method.KPI)} · {sheet.employee.short_name}",
            callback_data=SheetCb(sheet=sheet.id, action=SheetAction.OPEN).pack(),
        )
        return [Notice(text, InlineKeyboardMarkup(inline_keyboard=[[button]]))]
    if kind in (QUARTER_RESULT, RESULT_AGAIN):
        records = await sheet_records(session, profile, sheet.campaign.id, sheet_id=sheet.id)
        if not records or records[0].status != "submitted":
            return []
        if kind == RESULT_AGAIN and records[0].acknowledged_at is not None:
            return []  # read meanwhile
        year = await year_result(session, profile, sheet.employee.id, sheet.campaign.year)
        text, markup = render_result(records[0], year, profile)
        if kind == RESULT_AGAIN:
            text = _("Please read your evaluation result and confirm it (clause 11).") + "\n\n" + text
        return [Notice(text, markup, confidential=True)]
    raise ValueError(f"unknown quarterly notice {kind!r}")


async def _plan_notice(session: AsyncSession, kind: str, change_id: int) -> list[Notice]:
    plans = PlanRepo(session)
    plan_id = await plans.plan_of_change(change_id)
    plan = await plans.get(plan_id) if plan_id is not None else None
    if plan is None:
        return []
    person = (await QuarterRepo(session).names([plan.employee_id]))[plan.employee_id]
    text = render_plan(plan, person)
    if kind == PLAN_APPROVAL:
        if plan.status != "submitted":
            return []
        intro = _("A work plan awaits your approval (appendix 1, clause 22).")
        return [Notice(f"{intro}\n\n{text}", plan_decision_markup(plan.id), confidential=True)]
    if plan.status == "approved":
        intro = _("The work plan has been approved.")
    else:
        intro = _("The work plan was returned for correction: {comment}").format(
            comment=escape(plan.return_comment or "")
        )
    return [Notice(f"{intro}\n\n{text}", None, confidential=True)]


async def sheets_reminder(
    session: AsyncSession, campaign: CampaignDTO, recipient: EmployeeDTO
) -> Notice | None:
    """A deadline reminder to an evaluator with sheets still open in the round (not those
    with their own due day: :func:`own_due_reminder`)."""
    sheets = [
        s
        for s in await QuarterRepo(session).open_sheets_of(recipient.id)
        if s.campaign.id == campaign.id and s.kpi_due_on is None
    ]
    if not sheets:
        return None
    text = _(
        "Reminder: {count} evaluation sheet(s) of your people in {quarter} to fill by {deadline}."
    ).format(
        count=len(sheets),
        quarter=round_title(campaign.year, campaign.quarter or 0),
        deadline=format_date(campaign.deadline),
    )
    return Notice(text, InlineKeyboardMarkup(inline_keyboard=[[button] for button in sheet_buttons(sheets)]))


async def own_due_reminder(session: AsyncSession, sheet_id: int, recipient: EmployeeDTO) -> Notice | None:
    """A reminder to the evaluator of a sheet with its own due day (an absent head's KPIs,
    002 clause 5); None once it is submitted, handed to someone else or its round closed."""
    sheet = await QuarterRepo(session).sheet(sheet_id)
    if (
        sheet is None
        or sheet.status != "open"
        or sheet.campaign.status != "running"
        or sheet.evaluator_id != recipient.id
        or sheet.kpi_due_on is None
    ):
        return None
    text = _(
        "Reminder: the KPI sheet of {name} for {quarter} is to be filled by {date}. "
        "A head who was away during the evaluation is evaluated after returning to work (clause 5)."
    ).format(
        name=escape(sheet.employee.full_name),
        quarter=round_title(sheet.campaign.year, sheet.campaign.quarter or 0),
        date=format_date(sheet.kpi_due_on),
    )
    return Notice(text, InlineKeyboardMarkup(inline_keyboard=[[button] for button in sheet_buttons([sheet])]))


@notice(*QUARTERLY_KINDS)
async def quarterly_parts(context: NoticeContext, item: OutboxDTO) -> list[Part]:
    notices = await quarterly_notice(
        context.session, context.profile, item.kind, item.ref_id, context.person()
    )
    return parts_of(notices, why_none="the sheet is no longer open")
