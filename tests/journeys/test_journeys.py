"""Journeys as tests (issue 19): each role walked end to end through the real polling bot and the
Bot API stand-in, in Kazakh, Russian and English, every screen recorded in
``docs/screens/<journey>.<lang>.md`` and compared on every run. A screen that changes fails the
test until its transcript is regenerated (``make screens``) and the diff reviewed.

docs/screens/README.md maps issue 19's thirteen findings to the steps that walk them; the steps
assert what each finding was about, besides the transcript."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion
from time_machine import Traveller

from bot.infra.callbacks import (
    Action,
    AnswerCb,
    CalibrationVoteCb,
    CommissionAction,
    CommissionCb,
    LegacyAction,
    LegacyCb,
    LegacyDecideCb,
    LegacyPlansCb,
    LegacyStage,
    LegacyStartAction,
    LegacyStartCb,
    NavCb,
    RoundAction,
    RoundCb,
    SheetAction,
    SheetCb,
    SheetScoreCb,
    StaffImportAction,
    StaffImportCb,
)
from tests.e2e.support import Respondents, assignments_of, join_with_invites
from tests.factories import TELEGRAM_IDS
from tests.journeys.conftest import HR, Bot, running_bot, staff_csv
from tests.journeys.screens import LANGUAGES
from tests.journeys.walk import Person, Walk
from tests.storage.test_legacy_year import staff_with_categories

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.journey,
    # The transcript is named after the journey, not the test: syrupy says so each time it writes one.
    pytest.mark.filterwarnings("ignore:\\s*Can not relate snapshot name"),
]


each_language = pytest.mark.parametrize("language", LANGUAGES)


def decimal(written: str, language: str) -> str:
    """A number as the bot writes it in ``language``: a decimal point in English, a comma else."""
    return written.replace(",", ".") if language == "en" else written


async def join(bot: Bot, walk: Walk, who: Person, employee_id: str) -> None:
    """``who`` opens their personal link, which HR handed out (the `invites` command)."""
    invites = bot.folder / "invites.csv"
    if not invites.exists():
        await bot.cli("invites", "--output", str(invites))
    line = next(
        row for row in invites.read_text("utf-8-sig").splitlines() if row.startswith(f"{employee_id},")
    )
    token = line.split("start=")[1].split(",")[0].strip()
    await walk.type(who, f"/start {token}", shown="/start <invite-token> (opens the personal link)")


def _nav(walk: Walk, who: Person, action: Action) -> str:
    found = [d for d in walk.buttons(who, "n:") if NavCb.unpack(d).action is action]
    assert found, f"no {action.name} button:\n{walk.stand_in.describe_chat(who.chat)}"
    return found[0]


def _answers(walk: Walk, who: Person) -> list[AnswerCb]:
    return [AnswerCb.unpack(d) for d in walk.buttons(who, "a:")]


async def _answer(walk: Walk, who: Person, score: int) -> AnswerCb:
    """Presses ``score`` on the statement on screen; returns the answer given."""
    answer = next(a for a in _answers(walk, who) if a.score == score)
    await walk.press(who, answer.pack())
    return answer


@each_language
async def test_respondent(
    language: str, empty_database_url: str, tmp_path: Path, screens: SnapshotAssertion, clock: Traveller
) -> None:
    """A colleague joins with their personal link, opens a colleague's questionnaire, reviews it
    part-way, pauses, continues (finding 1), answers everything and submits. The evaluated
    colleague, who leaves their self-assessment undone, reads the result when the round closes
    (finding 8)."""
    async with running_bot(empty_database_url, tmp_path, language, clock) as bot:
        me = Person("Respondent (E3)", TELEGRAM_IDS["E3"])
        evaluated = Person("Evaluated (E2)", TELEGRAM_IDS["E2"])
        walk = bot.walk("A respondent's 360 questionnaire", [me, evaluated])
        await join(bot, walk, me, "E3")
        await join(bot, walk, evaluated, "E2")
        await bot.cli(
            "campaign-create", "--kind", "360", "--year", "2025", "--deadline", "2025-12-26",
            "--employees", "E2",
        )  # fmt: skip
        await bot.cli("campaign-start", "1")
        await walk.outside(
            "HR starts a 360 round evaluating E2 (on the server: `campaign-start 1`)",
            (me, "26.12.2025"),
            (evaluated, "26.12.2025"),
        )
        await walk.type(me, "/start")
        opens = [d for d in walk.buttons(me, "n:") if NavCb.unpack(d).action is Action.OPEN]
        assert len(opens) == 1, walk.screen_text(me)
        await walk.press(me, opens[0])
        for score in (4, 5, 3):
            await _answer(walk, me, score)
        # Finding 1: Review part-way, then Continue goes on to the first unanswered statement.
        await walk.press(me, _nav(walk, me, Action.REVIEW))
        await walk.press(me, _nav(walk, me, Action.RESUME))
        assert _answers(walk, me)[0].statement == 4, walk.screen_text(me)
        await walk.press(me, _nav(walk, me, Action.PAUSE))
        await walk.press(me, _nav(walk, me, Action.RESUME))
        assert _answers(walk, me)[0].statement == 4, walk.screen_text(me)
        # Finding 11: after Back the answer given is kept and Next goes on.
        await walk.press(me, _nav(walk, me, Action.BACK))
        await walk.press(me, _nav(walk, me, Action.NEXT))
        assert _answers(walk, me)[0].statement == 4, walk.screen_text(me)
        while _answers(walk, me):
            await _answer(walk, me, 4)
        await walk.press(me, _nav(walk, me, Action.SUBMIT))
        await walk.press(me, _nav(walk, me, Action.CONFIRM))
        assert not walk.buttons(me, "a:")
        # E2's other colleagues (their manager U1, E1) answer off the transcript; E2 never opens
        # the self-assessment.
        others = Respondents(bot.stand_in, await assignments_of(empty_database_url))
        for colleague in ("U1", "E1"):
            someone = Person(colleague, TELEGRAM_IDS[colleague])
            await join(bot, bot.walk("", [someone]), someone, colleague)
            await others.answer_everything(colleague)
        walk.mark()
        await bot.cli("campaign-close", "1")
        await walk.outside(
            "E2's manager (U1) and E1 answer too, off the transcript; HR closes the round (on the "
            "server: `campaign-close 1`)",
            (evaluated, NO_SELF_ASSESSMENT[language]),
            (evaluated, CHART_WITHOUT_SELF[language]),
        )
        # Finding 8: without a self-assessment the result speaks of none, nor does the chart's caption.
        result, chart = bot.stand_in.messages_for(evaluated.chat)[-2:]
        assert NO_SELF_ASSESSMENT[language] in (result.text or ""), result.text
        assert SELF_IN_BRACKETS[language] not in (result.text or ""), result.text
        assert chart.kind == "photo" and chart.text == CHART_WITHOUT_SELF[language], chart.text
    assert (
        walk.markdown(
            "E3 answers the questionnaire about their colleague E2 (Smith John), who reads the "
            "result when the round closes; everyone in the language of their staff record and "
            "Telegram."
        )
        == screens
    )


# Finding 8: the result's line for a person without a self-assessment, and the one with it.
NO_SELF_ASSESSMENT = {
    "kk": "Сіз өзін-өзі бағалауды жібермедіңіз",
    "ru": "самооценку Вы не отправили",
    "en": "you did not submit a self-assessment",
}
SELF_IN_BRACKETS = {"kk": "жақшада", "ru": "в скобках", "en": "in brackets"}
CHART_WITHOUT_SELF = {
    "kk": "Радарлық диаграмма: әріптестердің орташа бағасы.",
    "ru": "Лепестковая диаграмма: средняя оценка коллег.",
    "en": "Radar chart: colleagues' average.",
}


@each_language
async def test_manager_quarterly(
    language: str, empty_database_url: str, tmp_path: Path, screens: SnapshotAssertion, clock: Traveller
) -> None:
    """A head scores an employee's four differentiation parameters in the quarter's sheet and
    submits it; the employee reads the result and acknowledges it (finding 12)."""
    async with running_bot(empty_database_url, tmp_path, language, clock) as bot:
        manager = Person("Manager (U1)", TELEGRAM_IDS["U1"])
        employee = Person("Employee (E1)", TELEGRAM_IDS["E1"])
        walk = bot.walk("A quarterly sheet, filled and acknowledged", [manager, employee])
        await join(bot, walk, manager, "U1")
        await join(bot, walk, employee, "E1")
        await start_q4(bot, walk, manager)
        await fill_sheet(walk, manager, "Дана", (4, 5, 4, 3), "Тоқсан бойы тапсырмалар уақытында орындалды.")
        ack = walk.button(employee, "ack:")
        result = walk.carrying(employee, ack)
        assert result.protect_content and decimal("4,00", language) in (result.text or ""), result.text
        after = await walk.press(employee, ack)
        # Finding 12: the message itself keeps the mark that it was read, and when.
        assert after.text != result.text and "01.12.2025" in (after.text or ""), after.text
        assert not any(b.get("callback_data") == ack for b in after.buttons)
    assert (
        walk.markdown(
            "U1, head of the planning department, evaluates Омарова Дана (E1) for Q4 2025; she reads the "
            "result. Everyone's staff record and Telegram are in the transcript's language."
        )
        == screens
    )


async def start_q4(bot: Bot, walk: Walk, manager: Person) -> None:
    await bot.cli("quarters-create", "--year", "2025")
    await bot.cli("quarter-start", "4")
    await walk.outside("HR starts Q4 2025 (on the server: `quarter-start 4`)", (manager, "2025"))


async def fill_sheet(walk: Walk, manager: Person, name: str, scores: tuple[int, ...], comment: str) -> None:
    """``manager`` opens the sheet of the person called ``name``, gives the four differentiation
    scores, comments, submits and confirms; the review shows the mean (appendix 4)."""
    await walk.type(manager, "/start")
    await walk.press(manager, walk.button(manager, "q:", name))
    for score in scores:
        # Finding 12: what each of the buttons 1-5 means is on the screen.
        items = [SheetScoreCb.unpack(d) for d in walk.buttons(manager, "qs:")]
        shown = walk.carrying(manager, items[0].pack()).text or ""
        # A line per grade band, its scores first ("5, 4 — …": one band holds both).
        named = {n for line in shown.splitlines() if " — " in line for n in line.split(" — ")[0].split(", ")}
        assert len(items) == 5 and {str(n) for n in range(1, 6)} <= named, shown
        await walk.press(manager, next(i for i in items if i.hundredths == score * 100).pack())
    review = await walk.type(manager, comment)
    mean = f"{sum(scores) / len(scores):.2f}"  # "4.00" in English, "4,00" in Kazakh and Russian
    assert mean in (review.text or "").replace(",", "."), review.text
    await walk.press(manager, _sheet(walk, manager, SheetAction.SUBMIT))
    await walk.press(manager, _sheet(walk, manager, SheetAction.CONFIRM))


def _sheet(walk: Walk, who: Person, action: SheetAction) -> str:
    found = [d for d in walk.buttons(who, "q:") if SheetCb.unpack(d).action is action]
    assert found, walk.screen_text(who)
    return found[0]


BROKEN_STAFF = (
    "employee_id,full_name,position,role,unit,manager_id,phone,language,appointed_on\n"
    "E9,Тестов Тест,Сарапшы,employee,Жоспарлау басқармасы,X7,+7 701 000 00 99,{lang},31.02.2022\n"
)
# Words of the staff file's English problems before finding 3 was fixed.
ENGLISH_PROBLEMS = ("unknown manager", "unreadable date", "line ", "column")
DELIVERED = {"kk": "Жеткізілді: 8", "ru": "Доставлено: 8", "en": "delivered 8"}
EVERYONE = {"kk": "Барлығы", "ru": "Все", "en": "Everyone"}
CHOSEN_PEOPLE = {"kk": "Таңдалған адамдар", "ru": "Выбранные сотрудники", "en": "Chosen people"}


@each_language
async def test_hr(
    language: str, empty_database_url: str, tmp_path: Path, screens: SnapshotAssertion, clock: Traveller
) -> None:
    """An HR officer who has never seen the bot: the staff list (a broken one first), the links,
    a 360 round from the wizard, its dashboard, a broadcast, closing, and what is left to read."""
    async with running_bot(empty_database_url, tmp_path, language, clock, import_staff=False) as bot:
        hr = Person("HR officer", HR)
        walk = bot.walk("An HR officer's 360 round", [hr])
        await walk.type(hr, "/start")
        # Finding 13: the bot's profile and HR's "/" menu, in HR's language.
        scope = {"type": "chat", "chat_id": HR}
        menu = bot.stand_in.my_commands(scope, language) or bot.stand_in.my_commands(scope)
        assert "newround" in {c["command"] for c in menu}, menu
        description = bot.stand_in.my_description(language)
        assert description, "no description in " + language
        walk.note(
            "What HR sees of the bot outside the chat: its description and the “/” menu",
            [description, "", bot.stand_in.my_description(language, short=True), "",
             *(f"/{c['command']} — {c['description']}" for c in menu)],
        )  # fmt: skip
        broken = await walk.upload(
            hr, BROKEN_STAFF.format(lang=language).encode(), "staff.csv", "text/csv", expect="staff.csv"
        )
        if language != "en":  # finding 3: the problems in the reader's language
            assert not any(word in (broken.text or "") for word in ENGLISH_PROBLEMS), broken.text
        preview = await walk.upload(hr, staff_csv(language).encode(), "staff.csv", "text/csv")
        await walk.press(hr, StaffImportCb(action=StaffImportAction.CONFIRM).pack(), message=preview)
        # Finding 13: the import's answer says what HR does next, with the commands to tap.
        told = "\n".join(
            m.text or "" for m in bot.stand_in.messages_for(HR) if m.message_id >= preview.message_id
        )
        assert "/invites" in told and "/newround" in told, told
        invites = await walk.type(hr, "/invites", expect=None)
        files = [m for m in bot.stand_in.messages_for(HR) if m.kind == "document"]
        assert files and not files[-1].protect_content, invites  # finding 7: can be passed on
        await join_with_invites(bot.stand_in, bot.env, bot.folder)
        await walk.outside("The eight people of the staff list open their links (not on HR's screen)")
        await walk.type(hr, "/newround")
        await walk.press_label(hr, "2025", exact=True)
        await walk.press_label(hr, "26", exact=True)  # the deadline: 26 December in the calendar
        await walk.press_label(hr, CHOSEN_PEOPLE[language])
        await walk.type(hr, "E1, E2, E3, U1")  # the picker takes employee ids typed whole
        await walk.press_label(hr, "✔")
        # Finding 4: a person's respondents replaced in the draft, each found by part of a name.
        await walk.press_label(hr, "✏️")
        await walk.type(hr, "Омаров")
        await walk.press_label(hr, "Омарова Дана")
        for typed, name in (
            ("Петров", "Петров Игорь"),
            ("Қасым", "Қасымова Әсел"),
            ("Ахмет", "Ахметов Ерлан"),
        ):
            await walk.type(hr, typed)
            await walk.press_label(hr, name)
        await walk.press_label(hr, "✔")
        draft = bot.stand_in.last_message(HR)
        dana = next(line for line in (draft.text or "").splitlines() if "(E1)" in line)
        assert "Игорь П." in dana, draft.text
        start = walk.button(hr, "nw:start:")
        await walk.press(hr, start, message=draft)
        await walk.type(hr, "/rounds")
        await walk.press(hr, RoundCb(action=RoundAction.SHOW, campaign=1).pack())
        await walk.type(hr, "/broadcast")
        await walk.type(hr, "Ертең 10:00-де жиналыс. / Собрание завтра в 10:00.")
        await walk.press_label(hr, EVERYONE[language], exact=True)
        # Send to the eight, under the preview; the step ends when the progress says it is done.
        await walk.press_label(hr, "✅", expect=DELIVERED[language])
        await walk.type(hr, "/rounds")
        await walk.press(hr, RoundCb(action=RoundAction.SHOW, campaign=1).pack())
        await walk.press(hr, RoundCb(action=RoundAction.CLOSE, campaign=1).pack())
        closed = await walk.press(hr, RoundCb(action=RoundAction.CLOSE_CONFIRM, campaign=1).pack())
        for action in (RoundAction.REPORT_XLSX, RoundAction.REPORT_ZIP):
            data = RoundCb(action=action, campaign=1).pack()
            if any(b.get("callback_data") == data for b in closed.buttons):
                await walk.press(hr, data, message=closed)
    assert (
        walk.markdown(
            "An HR officer (not on the staff list, Telegram in the transcript's language) runs a 360 "
            "round of four people without leaving Telegram. Nobody answers in this journey (the "
            "respondent's journey answers): the dashboard, the broadcast and closing are HR's."
        )
        == screens
    )


HR_HEAD = 5002


@each_language
async def test_hr_head(
    language: str, empty_database_url: str, tmp_path: Path, screens: SnapshotAssertion, clock: Traveller
) -> None:
    """The head of HR (not on the staff list): their menu and help, the roles and who holds them
    (names, not codes: finding 10), granting a role from Telegram, a person's report; and an HR
    officer asking for the same things (findings 2 and 10: what an officer must not see)."""
    async with running_bot(empty_database_url, tmp_path, language, clock, HR_HEAD_IDS=str(HR_HEAD)) as bot:
        bot.stand_in.add_user(HR_HEAD, first_name="Marat", language_code=language)
        head = Person("Head of HR", HR_HEAD)
        officer = Person("HR officer", HR)
        walk = bot.walk("The head of HR", [head, officer])
        await join_with_invites(bot.stand_in, bot.env, bot.folder)
        await walk.type(head, "/start")
        helped = await walk.type(head, "/help")
        roles = await walk.type(head, "/roles")
        # Finding 10: who holds which role, by name and the role's name, not codes and bare ids.
        holders = [line for line in (roles.text or "").splitlines() if line.startswith("•")]
        assert holders and all("Gulnar" in h or "Marat" in h for h in holders), roles.text
        assert not any(code in h for h in holders for code in ("hr_head", "authorised", ": hr")), roles.text
        await walk.type(head, "/report E2")
        # An HR officer outside the staff list is still an HR officer (finding 2), sees progress,
        # never a person's scores (clause 20), and has no managers' section in /help (finding 10).
        await walk.type(officer, "/start")
        officer_help = await walk.type(officer, "/help")
        assert officer_help.text != helped.text
        for command in ("/report E2", "/audit", "/roles"):
            shown = await walk.type(officer, command)
            assert shown.reply_markup is None or "keyboard" not in shown.reply_markup, (
                shown.text
            )  # no contact request
    assert (
        walk.markdown(
            "The head of HR and an HR officer, both outside the staff list, their Telegram in the "
            "transcript's language; the staff list is imported and everyone has joined."
        )
        == screens
    )


AUTHORISED = 5003
MEMBERS = ("D1", "U2", "E4", "E5", "E3")  # the calibration session: five
CALIBRATION = {"kk": "Калибрлеу сессиясын", "ru": "калибровочной сессии", "en": "calibration session"}
# The session's day, 15:05 in Astana: five minutes after the session set in the journey began.
SESSION_DAY = datetime(2025, 12, 10, 10, 5, tzinfo=UTC)


@each_language
async def test_authorised(
    language: str, empty_database_url: str, tmp_path: Path, screens: SnapshotAssertion, clock: Traveller
) -> None:
    """An employee disagrees with the quarter's result and applies, with a preview (finding 12);
    the authorised person (outside the staff list) names a calibration session, which votes; the
    employee is told. The manager's scoring is done off the transcript."""
    async with running_bot(empty_database_url, tmp_path, language, clock) as bot:
        bot.stand_in.add_user(AUTHORISED, first_name="Bolat", language_code=language)
        await bot.cli("grant-role", str(AUTHORISED), "authorised")
        employee = Person("Employee (E1)", TELEGRAM_IDS["E1"])
        authorised = Person("Authorised person", AUTHORISED)
        chair = Person("Chair of the session (D1)", TELEGRAM_IDS["D1"])
        walk = bot.walk("An appeal and a calibration session", [employee, authorised, chair])
        manager = Person("Manager (U1)", TELEGRAM_IDS["U1"])
        offstage = bot.walk("", [manager])  # what the transcript leaves out
        await join_with_invites(bot.stand_in, bot.env, bot.folder)
        walk.mark()
        await walk.type(authorised, "/start")
        await start_q4(bot, offstage, manager)
        await fill_sheet(offstage, manager, "Дана", (3, 3, 2, 3), "Мерзімдер сақталмады.")
        await walk.outside(
            "U1 scores Дана О. (E1) for Q4 2025 and submits the sheet",
            (employee, decimal("2,75", language)),
        )
        await walk.press(employee, walk.button(employee, "ack:"))
        await walk.press(employee, walk.button(employee, "ap:"))
        preview = await walk.type(
            employee, "Мерзімдер бойынша ескертулер негізсіз: тапсырмалар уақытында орындалды."
        )
        send = preview.buttons[0]["callback_data"]
        # Finding 12: nothing is filed before the preview's "Send".
        assert len(preview.buttons) >= 2, preview.text
        await walk.press(employee, send, message=preview)
        notice = walk.carrying(authorised, walk.button(authorised, "cs:"))
        # Finding 5: the notice speaks the authorised person's language, one per person.
        assert CALIBRATION[language] in (notice.text or ""), notice.text
        await walk.press(authorised, walk.button(authorised, "cs:"))
        await walk.type(authorised, " ".join(MEMBERS))  # the picker takes employee ids typed whole
        await walk.press_label(authorised, "✔")
        await walk.press_label(authorised, "10", exact=True)  # 10 December in the calendar
        await walk.press_label(authorised, "15:00", exact=True)
        await walk.press_label(authorised, "✅")
        # The members vote from the session's start (10.12.2025 15:00) to the end of that day:
        # before it, the chair is told so.
        vote = next(d for d in walk.buttons(chair, "cv:") if CalibrationVoteCb.unpack(d).support)
        await walk.press(chair, vote)
        told = bot.stand_in.callback_answers[max(bot.stand_in.callback_answers, key=int)]
        assert "10.12.2025" in str(told.get("text")), told
        # The session's day: the bot is started again with its clock there (so is this process's).
        await bot.restart_at(SESSION_DAY, clock)
        await walk.outside("The bot is stopped and started again on 10.12.2025 at 15:05, the session's day")
        await walk.press(chair, vote)
        told = bot.stand_in.callback_answers[max(bot.stand_in.callback_answers, key=int)]
        assert "10.12.2025" not in str(told.get("text")), told
        # The other four members support the score too, off the transcript; the last vote decides.
        for member in MEMBERS[1:]:
            someone = Person(member, TELEGRAM_IDS[member])
            support = next(d for d in walk.buttons(someone, "cv:") if CalibrationVoteCb.unpack(d).support)
            await bot.walk("", [someone]).press(someone, support)
        # The decision reaches the employee; its protocol (a PDF), the authorised person.
        await walk.outside(
            "The other four members support the score (off the transcript)",
            (employee, decimal("2,75", language)),
            (authorised, "Омарова"),
        )
    assert (
        walk.markdown(
            "Омарова Дана (E1) disagrees with her Q4 2025 result; the authorised person (outside the "
            "staff list) calls a calibration session of five, which votes. Everyone's Telegram and "
            "staff record are in the transcript's language."
        )
        == screens
    )


LEGACY_PLANS = "employee_id,kpi_no,name,source,unit,planned,due,key_result\n" + "".join(
    f"E1,{no},Көрсеткіш {no},Аудан жоспары 1.{no},%,100,31.12.2025,Нәтиже {no}\n" for no in range(1, 6)
)


LEGACY_CONCLUSION = "Жоспар орындалды, құзыреттер көрсетілді."


@each_language
async def test_legacy2018(
    language: str, empty_database_url: str, tmp_path: Path, screens: SnapshotAssertion, clock: Traveller
) -> None:
    """A year under the 2018 method: HR starts it in Telegram; the manager uploads a plan, the
    director approves it; the manager fills the KPI and competency sheets, the director agrees;
    the commission sits and its chair votes; the sitting is closed, the authorised person
    approves its results and the employee reads hers."""
    async with running_bot(
        empty_database_url,
        tmp_path,
        language,
        clock,
        staff=staff_with_categories(),
        ORGANISATION_NAME="Т.Рысқұлов ауданы әкімінің аппараты",
    ) as bot:
        hr = Person("HR officer", HR)
        manager = Person("Manager (U1)", TELEGRAM_IDS["U1"])
        director = Person("Director (D1), chair of the commission", TELEGRAM_IDS["D1"])
        authorised = Person("Authorised person", AUTHORISED)
        employee = Person("Employee (E1)", TELEGRAM_IDS["E1"])
        walk = bot.walk("A year under the 2018 method", [hr, manager, director, authorised, employee])
        bot.stand_in.add_user(AUTHORISED, first_name="Bolat", language_code=language)
        await bot.cli("grant-role", str(AUTHORISED), "authorised")
        await join_with_invites(bot.stand_in, bot.env, bot.folder)
        walk.mark()
        await walk.type(authorised, "/start")
        await walk.type(hr, "/legacyrounds")
        await walk.press(hr, LegacyStartCb(action=LegacyStartAction.BEGIN).pack())
        await walk.press_label(hr, "kz-2018:")
        await walk.press_label(hr, "2025", exact=True)
        await walk.press_label(hr, "9", exact=True)  # 9 January 2026: the calendar opens after the year
        await walk.press_label(hr, "▶")  # ▶ Start, under the preview
        started = bot.stand_in.last_message(HR)
        assert "6" in (started.text or ""), started.text
        await walk.type(manager, "/legacy")
        await walk.press(manager, LegacyPlansCb().pack())
        await walk.upload(manager, LEGACY_PLANS.encode(), "plans.csv", "text/csv", expect=": 1")
        approve = walk.button(director, "lgd:")
        assert (
            LegacyDecideCb.unpack(approve).stage is LegacyStage.PLAN and LegacyDecideCb.unpack(approve).agree
        )
        await walk.press(director, approve)
        sheet = LegacyDecideCb.unpack(approve).sheet
        await walk.type(manager, "/legacy")
        await walk.press(manager, LegacyCb(sheet=sheet, action=LegacyAction.MENU).pack())
        await walk.press(manager, LegacyCb(sheet=sheet, action=LegacyAction.KPI, item=1).pack())
        for no in range(1, 6):
            met = no <= 4
            await walk.press(
                manager,
                LegacyCb(
                    sheet=sheet, action=LegacyAction.MET if met else LegacyAction.NOT_MET, item=no
                ).pack(),
            )
            await walk.type(manager, f"{100 if met else 80}\n{no}-акт, 2025 жылғы 20 желтоқсан")
        await walk.press(manager, LegacyCb(sheet=sheet, action=LegacyAction.KPI_SUBMIT).pack())
        await walk.press(manager, LegacyCb(sheet=sheet, action=LegacyAction.SHOW).pack())
        for indicator in range(3):
            await walk.press(
                manager,
                LegacyCb(sheet=sheet, action=LegacyAction.TOGGLE, competency=1, item=indicator).pack(),
            )
        await walk.press(manager, LegacyCb(sheet=sheet, action=LegacyAction.REVIEW).pack())
        await walk.press(manager, LegacyCb(sheet=sheet, action=LegacyAction.SUBMIT).pack())
        agree = LegacyDecideCb(sheet=sheet, stage=LegacyStage.KPI, agree=True).pack()
        await walk.press(director, agree)
        await bot.cli(
            "legacy-commission", "1", "--members", "D1,U1,U2,E3,E4", "--chair", "D1", "--secretary", "E5"
        )
        await bot.cli("legacy-schedule", "1", "--at", "2025-12-12 10:00")
        # The evaluator is told of the sitting before it opens (once open, that notice is moot).
        await walk.outside(
            "HR names the commission (D1 chairs, E5 is the secretary) and sets its sitting for "
            "12.12.2025 10:00 (on the server: `legacy-commission`, `legacy-schedule`)",
            (manager, "📅"),
        )
        await bot.cli("legacy-open", "1")
        await walk.outside(
            "HR opens the sitting (on the server: `legacy-open`)", (manager, "🗳"), (director, "🗳")
        )
        await walk.press(director, CommissionCb(action=CommissionAction.SHOW, sheet=sheet).pack())
        await walk.press(director, CommissionCb(action=CommissionAction.APPROVE, sheet=sheet).pack())
        # Three more members agree, off the transcript: four of five, two thirds and more (quorum).
        for member in ("U2", "E3", "E4"):
            someone = Person(member, TELEGRAM_IDS[member])
            offstage = bot.walk("", [someone])
            await offstage.press(someone, CommissionCb(action=CommissionAction.SHOW, sheet=sheet).pack())
            await offstage.press(someone, CommissionCb(action=CommissionAction.APPROVE, sheet=sheet).pack())
        walk.mark()
        closed = await bot.cli("legacy-close", "1", "--conclusion", LEGACY_CONCLUSION)
        assert "1 result(s) decided" in closed, closed
        await walk.outside(
            "U2, E3 and E4 vote as the director did (off the transcript); HR closes the sitting with "
            "the commission's conclusion (on the server: `legacy-close 1 --conclusion …`)",
            (director, "📄"),
            (authorised, "📄"),
        )
        await walk.press(authorised, walk.button(authorised, "lgo:"), also=[(employee, "2025")])
        await walk.press(employee, walk.button(employee, "lga:"))
    assert (
        walk.markdown(
            "The 2018 method (order No. 13's earlier text) for 2025: one employee's plan, sheets and "
            "the commission's vote, in the language of everyone's staff record and Telegram."
        )
        == screens
    )
