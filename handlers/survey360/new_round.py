"""/newround: create a 360 round, choose its deadline and the people evaluated, change one
person's respondents, start it; and extend a running round's deadline.

Three wizards on aiogram-dialog (docs/dialogs.md): the new round, one person's respondents,
a new deadline. Every date is chosen in the working-day calendar and every person with the
people picker; every window has ◀ Back (but the first) and ✖ Cancel. The draft lives in the
database from the moment it is created; a wizard's own data holds only its step and a few
small values. The rules (clause 4's window, 3–7 respondents, nobody their own respondent)
stay in bot/survey360."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import ChatEvent, Dialog, DialogManager, StartMode, Window
from aiogram_dialog.widgets.kbd import Button, Column, ManagedCalendar, SwitchTo
from aiogram_dialog.widgets.text import Format, Multi
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import WizardAction, WizardCb
from bot.infra.dialogs import Note, Tr, __, back_and_cancel, choice, note, send, wizard
from bot.infra.dialogs.calendar import DayRange, WorkdayCalendar
from bot.infra.dialogs.people import PeoplePicker
from bot.kernel.access import Permission
from bot.kernel.clock import Clock
from bot.kernel.methodology import Profile, deadline_window_360, load_profile
from bot.kernel.workdays import WorkCalendar
from bot.staff.access import Actor, audit
from bot.staff.hr_screens import (
    deadline_passed_360,
    draft_preview,
    respondent_problem,
    round_started,
    start_blocked,
)
from bot.survey360 import rounds as campaigns
from bot.survey360.deadline_rules import allowed_deadlines, check_deadline
from bot.survey360.deadline_screens import (
    deadline_choice,
    deadline_moved,
    deadline_refusal,
    new_deadline_choice,
)
from bot.survey360.progress import extend_deadline
from handlers.filters import guarded
from handlers.legacy2018 import start as legacy_start
from handlers.screens import live_message
from storage.dto import CampaignDTO, EmployeeDTO
from storage.staff.employees import EmployeeRepo
from storage.survey360.campaigns import CampaignRepo, ProgressRepo


class NewRound(StatesGroup):
    year = State()
    deadline = State()
    scope = State()
    unit = State()
    people = State()


class Respondents(StatesGroup):
    whom = State()
    who = State()


class NewDeadline(StatesGroup):
    day = State()


def _stopped() -> str:
    return _("Stopped. A draft already created stays among the rounds (/rounds).")


def _data(manager: DialogManager) -> dict[str, Any]:
    return manager.middleware_data


def _session(manager: DialogManager) -> AsyncSession:
    session: AsyncSession = _data(manager)["session"]
    return session


def _today(manager: DialogManager) -> date:
    clock: Clock = _data(manager)["clock"]
    return clock.today()


# ---------------------------------------------------------------------------- the new round


async def _year_getter(dialog_manager: DialogManager, clock: Clock, **_kwargs: Any) -> dict[str, Any]:
    this_year = clock.today().year  # a round may be prepared for next year too (rounds.create_360)
    return {"years": [this_year - 1, this_year, this_year + 1]}


async def on_year(event: ChatEvent, _widget: Any, manager: DialogManager, year: int) -> None:
    profile: Profile = _data(manager)["profile"]
    _first, last = deadline_window_360(profile, year)
    if last < _today(manager):
        # Clause 4: the year's 360 evaluation was due by the 10th of the month after it.
        note(manager, deadline_passed_360(year, last))
        return
    manager.dialog_data["year"] = year
    await manager.switch_to(NewRound.deadline)


def _deadline_bounds(manager: DialogManager) -> DayRange:
    profile: Profile = _data(manager)["profile"]
    return DayRange(*allowed_deadlines(profile, int(manager.dialog_data["year"]), _today(manager)))


async def _deadline_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    first, last = _deadline_bounds(dialog_manager)
    return {"question": deadline_choice(int(dialog_manager.dialog_data["year"]), first, last)}


async def on_deadline(event: ChatEvent, _widget: ManagedCalendar, manager: DialogManager, day: date) -> None:
    profile: Profile = _data(manager)["profile"]
    calendar: WorkCalendar = _data(manager)["calendar"]
    year = int(manager.dialog_data["year"])
    check = check_deadline(profile, year, day, _today(manager), calendar)
    if check.problem is not None:  # the calendar offers none of these; a rule is a rule
        first, last = deadline_window_360(profile, year)
        note(manager, deadline_refusal(check, "", year, max(first, _today(manager)), last))
        return
    manager.dialog_data["deadline"] = day.isoformat()
    await manager.switch_to(NewRound.scope)


async def on_everyone(event: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    await _create(manager, None)


async def _units_getter(
    dialog_manager: DialogManager, session: AsyncSession, **_kwargs: Any
) -> dict[str, Any]:
    units = await ProgressRepo(session).units()
    return {"units": [(unit[:60], index) for index, unit in enumerate(units)]}


async def on_unit(event: ChatEvent, _widget: Any, manager: DialogManager, index: int) -> None:
    session = _session(manager)
    units = await ProgressRepo(session).units()
    if not 0 <= index < len(units):
        note(manager, _("The list of units has changed: choose again."))
        return
    ids = [p.employee_id for p in await EmployeeRepo(session).all(active_only=True) if p.unit == units[index]]
    await _create(manager, ids)


async def _active_staff(manager: DialogManager) -> Sequence[EmployeeDTO]:
    return await EmployeeRepo(_session(manager)).all(active_only=True)


async def on_people_chosen(event: ChatEvent, manager: DialogManager, people: list[EmployeeDTO]) -> None:
    await _create(manager, [p.employee_id for p in people])


EVALUATED = PeoplePicker("evaluated", _active_staff, on_done=on_people_chosen)


async def _create(manager: DialogManager, employee_ids: list[str] | None) -> None:
    session, profile = _session(manager), _data(manager)["profile"]
    clock: Clock = _data(manager)["clock"]
    try:
        report = await campaigns.create_360(
            session,
            profile,
            year=int(manager.dialog_data["year"]),
            deadline=date.fromisoformat(manager.dialog_data["deadline"]),
            today=clock.today(),
            employee_ids=employee_ids,
        )
    except campaigns.CampaignError as exc:
        # The exception's own words are English, for the command line: HR reads them in theirs.
        note(manager, _("The round cannot be created: {reason}").format(reason=_creation_refusal(exc)))
        return
    actor: Actor = _data(manager)["actor"]
    await audit(
        session,
        actor,
        "round.create",
        "campaign",
        report.campaign.id,
        at=clock.now(),
        details={"year": report.campaign.year, "people": len(report.planned)},
    )
    await manager.done()
    await _show_draft(manager, report)


def _creation_refusal(exc: campaigns.CampaignError) -> str:
    if isinstance(exc, campaigns.UnknownEmployeesError):
        return _("unknown or departed employees: {ids}").format(ids=escape(", ".join(exc.unknown)))
    if isinstance(exc, campaigns.NobodyToEvaluateError):
        return _("there is nobody to evaluate: import the staff list first")
    # The year and the deadline were checked at their steps; one can only be out of date now.
    return _("the year or the deadline is no longer allowed; send /newround to start again")


async def _show_draft(manager: DialogManager, report: campaigns.CreationReport) -> None:
    session, profile = _session(manager), _data(manager)["profile"]
    assignments = await CampaignRepo(session).assignments(report.campaign.id)
    people = await EmployeeRepo(session).many({a.respondent_id for a in assignments})
    respondents: dict[int, list[tuple[str, str]]] = {}
    for a in assignments:
        if a.relation != "self":
            respondents.setdefault(a.subject_id, []).append((people[a.respondent_id].short_name, a.relation))
    await send(manager, *draft_preview(report, profile, respondents))


def new_round_dialog() -> Dialog:
    return wizard(
        Window(
            Note(),
            Tr(__("<b>New 360 round</b>\n\nWhich year is evaluated?")),
            choice("years", "years", on_year, type_factory=int, width=3, plain=True),
            back_and_cancel(_stopped, back=False),
            getter=_year_getter,
            state=NewRound.year,
        ),
        Window(
            Note(),
            Format("{question}"),
            WorkdayCalendar("deadline", on_deadline, _deadline_bounds),
            back_and_cancel(_stopped),
            getter=_deadline_getter,
            state=NewRound.deadline,
        ),
        Window(
            Note(),
            Tr(__("Who is evaluated?")),
            Column(
                Button(Tr(__("Everyone")), id="everyone", on_click=on_everyone),
                SwitchTo(Tr(__("One unit")), id="to_unit", state=NewRound.unit),
                SwitchTo(Tr(__("Chosen people")), id="to_people", state=NewRound.people),
            ),
            back_and_cancel(_stopped),
            state=NewRound.scope,
        ),
        Window(
            Note(),
            Tr(__("Which unit?")),
            choice("unit", "units", on_unit, type_factory=int),
            back_and_cancel(_stopped),
            getter=_units_getter,
            state=NewRound.unit,
        ),
        Window(
            Note(),
            Tr(
                __(
                    "Whom does the round evaluate? Type part of a name or an employee id, choose the people, then press “Done”."
                )
            ),
            Multi(EVALUATED.status),
            *EVALUATED.widgets,
            back_and_cancel(_stopped),
            getter=EVALUATED.getter,
            state=NewRound.people,
        ),
        stopped=_stopped,
    )


# ------------------------------------------------------------------ one person's respondents


def _campaign_id(manager: DialogManager) -> int:
    start: dict[str, Any] = manager.start_data  # type: ignore[assignment]
    return int(start["campaign"])


async def _evaluated(manager: DialogManager) -> Sequence[EmployeeDTO]:
    """The people the draft round evaluates; nobody once it has started or is gone."""
    repo = CampaignRepo(_session(manager))
    campaign = await repo.get(_campaign_id(manager))
    if campaign is None or campaign.status != "draft":
        return []
    return [s.employee for s in await repo.subjects(campaign.id, included_only=True)]


async def on_whom(event: ChatEvent, manager: DialogManager, subject: EmployeeDTO) -> None:
    manager.dialog_data["subject"] = subject.employee_id
    await RESPONDENTS.reset(manager)
    await manager.switch_to(Respondents.who)


async def _who_getter(dialog_manager: DialogManager, profile: Profile, **_kwargs: Any) -> dict[str, Any]:
    subject = await _subject(dialog_manager)
    return {
        "question": _(
            "Respondents of {name} ({id}): type part of a name or an employee id, choose at least "
            "{minimum} and at most {maximum} people, then press “Done”."
        ).format(
            name=escape(subject.full_name if subject else ""),
            id=escape(str(dialog_manager.dialog_data.get("subject", ""))),
            minimum=profile.min_respondents,
            maximum=profile.max_respondents,
        )
    }


async def _subject(manager: DialogManager) -> EmployeeDTO | None:
    subject_id = str(manager.dialog_data.get("subject", ""))
    found = await EmployeeRepo(_session(manager)).by_external_ids([subject_id])
    return found.get(subject_id)


async def on_respondents(event: ChatEvent, manager: DialogManager, people: list[EmployeeDTO]) -> None:
    session, profile = _session(manager), _data(manager)["profile"]
    campaign_id, subject_id = _campaign_id(manager), str(manager.dialog_data["subject"])
    problems = await campaigns.respondents_by_hand(
        session, profile, campaign_id, subject_id, [p.employee_id for p in people]
    )
    if problems:
        # The window stays, the people chosen too: HR changes the choice and presses Done again.
        note(manager, "\n".join(respondent_problem(p, profile) for p in problems))
        return
    clock: Clock = _data(manager)["clock"]
    await audit(
        session,
        _data(manager)["actor"],
        "round.respondents",
        "campaign",
        campaign_id,
        at=clock.now(),
        details={"subject": subject_id},
    )
    await manager.done()
    await _show_draft(manager, await campaigns.draft_report(session, campaign_id))


WHOM = PeoplePicker("whom", _evaluated, on_pick=on_whom)
RESPONDENTS = PeoplePicker("respondents", _active_staff, on_done=on_respondents)


def respondents_dialog() -> Dialog:
    return wizard(
        Window(
            Tr(__("Whose respondents? Type part of the evaluated person's name or their employee id.")),
            Multi(WHOM.status),
            *WHOM.widgets,
            back_and_cancel(_stopped, back=False),
            getter=WHOM.getter,
            state=Respondents.whom,
        ),
        Window(
            Note(),
            Format("{question}"),
            Multi(RESPONDENTS.status),
            *RESPONDENTS.widgets,
            back_and_cancel(_stopped),
            getter=[_who_getter, RESPONDENTS.getter],
            state=Respondents.who,
        ),
        stopped=_stopped,
    )


# ------------------------------------------------------------------------ a new deadline


async def _running(manager: DialogManager) -> CampaignDTO | None:
    campaign = await CampaignRepo(_session(manager)).get(_campaign_id(manager))
    return None if campaign is None or campaign.status == "closed" else campaign


async def _new_deadline_bounds(manager: DialogManager) -> DayRange:
    campaign = await _running(manager)
    if campaign is None:  # nothing to choose: the window says why
        return DayRange(_today(manager), _today(manager) - timedelta(days=1))
    profile = load_profile(campaign.profile_code)
    return DayRange(*allowed_deadlines(profile, campaign.year, _today(manager), campaign.deadline))


def _stored_bounds(manager: DialogManager) -> DayRange:
    first, last = manager.dialog_data["bounds"]
    return DayRange(date.fromisoformat(first), date.fromisoformat(last))


async def _new_deadline_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    # The calendar's range is read here, where the database may be, and kept for the widget.
    first, last = await _new_deadline_bounds(dialog_manager)
    dialog_manager.dialog_data["bounds"] = (first.isoformat(), last.isoformat())
    campaign = await _running(dialog_manager)
    if campaign is None:
        return {"question": _("This round is closed or no longer exists.")}
    return {"question": new_deadline_choice(campaign.deadline, first, last)}


async def on_new_deadline(
    event: ChatEvent, _widget: ManagedCalendar, manager: DialogManager, day: date
) -> None:
    campaign = await _running(manager)
    if campaign is None:
        note(manager, _("This round is closed or no longer exists."))
        return
    # Clause 4 holds for a moved deadline too: the round's own methodology says how late.
    round_profile = load_profile(campaign.profile_code)
    calendar: WorkCalendar = _data(manager)["calendar"]
    today = _today(manager)
    check = check_deadline(round_profile, campaign.year, day, today, calendar, current=campaign.deadline)
    if check.problem is not None:
        first, last = deadline_window_360(round_profile, campaign.year)
        note(manager, deadline_refusal(check, "", campaign.year, max(first, today), last))
        return
    clock: Clock = _data(manager)["clock"]
    try:
        moved = await extend_deadline(
            _session(manager), _data(manager)["actor"], campaign.id, day, today=today, now=clock.now()
        )
    except campaigns.CampaignError:
        note(manager, _("The new deadline must be later than the current one and not in the past."))
        return
    await manager.done()
    await send(manager, deadline_moved(day, moved.told))


def new_deadline_dialog() -> Dialog:
    return wizard(
        Window(
            Note(),
            Format("{question}"),
            WorkdayCalendar("new_deadline", on_new_deadline, _stored_bounds),
            back_and_cancel(back=False),
            getter=_new_deadline_getter,
            state=NewDeadline.day,
        ),
    )


# ------------------------------------------------------------------ commands and buttons


def create_router() -> Router:
    router = Router(name="hr-new-round")
    for dialog in (new_round_dialog(), respondents_dialog(), new_deadline_dialog()):
        guarded(dialog, Permission.RUN_ROUNDS)
        router.include_router(dialog)
    guarded(router, Permission.RUN_ROUNDS)
    router.message.register(on_new_round, Command("newround"))
    router.callback_query.register(
        on_start, WizardCb.filter(F.action.in_({WizardAction.START, WizardAction.START_SKIPPING}))
    )
    router.callback_query.register(on_replace, WizardCb.filter(F.action == WizardAction.REPLACE))
    router.callback_query.register(on_delete, WizardCb.filter(F.action == WizardAction.DELETE))
    router.callback_query.register(on_extend, WizardCb.filter(F.action == WizardAction.EXTEND))
    return router


async def on_new_round(
    message: Message, state: FSMContext, dialog_manager: DialogManager, clock: Clock, profile: Profile
) -> None:
    await state.clear()  # an older FSM step (the 2018 method's, an upload's) is left
    if profile.legacy is not None:
        # The organisation evaluates under the 2018 method, which has no 360 round: a year of it.
        await message.answer(
            _(
                "This organisation evaluates under the 2018 methodology ({profile}): /newround starts a year of it."
            ).format(profile=profile.code)
        )
        await legacy_start.open_year(dialog_manager, profile.code)
        return
    await dialog_manager.start(NewRound.year, mode=StartMode.RESET_STACK)


async def on_replace(
    query: CallbackQuery,
    callback_data: WizardCb,
    state: FSMContext,
    session: AsyncSession,
    dialog_manager: DialogManager,
) -> None:
    campaign = await CampaignRepo(session).get(callback_data.value)
    if campaign is None or campaign.status != "draft":
        await query.answer(_("This round has started or no longer exists."), show_alert=True)
        return
    await state.clear()
    await dialog_manager.start(
        Respondents.whom, data={"campaign": callback_data.value}, mode=StartMode.RESET_STACK
    )
    await query.answer()


async def on_extend(
    query: CallbackQuery,
    callback_data: WizardCb,
    state: FSMContext,
    session: AsyncSession,
    dialog_manager: DialogManager,
) -> None:
    campaign = await CampaignRepo(session).get(callback_data.value)
    if campaign is None or campaign.status == "closed" or campaign.kind != "360":
        await query.answer(_("This round is closed or no longer exists."), show_alert=True)
        return
    await state.clear()
    await dialog_manager.start(
        NewDeadline.day, data={"campaign": callback_data.value}, mode=StartMode.RESET_STACK
    )
    await query.answer()


async def on_start(
    query: CallbackQuery,
    callback_data: WizardCb,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    actor: Actor,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    skip = callback_data.action is WizardAction.START_SKIPPING
    try:
        report = await campaigns.start(session, profile, callback_data.value, clock.now(), skip_short=skip)
    except campaigns.ShortOfRespondentsError as exc:
        text, markup = start_blocked([s.employee.full_name for s in exc.subjects], callback_data.value)
        await message.answer(text, reply_markup=markup)
        await query.answer()
        return
    except campaigns.CampaignError:
        await query.answer(_("This round has started or no longer exists."), show_alert=True)
        return
    await audit(
        session,
        actor,
        "round.start",
        "campaign",
        callback_data.value,
        at=clock.now(),
        details={"left_out": len(report.skipped)},
    )
    await message.answer(round_started(report.notified, report.not_joined))
    await query.answer()


async def on_delete(
    query: CallbackQuery, callback_data: WizardCb, session: AsyncSession, clock: Clock, actor: Actor
) -> None:
    message = await live_message(query)
    if message is None:
        return
    if not await campaigns.delete_draft(session, callback_data.value):
        await query.answer(_("This round has started or no longer exists."), show_alert=True)
        return
    await audit(session, actor, "round.delete", "campaign", callback_data.value, at=clock.now())
    await message.edit_text(_("The draft is deleted."))
    await query.answer()
