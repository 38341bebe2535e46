"""The report parser: real HMICFRS pages in, dataclasses out, ReportParseError for the rest."""

from __future__ import annotations

import datetime
import json
import time

import pytest

from tests.reports import EXCERPTS, SAMPLE
from tracker.models import Force
from tracker.reports.document import report_json
from tracker.reports.parse import (
    GRADES,
    PILLARS,
    ParsedReport,
    ReportParseError,
    parse_report,
)


def read_sample() -> ParsedReport:
    return parse_report(SAMPLE.read_text(encoding="utf-8"))


def read_excerpt(name: str) -> ParsedReport:
    return parse_report((EXCERPTS / f"{name}.txt").read_text(encoding="utf-8"))


def page(*body: str, heading: str = "Kent PEEL 2017", pillar: str = "Efficiency") -> str:
    """A small page in the sample's layout: one blank line between lines."""
    title = "How efficient is the force at keeping people safe and reducing crime?"
    return "\n\n".join(["Skip to content", heading, pillar, title, *body])


# --- The whole sample ---------------------------------------------------------


def test_it_reads_the_heading_of_the_sample():
    report = read_sample()

    assert report.place == "Lancashire"
    assert report.programme == "PEEL"
    assert report.year == 2016
    assert report.pillar == "Effectiveness"
    assert report.title == "How effective is the force at keeping people safe and reducing crime?"
    assert report.grade == "Good"
    assert report.last_updated == datetime.date(2017, 3, 2)


def test_it_reads_five_questions_of_the_sample():
    report = read_sample()

    assert [(q.number, q.text, q.grade) for q in report.questions] == [
        (
            1,
            (
                "How effective is the force at preventing crime, tackling anti-social behaviour "
                "and keeping people safe?"
            ),
            "Good",
        ),
        (2, "How effective is the force at investigating crime and reducing re-offending?", "Good"),
        (
            3,
            (
                "How effective is the force at protecting those who are vulnerable from harm, "
                "and supporting victims?"
            ),
            "Good",
        ),
        (4, "How effective is the force at tackling serious and organised crime?", "Good"),
        (5, "How effective are the force’s specialist capabilities?", "Ungraded"),
    ]
    assert not any(q.carried_over for q in report.questions)


def test_it_counts_the_areas_for_improvement_of_each_question_of_the_sample():
    report = read_sample()

    assert [len(q.areas_for_improvement) for q in report.questions] == [1, 4, 1, 1, 0]
    assert report.afi_count == 7


def test_it_keeps_the_text_of_the_areas_for_improvement_verbatim():
    questions = read_sample().questions

    assert questions[0].areas_for_improvement[0] == (
        "The constabulary needs to ensure that there is a robust and structured process for "
        "problem solving and identifying what has been successful so that effective activity "
        "can be replicated in other areas."
    )
    assert questions[1].areas_for_improvement[3] == (
        "The constabulary should ensure that checks are routinely conducted to verify the "
        "identity, nationality and overseas convictions of arrested foreign nationals."
    )
    assert questions[3].areas_for_improvement[-1] == (
        "The constabulary should enhance its approach to the ‘lifetime management’ of organised "
        "criminals to minimise the risk they pose to local communities. This approach should "
        "include routine consideration of ancillary orders and consistent monitoring "
        "arrangements to deter organised criminals from continuing to offend."
    )


def test_it_reads_the_summary_and_narratives_as_paragraphs():
    report = read_sample()
    first = report.questions[0]

    assert len(report.summary.split("\n\n")) == 6
    assert report.summary.startswith("Lancashire Constabulary is good at keeping people safe")
    assert len(first.narrative.split("\n\n")) == 3
    assert first.narrative.startswith("Lancashire Constabulary is good at preventing crime")
    assert "robust and structured process" not in first.narrative
    assert "Areas for improvement" not in first.narrative
    assert report.questions[4].narrative.endswith(
        "significant firearms incidents across the county."
    )


def test_it_turns_the_sample_into_the_import_json():
    data = report_json(read_sample(), Force(name="Lancashire Constabulary"))

    assert json.loads(json.dumps(data)) == data
    assert {key: data[key] for key in data if key != "questions"} == {
        "force": "Lancashire Constabulary",
        "programme": "PEEL",
        "year": 2016,
        "pillar": "Effectiveness",
        "title": "How effective is the force at keeping people safe and reducing crime?",
        "grade": "Good",
        "last_updated": "2017-03-02",
    }
    assert data["questions"][1]["number"] == 2
    assert data["questions"][1]["grade"] == "Good"
    assert len(data["questions"][1]["areas_for_improvement"]) == 4
    assert set(data["questions"][0]) == {"number", "text", "grade", "areas_for_improvement"}


def test_the_grades_and_pillars_it_returns_are_canonical():
    report = read_sample()

    assert report.pillar in PILLARS
    assert {report.grade, *(q.grade for q in report.questions)} <= set(GRADES)


# --- Every excerpt ------------------------------------------------------------

# name: place, year, pillar, overall grade, last updated,
#       [(number, grade, areas for improvement, carried over) for each question found]
EXPECTED_EXCERPTS = {
    "west-yorkshire-peel-2016-effectiveness": (
        "West Yorkshire",
        2016,
        "Effectiveness",
        "Good",
        datetime.date(2017, 3, 2),
        [],
    ),
    "metropolitan-peel-2016-effectiveness": (
        "Metropolitan",
        2016,
        "Effectiveness",
        None,
        None,
        [(1, None, 3, False)],
    ),
    "humberside-peel-2016-legitimacy": (
        "Humberside",
        2016,
        "Legitimacy",
        "Good",
        datetime.date(2016, 12, 8),
        [],
    ),
    "leicestershire-peel-2016-leadership": (
        "Leicestershire",
        2016,
        "Leadership",
        None,
        datetime.date(2016, 12, 8),
        [(1, None, 0, False)],
    ),
    "lancashire-peel-2014-effectiveness": (
        "Lancashire",
        2014,
        "Effectiveness",
        "Ungraded",
        datetime.date(2014, 11, 12),
        [(1, "Good", 0, False), (2, None, 0, False)],
    ),
    "cumbria-peel-2017-effectiveness": (
        "Cumbria",
        2017,
        "Effectiveness",
        None,
        None,
        [(1, None, 0, True), (2, None, 1, False)],
    ),
    "kent-peel-2017-efficiency": (
        "Kent",
        2017,
        "Efficiency",
        "Good",
        datetime.date(2017, 11, 9),
        [],
    ),
    "northumbria-peel-2018-efficiency-detailed-findings": (
        "Northumbria",
        2018,
        "Efficiency",
        "Requires improvement",
        datetime.date(2019, 9, 9),
        [(1, "Requires improvement", 4, False)],
    ),
    "humberside-peel-2018-legitimacy-detailed-findings": (
        "Humberside",
        2018,
        "Legitimacy",
        "Good",
        datetime.date(2019, 5, 2),
        [(1, "Good", 1, False)],
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_EXCERPTS))
def test_each_excerpt_yields_what_its_page_shows(name):
    place, year, pillar, grade, last_updated, questions = EXPECTED_EXCERPTS[name]

    report = read_excerpt(name)

    assert (report.place, report.programme, report.year) == (place, "PEEL", year)
    assert (report.pillar, report.grade, report.last_updated) == (pillar, grade, last_updated)
    assert [
        (q.number, q.grade, len(q.areas_for_improvement), q.carried_over) for q in report.questions
    ] == questions


def test_every_excerpt_file_is_covered():
    refused = {
        "cumbria-peel-2021-22",
        "monitoring-bedfordshire-2016-effectiveness-cause-of-concern",
    }

    assert {path.stem for path in EXCERPTS.glob("*.txt")} == set(EXPECTED_EXCERPTS) | refused


def test_it_refuses_the_monitoring_page_of_a_cause_of_concern_with_a_reason():
    with pytest.raises(ReportParseError) as caught:
        read_excerpt("monitoring-bedfordshire-2016-effectiveness-cause-of-concern")

    assert caught.value.line == 1
    assert "monitoring page" in str(caught.value)
    assert "not a PEEL pillar report page" in str(caught.value)


def test_it_refuses_the_2021_22_format_with_a_reason():
    with pytest.raises(ReportParseError) as caught:
        read_excerpt("cumbria-peel-2021-22")

    assert "PEEL 2021/22 or later report" in str(caught.value)


def test_it_reads_the_questions_of_the_stripped_layout():
    report = read_excerpt("metropolitan-peel-2016-effectiveness")
    question = report.questions[0]

    assert report.title == "How effective is the force at keeping people safe and reducing crime?"
    assert question.text == (
        "How effective is the force at preventing crime, tackling anti-social behaviour "
        "and keeping people safe?"
    )
    assert len(question.narrative.split("\n\n")) == 4
    assert question.areas_for_improvement[1] == (
        "The force should adopt a structured and consistent problem-solving process to enable "
        "it to tackle crime and anti-social behaviour more effectively."
    )


def test_a_last_area_for_improvement_cut_mid_sentence_is_still_one():
    report = read_excerpt("metropolitan-peel-2016-effectiveness")

    assert report.questions[0].areas_for_improvement[-1] == "The force should evaluate and share"


def test_bullets_in_the_narrative_are_not_areas_for_improvement():
    question = read_excerpt("cumbria-peel-2017-effectiveness").questions[1]

    assert "- is good at initial investigation;" in question.narrative.split("\n\n")
    assert question.areas_for_improvement == (
        (
            "The constabulary should ensure that investigations of relatively complex offences "
            "are being allocated properly, and that supervisors are aware of these investigation"
        ),
    )


def test_a_question_not_inspected_this_year_is_carried_over_without_a_grade():
    question = read_excerpt("cumbria-peel-2017-effectiveness").questions[0]

    assert question.carried_over is True
    assert question.grade is None
    assert question.narrative.startswith("This question was not inspected in 2017.")


def test_the_2018_19_note_marks_a_question_carried_over_and_keeps_a_stated_grade():
    text = page(
        "Questions for Efficiency",
        "1",
        "How well does the force use its resources to meet the demand it faces?",
        "Good",
        "This question was not subject to detailed inspection in 2018/19, and our judgment from "
        "the 2017 efficiency inspection has been carried over.",
    )

    question = parse_report(text).questions[0]

    assert (question.grade, question.carried_over) == ("Good", True)


def test_a_nested_list_is_one_area_for_improvement():
    question = read_excerpt("humberside-peel-2018-legitimacy-detailed-findings").questions[0]

    assert question.areas_for_improvement == (
        (
            "The force should ensure that, in relation to stop and search:\n"
            "• all relevant officers and supervisors understand what constitutes reasonable "
            "grounds and how to record them;\n"
            "• it monitors a comprehensive set of data to enhance its understanding of fair and "
            "effective use of the power; and\n"
            "• effective external scrutiny takes place."
        ),
    )
    assert question.narrative.startswith("We set out our detailed findings below.")


def test_a_bullet_after_a_finished_nested_list_is_a_new_area_for_improvement():
    text = page(
        "How well does the force use its resources to meet the demand it faces?",
        "Areas for improvement",
        "  • The force should:\n  • audit skills; and\n  • publish the result.\n"
        "  • The force should review its workforce plan.",
    )

    areas = parse_report(text).questions[0].areas_for_improvement

    assert areas == (
        "The force should:\n• audit skills; and\n• publish the result.",
        "The force should review its workforce plan.",
    )


def test_areas_for_improvement_may_come_before_the_narrative():
    question = read_excerpt("northumbria-peel-2018-efficiency-detailed-findings").questions[0]

    assert question.areas_for_improvement[1] == (
        "The force should conduct a workforce skills audit that will allow it to understand "
        "workforce capacity and capability."
    )
    assert question.narrative == ""


def test_a_sentence_about_an_area_for_improvement_is_not_a_heading():
    text = page(
        "How well does the force use its resources to meet the demand it faces?",
        "The force’s problem solving is poorly structured. This is an area for improvement.",
        "- one thing the force does well",
        "There are areas for improvement:",
        "- another thing it does well",
    )

    question = parse_report(text).questions[0]

    assert question.areas_for_improvement == ()
    assert "- one thing the force does well" in question.narrative


def test_the_excerpts_sentences_about_areas_for_improvement_stay_in_the_summary():
    west_yorkshire = read_excerpt("west-yorkshire-peel-2016-effectiveness")
    kent = read_excerpt("kent-peel-2017-efficiency")

    assert "This is an area for improvement which the force" in west_yorkshire.summary
    assert "but there are areas for improvement." in kent.summary


def test_a_heading_may_be_singular_lower_case_and_end_with_a_colon():
    text = page(
        "How well does the force use its resources to meet the demand it faces?",
        "area for improvement:",
        "- The force should audit the skills of its workforce.",
    )

    areas = parse_report(text).questions[0].areas_for_improvement

    assert areas == ("The force should audit the skills of its workforce.",)


def test_an_area_block_ends_at_the_first_line_that_is_not_a_bullet():
    text = page(
        "How well does the force use its resources to meet the demand it faces?",
        "Areas for improvement",
        "  • The force should audit the skills of its workforce.",
        "Workforce planning is improving.",
        "  • a bullet in the narrative",
    )

    question = parse_report(text).questions[0]

    assert question.areas_for_improvement == (
        "The force should audit the skills of its workforce.",
    )
    assert question.narrative == "Workforce planning is improving.\n\n• a bullet in the narrative"


def test_it_ignores_banners_and_site_header_lines_before_the_heading():
    lines = [
        "Skip to content",
        "English",
        "Cymraeg",
        "Promoting improvements",
        "Proposed policing inspection programme 2025–29: For consultation",
        "Kent PEEL 2017",
        "Efficiency",
        "How efficient is the force at keeping people safe and reducing crime?",
    ]
    text = "\n".join(lines)

    report = parse_report(text)

    assert (report.place, report.year, report.pillar, report.summary) == (
        "Kent",
        2017,
        "Efficiency",
        "",
    )
    assert read_excerpt("kent-peel-2017-efficiency").summary.startswith("Kent Police is judged")


def test_detailed_findings_and_welsh_language_link_lines_are_dropped():
    lines = [
        "Dyfed-Powys PEEL 2017",
        "Darllenwch yr adroddiad hwn yn Gymraeg",
        "Efficiency",
        "How efficient is the force at keeping people safe and reducing crime?",
        "Dyfed-Powys Police is good.",
        "Read this report in Welsh",
        "Questions for Efficiency",
        "1",
        "How well does the force use its resources to meet the demand it faces?",
        "Detailed findings for question 1",
        "Welsh language services",
        "Demand is understood.",
    ]
    text = "\n".join(lines)

    report = parse_report(text)

    assert (report.place, report.pillar) == ("Dyfed-Powys", "Efficiency")
    assert report.title == "How efficient is the force at keeping people safe and reducing crime?"
    assert report.summary == "Dyfed-Powys Police is good."
    assert report.questions[0].narrative == "Welsh language services\n\nDemand is understood."


def test_a_line_of_only_a_non_breaking_space_is_blank():
    question = read_excerpt("lancashire-peel-2014-effectiveness").questions[0]

    assert len(question.narrative.split("\n\n")) == 3
    assert "\xa0" not in question.narrative


def test_an_older_headline_without_a_question_mark_is_the_title():
    report = read_excerpt("lancashire-peel-2014-effectiveness")

    assert report.title == "How well the force tackles crime"
    assert report.questions[1].text == "How effective is the fo"


def test_the_leadership_page_has_no_grades():
    report = read_excerpt("leicestershire-peel-2016-leadership")

    assert report.title == "How well has the force performed in our other inspections?"
    assert report.questions[0].text == "How well does the force understand leadership?"


def test_questions_without_number_lines_are_numbered_in_order():
    text = page(
        "How well does the force understand demand?",
        "How well does the force use its resources?",
        "To what extent is the force planning for the future?",
    )

    assert [q.number for q in parse_report(text).questions] == [1, 2, 3]


def test_grades_are_read_whatever_their_case_and_returned_canonical():
    text = page(
        "REQUIRES IMPROVEMENT",
        "1",
        "How well does the force understand demand?",
        "outstanding",
    )

    report = parse_report(text)

    assert (report.grade, report.questions[0].grade) == ("Requires improvement", "Outstanding")


@pytest.mark.parametrize(
    ("title", "pillar"),
    [
        ("How effectively does the force reduce crime and keep people safe?", "Effectiveness"),
        ("How efficient is the force at keeping people safe?", "Efficiency"),
        ("How legitimate is the force at keeping people safe?", "Legitimacy"),
        ("How well does the force understand leadership?", "Leadership"),
        ("How well has the force performed in our other inspections?", "Leadership"),
        ("How effective, efficient and legitimate is the force?", None),
    ],
)
def test_without_a_pillar_line_the_headline_names_the_pillar(title, pillar):
    report = parse_report(f"Kent PEEL 2018\n\n{title}\n\nKent Police is good.")

    assert report.pillar == pillar


def test_without_a_pillar_line_the_questions_heading_names_the_pillar():
    report = parse_report("Kent PEEL 2018\n\nHow well?\n\nQuestions for Legitimacy")

    assert report.pillar == "Legitimacy"


def test_a_year_written_2021_22_is_2021():
    report = parse_report("Kent PEEL 2021/22\n\nEfficiency")

    assert (report.place, report.year, report.pillar) == ("Kent", 2021, "Efficiency")


def test_windows_line_endings_read_the_same():
    text = SAMPLE.read_text(encoding="utf-8")

    assert parse_report(text.replace("\n", "\r\n")) == parse_report(text)


# --- Bad input ----------------------------------------------------------------

NO_HEADING = (
    "no '<Force> PEEL <year>' heading found: this does not look like a HMICFRS PEEL report page"
)
A_LETTER = """Dear Chief Constable,

Thank you for your letter of 3 March about the inspection of your force.
We will reply in full shortly.

Yours sincerely,
HM Inspector of Constabulary
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        (" \n\t\n\xa0\n", "the file is empty"),
        ("Kent PEEL 2017\n\x00\x00\x00", "the file is not text"),
        (bytes(range(256)).decode("latin-1") * 4, "the file is not text"),
        (
            A_LETTER,
            NO_HEADING,
        ),
        (
            "x",
            NO_HEADING,
        ),
    ],
)
def test_it_refuses_what_is_not_a_report_with_a_one_line_reason(text, message):
    with pytest.raises(ReportParseError) as caught:
        parse_report(text)

    assert str(caught.value) == message
    assert caught.value.line is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            ["Last updated 31/02/2017"],
            "line 9: cannot read the date '31/02/2017' after 'Last updated' (expected DD/MM/YYYY)",
        ),
        (
            ["Good", "Areas for improvement", "  • The force should do better."],
            "line 11: 'Areas for improvement' appears before any question",
        ),
        (["1", "Good"], "line 9: question number 1 is not followed by a question"),
        (
            ["1", "How well?", "1", "How well again?"],
            "line 13: question 1 appears twice",
        ),
    ],
)
def test_an_error_inside_a_report_carries_its_line_number(body, expected):
    with pytest.raises(ReportParseError) as caught:
        parse_report(page(*body))

    assert str(caught.value) == expected


def test_an_error_is_a_value_error_that_prints_its_line_when_it_has_one():
    assert str(ReportParseError("bad heading", line=12)) == "line 12: bad heading"
    assert str(ReportParseError("the file is empty")) == "the file is empty"
    assert isinstance(ReportParseError("x"), ValueError)


# --- Size ---------------------------------------------------------------------


def synthetic_report(questions: int, areas_each: int) -> str:
    lines = ["Skip to content", "Kent PEEL 2017", "Efficiency", "How efficient is the force?"]
    lines += ["Last updated 09/11/2017", "Good", "Kent Police is good.", "Questions for Efficiency"]
    for number in range(1, questions + 1):
        lines += [str(number), f"How well does the force do thing {number}?", "Good"]
        lines += ["The force does this well. " * 20, "Areas for improvement"]
        lines += [
            f"  • The force should improve item {n} of question {number}."
            for n in range(areas_each)
        ]
    return "\n\n".join(lines)


def test_a_report_with_200_areas_for_improvement_parses_well_under_100_ms():
    text = synthetic_report(questions=20, areas_each=10)

    timings = []
    for _ in range(3):
        started = time.perf_counter()
        report = parse_report(text)
        timings.append(time.perf_counter() - started)

    assert report.afi_count == 200
    assert report.questions[-1].areas_for_improvement[-1] == (
        "The force should improve item 9 of question 20."
    )
    assert min(timings) < 0.1


def test_a_huge_input_is_read_in_linear_time():
    pathological = "How " * 250_000 + "\n" + "Kent PEEL " * 100_000 + "\n" + "- " * 250_000
    text = pathological * 2 + "\nKent PEEL 2017\n" + pathological * 2

    started = time.perf_counter()
    report = parse_report(text)

    assert report.questions == ()
    assert time.perf_counter() - started < 5
