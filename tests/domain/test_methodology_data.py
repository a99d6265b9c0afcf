"""The bundled kz-2023 profile against seed 002 (order No. 128 of 31 March 2023), and kz-2024
against seed 000 (decision No. 10-27 of 22 October 2024).

Pure checks of the data file: the only I/O is ``load_profile`` reading the bundled JSON.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest

from bot.kernel.methodology import SUPPORTED_LOCALES, Profile, Text, load_profile

LATIN = re.compile(r"[A-Za-z]")

# OCR slips of the seed that must not survive into the data (see bot/methodology/NOTES.md).
OCR_SLIPS = ("Бнтымақтастық", "кұзырет", "Кұзырет", "қағидағтарын", "Т и і м д і", " ,", " .", "  ")


@pytest.fixture(scope="module")
def profile() -> Profile:
    return load_profile("kz-2023")


@pytest.fixture(scope="module", params=["kz-2023", "kz-2024"])
def each_profile(request: pytest.FixtureRequest) -> Profile:
    """The profiles of the current rules, for the checks every text must pass."""
    return load_profile(request.param)


def all_texts(profile: Profile) -> Iterator[tuple[str, Text]]:
    yield "document", profile.document
    for point in profile.scale_360:
        yield f"scale {point.value}", point.label
    for band in profile.grade_bands:
        yield f"band {band.code}", band.name
    for code, questionnaire in profile.questionnaires.items():
        yield f"{code} title", questionnaire.title
        for competency in questionnaire.competencies:
            yield f"{code} competency {competency.no} name", competency.name
            yield f"{code} competency {competency.no} result_name", competency.result_name
            for statement in competency.statements:
                yield f"{code} statement {statement.no}", statement.text
    for parameter in profile.differentiation.parameters if profile.differentiation else ():
        yield f"parameter {parameter.no} name", parameter.name
        yield f"parameter {parameter.no} criterion", parameter.criterion


def test_header(profile: Profile) -> None:
    assert profile.code == "kz-2023"
    assert profile.version == "2023-03-31"
    assert "№ 128" in profile.document.kk
    assert "2023 жылғы 31 наурыздағы" in profile.document.kk
    assert profile.min_months_in_post == 3
    assert (profile.min_respondents, profile.max_respondents) == (3, 7)


@pytest.mark.parametrize(
    ("code", "appendix", "result_appendix", "competencies", "title_kk"),
    [
        ("heads", 5, 7, 12, "Құрылымдық бөлімшелер басшыларының 360 әдісімен бағалау парағы"),
        ("employees", 6, 8, 8, '"Б" корпусы қызметшілерін 360 әдісімен бағалау парағы'),
    ],
)
def test_questionnaire_shape(
    profile: Profile, code: str, appendix: int, result_appendix: int, competencies: int, title_kk: str
) -> None:
    questionnaire = profile.questionnaire(code)
    assert questionnaire.code == code
    assert (questionnaire.appendix, questionnaire.result_appendix) == (appendix, result_appendix)
    assert questionnaire.title.kk == title_kk
    assert [c.no for c in questionnaire.competencies] == list(range(1, competencies + 1))
    for competency in questionnaire.competencies:
        assert len(competency.statements) == 3, competency.no
        assert all(s.competency_no == competency.no for s in competency.statements)
    assert [s.no for s in questionnaire.statements] == list(range(1, competencies * 3 + 1))
    # Statement numbers run through the questionnaire, three per competency.
    assert all(s.competency_no == (s.no - 1) // 3 + 1 for s in questionnaire.statements)
    # No statement was duplicated by a bad reassembly of split table cells.
    assert len({s.text.kk for s in questionnaire.statements}) == competencies * 3


def test_every_text_is_present_in_every_language(each_profile: Profile) -> None:
    for where, text in all_texts(each_profile):
        for locale in SUPPORTED_LOCALES:
            value = getattr(text, locale)
            assert value.strip(), f"{where}: empty {locale}"
            assert value == value.strip(), f"{where}: untrimmed {locale}"


def test_no_latin_letters_in_kazakh_and_russian(each_profile: Profile) -> None:
    # The seeds' appendices 4-8 and clauses 7, 32 and 34 contain no Latin letters at all.
    for where, text in all_texts(each_profile):
        assert not LATIN.search(text.kk), f"{where}: Latin letter in kk {text.kk!r}"
        assert not LATIN.search(text.ru), f"{where}: Latin letter in ru {text.ru!r}"


def test_no_ocr_slips_left(each_profile: Profile) -> None:
    for where, text in all_texts(each_profile):
        for slip in OCR_SLIPS:
            assert slip not in text.kk, f"{where}: {slip!r} in {text.kk!r}"


def test_scale(profile: Profile) -> None:
    assert [p.value for p in profile.scale_360] == [1, 2, 3, 4, 5]
    assert profile.scale_values == frozenset(range(1, 6))
    assert profile.scale_360[0].label.kk == "құзырет көрінбейді"
    assert profile.scale_360[-1].label.kk == "құзырет әрқашан көрінеді"


def test_grade_bands(profile: Profile) -> None:
    assert [(b.code, b.min_score) for b in profile.grade_bands] == [
        ("effective", Decimal(4)),
        ("proper", Decimal(3)),
        ("satisfactory", Decimal(2)),
        ("unsatisfactory", Decimal(0)),
    ]
    assert [b.name.kk for b in profile.grade_bands] == [
        "Функционалдық міндеттерін тиімді атқарады",
        "Функционалдық міндеттерін тиісті түрде атқарады",
        "Функционалдық міндеттерін қанағаттанарлық түрде атқарады",
        "Функционалдық міндеттерін қанағаттанарлықсыз түрде атқарады",
    ]


def test_spot_checks_against_the_seed(profile: Profile) -> None:
    heads = profile.questionnaire("heads")
    employees = profile.questionnaire("employees")
    assert heads.statement(1).text.kk == (
        "Стратегиялық мақсаттарға сәйкес нақты міндеттер қояды және тапсырмалар береді"
    )
    # Split across two table rows in the seed ("... үйлестіре" / "алады , ...").
    assert employees.statement(1).text.kk == (
        "Өз қызметін әріптестерімен үйлестіре алады, коммуникацияларға ашық, іскерлік "
        "ынтымақтастыққа дайындық танытады, қажет болған жағдайда әріптестеріне көмектеседі"
    )
    assert heads.statement(4).text.kk == employees.statement(1).text.kk
    # Split across two table rows in the seed, around competency 9's heading.
    assert heads.statement(25).text.kk == (
        "Құзыреті шегінде қызметкерлерді мемлекеттік органдармен және ұйымдармен өзара тиімді "
        "іс-қимыл жасауға бағдарлайды"
    )
    # Split across a blank line in the seed.
    assert heads.statement(35).text.kk == (
        "Қызметтің тиімділігін арттыруға бағытталған инновациялық тәсілдер мен шешімдерді енгізу "
        "бойынша ұсыныстарды талдайды және енгізеді"
    )
    assert heads.statement(36).text.kk == "Министрліктің қызметін жетілдіру үшін жобаларға бастамашылық етеді"
    assert employees.statement(24).text.kk == (
        "Тиімділігін арттыруға мүмкіндік беретін жаңа дағдыларды іс жүзінде қолданады"
    )


def test_questionnaire_heading_and_result_line_are_both_kept(profile: Profile) -> None:
    heads = profile.questionnaire("heads")
    employees = profile.questionnaire("employees")
    assert heads.competency(5).name.kk == "Нәтижеге бейімделу"
    assert heads.competency(5).result_name.kk == "Нәтижеге бағдарлану"
    assert heads.competency(7).name.kk == "Команданы басқару"
    assert heads.competency(7).result_name.kk == "Топты басқару"
    assert heads.competency(12).result_name.kk == "Бастамашылдық"
    assert employees.competency(2).name.kk == "Әдеп нормаларын және қағидаларын ұстану"
    assert employees.competency(2).result_name.kk == "Әдеп нормалары мен қағидаларын ұстану"
    assert employees.competency(6).name.kk == "Ынтымақтастық"


# --------------------------------------------------------------------------- kz-2024, seed 000

# Seed 000 clause 7, the four quoted grade names as the list gives them (the fourth keeps its
# «міндеттерін»; see NOTES.md).
GRADES_000 = [
    "Функционалдық міндеттерді тиімді орындайды",
    "Функционалдық міндеттерді тиісті түрде орындайды",
    "Функционалдық міндеттерді қанағаттанарлық орындайды",
    "Функционалдық міндеттерін қанағаттанарлықсыз орындайды",
]
# Seed 000 clause 34, the competencies for heads and for employees, in its order.
COMPETENCIES_000 = {
    "heads": [
        "қызметті басқару",
        "тиімді коммуникацияларды құру",
        "этикалық нормалар мен қағидаларды ұстану",
        "өзгерістерді басқару",
        "нәтижеге бағдарлау",
        "тәуелсіздік және шешім қабылдау дағдылары",
        "команданы басқару",
        "көшбасшылық қасиеттер",
        "ынтымақтастық",
        "тиімділік",
        "өзін-өзі дамыту",
        "бастама",
    ],
    "employees": [
        "тиімді коммуникацияларды құру",
        "этикалық нормалар мен қағидаларды ұстану",
        "өзгерістерді басқару",
        "нәтижеге бағдарлау",
        "тәуелсіздік және шешім қабылдау дағдылары",
        "ынтымақтастық",
        "тиімділік",
        "өзін-өзі дамыту",
    ],
}
# Seed 000 clause 32, the differentiation parameters.
PARAMETERS_000 = [
    "функционалдық міндеттерді орындау сапасы",
    "тапсырмаларды орындау мерзімдерін сақтау",
    "тәуелсіздік және бастамашылық",
    "еңбек тәртібі",
]
# A ministry in any language ("министр" alone would match «административных»).
MINISTRY = re.compile(r"\b(министр|ministr)", re.IGNORECASE)
# The texts where 002's «Министрлік» stood: heads statements 27 and 36, criterion 3.
STATE_BODY_STATEMENTS = {
    27: "Мемлекеттік органның құрылымдық бөлімшелерімен бірлесіп жоспарларды іске асырады және ортақ "
    "нәтижелерге қол жеткізеді",
    36: "Мемлекеттік органның қызметін жетілдіру үшін жобаларға бастамашылық етеді",
}
CRITERION_3_000 = (
    "Қызметшінің функционалдық міндеттерін жоғары деңгейде дербес орындай алуы. Мемлекеттік орган "
    "қызметінің саласын жетілдіруге бағытталған ұсыныстар мен пысықталған тәсілдерде бастамашылдық "
    "таныту. Мемлекеттік орган міндеттерін орындаудағы белсенділігі мен қатысуы."
)


@pytest.fixture(scope="module")
def alatau() -> Profile:
    return load_profile("kz-2024")


def first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def test_kz_2024_header(alatau: Profile) -> None:
    """Seed 000 (2024) asks for 1 month in the post, not 3 (clause 5). The version is the
    decision's date, revised when the data came to speak 000's words instead of 002's."""
    assert (alatau.code, alatau.version, alatau.min_months_in_post) == ("kz-2024", "2024-10-22.2", 1)
    assert load_profile("kz-2023").min_months_in_post == 3
    assert alatau.document.kk.startswith('Алматы облысы "Алатау қаласы мәслихатының аппараты" мемлекеттік')
    assert "2024 жылғы 22 қазандағы № 10-27 шешімі" in alatau.document.kk


def test_kz_2024_grade_names_are_those_of_000_clause_7(alatau: Profile) -> None:
    typical = load_profile("kz-2023")
    assert [b.name.kk for b in alatau.grade_bands] == GRADES_000
    # Only the words differ: the same bands from the same borders.
    assert [(b.code, b.min_score) for b in alatau.grade_bands] == [
        (b.code, b.min_score) for b in typical.grade_bands
    ]


@pytest.mark.parametrize("code", ["heads", "employees"])
def test_kz_2024_competency_names_are_those_of_000_clause_34(alatau: Profile, code: str) -> None:
    # 000 prints no questionnaire or result form: clause 34 is its only name for each
    # competency, so the questionnaire's heading and the result form's line both use it.
    competencies = alatau.questionnaire(code).competencies
    assert [c.name.kk for c in competencies] == [first_upper(n) for n in COMPETENCIES_000[code]]
    assert [c.result_name for c in competencies] == [c.name for c in competencies]


def test_kz_2024_speaks_of_the_state_body_not_a_ministry(alatau: Profile) -> None:
    heads = alatau.questionnaire("heads")
    for no, kk in STATE_BODY_STATEMENTS.items():
        assert heads.statement(no).text.kk == kk
    assert alatau.differentiation is not None
    assert alatau.differentiation.parameters[2].criterion.kk == CRITERION_3_000
    for where, text in all_texts(alatau):
        for value in (text.kk, text.ru, text.en):
            assert not MINISTRY.search(value), f"{where}: {value!r}"


def test_kz_2024_differentiation_parameters_are_those_of_000_clause_32(alatau: Profile) -> None:
    assert alatau.differentiation is not None
    assert [p.name.kk for p in alatau.differentiation.parameters] == [first_upper(n) for n in PARAMETERS_000]


def test_kz_2024_keeps_every_other_text_and_rule_of_the_typical_forms(alatau: Profile) -> None:
    """000 has no appendices: its forms are the typical ones, which 002 prints. Every text 000
    does not word itself stays 002's, and so do the rules."""
    typical = load_profile("kz-2023")
    assert (alatau.scale_360, alatau.kpi) == (typical.scale_360, typical.kpi)
    assert (alatau.min_respondents, alatau.max_respondents) == (
        typical.min_respondents,
        typical.max_respondents,
    )
    for code, questionnaire in alatau.questionnaires.items():
        other = typical.questionnaire(code)
        assert (questionnaire.title, questionnaire.appendix, questionnaire.result_appendix) == (
            other.title,
            other.appendix,
            other.result_appendix,
        )
        changed = {
            s.no for s, o in zip(questionnaire.statements, other.statements, strict=True) if s.text != o.text
        }
        assert changed == (set(STATE_BODY_STATEMENTS) if code == "heads" else set())
    assert alatau.differentiation is not None and typical.differentiation is not None
    ours, theirs = alatau.differentiation, typical.differentiation
    assert (ours.appendix, ours.scores) == (theirs.appendix, theirs.scores)
    assert [p.criterion for p in ours.parameters if p.no != 3] == [
        p.criterion for p in theirs.parameters if p.no != 3
    ]
