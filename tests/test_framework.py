"""The PEEL question framework (tracker/reports/framework.py): HMICFRS's numbers for a pillar
page's questions and the official labels of areas of policing, and how the importer uses them."""

from __future__ import annotations

import pytest

from tracker.reports.framework import AREAS, QUESTIONS, fold, official_area, question_number


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
