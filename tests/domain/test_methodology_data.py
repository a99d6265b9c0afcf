"""The bundled kz-2023 profile against seed 002 (order No. 128 of 31 March 2023).

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


def test_every_text_is_present_in_every_language(profile: Profile) -> None:
    for where, text in all_texts(profile):
        for locale in SUPPORTED_LOCALES:
            value = getattr(text, locale)
            assert value.strip(), f"{where}: empty {locale}"
            assert value == value.strip(), f"{where}: untrimmed {locale}"


def test_no_latin_letters_in_kazakh_and_russian(profile: Profile) -> None:
    # The seed's appendices 5-8 and clause 7 contain no Latin letters at all.
    for where, text in all_texts(profile):
        assert not LATIN.search(text.kk), f"{where}: Latin letter in kk {text.kk!r}"
        assert not LATIN.search(text.ru), f"{where}: Latin letter in ru {text.ru!r}"


def test_no_ocr_slips_left(profile: Profile) -> None:
    for where, text in all_texts(profile):
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


def test_a_profile_extends_another_with_its_own_settings() -> None:
    """Seed 000 (2024) keeps the typical forms and asks for 1 month in the post, not 3
    (clause 5): kz-2024 gives only what differs."""
    typical, current = load_profile("kz-2023"), load_profile("kz-2024")
    assert (current.code, current.version, current.min_months_in_post) == ("kz-2024", "2024-10-22", 1)
    assert typical.min_months_in_post == 3
    assert current.questionnaires == typical.questionnaires and current.kpi == typical.kpi
    assert current.differentiation == typical.differentiation and current.grade_bands == typical.grade_bands
    assert "10-27" in current.document.kk and current.document != typical.document
