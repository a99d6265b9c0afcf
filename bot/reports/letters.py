"""The letters that acquaint a person who left the body with a 360 year's result (000 clause 11,
second part) or a 2018-method year's (003 clauses 12 and 69), as HR prints and sends them by
registered letter or reads them out in a telephonogram. The quarterly one, with its sheet, is
bot/quarterly/letter_pdf.py.

Strings go through gettext: render inside ``bot.infra.i18n.in_locale``. Blocking (fpdf): call
from a worker thread in the bot.
"""

from __future__ import annotations

from datetime import datetime

from bot.infra.formatting import current_locale, format_date
from bot.infra.pdf import build_letter, score_text
from bot.infra.translation import gettext as _
from bot.kernel.methodology import LegacyRules, Profile
from bot.survey360.results import SubjectResult
from storage.dto import EmployeeDTO
from storage.legacy2018 import LegacySheetDTO

__all__ = ["build_360_letter", "build_2018_letter", "letter_title"]


def letter_title() -> str:
    return _("Notice of the evaluation result")


def _left_paragraph() -> str:
    return _(
        "You left the body, so the personnel management service acquaints you with the result of "
        "your evaluation in writing, as the methodology provides."
    )


def build_360_letter(item: SubjectResult, profile: Profile, *, created_at: datetime) -> bytes:
    """The 360 year's result and grade, by competency average of the colleagues' answers."""
    locale = current_locale()
    person, result = item.subject.employee, item.result
    if result.withheld:
        outcome = [
            (_("Result"), _("not formed: fewer colleagues answered than the methodology requires")),
        ]
    else:
        outcome = [
            (_("Average score"), score_text(result.overall)),
            (_("Grade"), result.band.name.get(locale) if result.band else "—"),
            (_("Colleagues' questionnaires counted"), str(result.n_respondents)),
        ]
    facts = [
        (_("To"), person.full_name),
        (_("Position"), f"{person.position}, {person.unit}"),
        (_("Evaluated period"), _("360 evaluation, {year}").format(year=item.campaign.year)),
        *outcome,
    ]
    paragraphs = [
        _left_paragraph(),
        _(
            "The score is the average of your colleagues' scores over the competencies of the "
            "questionnaire; your self-assessment is not included."
        ),
        _("The result is confidential (clause 20)."),
    ]
    return build_letter(letter_title(), profile, created_at, facts, paragraphs)


def build_2018_letter(
    sheet: LegacySheetDTO,
    person: EmployeeDTO,
    year: int,
    profile: Profile,
    rules: LegacyRules,
    *,
    created_at: datetime,
) -> bytes:
    """The 2018-method year's grade as the commission left it and the authorised person approved
    it, and where to appeal (004 clause 43, 003 clause 70)."""
    locale = current_locale()
    grade = next((g for g in rules.kpi_count.grades if g.code == sheet.final_grade), None)
    facts = [
        (_("To"), person.full_name),
        (_("Position"), f"{person.position}, {person.unit}"),
        (_("Evaluated period"), _("{year} year (2018 method)").format(year=year)),
        (_("Grade"), grade.name.get(locale) if grade else "—"),
        (
            _("Commission's decision"),
            _("result revised") if sheet.decision == "revise" else _("result approved"),
        ),
    ]
    paragraphs = [
        _left_paragraph(),
        _(
            "You may appeal the commission's decision to the civil service affairs agency or its "
            "territorial department within {days} working days of the decision, that is until {date}."
        ).format(
            days=rules.commission.agency_appeal_working_days,
            date=format_date(sheet.agency_appeal_by) if sheet.agency_appeal_by else "—",
        ),
        _("The result is confidential (clause 20)."),
    ]
    return build_letter(letter_title(), profile, created_at, facts, paragraphs)
