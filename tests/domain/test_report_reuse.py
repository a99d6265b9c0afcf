"""What a worker keeps between two result PDFs (the charts' layouts, the table cells' lines and
the words' widths, the cut-down fonts) changes nothing
in them: the PDFs drawn one after another in one process are those drawn fresh, and nobody's
name, labels or scores reach the next person's form."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import cast

import pytest
from aiogram.utils.i18n import I18n
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, StreamObject

import bot.infra.pdf as pdf_kit
import bot.survey360.result_pdf as result_pdf
from bot.infra.i18n import create_i18n, in_locale
from bot.infra.pdf import FONT_DIR, FORM_CHARACTERS, form_font_files
from bot.survey360.result_pdf import build_person_pdf
from bot.survey360.results import SubjectResult
from tests.domain.test_reports import ALIEVA, BY_ID, HEAD, PETROV, PROFILE, flat, subject_result

# Heads and employees, with and without a self-assessment, in two languages, and the same
# questionnaire twice in a row with other names and scores: each kind of chart a worker keeps.
OTHER_HEAD = replace(HEAD, full_name="Сейітқали Бауыржан Нұрланұлы", scores=[(2, 3, 3, 2)] * 12)
OTHER_EMPLOYEE = replace(ALIEVA, full_name="Жақсылықова Динара Асқарқызы", self_scores=None)
PEOPLE: list[tuple[str, SubjectResult]] = [
    ("kk", BY_ID["U1"]),
    ("kk", subject_result(OTHER_HEAD, 60)),
    ("ru", BY_ID["E4"]),
    ("kk", BY_ID["E1"]),
    ("kk", subject_result(OTHER_EMPLOYEE, 61)),
    ("ru", BY_ID["U1"]),
    ("kk", BY_ID["E1"]),
]


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return create_i18n("kk")


def _draw(i18n: I18n, locale: str, item: SubjectResult) -> bytes:
    with in_locale(i18n, locale):
        return build_person_pdf(item, PROFILE)


def _in_new_thread(job: Callable[[], bytes]) -> bytes:
    """A thread keeps no chart yet (they are kept per thread), and the process's kept layouts
    and widths are forgotten first: the PDF is drawn from scratch."""
    for kept in (pdf_kit._wrapped, pdf_kit._word_widths, result_pdf._layouts):
        kept.clear()
    done: list[bytes] = []
    thread = threading.Thread(target=lambda: done.append(job()))
    thread.start()
    thread.join()
    return done[0]


def _text(data: bytes) -> str:
    return flat("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def test_pdfs_drawn_one_after_another_are_those_drawn_fresh(i18n: I18n) -> None:
    in_a_row = [_draw(i18n, locale, item) for locale, item in PEOPLE]
    fresh = [_in_new_thread(partial(_draw, i18n, locale, item)) for locale, item in PEOPLE]
    for (locale, item), kept, new in zip(PEOPLE, in_a_row, fresh, strict=True):
        assert kept == new, (locale, item.subject.employee.full_name)
    # And they are each person's own: the same person and language gives the same bytes, and
    # no one's name is on another's form.
    assert in_a_row[3] == in_a_row[6] and in_a_row[0] != in_a_row[5] != in_a_row[1]
    names = {item.subject.employee.full_name for _locale, item in PEOPLE}
    for (_locale, item), data in zip(PEOPLE, in_a_row, strict=True):
        text = _text(data)
        own = item.subject.employee.full_name
        assert own in text
        assert not [name for name in names - {own} if name in text]


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
def test_the_cut_down_fonts_hold_every_letter_of_the_forms(
    i18n: I18n, locale: str, caplog: pytest.LogCaptureFixture
) -> None:
    """fpdf2 warns of each character its font lacks when it writes the file."""
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        for item in (BY_ID["U1"], BY_ID["E4"], BY_ID["E2"]):  # a head, an employee, a withheld form
            _draw(i18n, locale, item)
    assert not [r for r in caplog.records if "missing" in r.getMessage()]
    assert form_font_files([HEAD.full_name, PETROV.position])[""].parent != FONT_DIR


def test_a_name_outside_the_cut_down_fonts_gets_the_full_ones(i18n: I18n) -> None:
    """DejaVu Sans has Greek and Georgian: a name in them is printed, not lost to a blank box."""
    name = "Παπαδόπουλος ნინო"
    assert not FORM_CHARACTERS.issuperset(name)
    assert form_font_files([name]) == {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}
    assert form_font_files(None) == form_font_files([name])
    text = _text(_draw(i18n, "ru", subject_result(replace(PETROV, full_name=name), 62)))
    assert name in text


def test_a_zips_member_is_the_persons_pdf(i18n: I18n) -> None:
    """A ZIP's member is drawn from the person's round, record and result with the shared
    profile's questionnaire (``build_member_pdf``): the same bytes as their own PDF."""
    for locale, item in PEOPLE[:3]:
        when = result_pdf.report_created_at(item)
        with in_locale(i18n, locale):
            member = result_pdf.build_member_pdf(
                item.campaign, item.subject, item.result, PROFILE, created_at=when
            )
            assert member == build_person_pdf(item, PROFILE, created_at=when)


def _embedded_fonts(data: bytes) -> dict[str, TTFont]:
    """Each TrueType font file a PDF embeds, by its base name (``MPDFAA+DejaVuSansBold``)."""
    fonts: dict[str, TTFont] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        for font in cast(DictionaryObject, resources["/Font"].get_object()).values():
            composite = cast(DictionaryObject, font.get_object())
            descendant = cast(DictionaryObject, composite["/DescendantFonts"][0].get_object())  # type: ignore[index]
            descriptor = cast(DictionaryObject, descendant["/FontDescriptor"].get_object())
            stream = cast(StreamObject, descriptor["/FontFile2"].get_object()).get_data()
            fonts[str(descendant["/BaseFont"]).lstrip("/")] = TTFont(io.BytesIO(stream))
    return fonts


def test_the_embedded_fonts_keep_the_outlines_and_boxes_of_dejavu_sans(i18n: I18n) -> None:
    """The fonts are saved as cut, without measuring each glyph's box again (bot/infra/pdf.py):
    every glyph a form embeds has DejaVu Sans's own points and bounding box."""
    data = _draw(i18n, "kk", BY_ID["U1"])
    sources = {
        "DejaVuSansBook": TTFont(FONT_DIR / "DejaVuSans.ttf"),
        "DejaVuSansBold": TTFont(FONT_DIR / "DejaVuSans-Bold.ttf"),
    }
    embedded = _embedded_fonts(data)
    assert sorted(name.split("+")[1] for name in embedded) == sorted(sources)
    for name, font in embedded.items():
        source = sources[name.split("+")[1]]
        source_names, glyphs, source_glyphs = source.getBestCmap(), font["glyf"], source["glyf"]
        letters = {c: g for c, g in font.getBestCmap().items() if glyphs[g].numberOfContours > 0}
        assert len(letters) > 30, name  # the form's letters, not a handful
        for character, glyph_name in letters.items():
            glyph, original = glyphs[glyph_name], source_glyphs[source_names[character]]
            box = (glyph.xMin, glyph.yMin, glyph.xMax, glyph.yMax)
            assert box == (original.xMin, original.yMin, original.xMax, original.yMax), (name, chr(character))
            assert glyph.getCoordinates(glyphs)[0] == original.getCoordinates(source_glyphs)[0]
