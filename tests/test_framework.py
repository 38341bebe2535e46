"""The PEEL question framework (tracker/reports/framework.py): HMICFRS's numbers for a pillar
page's questions and the official labels of areas of policing, and how the importer uses them."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command

from tests.factories import make_action, make_inspection, make_question
from tests.reports import kent_2021_body
from tracker.models import Action, ActionEvent, Grade, Inspection, Pillar, Question, Status
from tracker.reports.framework import AREAS, QUESTIONS, fold, official_area, question_number
from tracker.reports.imports import import_report
from tracker.reports.load import load_document
from tracker.reports.parse import parse_report
from tracker.reports.read import read_report


@pytest.mark.parametrize(
    ("year", "pillar", "text", "number"),
    [
        (2018, "Efficiency", "How well does the force plan for the future?", 2),
        (
            2018,
            "efficiency",
            "How well does the force use its resources to meet the demand it faces?",
            1,
        ),
        (2018, "Efficiency", "Planning for the future", 2),
        (2018, "Legitimacy", "Treating the workforce fairly", 3),
        (2016, "Effectiveness", "How effective are the force's specialist capabilities?", 5),
        (
            2016,
            "Effectiveness",
            "HOW EFFECTIVE IS THE FORCE AT INVESTIGATING CRIME AND REDUCING REOFFENDING",
            2,
        ),
        (
            2015,
            "Legitimacy",
            "To what extent are forces recording crimes in accordance with the Home Office "
            "Counting Rules?",
            2,
        ),
        (
            2014,
            "Efficiency",
            "To what extent has the force got an affordable way of providing policing?",
            3,
        ),
        (2017, "Effectiveness", "Protecting vulnerable people", 3),
    ],
)
def test_a_question_in_any_of_its_wordings_has_hmicfrs_number(year, pillar, text, number):
    assert question_number(year, pillar, text) == number


@pytest.mark.parametrize(
    ("year", "pillar", "text"),
    [
        # Another year's question: 2018's wording of Efficiency question 1 is not 2015's.
        (
            2015,
            "Efficiency",
            "How well does the force use its resources to meet the demand it faces?",
        ),
        # Another pillar.
        (2018, "Legitimacy", "How well does the force plan for the future?"),
        # Not attested for that year, so not there (see the module's docstring).
        (2017, "Efficiency", "How well does the force plan for the future?"),
        (2019, "Efficiency", "How well does the force plan for the future?"),
        # A page cut off inside its question is not guessed at.
        (2014, "Effectiveness", "How effective is the fo"),
        (None, "Efficiency", "How well does the force plan for the future?"),
        (2018, None, "How well does the force plan for the future?"),
    ],
)
def test_a_question_the_framework_does_not_hold_has_no_number(year, pillar, text):
    assert question_number(year, pillar, text) is None


def test_each_pillar_numbers_its_questions_once():
    for questions in QUESTIONS.values():
        numbers = [question.number for question in questions]
        assert len(numbers) == len(set(numbers))
        wordings = [fold(w) for q in questions for w in (q.text, *q.also)]
        assert len(wordings) == len(set(wordings))


@pytest.mark.parametrize(
    ("cycle", "label", "official"),
    [
        (
            "2021/22",
            "Preventing crime and antisocial behaviour",
            "Preventing crime and anti-social behaviour",
        ),
        (
            "2021/22",
            "preventing crime & anti‑social behaviour.",
            "Preventing crime and anti-social behaviour",
        ),
        (
            "2021/22",
            "Engaging with, and treating, the public with fairness & respect",
            "Engaging with and treating the public with fairness and respect",
        ),
        (
            "2021/22",
            "Strategic planning, organisational management and value-for-money",
            "Strategic planning, organisational management and value for money",
        ),
        (
            "2021/22",
            "Strategic policing requirement – and how well it protects the public from armed "
            "threats",
            "The strategic policing requirement, and how well it protects the public from "
            "armed threats",
        ),
        ("2021/22", "Crime data integrity", "Recording data about crime"),
        ("2023–25", "LEADERSHIP AND FORCE MANAGEMENT:", "Leadership and force management"),
        # Areas carry over between cycles: a 2021/22 label is known in a later report too.
        ("2023–25", "Investigating crime", "Investigating crime"),
        (
            "2025–27",
            "How good is the force at leadership & force management",
            "How good is the force at leadership and force management?",
        ),
        (None, "responding to the public", "Responding to the public"),
    ],
)
def test_an_area_in_another_wording_has_its_official_label(cycle, label, official):
    assert official_area(cycle, label) == official


@pytest.mark.parametrize(
    "label",
    [
        "Tackling violence against women and girls",
        "the management of sexual offenders",
        "",
        "Crime",
    ],
)
def test_an_area_the_framework_does_not_hold_has_no_official_label(label):
    assert official_area("2023–25", label) is None


def test_each_cycle_labels_its_areas_once():
    for areas in AREAS.values():
        wordings = [fold(w) for area in areas for w in (area.label, *area.also)]
        assert len(wordings) == len(set(wordings))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("anti-social", "antisocial"),
        ("re–offending", "reoffending"),
        ("the force’s", "The Force's"),
        ("fairness & respect", "fairness and respect"),
        ("  Investigating   crime. ", "investigating crime"),
    ],
)
def test_folding_ignores_case_punctuation_dashes_and_little_words(a, b):
    assert fold(a) == fold(b)


# --- A pillar page's questions get HMICFRS's numbers ---------------------------------------

# SYNTHETIC pages in the 2018/19 layout (tests/fixtures/reports/excerpts/northumbria-…): the
# heading, headline and questions are HMICFRS's wording (framework.py), the summary, grades
# and areas for improvement are invented for the test.
PLAN_AFI = "The force should develop a workforce plan that covers the skills it will need."
USE_AFI = "The force should understand the demand hidden in its partners' data."


def efficiency_2018(*questions: str) -> str:
    return "\n\n".join(
        [
            "Skip to content",
            "Lancashire PEEL 2018",
            "Efficiency",
            "How efficiently does the force operate and how sustainable are its services to the "
            "public?",
            "Last updated 09/09/2019",
            "Good",
            "The force is good at operating efficiently.",
            "Questions for Efficiency",
            *questions,
        ]
    )


USE = (
    "How well does the force use its resources to meet the demand it faces?",
    "Good",
    "Areas for improvement",
    f"  • {USE_AFI}",
)
PLAN = (
    "How well does the force plan for the future?",
    "Good",
    "Areas for improvement",
    f"  • {PLAN_AFI}",
)


def import_page(tmp_path, text: str, *args: str) -> tuple[str, str]:
    page = tmp_path / "page.txt"
    page.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_report", str(page), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_2018_efficiency_page_with_only_the_plan_for_the_future_reads_it_as_question_2():
    report = parse_report(efficiency_2018(*PLAN))

    assert [(q.number, q.text) for q in report.questions] == [
        (2, "How well does the force plan for the future?")
    ]
    assert report.warnings == ()


def test_a_page_that_numbers_a_question_otherwise_is_overruled_with_a_warning():
    report = parse_report(efficiency_2018("1", *PLAN))

    assert [q.number for q in report.questions] == [2]
    ((message, line, text),) = report.warnings
    assert "the page numbers this question 1; HMICFRS numbers it 2" in message
    assert text == "How well does the force plan for the future?" and line is not None


def test_a_question_the_framework_does_not_hold_keeps_its_number_unless_it_is_taken():
    # SYNTHETIC: a question that is not HMICFRS's, numbered 2 on the page, as HMICFRS's
    # question 2 is numbered 1.
    other = "How well does the force plan its estate?"
    report = parse_report(efficiency_2018("1", *PLAN, "2", other, "Good"))

    assert [(q.number, q.text) for q in report.questions] == [
        (2, "How well does the force plan for the future?"),
        (3, other),
    ]
    assert any("which is HMICFRS's number for another question" in m for m, _, _ in report.warnings)
    # Unnumbered, in order: the first keeps 1, HMICFRS's question 2 is 2 wherever it stands.
    report = parse_report(efficiency_2018(other, "Good", *PLAN))
    assert [q.number for q in report.questions] == [1, 2]


def test_the_page_loads_as_question_2_and_a_fuller_page_replaces_the_right_question(db, tmp_path):
    import_page(tmp_path, efficiency_2018(*PLAN))

    inspection = Inspection.objects.get()
    plan = Question.objects.get()
    assert (plan.number, plan.text) == (2, "How well does the force plan for the future?")
    (action,) = plan.actions.all()
    due = datetime.date(2020, 3, 31)
    Action.objects.filter(pk=action.pk).update(due_date=due, original_due_date=due)

    out, err = import_page(tmp_path, efficiency_2018("1", *USE, "2", *PLAN), "--replace")

    assert "Replaced" in out and "Q1 added" in out and err == ""
    assert Inspection.objects.get() == inspection
    use, kept = inspection.questions.order_by("number")
    assert (kept.pk, kept.number) == (plan.pk, 2)
    assert (use.number, use.text) == (1, USE[0])
    # The force's work on question 2's action is kept: the same action, not superseded.
    action.refresh_from_db()
    assert action.question == kept and action.status == Status.NOT_STARTED
    assert action.due_date == due
    assert list(use.actions.values_list("text", flat=True)) == [USE_AFI]
    assert not Action.objects.filter(status=Status.SUPERSEDED).exists()


def test_a_question_stored_under_another_number_is_renumbered_before_a_replace(db, tmp_path):
    # Imported before the framework: HMICFRS's question 2 stored as Q1.
    inspection = make_inspection(year=2018, pillar=Pillar.EFFICIENCY, grade=Grade.GOOD)
    question = make_question(inspection=inspection, number=1, text=PLAN[0], grade=Grade.GOOD)
    action = make_action(question=question, text=PLAN_AFI)

    out, _ = import_page(tmp_path, efficiency_2018(*USE, *PLAN), "--replace")

    assert "Q1 renumbered Q2, HMICFRS's number for it" in out
    question.refresh_from_db()
    assert question.number == 2
    action.refresh_from_db()
    assert action.question == question and action.status == Status.NOT_STARTED
    assert inspection.questions.get(number=1).text == USE[0]


# --- A 2021+ report's areas get their official labels ---------------------------------------


def test_an_area_written_another_way_is_stored_under_its_official_label(db):
    # SYNTHETIC body after the real Kent 2021/22 opening: an attested label written another
    # way ("antisocial", "&"), an attested grade, an invented area for improvement.
    text = kent_2021_body(
        "Preventing crime & antisocial behaviour",
        "Good",
        "Area for improvement 1: The force should evaluate its problem-solving plans.",
    )

    document = read_report(text)
    (area,) = document.areas
    assert (area.label, area.known, area.grade) == (
        "Preventing crime and anti-social behaviour",
        True,
        "Good",
    )
    assert document.findings[0].area == "Preventing crime and anti-social behaviour"
    assert not any("does not know" in w.message for w in document.warnings)

    result = load_document(document, by=None, via=ActionEvent.Via.IMPORT, source_text=text)

    question = Question.objects.get()
    assert (question.label, question.label_recognised) == (
        "Preventing crime and anti-social behaviour",
        True,
    )
    assert question.actions.count() == 1
    assert not any("not recognised" in w.message for w in result.warnings)


def test_a_finding_naming_its_area_another_way_is_filed_under_the_official_label(db):
    # SYNTHETIC pasted findings: a cause of concern naming its area the way letters do.
    result = import_report(
        "Cause of concern: crime data integrity\nThe force does not record all reported crime.\n",
        force="Kent",
    )

    question = Question.objects.get()
    assert (question.label, question.label_recognised) == ("Recording data about crime", True)
    assert not any("not recognised" in w.message for w in result.warnings)
