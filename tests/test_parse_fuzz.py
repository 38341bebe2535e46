"""Whatever text it is given, the parser returns a report or raises ReportParseError."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.models import Force
from tracker.reports.document import report_json
from tracker.reports.parse import ParsedReport, ReportParseError, parse_report

REPORTS = [
    Path(__file__).resolve().parents[1]
    / "data"
    / "reports"
    / "lancashire-peel-2016-effectiveness.txt",
    *sorted((Path(__file__).resolve().parent / "fixtures" / "reports" / "excerpts").glob("*.txt")),
]
PAGES = [path.read_text(encoding="utf-8").split("\n") for path in REPORTS]
# Lines the parser gives a meaning to, so random pages reach every state.
MEANINGFUL_LINES = sorted({line for lines in PAGES for line in lines}) + [
    "Area for improvement:",
    "Detailed findings for question 3",
    "Last updated 31/02/2017",
    "Last updated 2 March 2017",
    "Kent PEEL 2021/22",
    "0",
    "99",
    "\xa0",
]

fuzz = settings(max_examples=200, deadline=None)


def parses_or_refuses(text: str) -> None:
    try:
        report = parse_report(text)
    except ReportParseError as error:
        assert str(error)
        assert "\n" not in str(error)
        return
    assert isinstance(report, ParsedReport)
    assert report.afi_count == sum(len(q.areas_for_improvement) for q in report.questions)
    json.dumps(report_json(report, Force(name="Kent Police")))


@fuzz
@given(st.text())
def test_any_text_is_a_report_or_a_parse_error(text):
    parses_or_refuses(text)


@fuzz
@given(st.lists(st.sampled_from(MEANINGFUL_LINES) | st.text(max_size=40), max_size=60))
def test_any_page_of_real_lines_is_a_report_or_a_parse_error(lines):
    parses_or_refuses("\n".join(["Kent PEEL 2017", *lines]))


@st.composite
def mutated_pages(draw):
    lines = list(draw(st.sampled_from(PAGES)))
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        index = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        mutation = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "shuffle"]))
        if mutation == "delete" and len(lines) > 1:
            del lines[index]
        elif mutation == "duplicate":
            lines.insert(index, lines[index])
        elif mutation == "swap":
            other = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        elif mutation == "insert":
            line = lines[index]
            at = draw(st.integers(min_value=0, max_value=len(line)))
            lines[index] = line[:at] + draw(st.text(min_size=1, max_size=5)) + line[at:]
        elif mutation == "shuffle":
            lines = draw(st.permutations(lines))
    return "\n".join(lines)


@fuzz
@given(mutated_pages())
def test_a_mutated_real_page_is_a_report_or_a_parse_error(text):
    parses_or_refuses(text)
