"""Issue 19, finding 9: a respondent and the person they evaluate read one name per competency.

Seed 002 prints some competencies in other words on the questionnaire form (appendices 5-6,
"Нәтижеге бейімделу") than on the result form and in clause 34 ("Нәтижеге бағдарлану"). Every
screen of the questionnaire (a statement, the review, the "Change an answer" pages) is rendered
for every bundled profile with a 360 and every language, and the names read off it must be the
ones the person's report (bot/survey360/report.py) gives."""

from __future__ import annotations

import re
from datetime import date
from importlib import resources

import pytest
from aiogram.utils.i18n import I18n

from bot.infra.i18n import create_i18n, in_locale
from bot.kernel.methodology import SUPPORTED_LOCALES, Profile, Questionnaire, bundled_data, load_profile
from bot.kernel.scoring import AnswerCount, result_from_answers
from bot.survey360.questionnaire import EditListScreen, Progress, QuestionScreen, ReviewScreen, edit_pages
from bot.survey360.report import report_text
from bot.survey360.results import SubjectResult
from bot.survey360.screens import render_edit_list, render_question, render_review
from storage.dto import AssignmentDTO, CampaignDTO, EmployeeDTO, SubjectDTO, TaskDTO

HEADING = re.compile(r"^<b>(\d+)\. (.+)</b>$")  # a statement's competency heading
SCORED_LINE = re.compile(r"^(\d+)\. (.+): <b>")  # the review's and the report's lines


def profiles_with_360() -> list[str]:
    codes = []
    for path in resources.files("bot.methodology").iterdir():
        if path.name.endswith(".json"):
            raw = bundled_data(path.name.removesuffix(".json"))
            if "code" in raw and raw.get("questionnaires"):
                codes.append(raw["code"])
    return sorted(codes)


def test_the_profiles_checked_include_the_current_ones() -> None:
    assert {"kz-2023", "kz-2024"} <= set(profiles_with_360())


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return create_i18n("kk")


def _person(no: int) -> EmployeeDTO:
    return EmployeeDTO(
        id=no,
        employee_id=f"E{no}",
        full_name="Сынақов Сынақ",
        position="Бас сарапшы",
        role="employee",
        unit="Бөлім",
        manager_id=None,
        phone=None,
        language="kk",
        appointed_on=date(2020, 1, 1),
        active=True,
        telegram_user_id=None,
        chosen_locale=None,
    )


def _campaign(profile: Profile) -> CampaignDTO:
    return CampaignDTO(1, "360", 2025, date(2026, 1, 10), "running", profile.code, profile.version)


def _progress(profile: Profile, questionnaire: Questionnaire) -> Progress:
    """A colleague's questionnaire with every statement answered."""
    assignment = AssignmentDTO(1, 1, 2, "peer", False, 1, False, 10)
    task = TaskDTO(assignment, _campaign(profile), _person(1), questionnaire.code, 0)
    return Progress(task, questionnaire, {s.no: 3 for s in questionnaire.statements})


def _report(profile: Profile, questionnaire: Questionnaire) -> str:
    answers = [AnswerCount(s.no, score, 1) for s in questionnaire.statements for score in (3, 4, 5)]
    own = {s.no: 4 for s in questionnaire.statements}
    result = result_from_answers(profile, questionnaire, answers, own, n_respondents=3)
    subject = SubjectDTO(1, 1, _person(1), questionnaire.code, None)
    return report_text(
        SubjectResult(_campaign(profile), subject, questionnaire, result), profile.min_respondents
    )


def _names(text: str, pattern: re.Pattern[str]) -> dict[int, str]:
    found = [m for line in text.splitlines() if (m := pattern.match(line))]
    return {int(m[1]): m[2] for m in found}


@pytest.mark.parametrize("code", profiles_with_360())
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_questionnaire_names_each_competency_as_the_report_does(
    code: str, locale: str, i18n: I18n
) -> None:
    profile = load_profile(code)
    for questionnaire in profile.questionnaires.values():
        progress = _progress(profile, questionnaire)
        with in_locale(i18n, locale):
            in_report = _names(_report(profile, questionnaire), SCORED_LINE)
            on_statements: dict[int, set[str]] = {}
            for statement in questionnaire.statements:
                text, _markup = render_question(QuestionScreen(progress, statement.no), profile)
                for no, name in _names(text, HEADING).items():
                    on_statements.setdefault(no, set()).add(name)
            in_review = _names(render_review(ReviewScreen(progress))[0], SCORED_LINE)
            pages = edit_pages(questionnaire)
            in_edit_list: dict[int, str] = {}
            for page in range(len(pages)):
                in_edit_list |= _names(render_edit_list(EditListScreen(progress, pages, page))[0], HEADING)
        assert len(in_report) == len(questionnaire.competencies)
        assert on_statements == {no: {name} for no, name in in_report.items()}, (code, questionnaire.code)
        assert in_review == in_report
        assert in_edit_list == in_report


def test_the_form_heading_is_linked_where_the_seed_words_it_otherwise(i18n: I18n) -> None:
    """Seed 002: "Нәтижеге бейімделу" heads competency 5 on the heads' form (appendix 5) and
    competency 4 on the employees' form (appendix 6); the result forms (appendices 7-8) and
    clause 34 say "Нәтижеге бағдарлану". The screen gives the latter and names the former."""
    profile = load_profile("kz-2023")
    for code, competency_no, appendix in (("heads", 5, 5), ("employees", 4, 6)):
        questionnaire = profile.questionnaire(code)
        first = questionnaire.competency(competency_no).statements[0].no
        progress = _progress(profile, questionnaire)
        with in_locale(i18n, "kk"):
            text, _markup = render_question(QuestionScreen(progress, first), profile)
        lines = text.splitlines()
        heading = lines.index(f"<b>{competency_no}. Нәтижеге бағдарлану</b>")
        assert lines[heading + 1] == f"({appendix}-қосымшадағы бағалау парағында: «Нәтижеге бейімделу»)"
        # Russian and English have one name for both: nothing to connect.
        with in_locale(i18n, "ru"):
            text, _markup = render_question(QuestionScreen(progress, first), profile)
        assert "«" not in text and f"<b>{competency_no}. Ориентация на результат</b>" in text


def test_edit_pages_hold_whole_competencies_within_the_page_size() -> None:
    profile = load_profile("kz-2023")
    sizes = {
        code: [[len(c.statements) for c in page] for page in edit_pages(q)]
        for code, q in profile.questionnaires.items()
    }
    assert sizes == {"heads": [[3, 3, 3]] * 4, "employees": [[3, 3, 3], [3, 3, 3], [3, 3]]}
    for questionnaire in profile.questionnaires.values():
        listed = [c.no for page in edit_pages(questionnaire) for c in page]
        assert listed == [c.no for c in questionnaire.competencies]
