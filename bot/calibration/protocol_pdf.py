"""The calibration session's protocol (clause 41) as a PDF: the case, the members and their
votes, and the decision. Rendered in the current i18n locale."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from fpdf.enums import XPos, YPos

from bot.infra.formatting import current_locale, format_date, format_score, local_time
from bot.infra.pdf import (
    FONT,
    GAP,
    band_fill,
    draw_box,
    draw_facts,
    form_table,
    new_form,
)
from bot.infra.translation import gettext as _
from bot.kernel.methodology import GradeBand, Profile


@dataclass(frozen=True, slots=True)
class ProtocolVote:
    member: str
    score: Decimal | None  # None: the member did not vote by the end of the session's day
    supports: bool
    reason: str | None
    chair: bool = False


@dataclass(frozen=True, slots=True)
class Protocol:
    person: str
    position: str
    unit: str
    round_title: str
    evaluator: str
    application: str
    applied_at: datetime
    session_at: datetime
    score_before: Decimal
    score_after: Decimal
    outcome: str  # already in words
    band: GradeBand
    votes: Sequence[ProtocolVote]


def _vote_words(vote: ProtocolVote) -> str:
    if vote.score is None:
        return _("did not vote")
    shown = _("supports {score}") if vote.supports else _("proposes {score}")
    return shown.format(score=format_score(vote.score))


def build_protocol_pdf(protocol: Protocol, profile: Profile, *, created_at: datetime) -> bytes:
    pdf = new_form(_("Protocol of the calibration session"), profile, created_at)
    pdf.set_font(FONT, "B", 12.5)
    pdf.multi_cell(
        pdf.epw, 6, _("Protocol of the calibration session"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(GAP)
    draw_facts(
        pdf,
        (
            (_("Evaluated person"), protocol.person),
            (_("Position"), protocol.position),
            (_("Unit"), protocol.unit),
            (_("Evaluation"), protocol.round_title),
            (_("Evaluator"), protocol.evaluator),
            (_("Application"), format_date(local_time(protocol.applied_at).date())),
            (_("Session"), local_time(protocol.session_at).strftime("%d.%m.%Y %H:%M")),
            (_("Score before"), format_score(protocol.score_before)),
        ),
        col_widths=(0.27, 0.73),
    )
    pdf.set_font(FONT, "B", 10)
    pdf.cell(pdf.epw, 6, _("The application"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(pdf.epw, 4.8, protocol.application, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(GAP)
    with form_table(pdf, (0.05, 0.33, 0.17, 0.45), ("CENTER", "LEFT", "CENTER", "LEFT")) as table:
        table.row(["№", _("Member"), _("Vote"), _("Reason")])
        for number, vote in enumerate(protocol.votes, start=1):
            member = _("{name} (chair)").format(name=vote.member) if vote.chair else vote.member
            table.row([str(number), member, _vote_words(vote), vote.reason or ""])
    pdf.ln(GAP)
    decision = _("Decision: {outcome}; final score {score} — {band}").format(
        outcome=protocol.outcome,
        score=format_score(protocol.score_after),
        band=protocol.band.name.get(current_locale()),
    )
    draw_box(pdf, decision, band_fill(profile, protocol.band))
    return bytes(pdf.output())
