"""Whatever text it is given, read_report returns a document or raises ReportParseError."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reports import EXCERPTS, PEEL_2021_ON, SAMPLE
from tracker.reports.parse import ReportParseError
from tracker.reports.read import read_report
from tracker.reports.shape import ReportDocument, document_json

PAGES = [
    path.read_text(encoding="utf-8").split("\n")
    for path in [SAMPLE, *sorted(EXCERPTS.glob("*.txt")), *sorted(PEEL_2021_ON.glob("*.txt"))]
]
LINES = sorted({line for lines in PAGES for line in lines}) + [
    "Area for improvement 2:",
    "Cause of concern: responding to the public",
    "Accelerated cause of concern",
    "Recommendations",
    "Within three months, Kent Police should:",
    "Investigating crime: Good",
    "Promising practice",
    "(a) a sub-point",
    "o a sub-point",
    "3",
    "\f",
]

fuzz = settings(max_examples=200, deadline=None)


def reads_or_refuses(text: str) -> None:
    try:
        document = read_report(text)
    except ReportParseError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert isinstance(document, ReportDocument)
    ids = [finding.id for finding in document.findings]
    assert ids == list(range(1, len(ids) + 1))
    assert all(f.parent is None or f.parent in ids for f in document.findings)
    json.dumps(document_json(document))


@fuzz
@given(st.text())
def test_any_text_is_a_document_or_a_parse_error(text):
    reads_or_refuses(text)


@fuzz
@given(st.lists(st.sampled_from(LINES) | st.text(max_size=40), max_size=60))
def test_any_page_of_real_lines_is_a_document_or_a_parse_error(lines):
    reads_or_refuses("\n".join(lines))
    reads_or_refuses("\n".join(["Our judgments", *lines]))
    reads_or_refuses("\n".join(["Kent Police: cause of concern letter", *lines]))
