"""The evaluation commission's protocol of the 2018 method (004 appendix 5) as a PDF, in the
current i18n locale: the approval block, the results table with the commission's corrections
and proposals, the conclusion, the signatures, and (after the form) the open vote as cast."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from aiogram.utils.i18n import gettext as _
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from bot.domain.methodology import Profile
from bot.reports.pdf import FONT, GAP, HEADING_FILL, INK, MUTED, FormPDF, draw_document, new_form
from bot.ui.formatting import current_locale, local_time

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
    sitting_at: datetime | None
    lines: Sequence[ProtocolLine]
    conclusion: str
    secretary: str
    chair: str
    members: Sequence[str]  # the other members, as named
    present: int
    quorum: int


def build_legacy_protocol_pdf(protocol: LegacyProtocol, profile: Profile, *, created_at: datetime) -> bytes:
    title = _("Protocol of the sitting of the evaluation commission")
    pdf = new_form(title, profile, created_at, orientation="L")
    _approval(pdf)
    pdf.set_font(FONT, "B", 12.5)
    pdf.multi_cell(pdf.epw, 6, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(pdf.epw, 5, protocol.organisation or BLANK, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _caption(pdf, _("(name of the state body)"))
    period = _("{year} (the period evaluated)").format(year=protocol.year)
    pdf.multi_cell(pdf.epw, 5, period, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if protocol.sitting_at is not None:
        sitting = _("Sitting of {when}; {present} of the members present, quorum {quorum}.").format(
            when=local_time(protocol.sitting_at).strftime("%d.%m.%Y %H:%M"),
            present=protocol.present,
            quorum=protocol.quorum,
        )
        _caption(pdf, sitting)
    pdf.ln(GAP)
    pdf.set_font(FONT, "B", 10.5)
    pdf.cell(pdf.epw, 6, _("Results of the evaluation"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    heading = FontFace(family=FONT, emphasis="B", size_pt=8.5, color=INK, fill_color=HEADING_FILL)
    pdf.set_font(FONT, "", 9)
    with pdf.table(
        col_widths=(0.04, 0.22, 0.30, 0.22, 0.22),
        headings_style=heading,
        text_align=("CENTER", "LEFT", "LEFT", "LEFT", "LEFT"),
        line_height=4.6,
        padding=(1.0, 1.2),
    ) as table:
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
    pdf.ln(GAP)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(
        pdf.epw,
        5.2,
        _("Conclusion of the commission: {text}").format(text=protocol.conclusion or BLANK),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(GAP)
    _signatures(pdf, protocol)
    _votes(pdf, protocol)
    draw_document(pdf, profile, current_locale())
    return bytes(pdf.output())


def _approval(pdf: FormPDF) -> None:
    """The "APPROVED" block of the authorised person, top right, to be signed on paper."""
    width = 80.0
    left = pdf.w - pdf.r_margin - width
    pdf.set_font(FONT, "B", 9.5)
    for text, bold in (
        (_("\u201cAPPROVED\u201d"), True),
        (_("Official"), False),
        (f"{BLANK} " + _("(surname, initials)"), False),
        (_("date {blank}").format(blank=BLANK), False),
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
