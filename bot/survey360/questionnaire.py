"""Walking a respondent through a questionnaire, one statement at a time.

The state lives in the database (the assignment's cursor and live message id, and the
draft answers), never only in memory: after a restart the respondent continues where
they were. Every request names the assignment, the statement and the message it came
from, so double taps, stale buttons and other people's ids are recognised and refused
without changing anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import Action
from bot.kernel.methodology import Competency, Profile, Questionnaire
from storage.dto import EmployeeDTO, TaskDTO
from storage.survey360.answers import AnswerRepo

REVIEW = 0  # the cursor value of the review screen
# "Change an answer" lists the statements a few competencies at a time, whole competencies to a
# page: up to this many statements (three competencies of three) fit a phone's screen as one
# button each, with the page's statements written out in full above them.
EDIT_PAGE_STATEMENTS = 9


class Refusal(StrEnum):
    NOT_YOURS = "not_yours"
    SUBMITTED = "submitted"
    ROUND_CLOSED = "round_closed"
    STALE_MESSAGE = "stale_message"
    NOT_ON_SCREEN = "not_on_screen"  # a second tap on a statement already answered
    BAD_SCORE = "bad_score"
    INCOMPLETE = "incomplete"
    FIRST_STATEMENT = "first_statement"
    ALL_ANSWERED = "all_answered"  # "Continue" with nothing left to answer: not a refusal, a word
    UNANSWERED = "unanswered"  # "Next" on a statement without an answer


@dataclass(frozen=True, slots=True)
class Progress:
    task: TaskDTO
    questionnaire: Questionnaire
    answers: dict[int, int]

    @property
    def total(self) -> int:
        return len(self.questionnaire.statements)

    @property
    def answered(self) -> int:
        return len(self.answers)

    @property
    def complete(self) -> bool:
        return self.answered == self.total

    def first_unanswered(self) -> int:
        for statement in self.questionnaire.statements:
            if statement.no not in self.answers:
                return statement.no
        return REVIEW


@dataclass(frozen=True, slots=True)
class QuestionScreen:
    progress: Progress
    statement_no: int


@dataclass(frozen=True, slots=True)
class ReviewScreen:
    progress: Progress


@dataclass(frozen=True, slots=True)
class EditListScreen:
    """One page of "Change an answer": ``pages[page]`` is on screen."""

    progress: Progress
    pages: tuple[tuple[Competency, ...], ...]
    page: int

    @property
    def competencies(self) -> tuple[Competency, ...]:
        return self.pages[self.page]


@dataclass(frozen=True, slots=True)
class ConfirmScreen:
    progress: Progress


@dataclass(frozen=True, slots=True)
class PausedScreen:
    progress: Progress


@dataclass(frozen=True, slots=True)
class SubmittedScreen:
    progress: Progress
    remaining: int


Screen = QuestionScreen | ReviewScreen | EditListScreen | ConfirmScreen | PausedScreen | SubmittedScreen


@dataclass(frozen=True, slots=True)
class Outcome:
    screen: Screen | None = None
    refusal: Refusal | None = None


class QuestionnaireService:
    def __init__(self, session: AsyncSession, profile: Profile) -> None:
        self.repo = AnswerRepo(session)
        self.profile = profile

    async def open_tasks(self, respondent: EmployeeDTO) -> list[Progress]:
        tasks = await self.repo.open_tasks(respondent.id)
        return [await self._progress(task) for task in tasks]

    async def open(self, respondent: EmployeeDTO, assignment_id: int, message_id: int) -> Outcome:
        """Show the questionnaire in ``message_id``, which becomes its only live message."""
        progress, refusal = await self._load(respondent, assignment_id, message_id=None)
        if progress is None:
            return Outcome(refusal=refusal)
        cursor = progress.first_unanswered()
        return await self._move(progress, cursor, back_to_review=False, message_id=message_id)

    async def answer(
        self, respondent: EmployeeDTO, assignment_id: int, statement_no: int, score: int, message_id: int
    ) -> Outcome:
        progress, refusal = await self._load(respondent, assignment_id, message_id)
        if progress is None:
            return Outcome(refusal=refusal)
        if score not in self.profile.scale_values:
            return Outcome(refusal=Refusal.BAD_SCORE)
        if progress.task.assignment.cursor != statement_no:
            return Outcome(refusal=Refusal.NOT_ON_SCREEN)
        answers = {**progress.answers, statement_no: score}
        progress = Progress(progress.task, progress.questionnaire, answers)
        cursor = _after(progress, statement_no)
        await self.repo.save_answer(assignment_id, statement_no, score, cursor, message_id=message_id)
        return _screen(progress, cursor)

    async def navigate(
        self, respondent: EmployeeDTO, assignment_id: int, action: Action, statement_no: int, message_id: int
    ) -> Outcome:
        if action is Action.OPEN:
            return await self.open(respondent, assignment_id, message_id)
        progress, refusal = await self._load(respondent, assignment_id, message_id)
        if progress is None:
            return Outcome(refusal=refusal)
        cursor = progress.task.assignment.cursor
        if cursor is None:
            cursor = progress.first_unanswered()
        match action:
            case Action.BACK:
                if cursor == 1:
                    return Outcome(refusal=Refusal.FIRST_STATEMENT)
                previous = progress.total if cursor == REVIEW else cursor - 1
                return await self._move(progress, previous, back_to_review=False, message_id=message_id)
            case Action.NEXT:
                return await self._next(progress, statement_no, message_id)
            case Action.PAUSE:
                return Outcome(screen=PausedScreen(progress))
            case Action.RESUME:
                return await self._resume(progress, cursor, message_id)
            case Action.REVIEW:
                return await self._move(progress, REVIEW, back_to_review=False, message_id=message_id)
            case Action.EDIT_LIST:
                pages = edit_pages(progress.questionnaire)
                page = next((i for i, page in enumerate(pages) if _holds(page, statement_no)), None)
                if page is None:
                    # 0 is "Change an answer" from the review: the first page.
                    if statement_no != 0:
                        return Outcome(refusal=Refusal.NOT_ON_SCREEN)
                    page = 0
                return Outcome(screen=EditListScreen(progress, pages, page))
            case Action.EDIT:
                if not 1 <= statement_no <= progress.total:
                    return Outcome(refusal=Refusal.NOT_ON_SCREEN)
                return await self._move(progress, statement_no, back_to_review=True, message_id=message_id)
            case Action.SUBMIT:
                if not progress.complete:
                    return Outcome(screen=ReviewScreen(progress), refusal=Refusal.INCOMPLETE)
                return Outcome(screen=ConfirmScreen(progress))
            case Action.CONFIRM:
                return await self._submit(respondent, progress)
        raise AssertionError(action)

    async def _next(self, progress: Progress, statement_no: int, message_id: int) -> Outcome:
        """On from a statement already answered (after "Back"), keeping its answer: where
        answering it would lead. The button names its statement, so a second tap, arriving
        when the next one is on screen, is refused rather than skipping that one too."""
        assignment = progress.task.assignment
        if assignment.cursor != statement_no:
            return Outcome(refusal=Refusal.NOT_ON_SCREEN)
        if statement_no not in progress.answers:
            return Outcome(refusal=Refusal.UNANSWERED)
        return await self._move(
            progress, _after(progress, statement_no), back_to_review=False, message_id=message_id
        )

    async def _resume(self, progress: Progress, cursor: int, message_id: int) -> Outcome:
        """Continue answering: the statement on screen before a pause, or, from the review
        (where "Review", "Change an answer" and the last statement all leave the cursor), the
        first statement still unanswered. The cursor alone would lead back to the review, and
        the person could never get out of it."""
        if cursor == REVIEW:
            cursor = progress.first_unanswered()
            if cursor == REVIEW:
                # Nothing left to answer: the review it is, with a word why, rather than a
                # silent no-op edit of the screen already shown.
                return Outcome(screen=ReviewScreen(progress), refusal=Refusal.ALL_ANSWERED)
        return await self._move(progress, cursor, back_to_review=False, message_id=message_id)

    async def _submit(self, respondent: EmployeeDTO, progress: Progress) -> Outcome:
        if not progress.complete:
            return Outcome(screen=ReviewScreen(progress), refusal=Refusal.INCOMPLETE)
        if not await self.repo.submit(progress.task.assignment.id, progress.questionnaire):
            return Outcome(refusal=Refusal.SUBMITTED)
        remaining = len(await self.repo.open_tasks(respondent.id))
        return Outcome(screen=SubmittedScreen(progress, remaining))

    async def _move(
        self, progress: Progress, cursor: int, *, back_to_review: bool, message_id: int
    ) -> Outcome:
        await self.repo.set_cursor(
            progress.task.assignment.id, cursor, back_to_review=back_to_review, message_id=message_id
        )
        return _screen(progress, cursor)

    async def _progress(self, task: TaskDTO) -> Progress:
        questionnaire = self.profile.questionnaire(task.questionnaire)
        return Progress(task, questionnaire, await self.repo.drafts(task.assignment.id))

    async def _load(
        self, respondent: EmployeeDTO, assignment_id: int, message_id: int | None
    ) -> tuple[Progress | None, Refusal | None]:
        """The respondent's own open questionnaire, or why the request is refused.

        ``message_id`` None means "open it here"; otherwise the request must come from the
        questionnaire's live message, or it is a stale button from an older one."""
        found = await self.repo.task_in_progress(assignment_id)
        if found is None or found[0].assignment.respondent_id != respondent.id:
            return None, Refusal.NOT_YOURS
        task, drafts = found
        if task.assignment.submitted:
            return None, Refusal.SUBMITTED
        if task.campaign.status != "running":
            return None, Refusal.ROUND_CLOSED
        if message_id is not None and task.assignment.message_id != message_id:
            return None, Refusal.STALE_MESSAGE
        return Progress(task, self.profile.questionnaire(task.questionnaire), drafts), None


def _after(progress: Progress, statement_no: int) -> int:
    """Where an answered statement leads: the review after the last one or after a change made
    from the review, else the next statement."""
    if progress.task.assignment.back_to_review or statement_no == progress.total:
        return REVIEW
    return statement_no + 1


def edit_pages(questionnaire: Questionnaire) -> tuple[tuple[Competency, ...], ...]:
    """The pages of "Change an answer": whole competencies, in order, up to
    EDIT_PAGE_STATEMENTS statements a page (a longer competency gets a page of its own)."""
    pages: list[tuple[Competency, ...]] = []
    page: list[Competency] = []
    for competency in questionnaire.competencies:
        if page and sum(len(c.statements) for c in page) + len(competency.statements) > EDIT_PAGE_STATEMENTS:
            pages.append(tuple(page))
            page = []
        page.append(competency)
    if page:
        pages.append(tuple(page))
    return tuple(pages)


def _holds(page: tuple[Competency, ...], statement_no: int) -> bool:
    return any(s.no == statement_no for c in page for s in c.statements)


def _screen(progress: Progress, cursor: int) -> Outcome:
    """The screen at ``cursor``: a statement, or the review."""
    if cursor == REVIEW:
        return Outcome(screen=ReviewScreen(progress))
    return Outcome(screen=QuestionScreen(progress, cursor))
