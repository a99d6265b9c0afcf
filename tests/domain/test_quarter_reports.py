"""The quarterly evaluation's reports: the quarter's workbook (XLSX) and a person's
evaluation sheet (PDF, appendices 2 and 4). Every test reads the produced file back
(openpyxl, pypdf) and checks its content against the inputs.

The quarter: Q2 2025, two units, eight people. Employees (differentiation): one submitted,
one submitted while on sick leave, one whose sheet is still open (with a draft the reports
must not show), one not evaluated (too short in the post), one in the lowest band. Heads
(KPI): one submitted with three KPIs (one with a very long name), one still open, one
without KPIs (not evaluated). The expected means and bands are worked out here from the
scores, not taken from the code under test.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from pypdf import PdfReader

from bot.infra.i18n import create_i18n, in_locale
from bot.kernel.eligibility import Ineligibility
from bot.kernel.methodology import GradeBand, load_profile
from bot.quarterly.labels import absence_label, exclusion_label, participation_label, status_label
from bot.quarterly.results import KpiLine, KpiQuarterLine, ParameterScore, SheetRecord
from bot.quarterly.rules import Absence, Method
from bot.quarterly.sheet_pdf import build_sheet_pdf, sheet_title
from bot.quarterly.workbook import build_quarter_workbook, quarter_title

PROFILE = load_profile("kz-2023")
ALMATY = ZoneInfo("Asia/Almaty")
YEAR, QUARTER = 2025, 2
DEADLINE = date(2025, 7, 10)
CREATED_AT = datetime(2025, 7, 11, 9, 30, tzinfo=ALMATY)
KAZAKH_LETTERS = set("әғқңөұүһі")

PLANNING = "Жоспарлау басқармасы"
LEGAL = "Правовое управление"
HEAD_OF_PLANNING = "Құрманғазы Һ. Өтегенұлы"
HEAD_OF_LEGAL = "Иванов Сергей Петрович"


def rounded(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def band_of(score: Decimal) -> GradeBand:
    return next(b for b in PROFILE.grade_bands if score >= b.min_score)


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2025, 7, day, hour, 0, tzinfo=ALMATY)


def employee(
    no: int,
    code: str,
    name: str,
    unit: str,
    scores: tuple[int, ...] | None,
    *,
    status: str = "submitted",
    evaluator: str | None = HEAD_OF_PLANNING,
    justification: str | None = None,
    absence: Absence | None = None,
    excluded: str | None = None,
    acknowledged: datetime | None = None,
) -> SheetRecord:
    mean = rounded(Decimal(sum(scores)) / len(scores)) if scores and status == "submitted" else None
    return SheetRecord(
        sheet_id=no,
        year=YEAR,
        quarter=QUARTER,
        deadline=DEADLINE,
        method=Method.DIFFERENTIATION,
        employee_code=code,
        full_name=name,
        position="Бас сарапшы",
        unit=unit,
        evaluator_name=evaluator,
        status=status,
        excluded_reason=excluded,
        absence=absence,
        kpis=(),
        parameters=tuple(ParameterScore(i, s) for i, s in enumerate(scores or (), start=1)),
        justification=justification,
        final_score=mean,
        band=band_of(mean) if mean is not None else None,
        submitted_at=at(8) if status == "submitted" else None,
        acknowledged_at=acknowledged,
    )


LONG_JUSTIFICATION = (
    "Тоқсан ішінде барлық тапсырмаларды мерзімінде және сапалы орындады, басқарманың жұмыс жоспарын "
    "әзірлеуге үлкен үлес қосты. Бастамашылдығы жеткіліксіз: жетілдіру жөніндегі ұсыныстар енгізілмеді. "
) * 6
ALIEVA = employee(
    1,
    "E1",
    "Әлиева Айгерім Серікқызы",
    PLANNING,
    (4, 5, 3, 4),
    justification=LONG_JUSTIFICATION,
    acknowledged=at(9, 15),
)
NURLANOV = employee(
    2, "E2", "Нұрланов Асқар Ерланұлы", PLANNING, (3, 3, 2, 3), absence=Absence.SICK, justification="Ауырды."
)
# An open sheet with a draft: the evaluator has typed scores and a justification, not submitted.
SMITH = employee(
    3, "E3", "Smith John", PLANNING, (5, 5, 5, 5), status="open", justification="DRAFT NOT TO BE SHOWN"
)
PETROV = employee(
    4,
    "E4",
    "Петров Игорь Сергеевич",
    LEGAL,
    None,
    status="excluded",
    evaluator=HEAD_OF_LEGAL,
    excluded=Ineligibility.TOO_SHORT_IN_POST,
)
KASYMOVA = employee(
    5,
    "E5",
    "Қасымова Әсел Маратқызы",
    LEGAL,
    (2, 1, 2, 1),
    evaluator=HEAD_OF_LEGAL,
    justification="Кешігулер.",
)


def quarter_line(
    planned: str, actual: str | None = None, score: str | None = None, comment: str | None = None
) -> KpiQuarterLine:
    percent = None
    if actual is not None:
        percent = (Decimal(actual) / Decimal(planned) * 100).quantize(Decimal("0.01"))
    return KpiQuarterLine(
        planned=Decimal(planned),
        due_on=None,
        actual=Decimal(actual) if actual is not None else None,
        percent=percent,
        score=Decimal(score) if score is not None else None,
        comment=comment,
    )


LONG_KPI_NAME = (
    "Мемлекеттік қызметтер көрсету сапасын арттыру мақсатында жеке және заңды тұлғалардың өтініштерін "
    "заңнамада белгіленген мерзімде қарау үлесін ұлғайту, оның ішінде электрондық үкімет порталы арқылы "
    "келіп түскен өтініштер бойынша"
)
PLANNING_KPIS = (
    KpiLine(
        no=1,
        name="Басқарманың жұмыс жоспарын орындау",
        source="Жұмыс жоспары",
        unit="%",
        higher_is_better=True,
        key_result="Жоспар орындалды",
        quarters={
            1: quarter_line("100", "100", "5.00"),
            2: quarter_line("100", "96", "4.80", comment="Бір іс-шара кейінге қалдырылды"),
            3: quarter_line("100"),
            4: quarter_line("100"),
        },
    ),
    KpiLine(
        no=2,
        name=LONG_KPI_NAME,
        source="Стратегиялық жоспар",
        unit="%",
        higher_is_better=True,
        key_result="Өтініштер мерзімінде қаралды",
        quarters={
            q: quarter_line("90", "81" if q <= 2 else None, "4.50" if q <= 2 else None) for q in (1, 2, 3, 4)
        },
    ),
    KpiLine(
        no=3,
        name="Әзірленген нормативтік құқықтық актілер саны",
        source="Заң жобалау жұмыстарының жоспары",
        unit="дана",
        higher_is_better=True,
        key_result="Актілер әзірленді",
        quarters={2: quarter_line("4", "3", "3.75"), 4: quarter_line("6")},
    ),
)
KPI_SCORES = (Decimal("4.80"), Decimal("4.50"), Decimal("3.75"))
KPI_FINAL = rounded(sum(KPI_SCORES, Decimal(0)) / 3)  # 4.35: "effective"


def head(
    no: int, code: str, name: str, unit: str, kpis: tuple[KpiLine, ...], *, status: str, **changes: Any
) -> SheetRecord:
    record = replace(
        ALIEVA,
        sheet_id=no,
        method=Method.KPI,
        employee_code=code,
        full_name=name,
        position="Басқарма басшысы",
        unit=unit,
        evaluator_name="Директор Д. Д.",
        status=status,
        kpis=kpis,
        parameters=(),
        justification=None,
        final_score=None,
        band=None,
        submitted_at=None,
        acknowledged_at=None,
    )
    return replace(record, **changes)


KURMANGAZY = head(
    6,
    "U1",
    HEAD_OF_PLANNING,
    PLANNING,
    PLANNING_KPIS,
    status="submitted",
    final_score=KPI_FINAL,
    band=band_of(KPI_FINAL),
    submitted_at=at(9),
)
IVANOV = head(
    7,
    "U2",
    HEAD_OF_LEGAL,
    LEGAL,
    # A draft score and comment the reports must not show yet.
    (replace(PLANNING_KPIS[0], quarters={2: quarter_line("100", "96", "4.77", comment="DRAFT COMMENT")}),),
    status="open",
)
AKHMETOV = head(8, "U3", "Ахметов Ерлан Болатұлы", LEGAL, (), status="excluded", excluded_reason="no_plan")

RECORDS = (KASYMOVA, KURMANGAZY, SMITH, PETROV, IVANOV, ALIEVA, AKHMETOV, NURLANOV)


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return create_i18n("kk")


def flat(text: str) -> str:
    return " ".join(text.split())


def text_in(locale: str, i18n: I18n, message: str, **values: Any) -> str:
    """A message as the reports write it in ``locale``."""
    with in_locale(i18n, locale):
        return _(message).format(**values)


# ------------------------------------------------------------------------------ labels


def test_every_stored_value_has_its_own_label(i18n: I18n) -> None:
    with in_locale(i18n, "en"):
        absences = [absence_label(absence) for absence in Absence]
        exclusions = [exclusion_label(reason) for reason in (*Ineligibility, "no_plan")]
        statuses = [status_label(status) for status in ("open", "submitted", "excluded")]
    for labels in (absences, exclusions, statuses):
        assert len(set(labels)) == len(labels)
    assert not set(absences + exclusions) & {*Absence, *Ineligibility, "no_plan"}  # words, not codes
    with in_locale(i18n, "kk"):
        # Shared with the 360 round's exclusions, so already translated.
        assert (
            exclusion_label(Ineligibility.TOO_SHORT_IN_POST)
            == "лауазымда болу мерзімі жеткіліксіз (5-тармақ)"
        )
        assert exclusion_label("something new") == "something new"


# ----------------------------------------------------------------------------- workbook


def read_workbook(locale: str, i18n: I18n, records: Any = RECORDS) -> openpyxl.Workbook:
    with in_locale(i18n, locale):
        data = build_quarter_workbook(records, PROFILE, year=YEAR, quarter=QUARTER, created_at=CREATED_AT)
    assert data.startswith(b"PK")
    return openpyxl.load_workbook(io.BytesIO(data))


def table(sheet: Any, first_header: str) -> tuple[int, list[Any], list[tuple[Any, ...]]]:
    """The table whose header row starts with ``first_header``: its header row number (1-based),
    its header and its rows up to the first empty row."""
    rows = list(sheet.iter_rows(values_only=True))
    top = next(i for i, row in enumerate(rows) if row[0] == first_header)
    body = []
    for row in rows[top + 1 :]:
        if row[0] is None:
            break
        body.append(row)
    return top + 1, list(rows[top]), body


def by_code(rows: list[tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    return {row[0]: row for row in rows}


def test_sheets_in_english_with_headers(i18n: I18n) -> None:
    book = read_workbook("en", i18n)
    assert book.sheetnames == ["Differentiation", "KPI", "KPI details", "Summary"]
    _top, header, _rows = table(book["Differentiation"], "Employee ID")
    assert header == [
        "Employee ID",
        "Full name",
        "Position",
        "Unit",
        "Evaluator",
        "Status",
        "Absence or reason not evaluated",
        *(f"{p.no}. {p.name.en}" for p in PROFILE.differentiation.parameters),  # type: ignore[union-attr]
        "Mean score",
        "Grade",
        "Justification",
        "Submitted",
        "Acknowledged",
    ]
    assert book["Differentiation"]["A1"].value == "Quarterly evaluation: quarter 2 of 2025"
    assert book["KPI"]["A2"].value == "KPI method (heads of units) · Appendix 2"
    _top, header, _rows = table(book["KPI details"], "Employee ID")
    assert header[2:9] == [
        "№",
        "KPI",
        "Unit of measure",
        "Planned value",
        "Actual value",
        "Achievement",
        "Score",
    ]


def test_differentiation_sheet_rows_in_kazakh(i18n: I18n) -> None:
    sheet = read_workbook("kk", i18n).worksheets[0]
    _top, header, rows = table(sheet, text_in("kk", i18n, "Employee ID"))
    # Unit by unit, names in Kazakh alphabetical order (Latin first, Қ before П).
    assert [row[0] for row in rows] == ["E3", "E1", "E2", "E5", "E4"]
    parameters = PROFILE.differentiation.parameters  # type: ignore[union-attr]
    assert header[7:11] == [f"{p.no}. {p.name.kk}" for p in parameters]  # Kazakh from the profile
    row = by_code(rows)
    submitted = text_in("kk", i18n, "submitted")
    assert row["E1"][1:7] == (
        ALIEVA.full_name,
        "Бас сарапшы",
        PLANNING,
        HEAD_OF_PLANNING,
        submitted,
        None,
    )
    assert row["E1"][7:11] == (4, 5, 3, 4)
    assert row["E1"][11] == pytest.approx(4.00)
    assert row["E1"][12] == band_of(Decimal("4.00")).name.kk == PROFILE.grade_bands[0].name.kk
    assert row["E1"][13] == LONG_JUSTIFICATION
    # Written as Almaty's clock showed them.
    assert row["E1"][14:] == (datetime(2025, 7, 8, 10, 0), datetime(2025, 7, 9, 15, 0))
    with in_locale(i18n, "kk"):
        assert row["E2"][5:7] == (submitted, absence_label(Absence.SICK))
    assert row["E2"][11] == pytest.approx(2.75) and row["E2"][12] == PROFILE.grade_bands[2].name.kk
    assert row["E5"][11] == pytest.approx(1.50) and row["E5"][12] == PROFILE.grade_bands[3].name.kk


def test_open_and_excluded_sheets_show_no_score(i18n: I18n) -> None:
    sheet = read_workbook("kk", i18n).worksheets[0]
    _top, _header, rows = table(sheet, text_in("kk", i18n, "Employee ID"))
    row = by_code(rows)
    # The open sheet's draft (5, 5, 5, 5 and a justification) stays with the evaluator.
    assert row["E3"][5] == text_in("kk", i18n, "not submitted")
    assert row["E3"][6:] == (None,) * 10
    assert row["E4"][5:7] == (
        text_in("kk", i18n, "not evaluated"),
        "лауазымда болу мерзімі жеткіліксіз (5-тармақ)",
    )
    assert row["E4"][7:] == (None,) * 9
    assert "DRAFT NOT TO BE SHOWN" not in str(list(sheet.values))


def test_kpi_sheets(i18n: I18n) -> None:
    book = read_workbook("ru", i18n)
    with in_locale(i18n, "ru"):
        employee_id = _("Employee ID")
        open_label, excluded_label = status_label("open"), status_label("excluded")
        no_plan = exclusion_label("no_plan")
    _top, _header, rows = table(book.worksheets[1], employee_id)
    row = by_code(rows)
    assert [r[0] for r in rows] == ["U1", "U3", "U2"]  # Жоспарлау, then Правовое: Ахметов, Иванов
    assert row["U1"][7:10] == (3, pytest.approx(4.35), band_of(KPI_FINAL).name.ru)
    assert row["U1"][10] == datetime(2025, 7, 9, 10, 0)
    assert row["U2"][5] == open_label and row["U2"][7:10] == (1, None, None)
    assert row["U3"][5:10] == (excluded_label, no_plan, None, None, None)

    details_top, _header, details = table(book.worksheets[2], employee_id)
    assert [(r[0], r[2]) for r in details] == [("U1", 1), ("U1", 2), ("U1", 3), ("U2", 1)]
    assert details[0][3:] == (
        PLANNING_KPIS[0].name,
        "%",
        100,
        96,
        pytest.approx(0.96),
        pytest.approx(4.80),
        "Бір іс-шара кейінге қалдырылды",
    )
    assert details[1][3] == LONG_KPI_NAME
    assert details[1][5:9] == (90, 81, pytest.approx(0.90), pytest.approx(4.50))
    assert details[2][3:9] == (PLANNING_KPIS[2].name, "дана", 4, 3, pytest.approx(0.75), pytest.approx(3.75))
    # The open sheet: the plan and HR's actual value, no score and no comment yet.
    assert details[3][5:] == (100, 96, pytest.approx(0.96), None, None)
    assert book.worksheets[2].cell(row=details_top + 1, column=8).number_format == "0.00%"


def test_summary_counts_by_unit_status_and_band(i18n: I18n) -> None:
    sheet = read_workbook("kk", i18n)[text_in("kk", i18n, "Summary")]
    unit = text_in("kk", i18n, "Unit")
    top, header, rows = table(sheet, unit)
    bands = PROFILE.grade_bands
    assert [h.split(" (")[0] for h in header[8:12]] == [band.name.kk for band in bands]
    assert header[8].endswith("(4,00–5,00)")
    #              people heads employees submitted open excluded absent | bands by rank | average
    assert rows[0][:12] == (PLANNING, 4, 1, 3, 3, 1, 0, 1, 2, 0, 1, 0)
    assert rows[1][:12] == (LEGAL, 4, 2, 2, 1, 1, 2, 0, 0, 0, 0, 1)
    assert rows[2][:12] == (text_in("kk", i18n, "Total"), 8, 3, 5, 4, 2, 2, 1, 2, 0, 1, 1)
    # Averages of the submitted evaluations only.
    planning_average = rounded((Decimal("4.00") + Decimal("2.75") + KPI_FINAL) / 3)
    total_average = rounded((Decimal("4.00") + Decimal("2.75") + KPI_FINAL + Decimal("1.50")) / 4)
    assert [row[12] for row in rows] == pytest.approx([float(planning_average), 1.50, float(total_average)])
    fills = [sheet.cell(row=top, column=col).fill.fgColor.rgb[-6:] for col in range(9, 13)]
    assert fills == ["C6EFCE", "DDEBF7", "FFEB9C", "FFC7CE"]


def test_scores_are_coloured_by_band_and_the_header_is_frozen(i18n: I18n) -> None:
    book = read_workbook("kk", i18n)
    sheet = book[book.sheetnames[0]]
    top, _header, rows = table(sheet, text_in("kk", i18n, "Employee ID"))
    first, last = top + 1, top + len(rows)
    rules = {str(rng.sqref): list(found) for rng, found in sheet.conditional_formatting._cf_rules.items()}
    assert list(rules) == [f"H{first}:L{last}"]  # the 4 parameters and the mean
    bands = PROFILE.grade_bands
    for index, (rule, band) in enumerate(zip(rules[f"H{first}:L{last}"], bands, strict=True)):
        formula = rule.formula[0]
        assert f"ISNUMBER(H{first})" in formula  # an empty (open or excluded) cell is never coloured
        assert f"H{first}>={band.min_score}" in formula
        if index:
            assert f"H{first}<{bands[index - 1].min_score}" in formula
        assert rule.dxf.fill.bgColor.rgb[-6:] == ["C6EFCE", "DDEBF7", "FFEB9C", "FFC7CE"][index]
    assert sheet.cell(row=first + 1, column=12).number_format == "0.00"
    assert sheet.freeze_panes == f"C{first}"
    assert sheet.auto_filter.ref == f"A{top}:P{last}"
    assert sheet.print_title_rows == f"${top}:${top}"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToHeight == 0
    # The legend beside the title block.
    legend = [(sheet.cell(row, 12).value, sheet.cell(row, 13).value) for row in range(2, 6)]
    assert legend == [
        ("4,00–5,00", bands[0].name.kk),
        ("3,00–3,99", bands[1].name.kk),
        ("2,00–2,99", bands[2].name.kk),
        ("0,00–1,99", bands[3].name.kk),
    ]
    with in_locale(i18n, "kk"):
        assert sheet["A1"].value == quarter_title(YEAR, QUARTER)
    assert sheet["A3"].value == PROFILE.document.kk and sheet["A5"].value.endswith("11.07.2025")
    kpi = book.worksheets[1]
    kpi_top, _h, kpi_rows = table(kpi, text_in("kk", i18n, "Employee ID"))
    kpi_rules = {str(rng.sqref) for rng in kpi.conditional_formatting._cf_rules}
    assert kpi_rules == {f"I{kpi_top + 1}:I{kpi_top + len(kpi_rows)}"}  # the final score


def test_missing_band_is_worked_out_from_the_score(i18n: I18n) -> None:
    record = replace(KASYMOVA, final_score=Decimal("3.99"), band=None)
    sheet = read_workbook("en", i18n, [record]).worksheets[0]
    _top, _header, rows = table(sheet, "Employee ID")
    assert rows[0][12] == "Performs functional duties properly"


def test_a_quarter_without_anyone(i18n: I18n) -> None:
    book = read_workbook("en", i18n, [])
    for sheet in book.worksheets:
        values = [value for row in sheet.iter_rows(values_only=True) for value in row if value]
        assert any(str(value).startswith("No ") for value in values), sheet.title
        assert sheet.freeze_panes is None


def test_workbook_is_reproducible(i18n: I18n) -> None:
    with in_locale(i18n, "kk"):
        first, second = (
            build_quarter_workbook(RECORDS, PROFILE, year=YEAR, quarter=QUARTER, created_at=CREATED_AT)
            for _attempt in range(2)
        )
    assert first == second


# ---------------------------------------------------------------------------------- PDF


def read_pdf(record: SheetRecord, locale: str, i18n: I18n) -> tuple[PdfReader, str]:
    with in_locale(i18n, locale):
        data = build_sheet_pdf(record, PROFILE, created_at=CREATED_AT)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return reader, flat("\n".join(page.extract_text() for page in reader.pages))


def fonts_of(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]
        names |= {str(font["/BaseFont"]).split("+")[1] for font in resources["/Font"].get_object().values()}
    return names


def test_kpi_sheet_in_kazakh_is_the_appendix_2_form(i18n: I18n) -> None:
    reader, text = read_pdf(KURMANGAZY, "kk", i18n)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape: 19 columns
    assert set(text.lower()) >= KAZAKH_LETTERS
    with in_locale(i18n, "kk"):
        assert text.startswith(_("Appendix {number}").format(number=2))  # "2-қосымша"
        assert flat(sheet_title(Method.KPI)) in text
    for value in (HEAD_OF_PLANNING, "Басқарма басшысы", PLANNING, "Директор Д. Д.", "10.07.2025"):
        assert value in text
    # Every quarter's plan, the actual values so far, the achievement and the scores.
    assert f"1 {PLANNING_KPIS[0].name} % 100 100 100 100 100 96 100,00 96,00 5,00 4,80" in text
    assert f"2 {flat(LONG_KPI_NAME)} % 90 90 90 90 81 81 90,00 90,00 4,50 4,50" in text
    assert f"3 {PLANNING_KPIS[2].name} дана 4 6 3 75,00 3,75" in text
    assert "= (4,80 + 4,50 + 3,75) / 3 = 4,35" in text
    assert f"4,35 — {band_of(KPI_FINAL).name.kk}" in text
    assert "Бір іс-шара кейінге қалдырылды" in text  # the evaluator's comment
    assert "09.07.2025" in text  # the evaluator signed on submitting
    assert fonts_of(reader) == {"DejaVuSansBook", "DejaVuSansBold"}


def test_kpi_sheet_in_english_uses_a_decimal_point(i18n: I18n) -> None:
    _reader, text = read_pdf(KURMANGAZY, "en", i18n)
    assert "Final score = sum of the KPI scores / number of KPIs = (4.80 + 4.50 + 3.75) / 3 = 4.35" in text
    assert "Evaluation result: 4.35 — Performs functional duties effectively" in text
    assert "4,35" not in text


def test_open_kpi_sheet_shows_no_score_of_the_quarter(i18n: I18n) -> None:
    _reader, text = read_pdf(IVANOV, "ru", i18n)
    assert HEAD_OF_LEGAL in text and PLANNING_KPIS[0].name in text
    assert "100 96 96,00" in text  # the plan and HR's actual value are there
    assert "4,77" not in text and "DRAFT COMMENT" not in text
    assert text_in("ru", i18n, "The evaluation is not submitted yet: no score is shown.") in text
    assert not any(band.name.ru in text for band in PROFILE.grade_bands)


def test_excluded_head_gets_the_reason_and_no_table(i18n: I18n) -> None:
    reader, text = read_pdf(AKHMETOV, "kk", i18n)
    assert len(reader.pages) == 1
    with in_locale(i18n, "kk"):
        reason = exclusion_label("no_plan")
        assert flat(_("Key performance indicator")) not in text
    assert reason in text and AKHMETOV.full_name in text
    assert not re.search(r"\d,\d\d", text)


def test_long_kpi_table_goes_on_with_its_header_repeated(i18n: I18n) -> None:
    kpis = tuple(
        replace(PLANNING_KPIS[1], no=no, name=f"{no}: {LONG_KPI_NAME} {LONG_KPI_NAME}") for no in range(1, 6)
    )
    reader, text = read_pdf(replace(KURMANGAZY, kpis=kpis), "en", i18n)
    assert len(reader.pages) >= 2
    pages = [flat(page.extract_text()) for page in reader.pages]
    table_pages = [page for page in pages if flat(LONG_KPI_NAME[:40]) in page]
    assert len(table_pages) >= 2
    for page_text in table_pages:
        assert page_text.count("Planned value") == 1
    for kpi in kpis:
        assert flat(kpi.name) in text
    last = flat(reader.pages[-1].extract_text())
    assert "Evaluation result: 4.35" in last and "Evaluator" in last


def test_differentiation_sheet_in_kazakh_is_the_appendix_4_form(i18n: I18n) -> None:
    reader, text = read_pdf(ALIEVA, "kk", i18n)
    page = reader.pages[0]
    assert page.mediabox.width < page.mediabox.height
    assert set(text.lower()) >= KAZAKH_LETTERS
    with in_locale(i18n, "kk"):
        assert text.startswith(_("Appendix {number}").format(number=4))
        assert flat(sheet_title(Method.DIFFERENTIATION)) in text
    assert ALIEVA.full_name in text and HEAD_OF_PLANNING in text
    parameters = PROFILE.differentiation.parameters  # type: ignore[union-attr]
    for parameter, score in zip(parameters, (4, 5, 3, 4), strict=True):
        assert f"{parameter.no} {flat(parameter.name.kk)} {flat(parameter.criterion.kk)} {score}" in text
    assert "= (4 + 5 + 3 + 4) / 4 = 4,00" in text
    assert f"4,00 — {PROFILE.grade_bands[0].name.kk}" in text
    assert flat(LONG_JUSTIFICATION) in text  # wrapped, all of it
    assert "08.07.2025" in text and "09.07.2025" in text  # submitted, acknowledged
    assert fonts_of(reader) == {"DejaVuSansBook", "DejaVuSansBold"}


def test_differentiation_sheet_of_an_absent_employee(i18n: I18n) -> None:
    _reader, text = read_pdf(NURLANOV, "ru", i18n)
    with in_locale(i18n, "ru"):
        absence = absence_label(Absence.SICK)
    assert absence in text
    assert f"2,75 — {PROFILE.grade_bands[2].name.ru}" in text
    assert PROFILE.differentiation.parameters[0].name.ru in text  # type: ignore[union-attr]


def test_open_differentiation_sheet_shows_no_score(i18n: I18n) -> None:
    _reader, text = read_pdf(SMITH, "kk", i18n)
    parameters = PROFILE.differentiation.parameters  # type: ignore[union-attr]
    # The table is there, without scores: each criterion runs on to the next row's number.
    rows = " ".join(f"{p.no} {flat(p.name.kk)} {flat(p.criterion.kk)}" for p in parameters)
    formula = text_in("kk", i18n, "Mean score = sum of the parameters' scores / number of parameters")
    assert f"{rows} {formula}" in text
    assert "DRAFT NOT TO BE SHOWN" not in text and "5 + 5" not in text
    assert not any(band.name.kk in text for band in PROFILE.grade_bands)
    assert text_in("kk", i18n, "The evaluation is not submitted yet: no score is shown.") in text


def test_excluded_employee_gets_the_reason_and_no_table(i18n: I18n) -> None:
    _reader, text = read_pdf(PETROV, "kk", i18n)
    assert "лауазымда болу мерзімі жеткіліксіз (5-тармақ)" in text
    for parameter in PROFILE.differentiation.parameters:  # type: ignore[union-attr]
        assert parameter.name.kk not in text


def test_pdf_is_reproducible_and_dated(i18n: I18n) -> None:
    with in_locale(i18n, "kk"):
        first = build_sheet_pdf(ALIEVA, PROFILE, created_at=CREATED_AT)
        second = build_sheet_pdf(ALIEVA, PROFILE, created_at=CREATED_AT)
        later = build_sheet_pdf(ALIEVA, PROFILE, created_at=at(20))
    assert first == second != later
    metadata = PdfReader(io.BytesIO(first)).metadata
    assert metadata is not None and metadata.creation_date is not None
    assert metadata.creation_date.date() == CREATED_AT.date()
    assert metadata.title is not None and ALIEVA.full_name in metadata.title


def test_an_absent_heads_sheet_says_when_the_kpis_are_due(i18n: I18n) -> None:
    """002 clause 5: the form of a head away during the evaluation says the KPIs are evaluated
    after the return, by the day the round fixed; without that day, without participation."""
    with in_locale(i18n, "en"):
        assert (
            participation_label(excluded_reason=None, absence=Absence.LEAVE, kpi_due_on=date(2026, 1, 28))
            == "KPIs evaluated after the return to work, by 28.01.2026 (clause 5): on leave"
        )
        assert participation_label(excluded_reason=None, absence=Absence.LEAVE) == (
            "evaluated without participation: on leave"
        )
    with in_locale(i18n, "ru"):
        label = participation_label(excluded_reason=None, absence=Absence.SICK, kpi_due_on=date(2026, 1, 28))
        assert "28.01.2026" in label and "(пункт 5)" in label
