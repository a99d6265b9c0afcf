"""What the calibration session's people see: members the case and the vote, the person and
the evaluator the time and the decision, the deciders the protocol."""

from __future__ import annotations

import asyncio
from datetime import datetime
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.calibration.rules import Outcome
from bot.calibration.service import (
    CALIBRATION_RESULT,
    CALIBRATION_SET,
    CALIBRATION_VOTE,
    VOTE_DUE,
    SessionOutcome,
    SessionRefusal,
    VoteOutcome,
    VoteRefusal,
)
from bot.infra.callbacks import CalibrationVoteCb
from bot.infra.formatting import current_locale, format_date, format_score, local_time
from bot.infra.notices import Notice
from bot.kernel.methodology import Profile
from bot.kernel.scoring import grade_band
from bot.quarterly.results import SheetRecord, sheet_records
from bot.quarterly.sheet_screens import method_name, round_title
from storage.appeals import AppealDTO, AppealRepo
from storage.dto import EmployeeDTO
from storage.quarterly import QuarterRepo
from storage.staff.employees import EmployeeRepo

CALIBRATION_KINDS = frozenset({CALIBRATION_SET, CALIBRATION_VOTE, CALIBRATION_RESULT, VOTE_DUE})


def _when(moment: datetime | None) -> str:
    return local_time(moment).strftime("%d.%m.%Y %H:%M") if moment else "—"


def outcome_words(outcome: str) -> str:
    words = {
        Outcome.UPHELD: _("the score is upheld"),
        Outcome.RAISED: _("the score is raised"),
        Outcome.LOWERED: _("the score is lowered"),
        Outcome.TIE_KEPT: _("no majority: the evaluator's score stands"),
    }
    return words[Outcome(outcome)]


async def _case(session: AsyncSession, profile: Profile, appeal: AppealDTO) -> tuple[int, SheetRecord] | None:
    """The evaluated person's id and their sheet as a record."""
    sheet = await QuarterRepo(session).sheet(appeal.sheet_id)
    if sheet is None:
        return None
    records = await sheet_records(session, profile, sheet.campaign.id, sheet_id=sheet.id)
    return (sheet.employee.id, records[0]) if records else None


def case_line(record: SheetRecord) -> str:
    """Who, which evaluation, and the score under appeal, in one line."""
    return _("{name}, {position}, {unit}: {quarter}, {method}, score {score} — {band}.").format(
        name=escape(record.full_name),
        position=escape(record.position),
        unit=escape(record.unit),
        quarter=round_title(record.year, record.quarter),
        method=method_name(record.method),
        score=format_score(record.final_score) if record.final_score is not None else "—",
        band=escape(record.band.name.get(current_locale())) if record.band else "—",
    )


def _case_lines(record: SheetRecord, profile: Profile) -> list[str]:
    locale = current_locale()
    lines = [
        case_line(record),
        _("Evaluator: {evaluator}").format(evaluator=escape(record.evaluator_name or "—")),
    ]
    if profile.differentiation is not None and record.parameters:
        for parameter, given in zip(profile.differentiation.parameters, record.parameters, strict=True):
            lines.append(f"{parameter.no}. {escape(parameter.name.get(locale))}: {given.score or '—'}")
    for kpi in record.kpis:
        line = kpi.quarters.get(record.quarter)
        if line is not None and line.score is not None:
            comment = f" — {escape(line.comment)}" if line.comment else ""
            lines.append(f"{kpi.no}. {escape(kpi.name)}: {format_score(line.score)}{comment}")
    if record.justification:
        lines.append(_("Justification: {text}").format(text=escape(record.justification)))
    return lines


async def calibration_notice(
    session: AsyncSession, profile: Profile, kind: str, appeal_id: int, recipient: EmployeeDTO
) -> list[Notice]:
    appeal = await AppealRepo(session).get(appeal_id)
    case = await _case(session, profile, appeal) if appeal else None
    if appeal is None or case is None or case[1].final_score is None:
        return []
    evaluated, record = case
    assert record.final_score is not None
    title = round_title(record.year, record.quarter)
    if kind == VOTE_DUE:
        members = await AppealRepo(session).members(appeal.id)
        if appeal.status != "session" or all(
            m.score is not None for m in members if m.employee_id == recipient.id
        ):
            return []
        notices = await calibration_notice(session, profile, CALIBRATION_VOTE, appeal_id, recipient)
        reminder = _("Reminder: the calibration session is today; please vote.")
        return [Notice(f"{reminder}\n\n{n.text}", n.markup, n.confidential) for n in notices]
    if kind == CALIBRATION_VOTE:
        if appeal.status != "session":
            return []
        score = format_score(record.final_score)
        members = await AppealRepo(session).members(appeal.id)
        chairing = any(m.is_chair for m in members if m.employee_id == recipient.id)
        text = "\n\n".join(
            [
                _("⚖️ <b>You are a member of a calibration session</b> on {when} (clauses 39-41).").format(
                    when=_when(appeal.session_at)
                ),
                *([_("You chair the session: your vote decides a tie.")] if chairing else []),
                "\n".join(_case_lines(record, profile)),
                _("The application: {text}").format(text=escape(appeal.text)),
                _(
                    "Vote when the session has heard the evaluator, by the end of the session's day: support "
                    "the score, or propose another with its reason. A member who has not voted by then "
                    "counts as absent."
                ),
            ]
        )
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=_("✅ Support {score}").format(score=score),
                        callback_data=CalibrationVoteCb(appeal=appeal.id, support=True).pack(),
                    )
                ],
                [
                    InlineKeyboardButton(
                        text=_("✏️ Propose another score"),
                        callback_data=CalibrationVoteCb(appeal=appeal.id, support=False).pack(),
                    )
                ],
            ]
        )
        return [Notice(text, markup, confidential=True)]
    if kind == CALIBRATION_SET:
        text = _("A calibration session about the {quarter} result of {name} will be held on {when}.").format(
            quarter=title, name=escape(record.full_name), when=_when(appeal.session_at)
        )
        return [Notice(text, None, confidential=True)]
    if appeal.status != "decided" or appeal.outcome is None or appeal.score_after is None:
        return []
    band = grade_band(profile, appeal.score_after)
    lines = [
        _("The calibration session about the {quarter} result of {name} has decided: {outcome}.").format(
            quarter=title, name=escape(record.full_name), outcome=outcome_words(appeal.outcome)
        ),
        _("Score before: {before}; final score: <b>{after}</b> — {band}.").format(
            before=format_score(appeal.score_before or appeal.score_after),
            after=format_score(appeal.score_after),
            band=escape(band.name.get(current_locale())),
        ),
    ]
    if recipient.id != evaluated:
        lines.append(
            _(
                "Please hold the feedback meeting with {name}: achievements, skills, potential (clause 42)."
            ).format(name=escape(record.full_name))
        )
    else:
        lines.append(
            _("The decision can be appealed as the Administrative Procedural Code provides (clause 13).")
        )
    return [Notice("\n\n".join(lines), None, confidential=True)]


async def protocol_notice(session: AsyncSession, profile: Profile, appeal_id: int) -> list[Notice]:
    """The protocol for the deciders, as a PDF with a one-line caption."""
    # Imported when first drawn, not at start: the bot then carries fpdf, matplotlib and their
    # libraries (some 90 MiB) only once it draws one itself (docs/heavy-work.md).
    from bot.calibration.protocol_pdf import Protocol, ProtocolVote, build_protocol_pdf

    appeal = await AppealRepo(session).get(appeal_id)
    case = await _case(session, profile, appeal) if appeal else None
    if appeal is None or case is None or appeal.outcome is None or appeal.score_after is None:
        return []
    record = case[1]
    members = await AppealRepo(session).members(appeal.id)
    names = await EmployeeRepo(session).many(m.employee_id for m in members)
    before = appeal.score_before or appeal.score_after
    votes = [
        ProtocolVote(names[m.employee_id].full_name, m.score, m.score == before, m.reason, m.is_chair)
        for m in members
    ]
    protocol = Protocol(
        person=record.full_name,
        position=record.position,
        unit=record.unit,
        round_title=f"{round_title(record.year, record.quarter)}, {method_name(record.method)}",
        evaluator=record.evaluator_name or "—",
        application=appeal.text,
        applied_at=appeal.filed_at,
        session_at=appeal.session_at or appeal.filed_at,
        score_before=before,
        score_after=appeal.score_after,
        outcome=outcome_words(appeal.outcome),
        band=grade_band(profile, appeal.score_after),
        votes=votes,
    )
    data = await asyncio.to_thread(build_protocol_pdf, protocol, profile, created_at=appeal.filed_at)
    caption = _("Protocol of the calibration session: {name}, {quarter}.").format(
        name=escape(record.full_name), quarter=round_title(record.year, record.quarter)
    )
    return [Notice(caption, None, confidential=True, document=(f"calibration-{appeal.id}.pdf", data))]


def session_text(outcome: SessionOutcome) -> str:
    latest = format_date(outcome.latest) if outcome.latest else "—"
    match outcome.refusal:
        case None:
            return _("The session is set; the members, the person and the evaluator have been told.")
        case SessionRefusal.NOT_WAITING:
            return _("This application has been decided already.")
        case SessionRefusal.UNKNOWN_MEMBERS:
            return _("Not in the staff list: {codes}.").format(codes=", ".join(outcome.unknown))
        case SessionRefusal.TOO_FEW_MEMBERS:
            return _("Name at least 3 members.")
        case SessionRefusal.PARTY_AS_MEMBER:
            return _("The evaluated person cannot be a member of their own session.")
        case SessionRefusal.BAD_TIME:
            return _(
                "The session must be on a working day between 09:00 and 19:00, not in the past and not later than {date} "
                "(10 working days from the application, clause 39)."
            ).format(date=latest)
    raise AssertionError(outcome)


def vote_text(outcome: VoteOutcome) -> str:
    match outcome.refusal:
        case None if outcome.decision is not None:
            return _("Your vote is recorded. Every member has voted: {outcome}, final score {score}.").format(
                outcome=outcome_words(outcome.decision.outcome), score=format_score(outcome.decision.score)
            )
        case None:
            return _("Your vote is recorded.")
        case VoteRefusal.NOT_A_MEMBER:
            return _("You are not a member of this session.")
        case VoteRefusal.NOT_IN_SESSION:
            return _("This session has decided already.")
        case VoteRefusal.VOTED:
            return _("You have voted already: a vote is final.")
        case VoteRefusal.TOO_EARLY:
            return _(
                "Voting opens when the session starts, on {when}, and runs to the end of that day."
            ).format(when=_when(outcome.opens_at))
        case VoteRefusal.OUT_OF_RANGE:
            assert outcome.allowed is not None
            low, high = outcome.allowed
            return _("The score must be between {low} and {high}, in hundredths at most.").format(
                low=format_score(low), high=format_score(high)
            )
        case VoteRefusal.REASON_REQUIRED:
            return _("A corrected score needs its reason: write the score, then the reason, e.g. “3,75 …”.")
    raise AssertionError(outcome)
