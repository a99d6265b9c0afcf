"""The 2018 method's forms as PDF, in the current i18n locale:

* a person's sheets: the KPI sheet (004 appendix 2) with the superior manager's approval block,
  the KPIs' planned and actual values, met or not, and the grade; then the competency sheet
  (appendix 3), every competency's verdict and the indicators not seen;
* the evaluation commission's protocol (appendix 5): the approval block, the results table with
  the commission's corrections and proposals, the conclusion, the signatures, and (after the
  form) the open vote as cast.

Blocking (fpdf): call from a worker thread in the bot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from fpdf.enums import XPos, YPos

from bot.infra.formatting import current_locale, local_time
from bot.infra.pdf import FONT, GAP, INK, MUTED, FormPDF, bold_line, draw_document, form_table, new_form
from bot.infra.translation import gettext as _
from bot.kernel.methodology import Profile

BLANK = "_____"


@dataclass(frozen=True, slots=True)
class ProtocolLine:
    person: str
    position: str
    kpi_met: int
    kpis: int
    grade: str  # the KPI sheet's grade, by name
    competencies_met: int | None  # None: the profile has no competency sheet
    competencies: int | None
    corrected: str | None  # the grade the commission revised the result to, by name
    proposal: str  # the commission's proposals, or ""
    approve_votes: int
    revise_votes: Sequence[tuple[str, int]]  # (grade by name, votes)


@dataclass(frozen=True, slots=True)
class LegacyProtocol:
    organisation: str
    year: int
    number: int  # the sitting's, within the commission
    sitting_at: datetime
    lines: Sequence[ProtocolLine]  # the results decided at the sitting
    conclusion: str
    secretary: str
    chair: str
    members: Sequence[str]  # the other members, as named
    present: int
    quorum: int
    approved_by: str | None = None  # the authorised person, once they approved (004 clause 39)
    approved_on: date | None = None


def build_legacy_protocol_pdf(protocol: LegacyProtocol, profile: Profile, *, created_at: datetime) -> bytes:
    title = _("Protocol of the sitting of the evaluation commission")
    pdf = new_form(title, profile, created_at, orientation="L")
    _approval(pdf, approved=(protocol.approved_by, protocol.approved_on) if protocol.approved_on else None)
    pdf.set_font(FONT, "B", 12.5)
    pdf.multi_cell(pdf.epw, 6, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(pdf.epw, 5, protocol.organisation or BLANK, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _caption(pdf, _("(name of the state body)"))
    period = _("{year} (the period evaluated)").format(year=protocol.year)
    pdf.multi_cell(pdf.epw, 5, period, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    sitting = _("Sitting {number}, {when}: {present} of the members present, quorum {quorum}.").format(
        number=protocol.number,
        when=local_time(protocol.sitting_at).strftime("%d.%m.%Y %H:%M"),
        present=protocol.present,
        quorum=protocol.quorum,
    )
    _caption(pdf, sitting)
    pdf.ln(GAP)
    pdf.set_font(FONT, "B", 10.5)
    pdf.cell(pdf.epw, 6, _("Results of the evaluation"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    with form_table(pdf, (0.04, 0.22, 0.30, 0.22, 0.22), ("CENTER", "LEFT", "LEFT", "LEFT", "LEFT")) as table:
        table.row(
            [
                "№",
                _("Surname, name, patronymic (if any) of the servant"),
                _("Information on the results of the evaluation"),
                _("Correction of the results by the commission (if any)"),
                _("Proposals of the commission"),
            ]
        )
        for number, line in enumerate(protocol.lines, start=1):
            table.row(
                [
                    f"{number}.",
                    f"{line.person}\n{line.position}",
                    _result(line),
                    f"«{line.corrected}»" if line.corrected else "",
                    line.proposal,
                ]
            )
    if not protocol.lines:  # without a quorum, or nothing ready: a further sitting decides
        _caption(pdf, _("No result was decided at this sitting."))
    pdf.ln(GAP)
    bold_line(pdf, _("Conclusion of the commission: {text}").format(text=protocol.conclusion or BLANK))
    pdf.ln(GAP)
    _signatures(pdf, protocol)
    _votes(pdf, protocol)
    draw_document(pdf, profile, current_locale())
    return bytes(pdf.output())


def _approval(
    pdf: FormPDF, who: str | None = None, *, approved: tuple[str | None, date] | None = None
) -> None:
    """The "APPROVED" block, top right: by the official (the protocol) or the superior manager
    (the KPI sheet). Blank, to be signed on paper, until ``approved`` (the name and the day)
    records the approval given in the bot or entered from paper; the signature stays for paper."""
    width = 80.0
    left = pdf.w - pdf.r_margin - width
    name, day = approved if approved is not None else (None, None)
    pdf.set_font(FONT, "B", 9.5)
    for text, bold in (
        (_("\u201cAPPROVED\u201d"), True),
        (who or _("Official"), False),
        (f"{name or BLANK} " + _("(surname, initials)"), False),
        (_("date {blank}").format(blank=day.strftime("%d.%m.%Y") if day else BLANK), False),
        (_("signature {blank}").format(blank=BLANK), False),
    ):
        pdf.set_x(left)
        pdf.set_font(FONT, "B" if bold else "", 9.5 if bold else 8.5)
        pdf.cell(width, 4.6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(GAP)


def _caption(pdf: FormPDF, text: str) -> None:
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(pdf.epw, 4, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)


def _signatures(pdf: FormPDF, protocol: LegacyProtocol) -> None:
    pdf.set_font(FONT, "B", 9.5)
    pdf.cell(pdf.epw, 5, _("Checked:"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    rows = [
        (_("Secretary of the commission"), protocol.secretary),
        (_("Chair of the commission"), protocol.chair),
        *((_("Member of the commission"), member) for member in protocol.members),
    ]
    for role, name in rows:
        pdf.set_font(FONT, "", 9)
        line = _("{role}: {name}   Date: {blank}").format(role=role, name=name or BLANK, blank=BLANK)
        pdf.cell(pdf.epw, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        _caption_left(pdf, _("(surname, name, signature)"))


def _caption_left(pdf: FormPDF, text: str) -> None:
    pdf.set_font(FONT, "", 7)
    pdf.set_text_color(*MUTED)
    pdf.cell(pdf.epw, 3.6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)


def _votes(pdf: FormPDF, protocol: LegacyProtocol) -> None:
    """Not part of the form: the open vote as the bot recorded it (clauses 32-34)."""
    pdf.ln(GAP)
    pdf.set_font(FONT, "B", 9.5)
    pdf.cell(pdf.epw, 5, _("The open vote as cast in the bot"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8.5)
    for number, line in enumerate(protocol.lines, start=1):
        votes = [_("approve: {count}").format(count=line.approve_votes)]
        votes += [
            _("revise to «{grade}»: {count}").format(grade=grade, count=count)
            for grade, count in line.revise_votes
        ]
        pdf.multi_cell(
            pdf.epw, 4.2, f"{number}. {line.person}: {'; '.join(votes)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )


def _result(line: ProtocolLine) -> str:
    text = _("KPIs met: {met} of {total} — «{grade}»").format(
        met=line.kpi_met, total=line.kpis, grade=line.grade
    )
    if line.competencies is not None:
        text += "\n" + _("Competencies meeting expectations: {met} of {total}").format(
            met=line.competencies_met, total=line.competencies
        )
    return text


@dataclass(frozen=True, slots=True)
class SheetKpi:
    no: int
    name: str
    unit: str
    planned: str
    actual: str
    met: bool | None


@dataclass(frozen=True, slots=True)
class SheetCompetency:
    no: int
    name: str
    assessed: bool  # False: a public-service competency for a post that serves no public
    meets: bool | None  # None: not submitted yet
    not_seen: Sequence[str]  # the indicators not seen, when it does not meet


@dataclass(frozen=True, slots=True)
class PersonSheets:
    person: str
    position: str
    unit: str
    year: int
    kpis: Sequence[SheetKpi]
    grade: str | None  # the KPI sheet's grade, by name; None until submitted
    grade_names: Sequence[str]  # every grade of the count, as the form lists them
    competencies: Sequence[SheetCompetency] | None  # None: the profile has no competency sheet
    public_service_note: str | None  # the footnote on the starred competencies


def build_sheets_pdf(sheets: PersonSheets, profile: Profile, *, created_at: datetime) -> bytes:
    """The person's KPI sheet (appendix 2) and competency sheet (appendix 3)."""
    pdf = new_form(_("KPI evaluation sheet"), profile, created_at)
    _approval(pdf, _("Superior manager"))
    _title(pdf, _("KPI evaluation sheet"))
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(
        pdf.epw, 5, f"{sheets.person}, {sheets.position}", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    _caption(pdf, _("(surname, name, patronymic and position of the person evaluated)"))
    pdf.multi_cell(pdf.epw, 5, str(sheets.year), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _caption(pdf, _("(the period evaluated)"))
    pdf.ln(GAP)
    with form_table(
        pdf, (0.06, 0.38, 0.12, 0.12, 0.12, 0.20), ("CENTER", "LEFT", "CENTER", "CENTER", "CENTER", "CENTER")
    ) as table:
        table.row(
            [
                "№",
                _("Target indicator"),
                _("Unit of measure"),
                _("Planned value"),
                _("Actual value"),
                _("Indicator met / not met"),
            ]
        )
        for kpi in sheets.kpis:
            verdict = "" if kpi.met is None else (_("met") if kpi.met else _("not met"))
            table.row([str(kpi.no), kpi.name, kpi.unit, kpi.planned, kpi.actual, verdict])
    pdf.ln(GAP)
    bold_line(pdf, _("Result of the evaluation: {grade}").format(grade=sheets.grade or BLANK))
    _caption_left(pdf, "(" + ", ".join(reversed(sheets.grade_names)) + ")")
    _two_signatures(pdf, _("Servant"), _("Direct manager"))
    if sheets.competencies is not None:
        pdf.add_page()
        _competency_sheet(pdf, sheets)
    draw_document(pdf, profile, current_locale())
    return bytes(pdf.output())


def _title(pdf: FormPDF, text: str) -> None:
    pdf.set_font(FONT, "B", 12.5)
    pdf.multi_cell(pdf.epw, 6, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _competency_sheet(pdf: FormPDF, sheets: PersonSheets) -> None:
    assert sheets.competencies is not None
    _title(pdf, _("Competency evaluation sheet"))
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(pdf.epw, 5, str(sheets.year), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _caption(pdf, _("(the year evaluated)"))
    pdf.ln(GAP)
    for label, value in (
        (_("Servant evaluated (surname, name, patronymic, if any)"), sheets.person),
        (_("Position of the servant evaluated"), sheets.position),
        (_("Structural unit of the servant evaluated"), sheets.unit),
    ):
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(pdf.epw, 4.8, f"{label}: {value}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(GAP)
    with form_table(
        pdf, (0.06, 0.26, 0.26, 0.42), ("CENTER", "LEFT", "LEFT", "LEFT"), size=8.5, line_height=4.4
    ) as table:
        table.row(
            [
                "№",
                _("Competency"),
                _("Result of the evaluation (meets / does not meet expectations)"),
                _("Behaviour indicators not seen in the servant (when it does not meet expectations)"),
            ]
        )
        for item in sheets.competencies:
            if not item.assessed:
                verdict = _("not assessed")
            elif item.meets is None:
                verdict = ""
            else:
                verdict = _("meets expectations") if item.meets else _("does not meet expectations")
            table.row([str(item.no), item.name, verdict, "\n".join(f"• {text}" for text in item.not_seen)])
    if sheets.public_service_note:
        pdf.ln(1)
        _caption_left(pdf, sheets.public_service_note)
    _two_signatures(pdf, _("Servant"), _("Direct manager"))


def _two_signatures(pdf: FormPDF, left: str, right: str) -> None:
    pdf.ln(GAP + 2)
    half = pdf.epw / 2
    pdf.set_font(FONT, "", 9)
    pdf.cell(half, 5, left)
    pdf.cell(half, 5, right, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for line in (
        f"{BLANK} " + _("(surname, name)"),
        _("date {blank}").format(blank=BLANK),
        _("signature {blank}").format(blank=BLANK),
    ):
        pdf.set_font(FONT, "", 8.5)
        pdf.cell(half, 4.6, line)
        pdf.cell(half, 4.6, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
