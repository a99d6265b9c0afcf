"""Issue 19: the paths people walked in the polling bot, walked again press by press, and what
they saw that they should not have (findings 3, 4, 5 and 10)."""

from __future__ import annotations

import re
from datetime import date

from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, grant_role
from tests.conversation.conftest import World
from tests.conversation.test_quarterly import _in_english, _quarter, _score_person
from tests.factories import STAFF_CSV, TELEGRAM_IDS

HR, HR_HEAD = 5001, 5002  # accounts outside the staff list
JOHN = TELEGRAM_IDS["E2"]


async def _grant(world: World, telegram_id: int, role: Role) -> None:
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, telegram_id, role, world.runtime.clock.now())


async def _deliver(world: World) -> None:
    from bot.factory import create_delivery

    await create_delivery(world.runtime, world.bot).deliver_pending()


# Latin words a Kazakh or Russian screen may hold: the commands, and what the file or the
# staff list wrote (ids, column names as in the file's header).
_LATIN = re.compile(r"(?<![/\w])[A-Za-z][A-Za-z0-9_]+")


def _english_words(text: str, allowed: set[str] = frozenset()) -> set[str]:  # type: ignore[assignment]
    return {w for w in _LATIN.findall(re.sub(r"<[^>]+>", "", text)) if w not in allowed}


async def test_the_head_of_hr_gets_the_appeal_notice_in_the_language_of_his_screens(world: World) -> None:
    """Finding 5: his screens followed his Telegram language (Russian), the appeal notice came
    in Kazakh (the default). He is outside the staff list and never chose a language."""
    await _quarter(world)  # no authorised person: appeals go to the head of HR
    await _grant(world, HR_HEAD, Role.HR_HEAD)
    head = world.person(HR_HEAD, "Бауыржан", "ru")
    await head.say("/roles")
    assert head.last.text.startswith("<b>Роли</b>")

    manager = await _in_english(world.person(TELEGRAM_IDS["U1"], "Ерлан", "en"))
    await _score_person(manager, "John", [3, 3, 3, 3], "Орташа.")
    await _deliver(world)
    john = world.person(JOHN, "John", "en")
    await john.press("I have read it")
    await john.press("I disagree", john.last_with_buttons())
    await john.say("Келіспеймін.")
    await john.press("Send")  # after the preview (finding 12)
    await _deliver(world)
    notice = world.telegram.chat(HR_HEAD)[-1].text
    assert "Smith John" in notice and "Келіспеймін." in notice
    assert notice.startswith("⚖️ <b>Заявление о проведении калибровочной сессии</b> (пункт 12)")
    assert notice.endswith(
        "Просим принять решение о проведении калибровочной сессии и определить ее участников "
        "до 04.12.2025 (пункт 38)."
    )


# What a Kazakh screen may hold in Latin letters: the role codes /grant takes, as typed.
ROLE_CODES = {"hr", "hr_head", "authorised", "code"}


async def test_hr_commands_speak_kazakh_placeholders_and_role_names(world: World) -> None:
    """Finding 10: "/find NAME немесе ID", "/grant ID ROLE", "Рөлдер: hr, hr_head, authorised"
    on Kazakh screens. The head of HR walks /help, /roles and a /grant he got wrong."""
    await world.setup_staff()
    await _grant(world, HR_HEAD, Role.HR_HEAD)
    await _grant(world, HR, Role.HR)
    hr = world.person(HR, "Гүлнар", "kk")
    await hr.say("/help")
    assert (
        "📄 Импорттау үшін қызметкерлер тізімін (CSV немесе XLSX) құжат ретінде жіберіңіз; /find — адамды іздеу "
        "(тізімнен таңдаңыз немесе бірден /find аты-жөні немесе табель нөмірі); /invites — ботқа әлі қосылмаған "
        "адамдардың жеке сілтемелері."
    ) in hr.last.text
    assert "🔓 /unbind — адамның Telegram аккаунтын ажырату" in hr.last.text
    assert "немесе бірден /unbind табель нөмірі;" in hr.last.text
    assert _english_words(hr.last.text) == {"CSV", "XLSX", "Telegram"}

    head = world.person(HR_HEAD, "Бауыржан", "kk")
    await head.say("/help")
    assert (
        "👥 /roles — кімде қандай рөл бар; /grant және /revoke — рөл беру және алу: адам мен рөлді тізімнен "
        "таңдаңыз немесе бірден /grant табель нөмірі рөл коды, /revoke табель нөмірі рөл коды."
    ) in head.last.text
    assert "📄 /report — бір адамның" in head.last.text and "бірден /report табель нөмірі;" in head.last.text
    assert _english_words(head.last.text) == {"XLSX", "PDF"}
    codes = (
        "<code>hr</code> — персоналды басқару қызметінің қызметкері; "
        "<code>hr_head</code> — персоналды басқару қызметінің басшысы; "
        "<code>authorised</code> — уәкілетті адам"
    )
    await _grant(world, 5003, Role.AUTHORISED)  # has never written to the bot
    await head.say("/roles")
    assert head.last.text.startswith("<b>Рөлдер</b>\n")
    assert head.last.text.endswith(
        "\n\nРөл беру немесе алу: /grant не /revoke командасын жалғыз жіберіп, тізімнен таңдаңыз; немесе бірден "
        "/grant табель нөмірі рөл коды, /revoke табель нөмірі рөл коды "
        f"(табель нөмірінің орнына Telegram ID жазуға болады; рөл кодтары: {codes})."
    )
    # Names where Telegram gives them: Гүлнар has written to the bot; 5003 never has.
    assert "• Гүлнар (5001): персоналды басқару қызметінің қызметкері" in head.last.text
    assert "• Бауыржан (5002): персоналды басқару қызметінің басшысы" in head.last.text
    assert "• Telegram аккаунты (5003): уәкілетті адам" in head.last.text
    assert _english_words(head.last.text, ROLE_CODES) == {"Telegram", "ID"}
    await head.say("/grant E2")
    assert head.last.text == (
        "Пайдалану: /grant табель нөмірі рөл коды — табель нөмірінің орнына Telegram ID жазуға болады; "
        f"рөл кодтары: {codes}. Немесе адам мен рөлді тізімнен таңдау үшін /grant командасын жалғыз жіберіңіз."
    )
    await head.say("/grant E2 hr")
    assert head.last.text == "Дайын: «персоналды басқару қызметінің қызметкері» рөлі берілді (E2)."


async def test_help_speaks_to_the_readers_roles_only_in_kazakh(world: World) -> None:
    """Finding 10, last part: an employee who manages nobody is not shown the managers' part;
    a head is, with the placeholders in Kazakh."""
    await world.setup_staff()
    dana = world.person(TELEGRAM_IDS["E1"], "Дана", "kk")
    await dana.say("/start")
    await dana.say("/help")
    common = (
        "Мен Сізге бағалау сауалнамаларын толтыруға көмектесемін.\n\n"
        "/start — толтырылмаған сауалнамаларыңыз бен бағалау парақтарыңыз\n"
        "/deadlines — Сізден не және қашан күтіледі\n"
        "/language — тілді өзгерту\n"
        "/help — осы анықтама\n\n"
    )
    ending = (
        "Әр жауап берілген сәтте сақталады; «Жіберу» батырмасын баспайынша, ештеңе есепке алынбайды. "
        "Әріптестер туралы жауаптар жасырын."
    )
    assert dana.last.text == common + ending
    erlan = world.person(TELEGRAM_IDS["U1"], "Ерлан", "kk")
    await erlan.say("/help")
    assert (
        erlan.last.text
        == common
        + (
            "Басшыларға: /plan жыл — өзіңізге бағынысты басшылардың жеке жұмыс жоспарларын (НМИ) жасау; "
            "/delegate бағалаушының табель нөмірі, одан кейін қызметкерлердің табель нөмірлері — қызметшілер "
            "саны 50-ден асатын бөлімшеде басқа бағалаушы адамды айқындау.\n\n"
        )
        + ending
    )
    assert _english_words(erlan.last.text) == set()


async def test_hr_types_a_name_where_the_respondents_step_asked_for_an_id(world: World) -> None:
    """Finding 4: asked whose respondents to replace, HR typed a name; it was taken for an id
    and every list after it was refused until /cancel. Now a name is looked up among the people
    the round evaluates and offered as buttons; a name that matches nobody keeps the step."""
    await world.setup_staff()
    await _grant(world, HR, Role.HR)
    hr = world.person(HR, "Гүлнар", "kk")
    await hr.say("/newround")
    await hr.press("2025")
    await hr.choose_day(date(2026, 1, 9))  # a Friday: 10.01.2026 is a Saturday
    await hr.press("Барлығы")
    await hr.press("Кезеңді бастау")
    await hr.press("Бір адамның респонденттері")
    assert hr.last.text == (
        "Кімнің респонденттерін өзгертесіз? Бағаланатын қызметкердің аты-жөнінің бір бөлігін немесе "
        "табель нөмірін жазыңыз."
    )
    assert [text for text, _ in hr.last.buttons()] == ["✖ Бас тарту"]

    await hr.say("Мадина")  # nobody of that name: the step stays
    assert hr.last.text.endswith(
        "«Мадина» бойынша ешкім табылмады. Аты-жөнінің бір бөлігін немесе табель нөмірін қайта жазыңыз."
    )
    await hr.say("айгерім")  # part of a name, any case
    assert hr.last.text.endswith("«айгерім» бойынша табылғандар: 1. Қажетті адамның атын басыңыз.")
    assert [text for text, _ in hr.last.buttons()] == ["Серікова Айгерім Нұрланқызы (D1)", "✖ Бас тарту"]
    await hr.press("Серікова Айгерім")
    assert hr.last.text == (
        "Серікова Айгерім Нұрланқызы (D1) респонденттері: аты-жөнінің бір бөлігін немесе табель нөмірін "
        "жазып, кемінде 3, көп дегенде 7 адамды таңдаңыз да, «Дайын» батырмасын басыңыз."
    )
    await hr.say("U1 U2")  # employee ids typed whole are chosen
    await hr.press("✔ Дайын (2)")  # too few: the step stays, with the ways out
    assert hr.last.text.startswith("⚠ Респонденттер саны: 2; әдістеме бойынша қажетті саны: 3–7.\n")
    assert [text for text, _ in hr.last.buttons()][-2:] == ["◀ Артқа", "✖ Бас тарту"]
    await hr.press("◀ Артқа")  # another person after all: back to the question
    await hr.say("ов")
    assert "«ов» бойынша табылғандар: " in hr.last.text
    stale = next(data for text, data in hr.last.buttons() if text.startswith("Серікова"))
    await hr.press("Серікова")  # never mind the list, the names were right
    await hr.say("U1, U2, E1")
    await hr.press("✔ Дайын (3)")
    assert "Серікова Айгерім Нұрланқызы (D1): Ерлан А." in hr.last.text
    for text in (m.text for m in hr.chat):
        assert "is not evaluated" not in text
        names = {"D1", "U1", "U2", "E1", "E2", "E3", "E4", "E5", "Smith", "John"}  # the staff list's
        assert _english_words(text, names) <= {"XLSX"}, text
    # A button of an old list after the wizard is over is answered, not taken.
    answer, alert = await hr.press_data(stale, hr.chat[0])
    assert alert and answer == (
        "Бұл экран ескірген: ол қадам аяқталған немесе тоқтатылған. Ең соңғы хабарламаны пайдаланыңыз."
    )


async def test_hr_reads_the_problems_of_what_she_uploads_in_kazakh(world: World) -> None:
    """Finding 3: under a Kazakh headline the staff file's problems read in English ("line 7,
    column manager_id: unknown manager 'U1'"). Every upload HR sends is walked in Kazakh: the
    staff list (wrong manager, impossible date, not a table), a KPI plans file, and the list of
    ids for a new round; only the file's own words (column names, ids) stay as written."""
    await _grant(world, HR, Role.HR)
    hr = world.person(HR, "Гүлнар", "kk")
    broken = STAFF_CSV.replace(",D1,+7 701 000 00 02", ",X1,+7 701 000 00 02").replace(
        "2022-02-01", "31.02.2022"
    )
    await hr.send_document(broken.encode(), "staff.csv")
    assert hr.last.text == (
        "<b>staff.csv</b>: ештеңе импортталған жоқ; табылған қателер: 2. Файлды түзетіп, қайта жіберіңіз.\n\n"
        "3-жол, manager_id бағаны: белгісіз басшы 'X1'\n"
        "5-жол, appointed_on бағаны: күн танылмады: «31.02.2022» (ЖЖЖЖ-АА-КК немесе КК.АА.ЖЖЖЖ күтіледі)"
    )
    await hr.send_document(b"\x00\x01garbage", "staff.xlsx")
    assert hr.last.text == (
        "<b>staff.xlsx</b>: ештеңе импортталған жоқ; табылған қателер: 1. Файлды түзетіп, қайта жіберіңіз.\n\n"
        "файлды CSV немесе XLSX кестесі ретінде оқу мүмкін болмады (жарамды XLSX кітабы емес)"
    )
    for message in hr.chat:
        as_written = {"manager_id", "appointed_on", "X1", "staff", "csv", "xlsx"}  # the file's own words
        assert _english_words(message.text, as_written) <= {"CSV", "XLSX"}

    await hr.send_document(STAFF_CSV.encode(), "staff.csv")
    await hr.press("Импорттау")
    await hr.say("/newround")
    await hr.press("2025")
    await hr.choose_day(date(2026, 1, 9))  # a Friday: 10.01.2026 is a Saturday
    await hr.press("Таңдалған адамдар")
    await hr.say("E1, Мадина")  # a name among ids: never taken for one
    assert "Мына табель нөмірлерімен ешкім жоқ: Мадина" in [m.text for m in hr.chat[-2:]]

    # A KPI plans file with a wrong number and a wrong date, and an actuals file with a
    # negative value: the same Kazakh sentences, the columns as the file names them.
    header = "employee_id,kpi_no,name,source,unit,direction,key_result,plan_q1,plan_q2,plan_q3,plan_q4,due_q1,due_q2,due_q3,due_q4"
    await hr.say("/cancel")
    await hr.say("/plans 2025")
    plans = header + "\nU1,бір,Жобалар саны,Жоспар 1.1,дана,higher,Жобалар,,,,10,,,,31.02.2025\n"
    await hr.send_document(plans.encode(), "plans.csv")
    assert hr.last.text.startswith(
        "<b>plans.csv</b>: 3 қате табылды, ештеңе сақталған жоқ. Файлды түзетіп, қайта жіберіңіз.\n\n"
    )
    assert (
        "2-жол, kpi_no бағаны: НМИ нөмірі танылмады: «бір» (1-ден бастап бүтін сан күтіледі)" in hr.last.text
    )
    assert "2-жол, due_q4 бағаны: күн танылмады: «31.02.2025»" in hr.last.text
    await hr.say("/actuals 2025")
    await hr.send_document(b"employee_id,kpi_no,quarter,actual\nU1,1,4,-3\n", "actuals.csv")
    assert "2-жол, actual бағаны:" in hr.last.text
    problems = [m.text for m in hr.chat[-4:] if m.text.startswith(("<b>plans.csv", "<b>actuals.csv"))]
    assert len(problems) == 2
    for text in problems:
        as_written = {"kpi_no", "due_q4", "actual", "plans", "actuals", "csv", "U1"}
        assert _english_words(text, as_written) <= {"CSV", "XLSX"}, text
