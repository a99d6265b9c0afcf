"""What a direct manager sees of the 2018 method's competency sheet (appendices 3-4)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import LegacyAction, LegacyCb
from bot.domain.legacy import CompetencyVerdict
from bot.services.legacy import CompetencyScreen, Refusal
from bot.ui.formatting import current_locale
from storage.dto import CampaignDTO, EmployeeDTO
from storage.legacy import LegacySheetDTO

Rendered = tuple[str, InlineKeyboardMarkup]


def sheets_list(found: Sequence[tuple[CampaignDTO, LegacySheetDTO, EmployeeDTO]]) -> Rendered:
    if not found:
        return _("You have no competency sheets to fill under the 2018 methodology."), InlineKeyboardMarkup(
            inline_keyboard=[]
        )
    builder = InlineKeyboardBuilder()
    for campaign, sheet, person in found:
        mark = "✅" if sheet.competencies_submitted_at else "📋"
        builder.button(
            text=f"{mark} {campaign.year} · {person.short_name}",
            callback_data=LegacyCb(sheet=sheet.id, action=LegacyAction.SHOW).pack(),
        )
    builder.adjust(1)
    return _("Competency sheets of your people (2018 methodology, appendix 3):"), builder.as_markup()


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
