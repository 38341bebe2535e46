"""The import preview's edits (tracker/reports/edit.py) and the document's JSON round trip.

Pure Python: no database. The documents are read from real report text (tests/reports.py);
where a test needs a layout the fixtures do not have, it says so.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reports import EXCERPTS, PEEL_2021_ON, SAMPLE
from tracker.reports import edit
from tracker.reports.edit import EditError
from tracker.reports.read import read_report
from tracker.reports.shape import (
    Deadline,
    FindingKind,
    ReportDocument,
    document_from_json,
    document_json,
)

REAL_TEXTS = [SAMPLE, *sorted(EXCERPTS.glob("*.txt")), *sorted(PEEL_2021_ON.glob("*.txt"))]
LETTER = PEEL_2021_ON / "devon-and-cornwall-2024-cause-of-concern-closure-letter.txt"
CAUSE = FindingKind.CAUSE_OF_CONCERN
REC = FindingKind.RECOMMENDATION
AFI = FindingKind.AREA_FOR_IMPROVEMENT


def letter() -> ReportDocument:
    """Cause of concern 1, its recommendation 2 (within three months), cause of concern 3."""
    return read_report(LETTER.read_text(encoding="utf-8"))


def sample() -> ReportDocument:
    return read_report(SAMPLE.read_text(encoding="utf-8"))


def ids(document: ReportDocument) -> list[int]:
    return [finding.id for finding in document.findings]


def texts(document: ReportDocument) -> list[str]:
    return [finding.text for finding in document.findings]


# The JSON round trip ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", REAL_TEXTS, ids=lambda path: path.stem)
def test_every_real_document_reads_back_from_its_json_exactly(path):
    document = read_report(path.read_text(encoding="utf-8"))

    data = json.loads(json.dumps(document_json(document, whole=True)))

    assert document_from_json(data) == document


def test_an_edited_document_reads_back_exactly_too():
    document = edit.split(edit.merge_with_next(sample(), 2), 2, 40)
    document = edit.add(document, kind=REC, text="x", parent=1, deadline="within 6 months")

    assert (
        document_from_json(json.loads(json.dumps(document_json(document, whole=True)))) == document
    )


def test_the_2014_2019_keys_are_unchanged_by_what_the_round_trip_needs():
    data = document_json(sample(), "Lancashire Constabulary", whole=True)

    assert "page" not in document_json(sample())  # the published shape is as it was
    assert data["force"] == "Lancashire Constabulary"
    assert list(data)[:8] == [
        "force", "programme", "year", "pillar", "title", "grade", "last_updated", "questions",
    ]  # fmt: skip
    assert data["page"]["place"] == "Lancashire"
    assert document_from_json(data).force == "Lancashire"


# Each edit ---------------------------------------------------------------------------------------


def test_set_kind_changes_only_that_finding():
    before = sample()
    after = edit.set_kind(before, 3, "cause-of-concern")

    assert after.findings[2].kind is CAUSE
    assert [f.kind for f in after.findings if f.id != 3] == [AFI] * 6
    assert before.findings[2].kind is AFI  # a new document; the old one is as it was
    with pytest.raises(EditError, match="not a kind of finding") as refused:
        edit.set_kind(before, 3, "wish")
    assert refused.value.field == "kind"


def test_merging_joins_two_lines_a_page_break_split_and_keeps_the_first_id():
    # The recommendation is split in two where a PDF's page break fell (its words as written).
    text = LETTER.read_text(encoding="utf-8").replace(
        "• improve its processes for answering non-emergency",
        "• improve its processes for answering\n  • non-emergency",
    )
    split = read_report(text)
    assert texts(split)[1:3] == [
        "improve its processes for answering",
        "non-emergency calls so that it a",
    ]

    merged = edit.merge_with_next(split, 2)

    assert ids(merged) == [1, 2, 4]
    assert merged.findings[1] == letter().findings[1]  # as if the page break was never there
    assert merged.findings[1].deadline == Deadline("Within three months", 3)


def test_merging_re_parents_the_second_findings_children_and_refuses_the_last():
    document = edit.merge_with_next(letter(), 1)  # cause of concern 1 takes in recommendation 2

    assert ids(document) == [1, 3]
    assert document.findings[0].text.startswith("The force needs to improve the time")
    assert document.findings[0].text.endswith("so that it a")
    # Recommendation 2's child (one added here) now answers cause of concern 1.
    with_child = edit.add(letter(), kind=REC, text="a sub-recommendation", parent=2)
    assert edit.merge_with_next(with_child, 1).findings[-1].parent == 1

    with pytest.raises(EditError, match="no next finding"):
        edit.merge_with_next(letter(), 3)


def test_merging_a_child_with_its_parent_never_makes_it_its_own_parent():
    document = edit.add(letter(), kind=CAUSE, text="a cause", after=1)  # id 4, after 1
    document = edit.set_parent(document, 1, 4)  # the cause of concern above sits under 4

    merged = edit.merge_with_next(document, 1)

    assert merged.findings[0].parent is None


def test_split_at_an_offset_gives_a_new_id_after_it_with_the_same_kind_parent_and_deadline():
    document = letter()
    recommendation = document.findings[1]
    at = recommendation.text.index(" so that")

    after = edit.split(document, 2, at)

    assert ids(after) == [1, 2, 4, 3]
    assert texts(after)[1:3] == [
        "improve its processes for answering non-emergency calls",
        "so that it a",
    ]
    new = after.findings[2]
    assert (new.kind, new.parent, new.deadline) == (REC, 1, recommendation.deadline)
    for bad in (0, len(recommendation.text), -3):
        with pytest.raises(EditError, match="both parts"):
            edit.split(document, 2, bad)


def test_split_at_a_line_cuts_where_the_person_started_a_new_line():
    document = edit.set_text(sample(), 1, "The first part.\nThe second part.\nThe third.")

    once = edit.split_at_line(document, 1)
    assert texts(once)[:2] == ["The first part.", "The second part.\nThe third."]
    twice = edit.split_at_line(document, 1, line=2)
    assert texts(twice)[:2] == ["The first part.\nThe second part.", "The third."]
    with pytest.raises(EditError, match="start a new line"):
        edit.split_at_line(sample(), 1)


def test_ids_stay_unique_whatever_is_deleted_split_or_added():
    document = edit.delete(sample(), 7)
    document = edit.add(document, kind=AFI, text="one more")
    document = edit.split(document, 3, 30)

    assert ids(document) == [1, 2, 3, 8, 4, 5, 6, 7]
    assert document.findings[-1].text == "one more"


def test_delete_leaves_its_children_without_a_parent():
    after = edit.delete(letter(), 1)

    assert ids(after) == [2, 3]
    assert after.findings[0].parent is None
    with pytest.raises(EditError, match="no finding 9"):
        edit.delete(letter(), 9)


def test_add_puts_a_finding_after_the_one_named_with_its_deadline_read():
    after = edit.add(
        letter(),
        kind="recommendation",
        text="  reduce the time callers wait  ",
        parent=1,
        deadline="Within six months",
        after=2,
    )

    new = after.findings[2]
    assert (new.id, new.kind, new.text, new.parent) == (4, REC, "reduce the time callers wait", 1)
    assert new.deadline == Deadline("Within six months", 6)
    with pytest.raises(EditError, match="needs its text") as refused:
        edit.add(letter(), kind=REC, text="   ")
    assert refused.value.field == "text"


def test_set_parent_refuses_itself_a_stranger_and_a_loop():
    document = letter()

    assert edit.set_parent(document, 3, 1).findings[2].parent == 1
    assert edit.set_parent(document, 2, None).findings[1].parent is None
    with pytest.raises(EditError, match="its own parent"):
        edit.set_parent(document, 2, 2)
    with pytest.raises(EditError, match="no finding 8"):
        edit.set_parent(document, 2, 8)
    with pytest.raises(EditError, match="under this one") as refused:
        edit.set_parent(document, 1, 2)  # 2 is under 1 already
    assert refused.value.field == "parent"


@pytest.mark.parametrize(
    "words, months",
    [
        ("Within three months", 3),
        ("within 6 months of this letter", 6),
        ("Within twelve calendar months", 12),
        ("by the end of March", None),  # kept as written; no months to read
    ],
)
def test_deadline_words_are_read_as_the_readers_read_them(words, months):
    after = edit.set_deadline(letter(), 2, words)

    assert after.findings[1].deadline == Deadline(words, months)


def test_no_deadline_words_means_no_deadline():
    assert edit.set_deadline(letter(), 2, "  ").findings[1].deadline is None


def test_a_browsers_line_breaks_are_kept_as_a_readers():
    document = edit.set_text(sample(), 1, "The first part.\r\nThe second part.\r\n")

    assert document.findings[0].text == "The first part.\nThe second part."
    assert texts(edit.split_at_line(document, 1))[:2] == ["The first part.", "The second part."]


def test_set_text_and_set_area():
    document = edit.set_text(sample(), 1, "  New words.  ")
    document = edit.set_area(document, 1, "  ")

    assert (document.findings[0].text, document.findings[0].area) == ("New words.", None)


# Any sequence of edits keeps ids unique and parents pointing at findings that are there ----------

_EDITS = st.lists(
    st.tuples(
        st.sampled_from(["merge", "split", "delete", "add", "parent", "kind"]),
        st.integers(1, 12),
        st.integers(0, 80),
    ),
    max_size=15,
)


@settings(max_examples=150, deadline=None)
@given(_EDITS)
def test_any_sequence_of_edits_keeps_ids_unique_and_parents_real(steps):
    document = letter()
    for name, target, number in steps:
        try:
            if name == "merge":
                document = edit.merge_with_next(document, target)
            elif name == "split":
                document = edit.split(document, target, number)
            elif name == "delete":
                document = edit.delete(document, target)
            elif name == "add":
                document = edit.add(document, kind=REC, text=f"finding {number}", parent=target)
            elif name == "parent":
                document = edit.set_parent(document, target, number % 6 or None)
            else:
                document = edit.set_kind(document, target, CAUSE)
        except EditError:
            continue
        found = ids(document)
        assert len(found) == len(set(found))
        assert all(f.parent in found for f in document.findings if f.parent is not None)
        assert all(f.parent != f.id for f in document.findings)
    assert (
        document_from_json(json.loads(json.dumps(document_json(document, whole=True)))) == document
    )
