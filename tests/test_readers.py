"""The readers of every format (tracker/reports/read.py and the readers it calls).

Real text comes from tests/fixtures/reports (HMICFRS, Open Government Licence v3.0). Where a test
needs more than is attested (nothing past a 2021+ report's opening could be read), its text is
built from the real excerpts and labelled SYNTHETIC.
"""

from __future__ import annotations

import datetime
import json

import pytest

from tests.reports import CAUSE_OF_CONCERN_2021, EXCERPTS, PEEL_2021_ON, SAMPLE, kent_2021_body
from tracker.reports.artefacts import join_hyphenated, remove_page_furniture, unwrap
from tracker.reports.findings import read_pasted_findings
from tracker.reports.parse import ReportParseError, parse_report
from tracker.reports.read import detect_format, read_report
from tracker.reports.shape import (
    Deadline,
    FindingKind,
    ReportDocument,
    ReportFormat,
    document_json,
)

AFI = FindingKind.AREA_FOR_IMPROVEMENT
COC = FindingKind.CAUSE_OF_CONCERN
REC = FindingKind.RECOMMENDATION


def real(name: str) -> str:
    return (PEEL_2021_ON / f"{name}.txt").read_text(encoding="utf-8")


def messages(document) -> list[str]:
    return [warning.message for warning in document.warnings]


KENT_2023 = real("kent-peel-2023-25-opening")
KENT_2021 = real("kent-peel-2021-22-opening")
LETTER = real("devon-and-cornwall-2024-cause-of-concern-closure-letter")
REGISTER = real("register-devon-and-cornwall-recommendation-6989")
OPENING_2023 = KENT_2023.split("\n")[2]  # "Our inspection assessed how good Kent Police is …"


# --- Format detection ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SAMPLE.read_text(encoding="utf-8"), ReportFormat.PEEL_2014_2019),
        (KENT_2021, ReportFormat.PEEL_2021_22),
        (KENT_2023, ReportFormat.PEEL_2023_25),
        (
            (EXCERPTS / "cumbria-peel-2021-22.txt").read_text(encoding="utf-8"),
            ReportFormat.PEEL_2021_22,
        ),
        (LETTER, ReportFormat.CAUSE_OF_CONCERN_LETTER),
        (REGISTER, ReportFormat.OTHER),
        (
            (
                EXCERPTS / "monitoring-bedfordshire-2016-effectiveness-cause-of-concern.txt"
            ).read_text(encoding="utf-8"),
            ReportFormat.OTHER,
        ),
        # SYNTHETIC: the 2025–27 layout is unknown; its first core question is attested.
        (
            "Our judgments\n" + OPENING_2023 + "\nHow good is the force at leadership and force "
            "management?\nGood",
            ReportFormat.PEEL_2025_27,
        ),
    ],
)
def test_the_format_is_detected(text, expected):
    assert detect_format(text) is expected
    assert read_report(text).format is expected


def test_a_page_of_no_known_format_is_a_clear_error():
    letter = "Dear Chief Constable,\n\nThank you for your letter of 3 March.\n\nYours sincerely\n"

    with pytest.raises(ReportParseError) as caught:
        read_report(letter)

    assert "does not look like a page of any known format" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_format_can_be_insisted_on():
    document = read_report(KENT_2021, format="peel-2023-25")

    assert document.format is ReportFormat.PEEL_2023_25
    assert any("as asked" in message for message in messages(document))
    with pytest.raises(ReportParseError, match="unknown format 'peel-2030'"):
        read_report(KENT_2021, format="peel-2030")


def test_the_2014_2019_reader_keeps_its_report_and_gains_the_common_shape():
    text = SAMPLE.read_text(encoding="utf-8")

    document = read_report(text)

    assert document.pillar_report == parse_report(text)
    assert (document.force, document.cycle) == ("Lancashire", "2016")
    assert [(a.number, a.grade) for a in document.areas] == [(n, "Good") for n in range(1, 5)] + [
        (5, "Ungraded")
    ]
    assert len(document.findings_of(AFI)) == 7
    assert document.findings[1].area == document.areas[1].label
    data = document_json(document, "Lancashire Constabulary")
    assert list(data)[:8] == [
        "force", "programme", "year", "pillar", "title", "grade", "last_updated", "questions",
    ]  # fmt: skip
    assert {"format", "published", "areas", "findings", "warnings"} <= set(data)
    assert data["findings"][0]["kind"] == "area-for-improvement"
    json.dumps(data)


# --- PEEL 2021+: the openings (real) --------------------------------------------------


def test_the_2023_25_opening_counts_in_words_and_names_its_cycle():
    document = read_report(KENT_2023)

    assert (document.format, document.cycle, document.force) == (
        ReportFormat.PEEL_2023_25,
        "2023–25",
        "Kent Police",
    )
    assert (document.counts.assessed, document.counts.graded) == (9, 8)
    assert document.areas == () and document.findings == ()


def test_the_2021_22_opening_counts_in_digits():
    document = read_report(KENT_2021)

    assert (document.format, document.cycle) == (ReportFormat.PEEL_2021_22, "2021/22")
    assert (document.counts.assessed, document.counts.graded) == (12, 11)


def test_a_constabulary_is_named_as_the_opening_names_it():
    document = read_report((EXCERPTS / "cumbria-peel-2021-22.txt").read_text(encoding="utf-8"))

    assert document.force == "Cumbria Constabulary"
    assert (document.counts.assessed, document.counts.graded) == (11, 10)


def test_grades_are_not_in_a_text_copy_and_never_come_from_prose_or_counts():
    # SYNTHETIC: the real opening, then prose that says "good" and a press release's counts.
    text = (
        KENT_2023
        + ".\nKent Police is good at investigating crime.\nThe force was graded good in five areas."
    )

    document = read_report(text)

    assert all(area.grade is None for area in document.areas)
    assert any("no area grades found" in message for message in messages(document))


def test_the_opening_without_our_judgments_and_with_areas_after_the_counts():
    # SYNTHETIC variant of the real opening: no "Our judgments" heading, "… of these 12 areas,".
    text = KENT_2021.replace("Our judgments\n", "").replace(
        "of these 12 as", "of these 12 areas, as"
    )

    document = read_report(text)

    assert document.format is ReportFormat.PEEL_2021_22
    assert (document.counts.assessed, document.counts.graded) == (12, 11)


def test_an_early_2021_22_report_assessed_13_areas_and_graded_11():
    # SYNTHETIC: the real 2021/22 opening with the first eight forces' counts.
    text = KENT_2021.replace("in 12 areas", "in 13 areas").replace(
        "11 of these 12", "11 of these 13"
    )

    document = read_report(text)

    assert (document.counts.assessed, document.counts.graded) == (13, 11)


def test_a_cut_off_report_says_where_it_stops():
    document = read_report(KENT_2021)

    cut = [w for w in document.warnings if "cut off" in w.message]
    assert cut and cut[0].text.endswith("in common with other forces, ha")


# --- PEEL 2021+: areas and grades (SYNTHETIC bodies after real openings) -------------------

LABELS_2021_22 = [
    "Preventing crime and anti-social behaviour",
    "Engaging with and treating the public with fairness and respect",
    "Investigating crime",
    "Protecting vulnerable people",
    "Managing offenders and suspects",
    "Responding to the public",
    "Building, supporting and protecting the workforce",
    "Strategic planning, organisational management and value for money",
    "Recording data about crime",
    "Disrupting serious and organised crime",
]
TIERS = ["Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate"]


def test_every_attested_2021_22_label_is_an_area_graded_from_its_heading_and_grade_line():
    # SYNTHETIC: the body's layout is not known; each area here is its heading, then a grade line.
    body = []
    for index, label in enumerate(LABELS_2021_22):
        body += [label, TIERS[index % 5], f"{label} is assessed in this section."]
    document = read_report(KENT_2021.rsplit("\n", 2)[0] + "\n" + "\n".join(body))

    assert [(a.label, a.grade, a.known, a.grade_from) for a in document.areas] == [
        (label, TIERS[index % 5], True, "heading") for index, label in enumerate(LABELS_2021_22)
    ]
    assert [a.number for a in document.areas] == list(range(1, 11))
    assert any("opening says 11 graded areas; 10 found" in m for m in messages(document))


@pytest.mark.parametrize(
    "entries",
    [
        ["Investigating crime: Adequate", "Responding to the public: Requires improvement"],
        ["Investigating crime – Adequate", "Responding to the public – Requires improvement"],
        ["Investigating crime\tAdequate", "Responding to the public\tRequires improvement"],
        ["Investigating crime", "Adequate", "Responding to the public", "Requires improvement"],
        ["Adequate", "Investigating crime", "Requires improvement", "Responding to the public"],
    ],
    ids=["colon", "dash", "tab", "label-then-grade", "grade-then-labels"],
)
def test_grades_come_from_the_judgments_list_where_the_text_has_it(entries):
    # SYNTHETIC: the judgments table is not in any real text copy; these are the forms read.
    lines = KENT_2023.split("\n")
    text = "\n".join(lines[:3] + entries + lines[3:])

    document = read_report(text)

    assert [(a.label, a.grade, a.grade_from) for a in document.areas] == [
        ("Investigating crime", "Adequate", "judgments list"),
        ("Responding to the public", "Requires improvement", "judgments list"),
    ]


def test_the_judgments_list_wins_over_a_heading_that_disagrees_and_says_so():
    # SYNTHETIC
    lines = KENT_2023.split("\n")
    text = "\n".join(lines[:3] + ["Investigating crime: Good"] + lines[3:-1])
    text += "\nInvestigating crime\nAdequate\nThe force is adequate at investigating crime."

    document = read_report(text)

    assert document.areas[0].grade == "Good"
    assert any("the judgments list says Good" in m for m in messages(document))


def test_the_2023_25_and_2025_27_labels_are_known_and_an_unknown_label_is_kept_as_written():
    # SYNTHETIC
    text = KENT_2023 + (
        ".\nLeadership and force management\nGood\n"
        "Tackling violence against women and girls\nInadequate\nThe force must improve."
    )

    document = read_report(text)

    assert [(a.label, a.grade, a.known) for a in document.areas] == [
        ("Leadership and force management", "Good", True),
        ("Tackling violence against women and girls", "Inadequate", False),
    ]
    flagged = [w for w in document.warnings if "does not know" in w.message]
    assert [w.text for w in flagged] == ["Tackling violence against women and girls"]


def test_the_2025_27_first_question_is_an_area():
    # SYNTHETIC
    opening = list(KENT_2023.split("\n")[:5])  # without "PEEL 2023–2025"
    text = "\n".join(opening) + (
        "\nHow good is the force at leadership and force management?\nAdequate\n"
        "Areas for improvement\n• The force should improve how it plans its workforce."
    )

    document = read_report(text)

    assert document.format is ReportFormat.PEEL_2025_27
    assert document.areas[0].grade == "Adequate"
    assert document.findings[0].area == "How good is the force at leadership and force management?"


# --- PEEL 2021+: findings (SYNTHETIC bodies; the attested lead-ins and glossary wording) ---


def body_2021(*lines: str) -> ReportDocument:
    return read_report(kent_2021_body(*lines))


def test_numbered_areas_for_improvement_belong_to_their_area():
    document = body_2021(
        "Investigating crime",
        "Requires improvement",
        "Area for improvement 1",
        "The force should make sure that investigations are allocated to appropriately "
        "skilled staff.",
        "We found that some investigations were delayed.",
        "Area for improvement 2: The force should improve its supervision of investigations.",
        "Innovative practice",
        "The force should be proud of its new triage desk, which other forces should copy.",
    )

    assert [(f.kind, f.number, f.area, f.text) for f in document.findings] == [
        (
            AFI,
            1,
            "Investigating crime",
            "The force should make sure that investigations are allocated to appropriately "
            "skilled staff.",
        ),
        (
            AFI,
            2,
            "Investigating crime",
            "The force should improve its supervision of investigations.",
        ),
    ]


def test_a_cause_of_concern_has_its_recommendations_with_deadlines():
    document = body_2021(*CAUSE_OF_CONCERN_2021)

    cause, *recommendations = document.findings
    assert (cause.kind, cause.area) == (COC, "Responding to the public")
    assert [(r.kind, r.parent, r.deadline) for r in recommendations] == [
        (REC, cause.id, Deadline("Within three months", 3))
    ] * 2
    assert recommendations[0].text == "improve its processes for answering non-emergency calls; and"
    assert recommendations[0].lead_in == "Within three months, Kent Police should:"


@pytest.mark.parametrize(
    ("lead_in", "months"),
    [
        ("Within three months, Devon and Cornwall Police should:", 3),
        ("We recommended that within six months, Gloucestershire Constabulary should:", 6),
        ("We made the following recommendations, stating that the constabulary should:", None),
        ("Within 12 months, the force should:", 12),
    ],
)
def test_each_attested_lead_in_gives_each_bullet_as_a_recommendation(lead_in, months):
    document = read_pasted_findings(
        f"Cause of concern\nThe force does not record crime accurately.\n{lead_in}\n"
        "• record all crimes reported;\n• train its staff; and\n• audit its records."
    )

    recommendations = document.findings_of(REC)
    assert [r.text for r in recommendations] == [
        "record all crimes reported;",
        "train its staff; and",
        "audit its records.",
    ]
    assert {r.deadline.months if r.deadline else None for r in recommendations} == {months}
    assert {r.parent for r in recommendations} == {1}


def test_an_accelerated_cause_of_concern_and_an_area_of_concern_are_their_own_kinds():
    document = read_pasted_findings(
        "Accelerated cause of concern\nThe force is not protecting vulnerable people.\n"
        "Area of concern: responding to the public\nThe force answers 101 calls too slowly."
    )

    assert [(f.kind, f.label) for f in document.findings] == [
        (FindingKind.ACCELERATED_CAUSE_OF_CONCERN, None),
        (FindingKind.AREA_OF_CONCERN, "responding to the public"),
    ]


def test_practice_sections_are_not_actions():
    document = read_pasted_findings(
        "Promising practice\n• The force runs a triage desk.\nAreas for improvement\n"
        "• The force should audit its triage desk."
    )

    assert [f.text for f in document.findings] == ["The force should audit its triage desk."]


# --- The letter (real) ------------------------------------------------------------------


def test_the_letter_gives_its_causes_recommendations_and_closures():
    document = read_report(LETTER)

    assert document.format is ReportFormat.CAUSE_OF_CONCERN_LETTER
    assert document.force == "Devon and Cornwall Police"
    assert document.published == datetime.date(2024, 9, 27)
    assert document.sent == datetime.date(2024, 9, 26)
    cause, recommendation, older = document.findings
    assert (cause.kind, cause.label, cause.text) == (
        COC,
        "responding to the public",
        "The force needs to improve the time it takes to answer non-emergency calls",
    )
    assert (cause.closure.how, cause.closure.on) == ("closed", datetime.date(2024, 9, 26))
    assert recommendation.parent == cause.id
    assert recommendation.deadline == Deadline("Within three months", 3)
    assert recommendation.lead_in == "Within three months, Devon and Cornwall Police should:"
    assert recommendation.text == (
        "improve its processes for answering non-emergency calls so that it a"
    )
    assert (older.kind, older.label) == (COC, "the management of sexual offenders")
    assert (older.closure.how, older.closure.when, older.closure.on) == (
        "closed",
        "December 2023",
        None,
    )


def test_the_cut_off_letter_says_a_recommendation_is_missing_and_where_it_stops():
    warnings = messages(read_report(LETTER))

    assert any("says this has 2 recommendations; 1 found" in m for m in warnings)
    assert any("cut off" in m for m in warnings)


def test_a_cause_of_concern_discharged_this_way_is_closed():
    # SYNTHETIC letter body around the attested sentence "In April 2023, we discharged this
    # cause of concern."
    text = LETTER.split("Background")[0] + (
        "Cause of concern: crime data integrity\nThe force does not record all crimes.\n"
        "In April 2023, we discharged this cause of concern.\n"
    )

    cause = read_report(text).findings[0]

    assert (cause.label, cause.closure.how, cause.closure.when) == (
        "crime data integrity",
        "discharged",
        "April 2023",
    )


# --- The register and monitoring pages (real) ------------------------------------------


def test_the_register_page_is_one_recommendation_with_its_sub_points_and_status_log():
    document = read_report(REGISTER)

    (recommendation,) = document.findings
    assert recommendation.kind is REC
    assert recommendation.deadline == Deadline("Within six months", 6)
    assert recommendation.text.count("\n• ") == 5
    assert [entry.status for entry in recommendation.history if entry.status] == [
        "awaiting-review",
        "being-progressed",
        "complete",
    ]
    assert recommendation.closure.on == datetime.date(2018, 4, 27)
    # The last comment is cut off its markup: it is kept as a warning, not dropped.
    assert any("Authorised for closure" in w.text for w in document.warnings)


def test_the_monitoring_page_bullets_run_together_are_two_recommendations():
    text = (EXCERPTS / "monitoring-bedfordshire-2016-effectiveness-cause-of-concern.txt").read_text(
        encoding="utf-8"
    )

    document = read_report(text)

    cause = document.findings[0]
    assert cause.kind is COC
    assert [f.text[:30] for f in document.children(cause)] == [
        "increase the number of officer",
        "monitor the effect of this inc",
    ]
    assert document.findings[-1].kind is AFI  # "identified the following Areas for improvement"


# --- Pasted findings (SYNTHETIC, from the real sample's areas for improvement) ------------

SAMPLE_AFIS = parse_report(SAMPLE.read_text(encoding="utf-8")).questions[1].areas_for_improvement


@pytest.mark.parametrize("mark", ["•", "-", "●", "▪", "o", "1.", "(a)"])
def test_pasted_bullets_of_every_kind_are_findings(mark):
    marks = [mark.replace("1", str(n)).replace("a", "abcd"[n - 1]) for n in range(1, 5)]
    text = "Areas for improvement\n" + "\n".join(
        f"{m} {afi}" for m, afi in zip(marks, SAMPLE_AFIS, strict=True)
    )

    document = read_pasted_findings(text)

    assert [f.text for f in document.findings] == list(SAMPLE_AFIS)
    assert {f.kind for f in document.findings} == {AFI}


def test_pasted_area_for_improvement_prefixes_are_numbered():
    text = "\n".join(f"Area for improvement {n}: {afi}" for n, afi in enumerate(SAMPLE_AFIS, 1))

    document = read_pasted_findings(text)

    assert [(f.number, f.text) for f in document.findings] == list(enumerate(SAMPLE_AFIS, 1))


def test_pasted_bullets_without_a_heading_are_areas_for_improvement_with_a_warning():
    document = read_pasted_findings("\n".join(f"• {afi}" for afi in SAMPLE_AFIS))

    assert len(document.findings) == 4
    assert any("no heading above them" in m for m in messages(document))


def test_a_nested_list_is_one_finding_with_its_sub_points():
    humberside = (EXCERPTS / "humberside-peel-2018-legitimacy-detailed-findings.txt").read_text(
        encoding="utf-8"
    )
    block = humberside.split("Areas for improvement\n\n")[1].split("\n\nWe set out")[0]

    document = read_pasted_findings("Areas for improvement\n" + block)

    (finding,) = document.findings
    assert finding.text == parse_report(humberside).questions[0].areas_for_improvement[0]


def test_o_and_lettered_sub_bullets_are_sub_points():
    document = read_pasted_findings(
        "Areas for improvement\n• The force should improve its stop and search:\n"
        "o its records\n(a) its scrutiny\n• The force should review its workforce plan."
    )

    assert [f.text for f in document.findings] == [
        "The force should improve its stop and search:\n• its records\n• its scrutiny",
        "The force should review its workforce plan.",
    ]


def test_prose_that_is_not_a_finding_is_kept_as_a_warning():
    document = read_pasted_findings(
        "Areas for improvement\n• The force should audit the skills of its workforce.\n"
        "Some words nobody understood.\n"
    )

    assert [w.text for w in document.warnings] == ["Some words nobody understood."]


def test_pdf_artefacts_in_pasted_text_are_undone_and_reported():
    # SYNTHETIC: the sample's areas for improvement as a PDF viewer copies them: hard line
    # breaks mid-sentence, a word hyphenated across lines, a running header and page numbers.
    text = (
        "Lancashire Constabulary PEEL 2016\n"
        "Areas for improvement\n"
        "• The constabulary should ensure that crime is consistently allocated to\n"
        "appropriately trained and skilled officers and staff, and that investi-\n"
        "gations are supervised.\n"
        "3\n"
        "Lancashire Constabulary PEEL 2016\n"
        "• The constabulary should ensure that it effectively supervises and monitors\n"
        "the quality of investigations, including re-\n"
        "offending risk.\n"
        "4\n"
        "Lancashire Constabulary PEEL 2016\n"
        "• The constabulary should improve its improve-\n"
        "ment plan.\n"
        "5\n"
    )

    document = read_pasted_findings(text)

    assert [f.text for f in document.findings] == [
        "The constabulary should ensure that crime is consistently allocated to appropriately "
        "trained and skilled officers and staff, and that investigations are supervised.",
        "The constabulary should ensure that it effectively supervises and monitors the quality "
        "of investigations, including re-offending risk.",
        "The constabulary should improve its improvement plan.",
    ]
    removed = [w.text for w in document.warnings if "PDF artefact" in w.message]
    assert removed.count("Lancashire Constabulary PEEL 2016") == 3
    assert {"3", "4", "5"} <= set(removed)


def test_hyphens_of_compounds_are_kept_and_those_of_broken_words_dropped():
    seen = {"anti-social", "investigations"}

    assert join_hyphenated("anti-", "social", seen) == "anti-social"
    assert join_hyphenated("re-", "offending", seen) == "re-offending"
    assert join_hyphenated("being-", "progressed", seen) == "being-progressed"
    assert join_hyphenated("investi-", "gations", seen) == "investigations"
    assert join_hyphenated("improve-", "ment", seen) == "improvement"
    assert join_hyphenated("improve\xad", "ment", set()) == "improvement"


def test_running_headers_and_page_numbers_are_found_page_by_page():
    pages = [
        "HMICFRS – Kent PEEL 2023–25\nFirst page text.\nPage 1 of 3",
        "HMICFRS – Kent PEEL 2023–25\n2\nHow well?\nPage 2 of 3",
        "HMICFRS – Kent PEEL 2023–25\nLast page text.\nPage 3 of 3",
    ]

    cleaned = remove_page_furniture("".join(page + "\f" for page in pages))

    assert cleaned.text.split("\n") == ["First page text.", "2", "How well?", "Last page text."]
    assert [why for why, _ in cleaned.removed].count("page number") == 3


def test_unwrapping_pasted_lines_keeps_headings_and_bullets_apart():
    text = (
        "Areas for improvement\n• The force should improve the quality and progress\n"
        "of investigations."
    )

    assert unwrap(text, blank_lines_are_paragraphs=False) == (
        "Areas for improvement\n• The force should improve the quality and progress of "
        "investigations."
    )


# --- The 2014–2019 reader: a wrapped area for improvement (issue 13) ------------------------


def northumbria_wrapped(continuation: str) -> str:
    # SYNTHETIC: the real Northumbria 2018 excerpt with its first area for improvement wrapped
    # as real 2018 pages wrap them ("…the quality and progress" / "of investigations. - …").
    text = (EXCERPTS / "northumbria-peel-2018-efficiency-detailed-findings.txt").read_text(
        encoding="utf-8"
    )
    first = (
        "  • The force should undertake further work to gain a better understanding of current "
        "demand for its services, including hidden demand. This is so that it can make best use "
        "of its resources to meet the needs of the public."
    )
    wrapped = (
        "  • The force should undertake further work to gain a better understanding of current "
        "demand for its services, including hidden demand. This is so that it can make best use"
        f"\n{continuation}"
    )
    assert first in text
    return text.replace(first, wrapped)


@pytest.mark.parametrize(
    "continuation",
    [
        "    of its resources to meet the needs of the public.",
        "of its resources to meet the needs of the public.",
    ],
    ids=["indented", "not-indented"],
)
def test_an_area_for_improvement_wrapped_onto_the_next_line_is_one_and_none_are_dropped(
    continuation,
):
    report = parse_report(northumbria_wrapped(continuation))

    areas = report.questions[0].areas_for_improvement
    assert len(areas) == 4
    assert areas[0].endswith("make best use of its resources to meet the needs of the public.")
    assert report.questions[0].narrative == ""


def test_the_next_bullet_may_start_on_the_wrapped_line():
    text = northumbria_wrapped(
        "of its resources to meet the needs of the public. - The force should conduct a "
        "workforce skills audit that will allow it to understand workforce capacity and "
        "capability."
    ).replace(
        "  • The force should conduct a workforce skills audit that will allow it to understand "
        "workforce capacity and capability.\n",
        "",
    )

    areas = parse_report(text).questions[0].areas_for_improvement

    assert len(areas) == 4
    assert areas[1] == (
        "The force should conduct a workforce skills audit that will allow it to understand "
        "workforce capacity and capability."
    )


def test_a_capitalised_continuation_is_joined_with_a_warning():
    report = parse_report(northumbria_wrapped("Of its resources to meet the needs of the public."))

    assert len(report.questions[0].areas_for_improvement) == 4
    assert any("continuation" in message for message, _, _ in report.warnings)


def test_a_cut_off_pillar_page_says_where_it_stops():
    report = parse_report((EXCERPTS / "metropolitan-peel-2016-effectiveness.txt").read_text())

    ((message, line, text),) = report.warnings
    assert "cut off" in message and text == "- The force should evaluate and share"
    assert line == 12
    assert parse_report(SAMPLE.read_text(encoding="utf-8")).warnings == ()


def test_a_question_number_left_at_the_end_is_reported():
    report = parse_report("Kent PEEL 2017\n\nEfficiency\n\nHow efficient?\n\n1\n")

    assert "question number 1" in report.warnings[0][0]


def test_an_area_for_improvement_broken_into_a_paragraph_keeps_every_area_after_it():
    # SYNTHETIC: the real Northumbria 2018 excerpt with its first area for improvement broken
    # after a full stop into a paragraph of its own, as a page's markup can break one.
    text = northumbria_wrapped("")
    text = text.replace(
        "This is so that it can make best use\n",
        "\n\nThis is so that it can make best use of its resources to meet the needs of the "
        "public.\n",
    )
    report = parse_report(text)

    areas = report.questions[0].areas_for_improvement
    assert len(areas) == 4  # none dropped after the paragraph
    assert areas[0].endswith(
        "including hidden demand. This is so that it can make best use of its resources to "
        "meet the needs of the public."
    )
    assert report.questions[0].narrative == ""
    assert any("paragraph between two" in message for message, _, _ in report.warnings)


def test_a_should_bullet_outside_the_areas_for_improvement_is_kept_as_narrative_and_said():
    # SYNTHETIC: a narrative bullet saying what the force should do, after a real page's
    # narrative (the sample), with no "Areas for improvement" heading over it.
    sample = SAMPLE.read_text(encoding="utf-8")
    report = parse_report(sample)
    last = report.questions[-1].narrative.split("\n\n")[-1]
    text = sample.replace(last, f"{last}\n\n• The force should publish its plan.", 1)

    changed = parse_report(text)

    assert changed.questions[-1].areas_for_improvement == (
        report.questions[-1].areas_for_improvement
    )
    assert "The force should publish its plan." in changed.questions[-1].narrative
    assert any("not under an 'Areas for improvement'" in m for m, _, _ in changed.warnings)
