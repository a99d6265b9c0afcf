"""/newround: create a 360 round in the chat, check its respondents, start it; and extending
a running round's deadline. The draft lives in the database from the moment it is
created; the wizard's state holds only the step and a few small values."""

from __future__ import annotations

import re
from datetime import date
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import PersonPickCb, PickAction, WizardAction, WizardCb
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
    wizard_ids_prompt,
    wizard_scope,
    wizard_units,
    wizard_year,
)
from bot.staff.people_picker import exact, matching, picker, step_markup
from bot.staff.rules import parse_date
from bot.survey360 import rounds as campaigns
from bot.survey360.deadline_rules import check_deadline, example_deadline
from bot.survey360.deadline_screens import (
    deadline_moved,
    deadline_question,
    deadline_refusal,
    new_deadline_question,
)
from bot.survey360.progress import extend_deadline
from handlers.filters import HasPermission
from handlers.legacy2018 import start as legacy_start
from handlers.screens import edit_in_place, live_message
from storage.dto import EmployeeDTO
from storage.staff.employees import EmployeeRepo
from storage.survey360.campaigns import CampaignRepo, ProgressRepo

IDS = re.compile(r"[^\s,;]+")


class NewRound(StatesGroup):
    year = State()
    deadline = State()
    scope = State()
    ids = State()
    replace_whom = State()
    replace_with = State()
    extend = State()


def create_router() -> Router:
    router = Router(name="hr-new-round")
    router.message.filter(HasPermission(Permission.RUN_ROUNDS))
    router.callback_query.filter(HasPermission(Permission.RUN_ROUNDS))
    router.message.register(on_cancel, Command("cancel"), StateFilter(NewRound))
    router.message.register(on_new_round, Command("newround"))
    router.callback_query.register(
        on_year_button, WizardCb.filter(F.action == WizardAction.YEAR), NewRound.year
    )
    router.message.register(on_year_text, NewRound.year, F.text)
    router.message.register(on_deadline, NewRound.deadline, F.text)
    router.callback_query.register(
        on_scope_all, WizardCb.filter(F.action == WizardAction.SCOPE_ALL), NewRound.scope
    )
    router.callback_query.register(
        on_scope_unit, WizardCb.filter(F.action == WizardAction.SCOPE_UNIT), NewRound.scope
    )
    router.callback_query.register(
        on_pick_unit, WizardCb.filter(F.action == WizardAction.PICK_UNIT), NewRound.scope
    )
    router.callback_query.register(
        on_scope_list, WizardCb.filter(F.action == WizardAction.SCOPE_LIST), NewRound.scope
    )
    router.message.register(on_ids, NewRound.ids, F.text)
    router.callback_query.register(on_replace, WizardCb.filter(F.action == WizardAction.REPLACE))
    router.message.register(on_replace_whom, NewRound.replace_whom, F.text)
    router.message.register(on_replace_with, NewRound.replace_with, F.text)
    router.callback_query.register(
        on_pick, PersonPickCb.filter(F.action == PickAction.PICK), NewRound.replace_whom
    )
    router.callback_query.register(
        on_pick_page, PersonPickCb.filter(F.action == PickAction.PAGE), NewRound.replace_whom
    )
    router.callback_query.register(
        on_pick_back, PersonPickCb.filter(F.action == PickAction.BACK), NewRound.replace_with
    )
    router.callback_query.register(
        on_pick_cancel, PersonPickCb.filter(F.action == PickAction.CANCEL), StateFilter(NewRound)
    )
    router.callback_query.register(
        on_start, WizardCb.filter(F.action.in_({WizardAction.START, WizardAction.START_SKIPPING}))
    )
    router.callback_query.register(on_delete, WizardCb.filter(F.action == WizardAction.DELETE))
    router.callback_query.register(on_extend, WizardCb.filter(F.action == WizardAction.EXTEND))
    router.message.register(on_extend_date, NewRound.extend, F.text)
    # Anything else while the wizard waits for typed input: say what is expected.
    router.message.register(on_unexpected, StateFilter(NewRound))
    return router


async def on_new_round(message: Message, state: FSMContext, clock: Clock, profile: Profile) -> None:
    if profile.legacy is not None:
        # The organisation evaluates under the 2018 method, which has no 360 round: a year of it.
        await state.clear()
        await message.answer(
            _(
                "This organisation evaluates under the 2018 methodology ({profile}): /newround starts a year of it."
            ).format(profile=profile.code)
        )
        await legacy_start.ask_year(message, state, profile.code, clock)
        return
    await state.set_state(NewRound.year)
    text, markup = wizard_year(clock.today().year)
    await message.answer(text, reply_markup=markup)


async def on_cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Stopped. A draft already created stays among the rounds (/rounds)."))


async def _ask_deadline(
    message: Message, state: FSMContext, year: int, profile: Profile, clock: Clock, calendar: WorkCalendar
) -> None:
    await state.update_data(year=year)
    await state.set_state(NewRound.deadline)
    example = example_deadline(profile, year, clock.today(), calendar)
    await message.answer(deadline_question(year, example))


async def on_year_button(
    query: CallbackQuery,
    callback_data: WizardCb,
    state: FSMContext,
    profile: Profile,
    clock: Clock,
    calendar: WorkCalendar,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    await _ask_deadline(message, state, callback_data.value, profile, clock, calendar)
    await query.answer()


async def on_year_text(
    message: Message, state: FSMContext, profile: Profile, clock: Clock, calendar: WorkCalendar
) -> None:
    text = (message.text or "").strip()
    if not text.isdigit() or not 2000 <= int(text) <= clock.today().year + 1:
        await message.answer(_("Please type a year such as {year}.").format(year=clock.today().year))
        return
    await _ask_deadline(message, state, int(text), profile, clock, calendar)


async def on_deadline(
    message: Message, state: FSMContext, clock: Clock, profile: Profile, calendar: WorkCalendar
) -> None:
    typed = (message.text or "").strip()
    year = int((await state.get_data())["year"])
    first, last = deadline_window_360(profile, year)
    if last < clock.today():
        # Clause 4: the year's 360 evaluation was due by the 10th of the month after it.
        await state.clear()
        await message.answer(deadline_passed_360(year, last))
        return
    deadline = parse_date(typed)
    check = check_deadline(profile, year, deadline, clock.today(), calendar)
    if deadline is None or check.problem is not None:
        await message.answer(deadline_refusal(check, typed, year, max(first, clock.today()), last))
        return
    await state.update_data(deadline=deadline.isoformat())
    await state.set_state(NewRound.scope)
    text, markup = wizard_scope()
    await message.answer(text, reply_markup=markup)


async def _create(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    actor: Actor,
    employee_ids: list[str] | None,
) -> None:
    data = await state.get_data()
    try:
        report = await campaigns.create_360(
            session,
            profile,
            year=int(data["year"]),
            deadline=date.fromisoformat(data["deadline"]),
            today=clock.today(),
            employee_ids=employee_ids,
        )
    except campaigns.CampaignError as exc:
        # The exception's own words are English, for the command line: HR reads them in theirs.
        await message.answer(_("The round cannot be created: {reason}").format(reason=_creation_refusal(exc)))
        return
    await audit(
        session,
        actor,
        "round.create",
        "campaign",
        report.campaign.id,
        at=clock.now(),
        details={"year": report.campaign.year, "people": len(report.planned)},
    )
    await state.clear()
    await _show_draft(message, session, profile, report)


def _creation_refusal(exc: campaigns.CampaignError) -> str:
    if isinstance(exc, campaigns.UnknownEmployeesError):
        return _("unknown or departed employees: {ids}").format(ids=escape(", ".join(exc.unknown)))
    if isinstance(exc, campaigns.NobodyToEvaluateError):
        return _("there is nobody to evaluate: import the staff list first")
    # The year and the deadline were checked at their steps; one can only be out of date now.
    return _("the year or the deadline is no longer allowed; send /newround to start again")


async def _show_draft(
    message: Message, session: AsyncSession, profile: Profile, report: campaigns.CreationReport
) -> None:
    assignments = await CampaignRepo(session).assignments(report.campaign.id)
    people = await EmployeeRepo(session).many({a.respondent_id for a in assignments})
    respondents: dict[int, list[tuple[str, str]]] = {}
    for a in assignments:
        if a.relation != "self":
            respondents.setdefault(a.subject_id, []).append((people[a.respondent_id].short_name, a.relation))
    text, markup = draft_preview(report, profile, respondents)
    await message.answer(text, reply_markup=markup)


async def on_scope_all(
    query: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    actor: Actor,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    await _create(message, state, session, profile, clock, actor, None)
    await query.answer()


async def on_scope_unit(query: CallbackQuery, session: AsyncSession) -> None:
    message = await live_message(query)
    if message is None:
        return
    text, markup = wizard_units(await ProgressRepo(session).units())
    await message.answer(text, reply_markup=markup)
    await query.answer()


async def on_pick_unit(
    query: CallbackQuery,
    callback_data: WizardCb,
    state: FSMContext,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    actor: Actor,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    units = await ProgressRepo(session).units()
    if not 0 <= callback_data.value < len(units):
        await query.answer(_("The list of units has changed: choose again."), show_alert=True)
        return
    unit = units[callback_data.value]
    ids = [p.employee_id for p in await EmployeeRepo(session).all(active_only=True) if p.unit == unit]
    await _create(message, state, session, profile, clock, actor, ids)
    await query.answer()


async def on_scope_list(query: CallbackQuery, state: FSMContext) -> None:
    message = await live_message(query)
    if message is None:
        return
    await state.set_state(NewRound.ids)
    await message.answer(wizard_ids_prompt())
    await query.answer()


async def on_ids(
    message: Message, state: FSMContext, session: AsyncSession, profile: Profile, clock: Clock, actor: Actor
) -> None:
    ids = IDS.findall(message.text or "")
    if not ids:
        await message.answer(wizard_ids_prompt())
        return
    await _create(message, state, session, profile, clock, actor, ids)


async def _draft(session: AsyncSession, campaign_id: int) -> bool:
    campaign = await CampaignRepo(session).get(campaign_id)
    return campaign is not None and campaign.status == "draft"


async def on_replace(
    query: CallbackQuery, callback_data: WizardCb, state: FSMContext, session: AsyncSession
) -> None:
    message = await live_message(query)
    if message is None:
        return
    if not await _draft(session, callback_data.value):
        await query.answer(_("This round has started or no longer exists."), show_alert=True)
        return
    await state.set_state(NewRound.replace_whom)
    await state.update_data(campaign_id=callback_data.value)
    await message.answer(_ask_whom(), reply_markup=step_markup(back=False))
    await query.answer()


def _ask_whom() -> str:
    return _("Whose respondents? Type part of the evaluated person's name or their employee id.")


async def _evaluated(session: AsyncSession, campaign_id: int) -> list[EmployeeDTO] | None:
    """The people the draft round evaluates; None once it has started or is gone."""
    if not await _draft(session, campaign_id):
        return None
    return [s.employee for s in await CampaignRepo(session).subjects(campaign_id, included_only=True)]


async def on_replace_whom(
    message: Message, state: FSMContext, session: AsyncSession, profile: Profile
) -> None:
    """A name or an id: an id typed exactly is taken at once; anything else is looked up among
    the people the round evaluates and offered as buttons, never taken for an id."""
    text = " ".join((message.text or "").split())
    people = await _evaluated(session, int((await state.get_data())["campaign_id"]))
    if people is None:
        await state.clear()
        await message.answer(_("This round has started or no longer exists."))
        return
    chosen = exact(people, text)
    if chosen is not None:
        await _ask_respondents(message, state, profile, chosen)
        return
    await state.update_data(search=text)
    screen, markup = picker(text, matching(people, text), 0)
    await message.answer(screen, reply_markup=markup)


async def on_pick_page(
    query: CallbackQuery, callback_data: PersonPickCb, state: FSMContext, session: AsyncSession
) -> None:
    message = await live_message(query)
    if message is None:
        return
    data = await state.get_data()
    people = await _evaluated(session, int(data["campaign_id"]))
    if people is None:
        await query.answer(_("This round has started or no longer exists."), show_alert=True)
        return
    text = str(data.get("search", ""))
    await edit_in_place(query, *picker(text, matching(people, text), callback_data.page))
    await query.answer()


async def on_pick(
    query: CallbackQuery,
    callback_data: PersonPickCb,
    state: FSMContext,
    session: AsyncSession,
    profile: Profile,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    people = await _evaluated(session, int((await state.get_data())["campaign_id"]))
    if people is None:
        await query.answer(_("This round has started or no longer exists."), show_alert=True)
        return
    chosen = next((p for p in people if p.id == callback_data.person), None)
    if chosen is None:  # an old list: the person left the round meanwhile
        await query.answer(
            _("This person is not evaluated in this round: choose another one."), show_alert=True
        )
        return
    await _ask_respondents(message, state, profile, chosen)
    await query.answer()


async def _ask_respondents(
    message: Message, state: FSMContext, profile: Profile, subject: EmployeeDTO
) -> None:
    await state.update_data(subject_id=subject.employee_id)
    await state.set_state(NewRound.replace_with)
    await message.answer(
        _(
            "Respondents of {name} ({id}): send the employee ids of the respondents (at least {minimum}, at most {maximum}), separated by commas or spaces."
        ).format(
            name=escape(subject.full_name),
            id=escape(subject.employee_id),
            minimum=profile.min_respondents,
            maximum=profile.max_respondents,
        ),
        reply_markup=step_markup(back=True),
    )


async def on_pick_back(query: CallbackQuery, state: FSMContext) -> None:
    message = await live_message(query)
    if message is None:
        return
    await state.set_state(NewRound.replace_whom)
    await message.answer(_ask_whom(), reply_markup=step_markup(back=False))
    await query.answer()


async def on_pick_cancel(query: CallbackQuery, state: FSMContext) -> None:
    message = await live_message(query)
    if message is None:
        return
    await state.clear()
    await edit_in_place(query, _("Stopped. A draft already created stays among the rounds (/rounds)."), None)
    await query.answer()


async def on_replace_with(
    message: Message, state: FSMContext, session: AsyncSession, profile: Profile, clock: Clock, actor: Actor
) -> None:
    data = await state.get_data()
    campaign_id, subject_id = int(data["campaign_id"]), str(data["subject_id"])
    problems = await campaigns.respondents_by_hand(
        session, profile, campaign_id, subject_id, IDS.findall(message.text or "")
    )
    if problems:
        # The step stays; back goes to choosing another person, cancel leaves the wizard.
        await message.answer(
            "\n".join(respondent_problem(p, profile) for p in problems), reply_markup=step_markup(back=True)
        )
        return
    await audit(
        session,
        actor,
        "round.respondents",
        "campaign",
        campaign_id,
        at=clock.now(),
        details={"subject": subject_id},
    )
    await state.clear()
    await _show_draft(message, session, profile, await campaigns.draft_report(session, campaign_id))


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


async def on_extend(
    query: CallbackQuery,
    callback_data: WizardCb,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    calendar: WorkCalendar,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    campaign = await CampaignRepo(session).get(callback_data.value)
    if campaign is None or campaign.status == "closed" or campaign.kind != "360":
        await query.answer(_("This round is closed or no longer exists."), show_alert=True)
        return
    await state.set_state(NewRound.extend)
    await state.update_data(campaign_id=callback_data.value)
    example = example_deadline(
        load_profile(campaign.profile_code), campaign.year, clock.today(), calendar, after=campaign.deadline
    )
    await message.answer(new_deadline_question(campaign.deadline, example))
    await query.answer()


async def on_extend_date(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    calendar: WorkCalendar,
) -> None:
    typed = (message.text or "").strip()
    campaign = await CampaignRepo(session).get(int((await state.get_data())["campaign_id"]))
    if campaign is None or campaign.status == "closed":
        await state.clear()
        await message.answer(_("This round is closed or no longer exists."))
        return
    # Clause 4 holds for a moved deadline too: the round's own methodology says how late.
    round_profile = load_profile(campaign.profile_code)
    deadline = parse_date(typed)
    check = check_deadline(
        round_profile, campaign.year, deadline, clock.today(), calendar, current=campaign.deadline
    )
    if deadline is None or check.problem is not None:
        first, last = deadline_window_360(round_profile, campaign.year)
        await message.answer(deadline_refusal(check, typed, campaign.year, max(first, clock.today()), last))
        return
    try:
        moved = await extend_deadline(
            session, actor, campaign.id, deadline, today=clock.today(), now=clock.now()
        )
    except campaigns.CampaignError:
        await message.answer(_("The new deadline must be later than the current one and not in the past."))
        return
    await state.clear()
    await message.answer(deadline_moved(deadline, moved.told))


async def on_unexpected(message: Message) -> None:
    await message.answer(_("Please answer the question above, or send /cancel to stop."))
