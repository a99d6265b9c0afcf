"""What an evaluator sees of a quarterly sheet, and what an evaluated person sees of their
quarterly result, in one place."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.infra.callbacks import (
    AcknowledgeCb,
    AppealCb,
    AppealDraftCb,
    AppealStep,
    PlanCb,
    PlanDecision,
    SheetAction,
    SheetCb,
    SheetPdfCb,
    SheetScoreCb,
    TasksCb,
)
from bot.infra.formatting import current_locale, format_date, format_score, local_time
from bot.infra.waits import Waiting, cancel_button
from bot.kernel.methodology import Profile, Text
from bot.kernel.scoring import grade_band
from bot.quarterly.appeals import AppealOutcome, AppealRefusal
from bot.quarterly.results import SheetRecord
from bot.quarterly.rounds import YearResult
from bot.quarterly.rules import Method, sheet_due_on
from bot.quarterly.sheets import (
    CommentScreen,
    ConfirmScreen,
    Item,
    ItemScreen,
    JustificationScreen,
    ReviewScreen,
    SheetOutcome,
    SheetRefusal,
    SheetScreen,
    SheetView,
    SubmittedScreen,
    WaitingScreen,
)
from storage.dto import EmployeeDTO
from storage.quarterly import PlanDTO, SheetDTO

Rendered = tuple[str, InlineKeyboardMarkup]


def method_name(method: Method) -> str:
    if method is Method.KPI:
        return _("KPI sheet")
    return _("Differentiation sheet")


def round_title(year: int, quarter: int) -> str:
    return _("Q{quarter} {year}").format(quarter=quarter, year=year)


def sheet_button_text(sheet: SheetDTO) -> str:
    quarter = sheet.campaign.quarter or 0
    return f"📝 {round_title(sheet.campaign.year, quarter)} · {sheet.employee.short_name}"


def sheet_buttons(sheets: Sequence[SheetDTO]) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=sheet_button_text(sheet),
            callback_data=SheetCb(sheet=sheet.id, action=SheetAction.OPEN).pack(),
        )
        for sheet in sheets
    ]


def sheets_summary(sheets: Sequence[SheetDTO]) -> str:
    deadline = min(sheet_due_on(sheet.campaign.deadline, sheet.kpi_due_on) for sheet in sheets)
    return _("Quarterly evaluation: fill in your people's sheets by {deadline} (sheets: {count}).").format(
        count=len(sheets), deadline=format_date(deadline)
    )


def _text(value: Text | str) -> str:
    return value.get(current_locale()) if isinstance(value, Text) else value


def _header(view: SheetView) -> str:
    sheet = view.sheet
    title = round_title(sheet.campaign.year, sheet.campaign.quarter or 0)
    lines = [
        f"<b>{title} · {method_name(view.method)}</b>",
        _("Evaluated: {name}, {position}").format(
            name=escape(sheet.employee.full_name), position=escape(sheet.employee.position)
        ),
    ]
    if sheet.kpi_due_on is not None:
        lines.append(
            _(
                "Away during the evaluation: the KPIs are evaluated after the return to work, by {date} (clause 5)."
            ).format(date=format_date(sheet.kpi_due_on))
        )
    elif sheet.absence:
        lines.append(_("Evaluated without their participation (clauses 5-6)."))
    return "\n".join(lines)


def _score(value: Decimal, method: Method) -> str:
    return str(int(value)) if method is Method.DIFFERENTIATION else format_score(value)


def _range(low: Decimal, high: Decimal) -> str:
    if low == high:
        return format_score(low)
    return f"{format_score(low)}–{format_score(high)}"


def _nav(view: SheetView, *, back: bool = True, review: bool = True) -> list[InlineKeyboardButton]:
    sheet = view.sheet.id
    row = []
    if back:
        row.append(
            InlineKeyboardButton(
                text=_("◀ Back"), callback_data=SheetCb(sheet=sheet, action=SheetAction.BACK).pack()
            )
        )
    if review:
        row.append(
            InlineKeyboardButton(
                text=_("📋 Review"), callback_data=SheetCb(sheet=sheet, action=SheetAction.REVIEW).pack()
            )
        )
    return row


def _kpi_facts(item: Item) -> str:
    kpi = item.kpi
    assert kpi is not None
    direction = _("more is better") if kpi.higher_is_better else _("less is better")
    lines = [
        _("Unit: {unit} ({direction})").format(unit=escape(kpi.unit), direction=direction),
        _("Planned: {planned} · actual: {actual}").format(
            planned=_number(item.planned), actual=_number(item.actual) if item.actual is not None else "—"
        ),
    ]
    if item.percent is not None:
        lines.append(
            _("Achievement: {percent} % → allowed score {range} (appendix 3)").format(
                percent=format_score(item.percent), range=_range(item.low, item.high)
            )
        )
    return "\n".join(lines)


def _number(value: Decimal | None) -> str:
    if value is None:
        return "—"
    normalised = value.normalize()
    return f"{normalised:f}".replace(".", "," if current_locale() != "en" else ".")


def score_legend(profile: Profile, choices: Sequence[Decimal]) -> list[str]:
    """What each differentiation score means: the grade band (clause 7) it falls in, as the
    methodology names it, a line per band. Appendix 4 scores 1 to 5 with no words of its own, and
    the bands are the average's (4 to 5 is one band): scores that share a band share its line
    ("5, 4 — …"), rather than two lines saying the same."""
    lines: list[tuple[list[str], str]] = []
    for value in sorted(choices, reverse=True):
        name = escape(grade_band(profile, value).name.get(current_locale()))
        if lines and lines[-1][1] == name:
            lines[-1][0].append(str(int(value)))
        else:
            lines.append(([str(int(value))], name))
    return [f"{', '.join(scores)} — {name}" for scores, name in lines]


def render_item(screen: ItemScreen, profile: Profile) -> Rendered:
    view, item = screen.view, screen.item
    position = [i.no for i in view.items].index(item.no) + 1
    builder = InlineKeyboardBuilder()
    current = view.scores.get(item.no)
    if view.method is Method.DIFFERENTIATION:
        body = [
            _("Parameter {number} of {total}: <b>{name}</b>").format(
                number=position, total=len(view.items), name=escape(_text(item.name))
            ),
            _("Criterion: {criterion}").format(criterion=escape(_text(item.criterion or ""))),
            "",
            _("Your score from {low} to {high}:").format(low=int(item.low), high=int(item.high)),
            *score_legend(profile, item.choices),
        ]
    else:
        body = [
            _("KPI {number} of {total}: <b>{name}</b>").format(
                number=position, total=len(view.items), name=escape(_text(item.name))
            ),
            _kpi_facts(item),
            "",
            _("Choose a score, or type any score inside the range (e.g. {example}).").format(
                example=format_score(item.high)
            ),
        ]
    if current is not None:
        body.append(_("Now: {score}").format(score=_score(current.score, view.method)))
    buttons = [
        InlineKeyboardButton(
            text=("• " if current is not None and current.score == value else "")
            + _score(value, view.method),
            callback_data=SheetScoreCb(sheet=view.sheet.id, item=item.no, hundredths=int(value * 100)).pack(),
        )
        for value in item.choices
    ]
    builder.row(*buttons, width=5 if view.method is Method.DIFFERENTIATION else 3)
    builder.row(*_nav(view, back=position > 1))
    return "\n\n".join([_header(view), "\n".join(body)]), builder.as_markup()


def render_comment(screen: CommentScreen) -> Rendered:
    view, item = screen.view, screen.item
    score = view.scores[item.no]
    text = "\n\n".join(
        [
            _header(view),
            _("KPI {number}: <b>{name}</b> — score {score}.").format(
                number=item.no, name=escape(_text(item.name)), score=format_score(score.score)
            ),
            _("Write a comment on this score as a message, or press “No comment”."),
        ]
    )
    builder = InlineKeyboardBuilder()
    builder.row(
        InlineKeyboardButton(
            text=_("No comment"),
            callback_data=SheetCb(sheet=view.sheet.id, action=SheetAction.NO_COMMENT).pack(),
        )
    )
    builder.row(*_nav(view, review=False))
    return text, builder.as_markup()


def render_justification(screen: JustificationScreen) -> Rendered:
    view = screen.view
    lines = [
        _header(view),
        _(
            "Write the justification of your scores as one message (appendix 4: “justification of the score”)."
        ),
    ]
    if view.sheet.justification:
        lines.append(_("Now: {text}").format(text=escape(view.sheet.justification)))
    builder = InlineKeyboardBuilder()
    builder.row(*_nav(view, review=view.complete))
    return "\n\n".join(lines), builder.as_markup()


def _band_line(final: Decimal, profile: Profile) -> str:
    band = grade_band(profile, final)
    return _("Final score: <b>{score}</b> — {band}").format(
        score=format_score(final), band=escape(band.name.get(current_locale()))
    )


def _summary_lines(view: SheetView) -> list[str]:
    lines = []
    for item in view.items:
        score = view.scores.get(item.no) if view.scored(item) else None
        shown = _score(score.score, view.method) if score else "—"
        lines.append(f"{item.no}. {escape(_text(item.name))}: <b>{shown}</b>")
        if score is not None and score.comment:
            lines.append(f"   💬 {escape(score.comment)}")
    if view.method is Method.DIFFERENTIATION:
        justification = view.sheet.justification
        lines.append(_("Justification: {text}").format(text=escape(justification) if justification else "—"))
    return lines


def render_review(screen: ReviewScreen, profile: Profile) -> Rendered:
    view = screen.view
    lines = [_header(view), "\n".join(_summary_lines(view))]
    if screen.final is not None:
        lines.append(_band_line(screen.final, profile))
    else:
        lines.append(_("Some items are still without a score or justification."))
    builder = InlineKeyboardBuilder()
    builder.row(
        *[
            InlineKeyboardButton(
                text=f"✏️ {item.no}",
                callback_data=SheetCb(sheet=view.sheet.id, action=SheetAction.EDIT, item=item.no).pack(),
            )
            for item in view.items
        ],
        width=5,
    )
    if view.method is Method.DIFFERENTIATION:
        builder.row(
            InlineKeyboardButton(
                text=_("✏️ Justification"),
                callback_data=SheetCb(sheet=view.sheet.id, action=SheetAction.JUSTIFY).pack(),
            )
        )
    builder.row(
        InlineKeyboardButton(
            text=_("✅ Submit"), callback_data=SheetCb(sheet=view.sheet.id, action=SheetAction.SUBMIT).pack()
        )
    )
    return "\n\n".join(lines), builder.as_markup()


def render_confirm(screen: ConfirmScreen, profile: Profile) -> Rendered:
    view = screen.view
    text = "\n\n".join(
        [
            _header(view),
            _band_line(screen.final, profile),
            _("Submit the sheet? After that it can be changed only through a calibration session."),
        ]
    )
    builder = InlineKeyboardBuilder()
    builder.row(
        InlineKeyboardButton(
            text=_("✅ Yes, submit"),
            callback_data=SheetCb(sheet=view.sheet.id, action=SheetAction.CONFIRM).pack(),
        ),
        InlineKeyboardButton(
            text=_("◀ Back to review"),
            callback_data=SheetCb(sheet=view.sheet.id, action=SheetAction.REVIEW).pack(),
        ),
    )
    return text, builder.as_markup()


def _tasks_markup() -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text=_("📋 My tasks"), callback_data=TasksCb().pack())
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


def render_submitted(screen: SubmittedScreen, profile: Profile) -> Rendered:
    view = screen.view
    lines = [
        _header(view),
        _("Submitted."),
        _band_line(screen.final, profile),
        _("{name} will see the result and confirm they have read it.").format(
            name=escape(view.sheet.employee.short_name)
        )
        if view.sheet.absence != "dismissed"
        else _("The person has left the body: the result is kept without notifying them (clause 6)."),
    ]
    if screen.remaining:
        lines.append(_("Sheets left to fill: {count}.").format(count=screen.remaining))
    else:
        lines.append(_("All your sheets are submitted. Thank you!"))
    return "\n\n".join(lines), _tasks_markup()


def render_waiting(screen: WaitingScreen) -> Rendered:
    view = screen.view
    numbers = ", ".join(str(no) for no in view.missing_actuals)
    text = "\n\n".join(
        [
            _header(view),
            _(
                "HR has not entered the actual values of KPI {numbers} yet. I will write as soon as they do."
            ).format(numbers=numbers),
        ]
    )
    return text, _tasks_markup()


def render_sheet_screen(screen: SheetScreen, profile: Profile) -> Rendered:
    match screen:
        case ItemScreen():
            return render_item(screen, profile)
        case CommentScreen():
            return render_comment(screen)
        case JustificationScreen():
            return render_justification(screen)
        case ReviewScreen():
            return render_review(screen, profile)
        case ConfirmScreen():
            return render_confirm(screen, profile)
        case SubmittedScreen():
            return render_submitted(screen, profile)
        case WaitingScreen():
            return render_waiting(screen)
    raise AssertionError(screen)


def sheet_refusal_text(outcome: SheetOutcome) -> str:
    refusal = outcome.refusal
    if refusal is SheetRefusal.OUT_OF_RANGE and outcome.allowed is not None:
        low, high = outcome.allowed
        return _("This score is not allowed here. Allowed: {range}, in hundredths at most.").format(
            range=_range(low, high)
        )
    texts = {
        SheetRefusal.NOT_YOURS: _("This sheet is not yours."),
        SheetRefusal.SUBMITTED: _(
            "This sheet has already been submitted; it can change only through calibration."
        ),
        SheetRefusal.ROUND_CLOSED: _("This round is closed."),
        SheetRefusal.STALE_MESSAGE: _("This message is out of date. Use the latest one, or press /start."),
        SheetRefusal.NOT_ON_SCREEN: _("Already recorded. Answer the item now on the screen."),
        SheetRefusal.OUT_OF_RANGE: _("This score is not allowed here."),
        SheetRefusal.NOT_A_SCORE: _("Please type a number with at most two decimals, e.g. 4,85."),
        SheetRefusal.INCOMPLETE: _("Some items are still without a score or justification."),
        SheetRefusal.FIRST_ITEM: _("This is the first item."),
        SheetRefusal.NO_ACTUALS: _("HR has not entered the actual values yet."),
        SheetRefusal.EMPTY_TEXT: _("The text is empty. Please write it as a message."),
        SheetRefusal.TOO_LONG: _("The text is too long. Please shorten it."),
    }
    assert refusal is not None
    return texts[refusal]


# ----------------------------------------------------------------- the evaluated person


def render_result(record: SheetRecord, year: YearResult, profile: Profile) -> Rendered:
    """The quarterly result as the evaluated person receives it, with "I have read it"."""
    locale = current_locale()
    heading = [
        f"<b>{round_title(record.year, record.quarter)} · {method_name(record.method)}</b>",
        _("Your evaluation result for the quarter:"),
    ]
    items: list[str] = []
    if record.method is Method.DIFFERENTIATION:
        assert profile.differentiation is not None
        for parameter, score in zip(profile.differentiation.parameters, record.parameters, strict=True):
            shown = str(score.score) if score.score is not None else "—"
            items.append(f"{parameter.no}. {escape(parameter.name.get(locale))}: <b>{shown}</b>")
        if record.justification:
            items.append(_("Justification: {text}").format(text=escape(record.justification)))
    else:
        for kpi in record.kpis:
            line = kpi.quarters.get(record.quarter)
            if line is None or line.score is None:
                continue
            percent = format_score(line.percent) if line.percent is not None else "—"
            items.append(
                _("{number}. {name}: {percent} % → <b>{score}</b>").format(
                    number=kpi.no, name=escape(kpi.name), percent=percent, score=format_score(line.score)
                )
            )
            if line.comment:
                items.append(f"   💬 {escape(line.comment)}")
    summary = []
    if record.final_score is not None and record.band is not None:
        summary.append(
            _("Final score: <b>{score}</b> — {band}").format(
                score=format_score(record.final_score), band=escape(record.band.name.get(locale))
            )
        )
    if year.score is not None and year.band is not None:
        summary.append(
            _("The year {year} so far (mean of the quarters evaluated: {count}): {score} — {band}").format(
                year=year.year,
                count=len(year.quarters),
                score=format_score(year.score),
                band=escape(year.band.name.get(locale)),
            )
        )
    note = [
        _(
            "If you disagree, you may apply for a calibration session within 5 working days of reading it "
            "(clause 12). The result is confidential (clause 20)."
        )
    ]
    if record.acknowledged_at is not None:
        note.append(read_mark(record.acknowledged_at))
    markup = result_markup(record.sheet_id, acknowledged=record.acknowledged_at is not None)
    return "\n\n".join("\n".join(block) for block in (heading, items, summary, note) if block), markup


def result_markup(sheet_id: int, *, acknowledged: bool) -> InlineKeyboardMarkup:
    """Under a result: "I have read it" until it is pressed, and the sheet as a PDF."""
    rows = []
    if not acknowledged:
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("✅ I have read it"), callback_data=AcknowledgeCb(sheet=sheet_id).pack()
                )
            ]
        )
    rows.append(
        [InlineKeyboardButton(text=_("📄 The sheet as PDF"), callback_data=SheetPdfCb(sheet=sheet_id).pack())]
    )
    if acknowledged:  # the appeal window opens when the result has been read (clause 12)
        rows.append(
            [InlineKeyboardButton(text=_("⚖️ I disagree"), callback_data=AppealCb(sheet=sheet_id).pack())]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def read_mark(moment: datetime) -> str:
    """Kept under a result once it is read: when, in Kazakhstan's time."""
    return _("✅ Read on {date} at {time}.").format(
        date=format_date(local_time(moment).date()), time=local_time(moment).strftime("%H:%M")
    )


def appeal_preview(sheet_id: int, text: str, appeal_wait: Waiting) -> Rendered:
    """The application as it will be sent, before it is: clause 12 gives one application.
    ✖ Cancel ends ``appeal_wait``, the wait for the application (handlers/cancel.py)."""
    body = "\n\n".join(
        [
            _("<b>Your application for a calibration session</b>"),
            escape(text.strip()),
            _("Send it to the authorised person? It cannot be changed once sent."),
        ]
    )

    def button(label: str, step: AppealStep) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=label, callback_data=AppealDraftCb(sheet=sheet_id, step=step).pack())

    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("📨 Send"), AppealStep.SEND)],
            [button(_("✏️ Edit"), AppealStep.EDIT), cancel_button(appeal_wait)],
        ]
    )
    return body, markup


def appeal_text(outcome: AppealOutcome) -> str:
    match outcome.refusal:
        case None if outcome.decide_by is not None:
            return _(
                "Your application is registered. The authorised person decides on a calibration session "
                "by {date} (clause 38); you will be told."
            ).format(date=format_date(outcome.decide_by))
        case None:
            assert outcome.closes_on is not None
            return _(
                "Write your application for a calibration session in one message: why you disagree with the "
                "result (clause 12). You can apply until {date}."
            ).format(date=format_date(outcome.closes_on))
        case AppealRefusal.NOT_YOURS:
            return _("This result is not yours.")
        case AppealRefusal.NOT_READ:
            return _("Confirm that you have read the result first: the 5 working days to apply start then.")
        case AppealRefusal.WINDOW_CLOSED:
            assert outcome.closes_on is not None
            return _("The 5 working days to apply ended on {date} (clause 12).").format(
                date=format_date(outcome.closes_on)
            )
        case AppealRefusal.ALREADY_FILED:
            return _("You have already applied about this result.")
        case AppealRefusal.EMPTY:
            return _("The application is empty. Please write it as a message.")
        case AppealRefusal.TOO_LONG:
            return _("The application is too long. Please shorten it.")
    raise AssertionError(outcome)


# ----------------------------------------------------------------------- work plans


def render_plan(plan: PlanDTO, person: EmployeeDTO) -> str:
    """A head's individual work plan (appendix 1) as a message."""
    lines = [
        _("<b>Individual work plan {year}</b>: {name}, {position}").format(
            year=plan.year, name=escape(person.full_name), position=escape(person.position)
        )
    ]
    for kpi in plan.kpis:
        direction = "↑" if kpi.higher_is_better else "↓"
        planned = "; ".join(
            _("Q{quarter}: {value}").format(quarter=q, value=_number(line.planned))
            + (f" ({format_date(line.due_on)})" if line.due_on else "")
            for q, line in sorted(kpi.quarters.items())
        )
        lines.append("")
        lines.append(f"{kpi.no}. <b>{escape(kpi.name)}</b> {direction} {escape(kpi.unit)}")
        lines.append(_("Source: {source}").format(source=escape(kpi.source)))
        lines.append(_("Planned: {values}").format(values=planned))
        lines.append(_("Key result: {result}").format(result=escape(kpi.key_result)))
    return "\n".join(lines)


def plan_decision_markup(plan_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("✅ Approve"),
                    callback_data=PlanCb(plan=plan_id, decision=PlanDecision.APPROVE).pack(),
                ),
                InlineKeyboardButton(
                    text=_("↩️ Return for correction"),
                    callback_data=PlanCb(plan=plan_id, decision=PlanDecision.RETURN).pack(),
                ),
            ]
        ]
    )


def nothing_returned() -> str:
    """What ✖ Cancel and /cancel say while the reason to return a plan or a sheet is awaited."""
    return _("Stopped: nothing was returned; it still awaits your decision.")
