"""What a direct manager sees of a person's year under the 2018 method: the plan's state, the KPI sheet
and the competency sheet (004 appendices 1-4)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.infra.callbacks import LegacyAction, LegacyCb, LegacyPlansCb
from bot.infra.formatting import current_locale, format_date
from bot.legacy2018.notices import grade_name, kpi_line, sheets_pdf_markup
from bot.legacy2018.rules import CompetencyVerdict
from bot.legacy2018.service import Refusal
from bot.legacy2018.sheets import CompetencyScreen, SheetOverview
from storage.dto import CampaignDTO, EmployeeDTO
from storage.legacy2018 import LegacySheetDTO

Rendered = tuple[str, InlineKeyboardMarkup]


def sheets_list(found: Sequence[tuple[CampaignDTO, LegacySheetDTO, EmployeeDTO]]) -> Rendered:
    if not found:
        return _("You have nobody to evaluate under the 2018 methodology."), InlineKeyboardMarkup(
            inline_keyboard=[]
        )
    builder = InlineKeyboardBuilder()
    for campaign, sheet, person in found:
        done = sheet.kpi_status == "agreed" and sheet.competencies_submitted_at is not None
        mark = "✅" if done else "📋"
        builder.button(
            text=f"{mark} {campaign.year} · {person.short_name}",
            callback_data=LegacyCb(sheet=sheet.id, action=LegacyAction.MENU).pack(),
        )
    builder.adjust(1)
    builder.row(
        InlineKeyboardButton(text=_("📝 Upload plans (appendix 1)"), callback_data=LegacyPlansCb().pack())
    )
    return _("Your people's evaluation under the 2018 methodology:"), builder.as_markup()


def competency_screen(screen: CompetencyScreen) -> Rendered:
    locale = current_locale()
    competency, group = screen.competency, screen.group
    lines = [
        _("<b>Competency sheet · {year}</b>").format(year=screen.year),
        f"{escape(screen.person.full_name)} · {escape(screen.person.position)}",
        _("Post category: {code} ({name})").format(
            code=screen.category.code, name=escape(screen.category.name.get(locale))
        ),
        "",
        _("<b>Competency {number} of {count}: {name}</b>").format(
            number=screen.position + 1,
            count=len(screen.competencies),
            name=escape(competency.name.get(locale)),
        ),
        _("Mark the behaviour indicators you saw in the person's work during the year:"),
    ]
    for index, indicator in enumerate(group.effective):
        mark = "✅" if index in screen.seen else "⬜"
        lines.append(f"{mark} {index + 1}. {escape(indicator.get(locale))}")
    lines += [
        "",
        _("Seen: {seen} of {total}. Meets expectations from {needed}.").format(
            seen=len(screen.seen), total=len(group.effective), needed=screen.needed
        ),
    ]
    sheet, number = screen.sheet.id, competency.no
    builder = InlineKeyboardBuilder()
    for index in range(len(group.effective)):
        builder.button(
            text=f"{'✅' if index in screen.seen else '⬜'} {index + 1}",
            callback_data=LegacyCb(
                sheet=sheet, action=LegacyAction.TOGGLE, competency=number, item=index
            ).pack(),
        )
    builder.adjust(5)
    moves = []
    if screen.position > 0:
        previous = screen.competencies[screen.position - 1].no
        moves.append(
            _button(_("◀ Previous"), LegacyCb(sheet=sheet, action=LegacyAction.SHOW, competency=previous))
        )
    if screen.position + 1 < len(screen.competencies):
        following = screen.competencies[screen.position + 1].no
        moves.append(
            _button(_("Next ▶"), LegacyCb(sheet=sheet, action=LegacyAction.SHOW, competency=following))
        )
    builder.row(*moves)
    builder.row(_button(_("📤 Review and submit"), LegacyCb(sheet=sheet, action=LegacyAction.REVIEW)))
    return "\n".join(lines), builder.as_markup()


def menu_screen(view: SheetOverview) -> Rendered:
    """A person's year: where the plan, the KPI sheet and the competency sheet stand."""
    sheet = view.sheet
    plan = {
        "draft": _("not set yet: upload it from the list (5 KPIs)"),
        "submitted": _("with the superior manager"),
        "approved": _("approved"),
        "returned": _("returned for correction: «{comment}», resubmit by {date}"),
    }[sheet.plan_status]
    kpi = {
        "open": _("{entered} of {total} KPIs entered").format(
            entered=view.kpis_entered, total=len(view.kpis)
        ),
        "submitted": _("with the superior manager"),
        "agreed": _("agreed: {grade}").format(grade=grade_name(view.rules, sheet.kpi_grade)),
        "returned": _("returned for correction: «{comment}», resubmit by {date}"),
    }[sheet.kpi_status]
    details = {
        "comment": escape(sheet.return_comment or ""),
        "date": format_date(sheet.resubmit_by) if sheet.resubmit_by else "—",
    }
    lines = [
        f"<b>{escape(view.person.full_name)}</b> · {escape(view.person.position)} · {view.campaign.year}",
        "",
        _("📝 Plan (appendix 1): {state}").format(state=plan.format(**details)),
        _("📊 KPI sheet (appendix 2): {state}").format(state=kpi.format(**details)),
    ]
    builder = InlineKeyboardBuilder()
    if sheet.plan_status == "approved":
        builder.row(_button(_("📊 KPI sheet"), LegacyCb(sheet=sheet.id, action=LegacyAction.KPI, item=1)))
    builder.row(*sheets_pdf_markup(sheet.id).inline_keyboard[0])
    if view.rules.competencies is not None:
        state = _("submitted") if sheet.competencies_submitted_at else _("open")
        lines.append(_("🧭 Competency sheet (appendix 3): {state}").format(state=state))
        builder.row(_button(_("🧭 Competency sheet"), LegacyCb(sheet=sheet.id, action=LegacyAction.SHOW)))
    return "\n".join(lines), builder.as_markup()


def kpi_screen(view: SheetOverview, no: int) -> Rendered:
    """One KPI of the sheet (appendix 2): the plan's line and what is entered against it."""
    kpi = next((k for k in view.kpis if k.no == no), view.kpis[0])
    sheet = view.sheet
    lines = [
        _("<b>KPI sheet · {year}</b>").format(year=view.campaign.year),
        f"{escape(view.person.full_name)} · {escape(view.person.position)}",
        "",
        _("<b>KPI {number} of {count}: {name}</b>").format(
            number=kpi.no, count=len(view.kpis), name=escape(kpi.name)
        ),
        _("Unit: {unit}; planned: {planned}; deadline: {due}.").format(
            unit=escape(kpi.unit), planned=escape(kpi.planned), due=escape(kpi.due)
        ),
        _("Key result: {result}").format(result=escape(kpi.key_result)),
        "",
        kpi_line(kpi) if kpi.met is not None else _("Not entered yet."),
    ]
    builder = InlineKeyboardBuilder()
    if view.kpi_editable:
        builder.row(
            _button(_("✅ Met"), LegacyCb(sheet=sheet.id, action=LegacyAction.MET, item=kpi.no)),
            _button(_("❌ Not met"), LegacyCb(sheet=sheet.id, action=LegacyAction.NOT_MET, item=kpi.no)),
        )
    moves = []
    if kpi.no > 1:
        moves.append(
            _button(_("◀ Previous"), LegacyCb(sheet=sheet.id, action=LegacyAction.KPI, item=kpi.no - 1))
        )
    if kpi.no < len(view.kpis):
        moves.append(_button(_("Next ▶"), LegacyCb(sheet=sheet.id, action=LegacyAction.KPI, item=kpi.no + 1)))
    builder.row(*moves)
    if view.kpi_editable and view.kpis_entered == len(view.kpis):
        builder.row(
            _button(
                _("📤 Submit to the superior manager"),
                LegacyCb(sheet=sheet.id, action=LegacyAction.KPI_SUBMIT),
            )
        )
    builder.row(_button(_("◀ Back"), LegacyCb(sheet=sheet.id, action=LegacyAction.MENU)))
    return "\n".join(lines), builder.as_markup()


def facts_prompt(no: int, met: bool) -> str:
    verdict = _("met") if met else _("not met")
    return _(
        "KPI {no}: {verdict}. Write the actual value on the first line and, below it, the facts that prove it "
        "(clause 22), in one message."
    ).format(no=no, verdict=verdict)


def verdict_line(verdict: CompetencyVerdict) -> str:
    name = escape(verdict.competency.sheet_name.get(current_locale()))
    if verdict.meets:
        return _("✅ {name}: meets expectations").format(name=name)
    return _("❌ {name}: does not meet expectations (not seen: {numbers})").format(
        name=name, numbers=", ".join(str(index + 1) for index in verdict.not_seen)
    )


def review_screen(sheet_id: int, person: EmployeeDTO, verdicts: Sequence[CompetencyVerdict]) -> Rendered:
    lines = [
        _("<b>Check the sheet of {name} before submitting:</b>").format(name=escape(person.full_name)),
        "",
        *(verdict_line(v) for v in verdicts),
        "",
        _("Once submitted, the sheet goes to HR for the commission and cannot be changed."),
    ]
    builder = InlineKeyboardBuilder()
    builder.row(_button(_("✅ Submit"), LegacyCb(sheet=sheet_id, action=LegacyAction.SUBMIT)))
    builder.row(_button(_("◀ Back to the sheet"), LegacyCb(sheet=sheet_id, action=LegacyAction.SHOW)))
    return "\n".join(lines), builder.as_markup()


def submitted_screen(person: EmployeeDTO, verdicts: Sequence[CompetencyVerdict]) -> str:
    return "\n".join(
        [
            _("📤 The competency sheet of {name} is submitted.").format(name=escape(person.full_name)),
            "",
            *(verdict_line(v) for v in verdicts),
        ]
    )


def refusal_text(refusal: Refusal) -> str:
    match refusal:
        case Refusal.NOT_YOURS:
            return _("This sheet is not yours to fill.")
        case Refusal.NO_CATEGORY:
            return _("The staff list gives this person no post category of appendix 4; ask HR to add it.")
        case _:
            return _("This sheet can no longer be changed.")


def _button(text: str, data: LegacyCb) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def decision_refusal_text(refusal: Refusal | None) -> str:
    match refusal:
        case None:
            return _("Done: the direct manager is told.")
        case Refusal.NOT_YOURS:
            return _("This decision is not yours to take.")
        case Refusal.INCOMPLETE:
            return _("Write what should be corrected.")
        case _:
            return _("This has been decided already.")


def return_prompt() -> str:
    return _("Write what should be corrected (one message).")


def plans_prompt() -> str:
    return _(
        "Send the plans of your people as a CSV or XLSX table with the columns employee_id, kpi_no, name, "
        "source, unit, planned, due, key_result: exactly 5 KPIs a person (appendix 1). "
        "Each plan goes to the superior manager for approval."
    )


def plans_problems(problems: Sequence[str]) -> str:
    shown = "\n".join(f"• {escape(problem)}" for problem in problems[:20])
    return _("Nothing is saved; please correct the table:") + "\n" + shown


def plans_saved(count: int) -> str:
    return _("Plans saved: {count}. Each has gone to the superior manager for approval.").format(count=count)


def refusal_words(problem: Refusal | str) -> str:
    if problem is Refusal.NOT_YOURS:
        return _("not one of your people")
    if problem is Refusal.WRONG_STATE:
        return _("the plan is with the superior manager or approved already")
    return _("not evaluated in this round")
