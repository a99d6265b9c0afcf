"""The reports HR hands to management: the round's workbook, the per-person PDF, the ZIP of
PDFs and the completion chart. Every test reads the produced file back (openpyxl, pypdf,
zipfile, Pillow) and checks its content against the inputs.

The round: two units, seven people. Unit 1 has a head (12 competencies), two employees and
an employee whose result is withheld (2 respondents). Unit 2's name has characters Excel
forbids in sheet names and is longer than 31 characters; a third unit shortens to the same
sheet name. The scores per competency are given per respondent, so every expected mean
below is computed from them, not taken from the code under test.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import openpyxl
import pytest
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from PIL import Image
from pypdf import PdfReader

from bot.infra.i18n import create_i18n, in_locale
from bot.infra.pdf import form_title
from bot.kernel.methodology import load_profile
from bot.kernel.scoring import AnswerCount, result_from_answers
from bot.staff.labels import exclusion_reason
from bot.survey360.archive import build_pdf_archive, member_name
from bot.survey360.progress_chart import UnitProgress, render_completion_chart
from bot.survey360.result_pdf import build_person_pdf
from bot.survey360.results import SubjectResult
from bot.survey360.workbook import build_round_workbook, collation_key, sheet_names
from storage.dto import CampaignDTO, EmployeeDTO, SubjectDTO

PROFILE = load_profile("kz-2023")
CAMPAIGN = CampaignDTO(
    id=1,
    kind="360",
    year=2025,
    deadline=date(2026, 1, 10),
    status="closed",
    profile_code="kz-2023",
    profile_version="2023-03-31",
)
GENERATED_ON = date(2026, 1, 12)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KAZAKH_LETTERS = set("әғқңөұүһі")
SCORE = re.compile(r"\d[.,]\d\d")

PLANNING = "Жоспарлау басқармасы"
LEGAL = "Правовое управление: договоры / судебные иски [2025]"
ARCHIVE = "Правовое управление: договоры / судебные иски (архив)"


@dataclass(frozen=True)
class Person:
    """Made-up input: per competency, the scores each colleague gave to every statement."""

    employee_id: str
    full_name: str
    position: str
    unit: str
    questionnaire: str
    scores: Sequence[tuple[int, ...]]
    self_scores: Sequence[int] | None = None

    def expected_means(self) -> list[Decimal]:
        return [_rounded(Decimal(sum(s)) / len(s)) for s in self.scores]

    def expected_overall(self) -> Decimal:
        # Every competency has 3 statements, each answered by every respondent.
        return _rounded(Decimal(sum(sum(s) for s in self.scores)) / sum(len(s) for s in self.scores))


def _rounded(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


HEAD = Person(
    "U1",
    "Құрманғазы Һ. Өтегенұлы",
    "Жоспарлау басқармасының басшысы",
    PLANNING,
    "heads",
    [
        (5, 4, 4, 5),
        (4, 4, 3, 4),
        (5, 5, 5, 4),
        (3, 3, 4, 3),
        (4, 4, 4, 4),
        (2, 3, 3, 3),
        (4, 5, 4, 5),
        (3, 4, 4, 4),
        (5, 5, 4, 5),
        (4, 3, 3, 3),
        (3, 3, 3, 2),
        (4, 4, 5, 5),
    ],
    self_scores=[5, 5, 4, 4, 5, 4, 5, 5, 4, 4, 4, 5],
)
ALIEVA = Person(
    "E1",
    "Әлиева Айгерім Серікқызы",
    "Бас сарапшы",
    PLANNING,
    "employees",
    [(3, 3, 4), (4, 4, 4), (2, 3, 3), (5, 4, 4), (3, 3, 3), (4, 5, 5), (2, 2, 3), (4, 4, 3)],
    self_scores=[4, 5, 3, 5, 4, 5, 3, 4],
)
WITHHELD = Person("E2", "Smith John", "Chief expert", PLANNING, "employees", [(4, 4)] * 8)
NURLANOV = Person(
    "E3",
    "Нұрланов Асқар Ерланұлы",
    "Жетекші сарапшы",
    PLANNING,
    "employees",
    [(2, 2, 1), (3, 2, 2), (1, 2, 2), (2, 2, 2), (3, 3, 2), (2, 1, 1), (2, 2, 2), (1, 1, 2)],
)
PETROV = Person(
    "E4",
    "Петров Игорь Сергеевич",
    "Главный эксперт",
    LEGAL,
    "employees",
    [
        (4, 4, 4, 5, 4),
        (5, 5, 4, 4, 4),
        (3, 4, 3, 3, 3),
        (4, 4, 4, 4, 4),
        (4, 3, 4, 4, 3),
        (5, 5, 5, 5, 4),
        (3, 3, 3, 4, 4),
        (4, 4, 4, 4, 5),
    ],
    self_scores=[5] * 8,
)
KASYMOVA = Person(
    "E5",
    "Қасымова Әсел Маратқызы",
    "Сарапшы",
    LEGAL,
    "employees",
    [(3, 3, 3), (3, 4, 3), (2, 2, 3), (3, 3, 3), (4, 4, 4), (3, 3, 3), (2, 3, 3), (3, 3, 4)],
)
AKHMETOV = Person("E6", "Ахметов Ерлан Болатұлы", "Сарапшы", ARCHIVE, "employees", [(4, 4, 4)] * 8)
PEOPLE = (HEAD, ALIEVA, WITHHELD, NURLANOV, PETROV, KASYMOVA, AKHMETOV)


def subject_result(person: Person, no: int) -> SubjectResult:
    questionnaire = PROFILE.questionnaire(person.questionnaire)
    answers = []
    for competency, scores in zip(questionnaire.competencies, person.scores, strict=True):
        for statement in competency.statements:
            answers += [AnswerCount(statement.no, score, n) for score, n in sorted(Counter(scores).items())]
    own = {}
    if person.self_scores:
        for competency, score in zip(questionnaire.competencies, person.self_scores, strict=True):
            own.update({statement.no: score for statement in competency.statements})
    employee = EmployeeDTO(
        id=no,
        employee_id=person.employee_id,
        full_name=person.full_name,
        position=person.position,
        role="head" if person.questionnaire == "heads" else "employee",
        unit=person.unit,
        manager_id=None,
        phone=None,
        language="kk",
        appointed_on=date(2020, 1, 1),
        active=True,
        telegram_user_id=None,
        chosen_locale=None,
    )
    result = result_from_answers(PROFILE, questionnaire, answers, own, n_respondents=len(person.scores[0]))
    return SubjectResult(
        CAMPAIGN, SubjectDTO(no, CAMPAIGN.id, employee, person.questionnaire, None), questionnaire, result
    )


RESULTS = [subject_result(person, no) for no, person in enumerate(PEOPLE, start=1)]
BY_ID = {item.subject.employee.employee_id: item for item in RESULTS}


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return create_i18n("kk")


def band_name(score: Decimal, locale: str) -> str:
    band = next(b for b in PROFILE.grade_bands if score >= b.min_score)
    return band.name.get(locale)


def flat(text: str) -> str:
    """Text with every run of whitespace (line breaks of wrapped cells) made one space."""
    return " ".join(text.split())


def test_the_round_covers_what_the_reports_must_handle() -> None:
    assert BY_ID["E2"].result.withheld and not BY_ID["U1"].result.withheld
    assert BY_ID["E1"].result.competencies[0].mean == Decimal("3.33")
    assert {item.result.band.code for item in RESULTS if item.result.band} == {
        "proper",
        "unsatisfactory",
        "effective",
    }


# ------------------------------------------------------------------------------ workbook


def read_workbook(locale: str, i18n: I18n, results: Sequence[SubjectResult] = RESULTS) -> Any:
    with in_locale(i18n, locale):
        data = build_round_workbook(results, PROFILE, generated_on=GENERATED_ON)
    return openpyxl.load_workbook(io.BytesIO(data))


def person_rows(sheet: Any) -> dict[str, tuple[Any, ...]]:
    ids = {p.employee_id for p in PEOPLE}
    return {row[0].value: row for row in sheet.iter_rows() if row[0].value in ids}


def row_of(sheet: Any, first_cell: str) -> int:
    return int(next(row[0].row for row in sheet.iter_rows() if row[0].value == first_cell))


def test_workbook_has_a_sheet_per_unit_sorted_with_valid_unique_names(i18n: I18n) -> None:
    book = read_workbook("kk", i18n)
    with in_locale(i18n, "kk"):
        training = _("Training needs")
    assert book.sheetnames == [
        "Жоспарлау басқармасы",
        "Правовое управление договоры су",  # "(архив)" < "[2025]": both shortened to 31 characters
        "Правовое управление договор (2)",
        training,
    ]
    assert book["Правовое управление договоры су"]["A2"].value == ARCHIVE  # the full name in the title
    assert book["Правовое управление договор (2)"]["A2"].value == LEGAL


def test_unit_sheet_rows_hold_numeric_means_band_names_and_nothing_for_withheld(i18n: I18n) -> None:
    sheet = read_workbook("kk", i18n)[PLANNING]
    rows = person_rows(sheet)
    assert set(rows) == {"U1", "E1", "E2", "E3"}
    for person in (HEAD, ALIEVA, NURLANOV):
        row = rows[person.employee_id]
        assert [c.value for c in row[:4]] == [
            person.employee_id,
            person.full_name,
            person.position,
            len(person.scores[0]),
        ]
        overall, band = row[4], row[5]
        means = row[6 : 6 + len(person.scores)]
        assert overall.data_type == "n" and overall.value == pytest.approx(float(person.expected_overall()))
        assert band.value == band_name(person.expected_overall(), "kk")
        assert [c.value for c in means] == pytest.approx([float(m) for m in person.expected_means()])
        assert all(c.data_type == "n" and c.number_format == "0.00" for c in (overall, *means))
    assert rows["U1"][4].value == pytest.approx(3.88) and rows["E3"][4].value == pytest.approx(1.88)

    withheld = rows["E2"]
    with in_locale(i18n, "kk"):
        not_enough = _("not enough responses")
    assert withheld[3].value == 2
    assert withheld[5].value == not_enough
    assert all(cell.value is None for cell in (withheld[4], *withheld[6:]))


def test_people_are_grouped_by_questionnaire_with_their_own_headers(i18n: I18n) -> None:
    sheet = read_workbook("kk", i18n)[PLANNING]
    heads_header = row_of(sheet, "U1") - 1
    employees_header = row_of(sheet, "E2") - 1  # "Smith" sorts first
    for header_row, code in ((heads_header, "heads"), (employees_header, "employees")):
        competencies = PROFILE.questionnaire(code).competencies
        cells = [sheet.cell(header_row, 7 + i).value for i in range(len(competencies))]
        assert cells == [f"{c.no}. {c.result_name.kk}" for c in competencies]
        assert sheet.cell(header_row, 7 + len(competencies)).value is None
        assert sheet.cell(header_row, 7).alignment.textRotation == 90
    with in_locale(i18n, "kk"):
        assert sheet.cell(heads_header - 1, 1).value.startswith(form_title(PROFILE.questionnaire("heads")))
    # Employees in Kazakh alphabetical order: Latin first, then Ә before Н.
    order = [row[0].value for row in sheet.iter_rows() if row[0].value in {"E1", "E2", "E3"}]
    assert order == ["E2", "E1", "E3"]


def test_means_are_coloured_by_the_profile_bands_on_the_mean_ranges(i18n: I18n) -> None:
    sheet = read_workbook("kk", i18n)[PLANNING]
    heads_row, first_employee, last_employee = row_of(sheet, "U1"), row_of(sheet, "E2"), row_of(sheet, "E3")
    rules_by_range = {str(cf.sqref): cf.rules for cf in sheet.conditional_formatting}
    assert set(rules_by_range) == {
        f"E{heads_row} G{heads_row}:R{heads_row}",  # overall + 12 competencies; not the band text
        f"E{first_employee}:E{last_employee} G{first_employee}:N{last_employee}",
    }
    for (sqref, rules), anchor in zip(
        rules_by_range.items(), (f"E{heads_row}", f"E{first_employee}"), strict=False
    ):
        assert len(rules) == len(PROFILE.grade_bands), sqref
        bands = PROFILE.grade_bands
        for index, (rule, band) in enumerate(zip(rules, bands, strict=True)):
            formula = rule.formula[0]
            assert f"ISNUMBER({anchor})" in formula  # blank (withheld) cells are never coloured
            assert f"{anchor}>={band.min_score}" in formula
            if index:
                assert f"{anchor}<{bands[index - 1].min_score}" in formula
        fills = [rule.dxf.fill.bgColor.rgb[-6:] for rule in rules]
        assert fills == ["C6EFCE", "DDEBF7", "FFEB9C", "FFC7CE"]  # green, light blue, amber, red


def test_title_block_legend_freeze_filter_and_print_setup(i18n: I18n) -> None:
    book = read_workbook("kk", i18n)
    sheet = book[PLANNING]
    with in_locale(i18n, "kk"):
        assert sheet["A1"].value == _("360 evaluation, {year}").format(year=2025)
    assert sheet["A3"].value == PROFILE.document.kk
    assert "12.01.2026" in sheet["A5"].value
    legend = [(sheet.cell(row, 5).value, sheet.cell(row, 6).value) for row in range(2, 6)]
    assert legend == [
        ("4,00–5,00", PROFILE.grade_bands[0].name.kk),
        ("3,00–3,99", PROFILE.grade_bands[1].name.kk),
        ("2,00–2,99", PROFILE.grade_bands[2].name.kk),
        ("0,00–1,99", PROFILE.grade_bands[3].name.kk),
    ]
    # Two tables on the sheet: the names stay in view, the filter is on the larger table.
    assert sheet.freeze_panes == "C1"
    assert sheet.auto_filter.ref == f"A{row_of(sheet, 'E2') - 1}:N{row_of(sheet, 'E3')}"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    # One table: its header row is frozen too.
    single = book["Правовое управление договор (2)"]
    assert single.freeze_panes == f"C{min(row_of(single, 'E4'), row_of(single, 'E5'))}"
    assert single.column_dimensions["B"].width > 25


def test_training_sheet_ranks_competencies_by_the_average_of_means(i18n: I18n) -> None:
    book = read_workbook("kk", i18n)
    sheet = book.worksheets[-1]
    rows = list(sheet.iter_rows(values_only=True))
    # Unit 1, employees: E1 and E3 count, the withheld E2 does not.
    employees = PROFILE.questionnaire("employees")
    expected = sorted(
        (
            _rounded((ALIEVA.expected_means()[i] + NURLANOV.expected_means()[i]) / 2),
            competency.no,
        )
        for i, competency in enumerate(employees.competencies)
    )
    unit_caption = rows.index((PLANNING, None, None, None, None, None))
    employees_title = form_title_in("kk", i18n, "employees")
    start = next(i for i in range(unit_caption, len(rows)) if str(rows[i][0]).startswith(employees_title))
    counted = i18n.gettext("persons with a result: {count} of {total}", locale="kk").format(count=2, total=3)
    assert rows[start][0].endswith(counted)  # persons with a result: the withheld one is not
    table = rows[start + 2 : start + 2 + len(expected)]
    assert [row[1] for row in table] == [no for _avg, no in expected] == [3, 7, 1, 8, 5, 6, 2, 4]
    assert [row[3] for row in table] == pytest.approx([float(avg) for avg, _no in expected])
    assert [row[0] for row in table] == list(range(1, 9))
    assert [row[2] for row in table] == [employees.competency(no).result_name.kk for _a, no in expected]
    assert all(row[4] == 2 for row in table)
    # Among the 3 weakest: E1's are 7, 3, 5 and E3's are 6, 8, 1.
    assert {row[1]: row[5] for row in table} == {3: 1, 7: 1, 1: 1, 8: 1, 5: 1, 6: 1, 2: 0, 4: 0}
    # The 3 least developed are highlighted, with the competency tied with the third.
    highlighted = [
        sheet.cell(start + 3 + i, 2).value
        for i in range(len(expected))
        if sheet.cell(start + 3 + i, 3).fill.fgColor.rgb[-6:] == "FCE4D6"
    ]
    assert highlighted == [3, 7, 1, 8]


def form_title_in(locale: str, i18n: I18n, code: str) -> str:
    with in_locale(i18n, locale):
        return form_title(PROFILE.questionnaire(code))


def test_workbook_in_english(i18n: I18n) -> None:
    book = read_workbook("en", i18n)
    sheet = book[PLANNING]
    header = [c.value for c in next(r for r in sheet.iter_rows() if r[0].value == "Employee ID")][:6]
    assert header == ["Employee ID", "Full name", "Position", "Respondents", "Overall mean", "Grade"]
    assert person_rows(sheet)["U1"][5].value == "Performs functional duties properly"
    assert sheet.cell(row_of(sheet, "U1") - 1, 7).value == "1. Managing activities"
    assert book.sheetnames[-1] == "Training needs"
    assert book.worksheets[-1]["A1"].value == "Least developed competencies (clause 36: training planning)"


def test_people_the_round_does_not_evaluate_are_listed_with_the_reason(i18n: I18n) -> None:
    """Issue 19, finding 13: a person the round leaves out (too short in the post, on
    probation) is in HR's workbook, on a sheet of their own, with why."""
    left_out = [
        SubjectDTO(
            20 + no,
            CAMPAIGN.id,
            replace(
                BY_ID["E6"].subject.employee, id=20 + no, employee_id=employee_id, full_name=name, unit=unit
            ),
            "employees",
            reason,
        )
        for no, (employee_id, name, unit, reason) in enumerate(
            [
                ("E9", "=Сейітов Мұрат", PLANNING, "on_probation"),
                ("E8", "Әлиев Дәурен", ARCHIVE, "too_short_in_post"),
            ]
        )
    ]
    with in_locale(i18n, "kk"):
        data = build_round_workbook(RESULTS, PROFILE, generated_on=GENERATED_ON, not_evaluated=left_out)
        sheet_name, reasons = (
            _("Not evaluated"),
            [exclusion_reason("on_probation"), exclusion_reason("too_short_in_post")],
        )
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames[-1] == sheet_name
    sheet = book[sheet_name]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=6)]
    # Sorted by unit as Kazakh readers sort (Ж before П), the reason in Kazakh, text never a formula.
    assert rows == [
        ["E9", "'=Сейітов Мұрат", PLANNING, "Сарапшы", reasons[0]],
        ["E8", "Әлиев Дәурен", ARCHIVE, "Сарапшы", reasons[1]],
    ]
    assert all(reason and not reason.isascii() for reason in reasons)
    # No sheet of them when everyone is evaluated.
    assert sheet_name not in read_workbook("kk", i18n).sheetnames


def test_sheet_names_are_shortened_cleaned_and_deduplicated() -> None:
    names = sheet_names(
        ["a/b:c*d?e[f]g\\h", "'quoted'", "History", "X" * 40, "x" * 40, "Training needs", ""],
        reserved=["Training needs"],
    )
    assert list(names.values()) == [
        "a b c d e f g h",
        "quoted",
        "History (2)",
        "X" * 31,
        "x" * 27 + " (2)",
        "Training needs (2)",
        "-",
    ]


def test_kazakh_collation() -> None:
    names = ["Яковлев", "Әлиева", "Иванов", "Ұлан", "Үміт", "Smith", "Абаев", "Ғалым", "Ілияс"]
    assert sorted(names, key=collation_key) == [
        "Smith",
        "Абаев",
        "Әлиева",
        "Ғалым",
        "Иванов",
        "Ұлан",
        "Үміт",
        "Ілияс",
        "Яковлев",
    ]


# ----------------------------------------------------------------------------------- PDF


def read_pdf(item: SubjectResult, locale: str, i18n: I18n) -> tuple[PdfReader, str]:
    with in_locale(i18n, locale):
        data = build_person_pdf(item, PROFILE)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return reader, flat("\n".join(page.extract_text() for page in reader.pages))


def test_head_pdf_in_kazakh_is_the_appendix_7_form_on_one_page(i18n: I18n) -> None:
    reader, text = read_pdf(BY_ID["U1"], "kk", i18n)
    assert len(reader.pages) == 1
    assert HEAD.full_name in text and set(text.lower()) >= KAZAKH_LETTERS
    assert HEAD.position in text and PLANNING in text
    heads = PROFILE.questionnaire("heads")
    for competency, mean, own in zip(
        heads.competencies, HEAD.expected_means(), HEAD.self_scores or [], strict=True
    ):
        mean_text = f"{mean:.2f}".replace(".", ",")
        assert f"{competency.no} {competency.result_name.kk} {mean_text} {own},00" in text
    assert "3,88" in text and band_name(Decimal("3.88"), "kk") in text
    assert "3.88" not in text
    assert flat(PROFILE.document.kk) in text
    with in_locale(i18n, "kk"):
        assert flat(form_title(heads)) in text
        assert _("Self-assessment") in text  # translated already: "Өзін-өзі бағалау"
        assert _("Confidential (clause 20)") in text
    # The radar chart is drawn into the page (tests/domain/test_radar_pdf.py), not a picture.
    assert not reader.pages[0].images
    assert f"1. {heads.competencies[0].result_name.kk.split()[0]}" in text
    resources: Any = reader.pages[0]["/Resources"]
    fonts = {str(font["/BaseFont"]) for font in resources["/Font"].get_object().values()}
    assert {name.split("+")[1] for name in fonts} == {"DejaVuSansBook", "DejaVuSansBold"}


def test_employee_pdf_in_russian(i18n: I18n) -> None:
    reader, text = read_pdf(BY_ID["E4"], "ru", i18n)
    assert len(reader.pages) == 1
    assert PETROV.full_name in text and LEGAL in text
    for competency, mean in zip(
        PROFILE.questionnaire("employees").competencies, PETROV.expected_means(), strict=True
    ):
        assert f"{competency.no} {competency.result_name.ru} {mean:.2f}".replace(".", ",") in text
    overall = PETROV.expected_overall()
    assert f"{overall:.2f}".replace(".", ",") in text and band_name(overall, "ru") in text


def test_employee_pdf_in_english_uses_a_decimal_point(i18n: I18n) -> None:
    _reader, text = read_pdf(BY_ID["E1"], "en", i18n)
    assert "1 Building effective communications 3.33 4.00" in text
    assert "Evaluation result: 3.50 — Performs functional duties properly" in text
    assert ALIEVA.full_name in text
    assert "3,33" not in text


def test_withheld_pdf_says_so_and_shows_no_score(i18n: I18n) -> None:
    reader, text = read_pdf(BY_ID["E2"], "kk", i18n)
    assert len(reader.pages) == 1
    assert WITHHELD.full_name in text
    with in_locale(i18n, "kk"):
        assert flat(_("Not enough responses: the result is not shown.")) in text
    assert not SCORE.search(text), SCORE.findall(text)
    for competency in PROFILE.questionnaire("employees").competencies:
        assert competency.result_name.kk not in text
    assert not reader.pages[0].images  # no chart


def test_head_pdf_with_long_texts_and_the_lowest_band_still_fits_one_page(i18n: I18n) -> None:
    item = subject_result(
        replace(
            HEAD,
            full_name="Константинопольская-Жетпісбаева Александра-Гүлнәр Владимировна-Нұрсұлтанқызы",
            position="Заместитель руководителя департамента стратегического планирования, бюджетной "
            "политики и межведомственной координации",
            unit="Департамент стратегического планирования, бюджетной политики и межведомственной "
            "координации деятельности территориальных подразделений",
            scores=[(1, 2, 2, 1)] * 12,
        ),
        50,
    )
    reader, text = read_pdf(item, "ru", i18n)
    assert len(reader.pages) == 1 and not reader.pages[0].images
    assert "12. " in text  # the chart's last label: the chart is on the page as well
    assert f"1,50 — {band_name(Decimal('1.50'), 'ru')}" in text
    assert flat(PROFILE.document.ru) in text  # the last line of the form is on the page too


def test_pdf_is_reproducible_and_dated_by_the_round(i18n: I18n) -> None:
    with in_locale(i18n, "kk"):
        first = build_person_pdf(BY_ID["U1"], PROFILE)
        second = build_person_pdf(BY_ID["U1"], PROFILE)
        later = build_person_pdf(
            BY_ID["U1"], PROFILE, created_at=datetime(2026, 2, 1, 9, 30, tzinfo=timezone(timedelta(hours=5)))
        )
    assert first == second != later
    created = PdfReader(io.BytesIO(first)).metadata
    assert created is not None and created.creation_date is not None
    assert created.creation_date.date() == CAMPAIGN.deadline


# ----------------------------------------------------------------------------------- ZIP


def test_archive_holds_one_named_pdf_per_person_and_nothing_else(i18n: I18n) -> None:
    with in_locale(i18n, "kk"):
        data = build_pdf_archive(RESULTS, PROFILE)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    legal = "Правовое управление_ договоры _ судебные иски [2025]"
    old = "Правовое управление_ договоры _ судебные иски (архив)"
    assert archive.namelist() == [
        f"{PLANNING}/E2 Smith John.pdf",
        f"{PLANNING}/E1 Әлиева Айгерім Серікқызы.pdf",
        f"{PLANNING}/U1 Құрманғазы Һ. Өтегенұлы.pdf",
        f"{PLANNING}/E3 Нұрланов Асқар Ерланұлы.pdf",
        f"{old}/E6 Ахметов Ерлан Болатұлы.pdf",
        f"{legal}/E5 Қасымова Әсел Маратқызы.pdf",
        f"{legal}/E4 Петров Игорь Сергеевич.pdf",
    ]
    by_id = {p.employee_id: p for p in PEOPLE}
    for info in archive.infolist():
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.flag_bits & 0x800  # UTF-8 names
        content = archive.read(info)
        assert content.startswith(b"%PDF-")
        reader = PdfReader(io.BytesIO(content))
        person = by_id[info.filename.split("/")[1].split(" ")[0]]
        assert len(reader.pages) == 1 and person.full_name in flat(reader.pages[0].extract_text())


def test_archive_of_one_unit(i18n: I18n) -> None:
    unit = [item for item in RESULTS if item.subject.employee.unit == LEGAL]
    with in_locale(i18n, "ru"):
        data = build_pdf_archive(unit, PROFILE)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert len(names) == 2 and all(name.endswith(".pdf") for name in names)


@pytest.mark.parametrize(
    ("unit", "employee_id", "full_name", "expected"),
    [
        ('A/B\\C:D*E?F"G<H>I|J', "7", "Name", "A_B_C_D_E_F_G_H_I_J/7 Name.pdf"),
        ("..", "../x", " Тест\tАты\n ", "_/_x Тест Аты.pdf"),
        ("CON", "1", "N.", "_CON/1 N.pdf"),
        ("Бөлім", "2", "Ә" * 300, "Бөлім/2 " + "Ә" * 98 + ".pdf"),
    ],
)
def test_member_names_are_safe(unit: str, employee_id: str, full_name: str, expected: str) -> None:
    item = BY_ID["E1"]
    employee = replace(item.subject.employee, unit=unit, employee_id=employee_id, full_name=full_name)
    assert member_name(replace(item, subject=replace(item.subject, employee=employee))) == expected


def test_archive_names_stay_unique(i18n: I18n) -> None:
    twin = subject_result(AKHMETOV, 99)
    with in_locale(i18n, "kk"):
        data = build_pdf_archive([RESULTS[-1], twin], PROFILE)
    assert [name.split("/")[1] for name in zipfile.ZipFile(io.BytesIO(data)).namelist()] == [
        "E6 Ахметов Ерлан Болатұлы.pdf",
        "E6 Ахметов Ерлан Болатұлы (2).pdf",
    ]


# ------------------------------------------------------------------------- completion chart

UNITS = [
    UnitProgress(PLANNING, 9, 12),
    UnitProgress("Правовое управление", 6, 6),
    UnitProgress("Қаржы және бухгалтерлік есеп департаменті (Әкімшілік-шаруашылық бөлімі)", 1, 14),
    UnitProgress("Кадр қызметі", 0, 0),
]


def render_chart(i18n: I18n, units: Sequence[UnitProgress] = UNITS) -> bytes:
    with warnings.catch_warnings(), in_locale(i18n, "kk"):
        warnings.simplefilter("error")  # a missing Kazakh glyph would warn
        return render_completion_chart(units, "360 бағалау, 2025: сауалнамалардың толтырылуы")


def test_completion_chart_is_a_phone_sized_png(i18n: I18n) -> None:
    data = render_chart(i18n)
    assert data.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == "PNG"
        width, height = image.size
        # Bars are drawn: the overall bar's dark blue and a complete unit's green are there.
        colours = {colour for _count, colour in image.convert("RGB").getcolors(1 << 20) or []}
    assert width == 1080 and 500 <= height <= 1200
    assert (0x1C, 0x4F, 0x8A) in colours and (0x2B, 0x8A, 0x3E) in colours
    with Image.open(io.BytesIO(render_chart(i18n, UNITS[:1]))) as one:
        assert one.size[0] == 1080 and one.size[1] < height  # the height follows the number of units


def test_completion_chart_is_deterministic(i18n: I18n) -> None:
    assert render_chart(i18n) == render_chart(i18n)
    assert render_chart(i18n) != render_chart(i18n, [*UNITS[:-1], UnitProgress("Кадр қызметі", 1, 5)])


def test_unit_progress() -> None:
    assert UnitProgress("a", 3, 4).share == 0.75
    assert UnitProgress("a", 0, 0).share == 0.0
    for submitted, total in ((5, 4), (-1, 4)):
        with pytest.raises(ValueError):
            UnitProgress("a", submitted, total)
