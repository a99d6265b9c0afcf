"""Walking an evaluator through a quarterly sheet: a KPI sheet (appendix 2) item by item with
the score range appendix 3 allows and a comment per KPI, or a differentiation sheet
(appendix 4) parameter by parameter with a written justification; then review and submit.

As with the 360 questionnaires, the state lives in the database (the sheet's cursor, the
text it awaits, its live message): every request names the sheet and comes from its live
message, or it is refused without changing anything. A score outside the allowed range is
refused here, again by the repository, and a third time by the table's CHECK.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import SheetAction
from bot.kernel.clock import Clock
from bot.kernel.methodology import Profile, Text, profile_of_round
from bot.kernel.workdays import WorkCalendar, bundled_calendar
from bot.quarterly.kpi_rules import achievement_percent, allowed_range, kpi_final_score
from bot.quarterly.rounds import QUARTER_RESULT
from bot.quarterly.rules import Method, differentiation_score
from bot.quarterly.written import needs_written_notice, require_written_notice
from storage.dto import EmployeeDTO
from storage.outbox import OutboxRepo
from storage.quarterly import KpiDTO, PlanRepo, QuarterRepo, ScoreDTO, SheetDTO

REVIEW = 0  # cursor of the review screen
JUSTIFICATION = 99  # cursor of the differentiation sheet's justification screen
STEP = Decimal("0.05")  # the buttons of a KPI score range; any hundredth can be typed
CENT = Decimal("0.01")
MAX_COMMENT = 1000
MAX_JUSTIFICATION = 2000


class SheetRefusal(StrEnum):
    NOT_YOURS = "not_yours"
    SUBMITTED = "submitted"
    ROUND_CLOSED = "round_closed"
    STALE_MESSAGE = "stale_message"
    NOT_ON_SCREEN = "not_on_screen"
    OUT_OF_RANGE = "out_of_range"
    NOT_A_SCORE = "not_a_score"
    INCOMPLETE = "incomplete"
    FIRST_ITEM = "first_item"
    NO_ACTUALS = "no_actuals"
    EMPTY_TEXT = "empty_text"
    TOO_LONG = "too_long"


class Awaiting(StrEnum):
    SCORE = "score"  # a KPI score may be typed
    COMMENT = "comment"
    JUSTIFICATION = "justification"


@dataclass(frozen=True, slots=True)
class Item:
    """One line of a sheet: a differentiation parameter or a KPI, with its allowed scores."""

    no: int
    name: Text | str
    criterion: Text | None
    low: Decimal
    high: Decimal
    choices: tuple[Decimal, ...]
    kpi: KpiDTO | None = None
    planned: Decimal | None = None
    actual: Decimal | None = None
    percent: Decimal | None = None

    def allows(self, score: Decimal) -> bool:
        if self.kpi is None:  # differentiation: whole points only (appendix 4, "1 to 5 points")
            return score in self.choices
        return self.low <= score <= self.high and score == score.quantize(CENT)


@dataclass(frozen=True, slots=True)
class SheetView:
    sheet: SheetDTO
    items: tuple[Item, ...]
    scores: dict[int, ScoreDTO]
    missing_actuals: tuple[int, ...]  # KPI numbers HR has not entered the actual value of

    @property
    def method(self) -> Method:
        return Method(self.sheet.method)

    @property
    def complete(self) -> bool:
        scored = all(self.scored(item) for item in self.items)
        return scored and (self.method is Method.KPI or bool(self.sheet.justification))

    def scored(self, item: Item) -> bool:
        """Scored inside the range allowed now: if HR corrects an actual value after the KPI
        was scored, the new range may no longer hold the score, and it must be given again."""
        score = self.scores.get(item.no)
        return score is not None and item.allows(score.score)

    def item(self, no: int) -> Item | None:
        return next((item for item in self.items if item.no == no), None)

    def first_open_step(self) -> int:
        for item in self.items:
            if not self.scored(item):
                return item.no
        if self.method is Method.DIFFERENTIATION and not self.sheet.justification:
            return JUSTIFICATION
        return REVIEW

    def previous_step(self, cursor: int) -> int | None:
        numbers = [item.no for item in self.items]
        if self.method is Method.DIFFERENTIATION:
            numbers.append(JUSTIFICATION)
        if cursor == REVIEW:
            return numbers[-1]
        position = numbers.index(cursor)
        return numbers[position - 1] if position > 0 else None


@dataclass(frozen=True, slots=True)
class ItemScreen:
    view: SheetView
    item: Item


@dataclass(frozen=True, slots=True)
class CommentScreen:
    view: SheetView
    item: Item


@dataclass(frozen=True, slots=True)
class JustificationScreen:
    view: SheetView


@dataclass(frozen=True, slots=True)
class ReviewScreen:
    view: SheetView
    final: Decimal | None


@dataclass(frozen=True, slots=True)
class ConfirmScreen:
    view: SheetView
    final: Decimal


@dataclass(frozen=True, slots=True)
class SubmittedScreen:
    view: SheetView
    final: Decimal
    remaining: int


@dataclass(frozen=True, slots=True)
class WaitingScreen:
    """A KPI sheet whose actual values HR has not entered yet (clause 22)."""

    view: SheetView


SheetScreen = (
    ItemScreen
    | CommentScreen
    | JustificationScreen
    | ReviewScreen
    | ConfirmScreen
    | SubmittedScreen
    | WaitingScreen
)


@dataclass(frozen=True, slots=True)
class SheetOutcome:
    screen: SheetScreen | None = None
    refusal: SheetRefusal | None = None
    new_message: bool = False  # typed input: the screen goes in a new message below it
    allowed: tuple[Decimal, Decimal] | None = None  # with OUT_OF_RANGE: what is allowed


def kpi_choices(low: Decimal, high: Decimal) -> tuple[Decimal, ...]:
    """Buttons for a range: every 0.05 from its low end, and its high end (4.75 … 4.95, 4.99)."""
    values, value = [], low
    while value < high:
        values.append(value)
        value += STEP
    values.append(high)
    return tuple(values)


def parse_score(text: str) -> Decimal | None:
    """A typed score: "4,8", "4.80", " 5 ". None when it is not a number with at most two
    decimals."""
    cleaned = text.strip().replace(",", ".")
    if not re.fullmatch(r"\d{1,2}(\.\d{1,2})?", cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


class SheetService:
    def __init__(
        self, session: AsyncSession, profile: Profile, clock: Clock, calendar: WorkCalendar | None = None
    ) -> None:
        self.session = session
        self.repo = QuarterRepo(session)
        self.profile = profile
        self.clock = clock
        # The written notice's due day (clause 11); HR's calendar file when the caller has it.
        self.calendar = calendar if calendar is not None else bundled_calendar()

    async def open_sheets(self, evaluator: EmployeeDTO) -> list[SheetDTO]:
        """The home screen's sheets. Whatever a sheet's screen awaited is no longer awaited:
        text typed from now on is not taken for a comment or a justification."""
        if await self.repo.awaiting_text(evaluator.id) is not None:  # no write on every /start
            await self.repo.stop_awaiting(evaluator.id)
        return await self.repo.open_sheets_of(evaluator.id)

    async def open(self, evaluator: EmployeeDTO, sheet_id: int, message_id: int) -> SheetOutcome:
        view, refusal = await self._load(evaluator, sheet_id, message_id=None)
        if view is None:
            return SheetOutcome(refusal=refusal)
        if view.missing_actuals:
            return SheetOutcome(screen=WaitingScreen(view))
        return await self._move(view, view.first_open_step(), message_id)

    async def score(
        self, evaluator: EmployeeDTO, sheet_id: int, item_no: int, score: Decimal, message_id: int | None
    ) -> SheetOutcome:
        """A score from a button (``message_id`` of its message) or typed (None)."""
        view, refusal = await self._load(evaluator, sheet_id, message_id)
        if view is None:
            return SheetOutcome(refusal=refusal)
        item = view.item(item_no)
        if item is None or view.sheet.cursor != item_no:
            return SheetOutcome(refusal=SheetRefusal.NOT_ON_SCREEN)
        if not item.allows(score):
            return SheetOutcome(refusal=SheetRefusal.OUT_OF_RANGE, allowed=(item.low, item.high))
        await self.repo.save_score(
            sheet_id, item_no, score, allowed_min=item.low, allowed_max=item.high, percent=item.percent
        )
        view = await self._view(view.sheet)
        target = view.sheet.message_id if message_id is None else message_id
        if view.method is Method.KPI:
            await self.repo.set_screen(
                sheet_id, cursor=item_no, awaiting=Awaiting.COMMENT, message_id=target or 0
            )
            return SheetOutcome(screen=CommentScreen(view, item), new_message=message_id is None)
        outcome = await self._move(view, view.first_open_step(), target or 0)
        return SheetOutcome(outcome.screen, outcome.refusal, new_message=message_id is None)

    async def typed(self, evaluator: EmployeeDTO, sheet: SheetDTO, text: str) -> SheetOutcome:
        """What the evaluator typed while the sheet's screen awaited it."""
        match sheet.awaiting:
            case Awaiting.SCORE:
                value = parse_score(text)
                if value is None:
                    return SheetOutcome(refusal=SheetRefusal.NOT_A_SCORE)
                assert sheet.cursor is not None
                return await self.score(evaluator, sheet.id, sheet.cursor, value, message_id=None)
            case Awaiting.COMMENT:
                return await self._comment(evaluator, sheet.id, text, message_id=None)
            case Awaiting.JUSTIFICATION:
                return await self._justify(evaluator, sheet.id, text)
        return SheetOutcome(refusal=SheetRefusal.NOT_ON_SCREEN)

    async def bind_message(self, sheet_id: int, message_id: int) -> None:
        """The new message a typed answer's screen went out in is now the sheet's live one."""
        sheet = await self.repo.sheet(sheet_id)
        if sheet is not None and sheet.cursor is not None:
            await self.repo.set_screen(
                sheet_id, cursor=sheet.cursor, awaiting=sheet.awaiting, message_id=message_id
            )

    async def navigate(
        self, evaluator: EmployeeDTO, sheet_id: int, action: SheetAction, item_no: int, message_id: int
    ) -> SheetOutcome:
        if action is SheetAction.OPEN:
            return await self.open(evaluator, sheet_id, message_id)
        view, refusal = await self._load(evaluator, sheet_id, message_id)
        if view is None:
            return SheetOutcome(refusal=refusal)
        cursor = view.sheet.cursor if view.sheet.cursor is not None else view.first_open_step()
        match action:
            case SheetAction.BACK:
                if view.sheet.awaiting == Awaiting.COMMENT:
                    return await self._move(view, cursor, message_id)  # back to the KPI's score
                previous = view.previous_step(cursor)
                if previous is None:
                    return SheetOutcome(refusal=SheetRefusal.FIRST_ITEM)
                return await self._move(view, previous, message_id)
            case SheetAction.REVIEW:
                return await self._move(view, REVIEW, message_id)
            case SheetAction.EDIT:
                if view.item(item_no) is None:
                    return SheetOutcome(refusal=SheetRefusal.NOT_ON_SCREEN)
                return await self._move(view, item_no, message_id)
            case SheetAction.JUSTIFY:
                if view.method is not Method.DIFFERENTIATION:
                    return SheetOutcome(refusal=SheetRefusal.NOT_ON_SCREEN)
                return await self._move(view, JUSTIFICATION, message_id)
            case SheetAction.NO_COMMENT:
                if view.sheet.awaiting != Awaiting.COMMENT:
                    return SheetOutcome(refusal=SheetRefusal.NOT_ON_SCREEN)
                return await self._comment(evaluator, sheet_id, None, message_id=message_id)
            case SheetAction.SUBMIT:
                if not view.complete:
                    return SheetOutcome(screen=ReviewScreen(view, None), refusal=SheetRefusal.INCOMPLETE)
                return SheetOutcome(screen=ConfirmScreen(view, self._final(view)))
            case SheetAction.CONFIRM:
                return await self._submit(evaluator, view)
        raise AssertionError(action)

    async def acknowledge(self, employee: EmployeeDTO, sheet_id: int) -> bool:
        """The evaluated person has read their result: the appeal window starts now."""
        return await self.repo.acknowledge(sheet_id, employee.id, self.clock.now())

    # ------------------------------------------------------------------------ steps

    async def _comment(
        self, evaluator: EmployeeDTO, sheet_id: int, text: str | None, *, message_id: int | None
    ) -> SheetOutcome:
        view, refusal = await self._load(evaluator, sheet_id, message_id)
        if view is None:
            return SheetOutcome(refusal=refusal)
        if view.sheet.awaiting != Awaiting.COMMENT or view.sheet.cursor is None:
            return SheetOutcome(refusal=SheetRefusal.NOT_ON_SCREEN)
        comment = None
        if text is not None:
            comment = text.strip()
            if not comment:
                return SheetOutcome(refusal=SheetRefusal.EMPTY_TEXT)
            if len(comment) > MAX_COMMENT:
                return SheetOutcome(refusal=SheetRefusal.TOO_LONG)
        await self.repo.save_comment(sheet_id, view.sheet.cursor, comment)
        view = await self._view(view.sheet)
        outcome = await self._move(view, view.first_open_step(), message_id or view.sheet.message_id or 0)
        return SheetOutcome(outcome.screen, outcome.refusal, new_message=message_id is None)

    async def _justify(self, evaluator: EmployeeDTO, sheet_id: int, text: str) -> SheetOutcome:
        view, refusal = await self._load(evaluator, sheet_id, message_id=None)
        if view is None:
            return SheetOutcome(refusal=refusal)
        justification = text.strip()
        if not justification:
            return SheetOutcome(refusal=SheetRefusal.EMPTY_TEXT)
        if len(justification) > MAX_JUSTIFICATION:
            return SheetOutcome(refusal=SheetRefusal.TOO_LONG)
        await self.repo.set_justification(sheet_id, justification)
        view = await self._view(await self._reload(sheet_id))
        outcome = await self._move(view, view.first_open_step(), view.sheet.message_id or 0)
        return SheetOutcome(outcome.screen, outcome.refusal, new_message=True)

    async def _submit(self, evaluator: EmployeeDTO, view: SheetView) -> SheetOutcome:
        if not view.complete:
            return SheetOutcome(screen=ReviewScreen(view, None), refusal=SheetRefusal.INCOMPLETE)
        final = self._final(view)
        now = self.clock.now()
        if not await self.repo.submit(view.sheet.id, final, now):
            return SheetOutcome(refusal=SheetRefusal.SUBMITTED)
        round_profile = profile_of_round(view.sheet.campaign)
        if needs_written_notice(view.sheet, round_profile):
            # They no longer use the bot: HR acquaints them in writing (clause 11, second part).
            await require_written_notice(
                self.session,
                view.sheet,
                submitted_on=self.clock.today(),
                calendar=self.calendar,
                now=now,
                within=round_profile.acquaintance_working_days,
            )
        else:
            await OutboxRepo(self.session).enqueue(view.sheet.employee.id, QUARTER_RESULT, view.sheet.id)
        remaining = len(await self.repo.open_sheets_of(evaluator.id))
        return SheetOutcome(screen=SubmittedScreen(view, final, remaining))

    def _final(self, view: SheetView) -> Decimal:
        scores = [view.scores[item.no].score for item in view.items]
        if view.method is Method.KPI:
            assert self.profile.kpi is not None
            return kpi_final_score(self.profile.kpi, scores)
        assert self.profile.differentiation is not None
        return differentiation_score(self.profile.differentiation, [int(score) for score in scores])

    async def _move(self, view: SheetView, cursor: int, message_id: int) -> SheetOutcome:
        item = view.item(cursor)
        if cursor == JUSTIFICATION:
            awaiting: Awaiting | None = Awaiting.JUSTIFICATION
        elif item is not None and view.method is Method.KPI:
            awaiting = Awaiting.SCORE
        else:
            awaiting = None
        await self.repo.set_screen(view.sheet.id, cursor=cursor, awaiting=awaiting, message_id=message_id)
        if cursor == JUSTIFICATION:
            return SheetOutcome(screen=JustificationScreen(view))
        if item is not None:
            return SheetOutcome(screen=ItemScreen(view, item))
        return SheetOutcome(screen=ReviewScreen(view, self._final(view) if view.complete else None))

    # ------------------------------------------------------------------------ loading

    async def _reload(self, sheet_id: int) -> SheetDTO:
        sheet = await self.repo.sheet(sheet_id)
        assert sheet is not None
        return sheet

    async def _load(
        self, evaluator: EmployeeDTO, sheet_id: int, message_id: int | None
    ) -> tuple[SheetView | None, SheetRefusal | None]:
        sheet = await self.repo.sheet(sheet_id, for_update=True)
        if sheet is None or sheet.evaluator_id != evaluator.id or sheet.status == "excluded":
            return None, SheetRefusal.NOT_YOURS
        if sheet.status == "submitted":
            return None, SheetRefusal.SUBMITTED
        if sheet.campaign.status != "running":
            return None, SheetRefusal.ROUND_CLOSED
        if message_id is not None and sheet.message_id != message_id:
            return None, SheetRefusal.STALE_MESSAGE
        return await self._view(sheet), None

    async def _view(self, sheet: SheetDTO) -> SheetView:
        """The sheet as given (callers pass a fresh one after changing its own fields) with its
        scores and items read now."""
        scores = await self.repo.scores(sheet.id)
        if sheet.method == Method.DIFFERENTIATION:
            rules = self.profile.differentiation
            assert rules is not None
            low, high = Decimal(rules.min_score), Decimal(rules.max_score)
            choices = tuple(Decimal(value) for value in rules.scores)
            items = tuple(Item(p.no, p.name, p.criterion, low, high, choices) for p in rules.parameters)
            return SheetView(sheet, items, scores, ())
        return await self._kpi_view(sheet, scores)

    async def _kpi_view(self, sheet: SheetDTO, scores: dict[int, ScoreDTO]) -> SheetView:
        assert self.profile.kpi is not None and sheet.plan_id is not None and sheet.campaign.quarter
        plan = await PlanRepo(self.session).get(sheet.plan_id)
        assert plan is not None
        quarter = sheet.campaign.quarter
        items, missing = [], []
        for kpi in plan.kpis:
            line = kpi.quarters.get(quarter)
            if line is None:
                continue
            if line.actual is None:
                missing.append(kpi.no)
                items.append(Item(kpi.no, kpi.name, None, Decimal(0), Decimal(5), (), kpi, line.planned))
                continue
            percent = achievement_percent(line.planned, line.actual, higher_is_better=kpi.higher_is_better)
            allowed = allowed_range(self.profile.kpi, percent)
            items.append(
                Item(
                    kpi.no,
                    kpi.name,
                    None,
                    allowed.low,
                    allowed.high,
                    kpi_choices(allowed.low, allowed.high),
                    kpi,
                    line.planned,
                    line.actual,
                    percent,
                )
            )
        return SheetView(sheet, tuple(items), scores, tuple(missing))
