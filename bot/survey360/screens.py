"""What a respondent sees: the task list and every questionnaire screen, in one place."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.infra.callbacks import Action, AnswerCb, NavCb, TasksCb
from bot.infra.formatting import current_locale, format_date, progress_bar
from bot.kernel.methodology import Profile
from bot.quarterly.sheet_screens import sheet_buttons, sheets_summary
from bot.survey360.questionnaire import (
    ConfirmScreen,
    EditListScreen,
    PausedScreen,
    Progress,
    QuestionScreen,
    Refusal,
    ReviewScreen,
    Screen,
    SubmittedScreen,
)
from storage.quarterly import SheetDTO

Rendered = tuple[str, InlineKeyboardMarkup]


def task_title(progress: Progress) -> str:
    task = progress.task
    if task.assignment.relation == "self":
        return _("Self-assessment")
    return _("About {name}, {position}").format(
        name=escape(task.subject.short_name), position=escape(task.subject.position)
    )


def task_button_text(progress: Progress) -> str:
    task = progress.task
    if task.assignment.relation == "self":
        title = _("Self-assessment")
    else:
        title = _("About {name}").format(name=task.subject.short_name)
    return f"{title} · {progress.answered}/{progress.total}"


def render_task_list(first_name: str, tasks: Sequence[Progress], sheets: Sequence[SheetDTO] = ()) -> Rendered:
    """The home screen: the person's open questionnaires and the quarterly sheets they fill."""
    builder = InlineKeyboardBuilder()
    if not tasks and not sheets:
        text = _(
            "Hello, {name}! You have no open questionnaires now. I will write when a round starts."
        ).format(name=escape(first_name))
        return text, builder.as_markup()
    lines = [_("Hello, {name}!").format(name=escape(first_name))]
    if tasks:
        deadlines = sorted({t.task.campaign.deadline for t in tasks})
        lines += [
            ngettext(
                "You have {count} questionnaire to fill by {deadline}.",
                "You have {count} questionnaires to fill by {deadline}.",
                len(tasks),
            ).format(count=len(tasks), deadline=format_date(deadlines[0])),
            _("Answers about colleagues are anonymous: nobody sees who answered what."),
        ]
    for progress in tasks:
        builder.row(
            InlineKeyboardButton(
                text=task_button_text(progress),
                callback_data=NavCb(assignment=progress.task.assignment.id, action=Action.OPEN).pack(),
            )
        )
    if sheets:
        lines.append(sheets_summary(sheets))
        for button in sheet_buttons(sheets):
            builder.row(button)
    return "\n\n".join(lines), builder.as_markup()


def _header(progress: Progress) -> str:
    return f"<b>{task_title(progress)}</b>"


def render_question(screen: QuestionScreen, profile: Profile) -> Rendered:
    progress, locale = screen.progress, current_locale()
    statement = progress.questionnaire.statement(screen.statement_no)
    competency = progress.questionnaire.competency(statement.competency_no)
    question = (
        _("How often do you show this?")
        if progress.task.assignment.relation == "self"
        else _("How often does this person show it?")
    )
    # The scale's meaning is written out here, once: as button labels its longest points were
    # cut on a phone's screen, so the buttons carry only the numbers.
    legend = [f"{point.value} — {escape(point.label.get(locale))}" for point in profile.scale_360]
    text = "\n".join(
        [
            _header(progress),
            _("Statement {number} of {total}").format(number=screen.statement_no, total=progress.total)
            + "  "
            + progress_bar(progress.answered, progress.total),
            "",
            *competency_heading(progress, competency.no),
            f"<i>{escape(statement.text.get(locale))}</i>",
            "",
            question,
            *legend,
        ]
    )
    chosen = progress.answers.get(statement.no)
    assignment_id = progress.task.assignment.id
    # Built as plain rows: the keyboard builder deep-copies them, on every answer.
    scores = [
        InlineKeyboardButton(
            text=f"{'✅ ' if point.value == chosen else ''}{point.value}",
            callback_data=AnswerCb(
                assignment=assignment_id, statement=statement.no, score=point.value
            ).pack(),
        )
        for point in profile.scale_360
    ]
    rows = _even_rows(scores)
    # Nothing comes before the first statement: a Back there only said so (issue 19).
    moves = [] if statement.no == 1 else [_nav(_("◀ Back"), assignment_id, Action.BACK)]
    if chosen is not None:
        # After "Back" the answer is already there: no need to press it again to go on.
        moves.append(_nav(_("Next ▶"), assignment_id, Action.NEXT, statement.no))
    if moves:
        rows.append(moves)
    rows.append(
        [_nav(_("⏸ Pause"), assignment_id, Action.PAUSE), _nav(_("📋 Review"), assignment_id, Action.REVIEW)]
    )
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def competency_heading(progress: Progress, competency_no: int) -> list[str]:
    """A competency's number and name as the evaluated person's report gives them (the result
    form's line, appendices 7-8, and clause 34 of seed 002), so that the respondent and the
    person read one name. Where the questionnaire form (appendices 5-6) prints it in other
    words ("Нәтижеге бейімделу" for "Нәтижеге бағдарлану"), that wording follows, to connect
    the screen with the paper form."""
    locale = current_locale()
    competency = progress.questionnaire.competency(competency_no)
    name = competency.result_name.get(locale)
    lines = [f"<b>{competency.no}. {escape(name)}</b>"]
    form_name = competency.name.get(locale)
    if form_name != name:
        lines.append(
            _("(in the evaluation sheet, appendix {appendix}: «{name}»)").format(
                appendix=progress.questionnaire.appendix, name=escape(form_name)
            )
        )
    return lines


MAX_BUTTONS_IN_ROW = 8  # Telegram shows at most 8 buttons side by side


def _even_rows(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """The scale's buttons in as few rows as Telegram allows, of even length (11 points: 6 + 5)."""
    rows_needed = -(-len(buttons) // MAX_BUTTONS_IN_ROW)
    per_row = -(-len(buttons) // max(rows_needed, 1))
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def _nav(text: str, assignment_id: int, action: Action, statement: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=NavCb(assignment=assignment_id, action=action, statement=statement).pack()
    )


def _answers_by_competency(progress: Progress) -> list[str]:
    locale = current_locale()
    lines = []
    for competency in progress.questionnaire.competencies:
        scores = " · ".join(str(progress.answers.get(s.no, "–")) for s in competency.statements)
        lines.append(f"{competency.no}. {escape(competency.result_name.get(locale))}: <b>{scores}</b>")
    return lines


STATEMENT_IN_BUTTON = 30  # characters of a statement a "Change an answer" button shows


def _shortened(text: str, limit: int = STATEMENT_IN_BUTTON) -> str:
    """The statement's first words, cut at a word under ``limit`` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return f"{cut}…"


def render_edit_list(screen: EditListScreen) -> Rendered:
    """One page of "Change an answer": its statements written out with their answers, and a
    button per statement naming it ("8. Ұйымдағы өзгерістерге… — 3"), rather than a grid of
    numbers the person had to count out."""
    progress, locale = screen.progress, current_locale()
    assignment_id = progress.task.assignment.id
    lines = [
        _header(progress),
        _("Answered {answered} of {total}.").format(answered=progress.answered, total=progress.total),
        _("Change an answer: page {page} of {pages}.").format(page=screen.page + 1, pages=len(screen.pages)),
    ]
    rows = []
    for competency in screen.competencies:
        lines += ["", *competency_heading(progress, competency.no)]
        for statement in competency.statements:
            score = progress.answers.get(statement.no, "–")
            text = statement.text.get(locale)
            lines.append(f"{statement.no}. {escape(text)} — <b>{score}</b>")
            rows.append(
                [
                    _nav(
                        f"{statement.no}. {_shortened(text)} — {score}",
                        assignment_id,
                        Action.EDIT,
                        statement.no,
                    )
                ]
            )
    lines += ["", _("Press the statement whose answer you want to change.")]
    pages = []
    if screen.page > 0:
        first = screen.pages[screen.page - 1][0].statements[0].no
        pages.append(
            _nav(_("◀ Page {page}").format(page=screen.page), assignment_id, Action.EDIT_LIST, first)
        )
    if screen.page + 1 < len(screen.pages):
        first = screen.pages[screen.page + 1][0].statements[0].no
        pages.append(
            _nav(_("Page {page} ▶").format(page=screen.page + 2), assignment_id, Action.EDIT_LIST, first)
        )
    if pages:
        rows.append(pages)
    rows.append([_nav(_("◀ Back to review"), assignment_id, Action.REVIEW)])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def render_review(screen: ReviewScreen | ConfirmScreen) -> Rendered:
    progress = screen.progress
    assignment_id = progress.task.assignment.id
    builder = InlineKeyboardBuilder()
    head = [
        _header(progress),
        _("Answered {answered} of {total}.").format(answered=progress.answered, total=progress.total),
        "",
        *_answers_by_competency(progress),
        "",
    ]
    if isinstance(screen, ConfirmScreen):
        if progress.task.assignment.relation == "self":
            # A self-assessment is signed, not anonymous: it is shown next to the colleagues' means.
            head.append(_("Submit your self-assessment? After that it cannot be changed."))
        else:
            head.append(
                _("Submit these answers? After that they cannot be changed, and they are stored anonymously.")
            )
        builder.row(_nav(_("✅ Yes, submit"), assignment_id, Action.CONFIRM))
        builder.row(_nav(_("◀ Back to review"), assignment_id, Action.REVIEW))
    else:
        if progress.complete:
            head.append(_("Check your answers. Nothing counts until you press Submit."))
        else:
            head.append(_("Some statements are still unanswered."))
        builder.row(_nav(_("✏️ Change an answer"), assignment_id, Action.EDIT_LIST))
        if progress.complete:
            builder.row(_nav(_("✅ Submit"), assignment_id, Action.SUBMIT))
        else:
            builder.row(_nav(_("▶ Continue"), assignment_id, Action.RESUME))
        builder.row(_nav(_("⏸ Pause"), assignment_id, Action.PAUSE))
    return "\n".join(head), builder.as_markup()


def render_paused(screen: PausedScreen) -> Rendered:
    progress = screen.progress
    text = "\n".join(
        [
            _header(progress),
            _(
                "Paused: {answered} of {total} answered. Every answer is saved; continue whenever you like."
            ).format(answered=progress.answered, total=progress.total),
        ]
    )
    builder = InlineKeyboardBuilder()
    builder.row(_nav(_("▶ Continue"), progress.task.assignment.id, Action.RESUME))
    builder.row(InlineKeyboardButton(text=_("📋 My questionnaires"), callback_data=TasksCb().pack()))
    return text, builder.as_markup()


def render_submitted(screen: SubmittedScreen) -> Rendered:
    progress = screen.progress
    if progress.task.assignment.relation == "self":
        lines = [_("Thank you! Your self-assessment is submitted.")]
    else:
        lines = [
            _("Thank you! Your answers about {name} are submitted and stored anonymously.").format(
                name=escape(progress.task.subject.short_name)
            )
        ]
    builder = InlineKeyboardBuilder()
    if screen.remaining:
        lines.append(
            ngettext(
                "{count} more questionnaire is waiting for you.",
                "{count} more questionnaires are waiting for you.",
                screen.remaining,
            ).format(count=screen.remaining)
        )
        builder.row(InlineKeyboardButton(text=_("📋 My questionnaires"), callback_data=TasksCb().pack()))
    else:
        lines.append(_("You have answered all your questionnaires."))
    return "\n\n".join(lines), builder.as_markup()


def render_screen(screen: Screen, profile: Profile) -> Rendered:
    match screen:
        case QuestionScreen():
            return render_question(screen, profile)
        case EditListScreen():
            return render_edit_list(screen)
        case ReviewScreen() | ConfirmScreen():
            return render_review(screen)
        case PausedScreen():
            return render_paused(screen)
        case SubmittedScreen():
            return render_submitted(screen)
    raise AssertionError(screen)


def refusal_text(refusal: Refusal) -> str:
    texts = {
        Refusal.NOT_YOURS: _("This questionnaire is not yours."),
        Refusal.SUBMITTED: _("This questionnaire has already been submitted."),
        Refusal.ROUND_CLOSED: _("This round is closed."),
        Refusal.STALE_MESSAGE: _("This message is out of date. Use the latest one, or press /start."),
        Refusal.NOT_ON_SCREEN: _("Already recorded. Answer the statement now on the screen."),
        Refusal.BAD_SCORE: _("Please choose one of the five answers."),
        Refusal.INCOMPLETE: _("Some statements are still unanswered."),
        Refusal.FIRST_STATEMENT: _("This is the first statement."),
        Refusal.ALL_ANSWERED: _("Every statement is answered: check your answers and press Submit."),
        Refusal.UNANSWERED: _("Choose an answer first."),
    }
    return texts[refusal]
