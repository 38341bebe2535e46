"""The spreadsheet's columns: an interface other tools rely on (docs/spreadsheet-import.md).

Columns are found by their header, in any order and case; spaces and hyphens count as
underscores ("Due date" is `due_date`). A column that is not here is ignored, and said so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.models import Grade
from tracker.workflow import Kind, Status


@dataclass(frozen=True)
class Column:
    name: str
    heading: str  # as the template heads it
    note: str  # what it holds, for the template's notes sheet and the docs
    example: str = ""  # the template's example row


COLUMNS = (
    Column(
        "force",
        "Force",
        "The force's name or short name (“Kent Police”, “Kent”). May be empty when the import "
        "is for one force (the site's page, or --force).",
        "Kent Police",
    ),
    Column(
        "source",
        "Source",
        "Where the findings come from: “HMICFRS PEEL 2023–25” (or 2021/22, 2025–27) for a PEEL "
        "report, or anything else for another inspection or audit (“HMICFRS thematic”, "
        "“Internal audit”).",
        "Internal audit",
    ),
    Column(
        "report_title",
        "Report title",
        "The report's title. Needed unless the source is a PEEL report.",
        "Custody records audit 2026",
    ),
    Column("published", "Published", "The date the report was published.", "2026-05-01"),
    Column(
        "area_number",
        "Area number",
        "The question's or area's number in the report (HMICFRS's numbering for PEEL). May be "
        "empty: the area is then found by its name, or added after the last.",
        "1",
    ),
    Column(
        "area",
        "Area",
        "The question or area of policing the finding belongs to. Empty: “Findings outside a "
        "graded area”.",
        "Custody",
    ),
    Column(
        "area_grade",
        "Area grade",
        "The area's grade: Outstanding, Good, Adequate, Requires improvement, Inadequate or "
        "Ungraded. May be empty.",
        "",
    ),
    Column(
        "kind",
        "Kind",
        "Area for improvement, Cause of concern, Recommendation, Area of concern or Accelerated "
        "cause of concern (or AFI, CoC).",
        "Area for improvement",
    ),
    Column(
        "reference",
        "Reference",
        "The force's own reference for the finding (“AFI 7”), at most 40 characters. Unique "
        "within its report.",
        "IA 1",
    ),
    Column(
        "text",
        "Text",
        "The finding, as the report words it. With the report, its kind and its area, it is "
        "what an import matches an action already there by.",
        "The force should make sure custody records show each detainee's risk assessment.",
    ),
    Column(
        "parent_reference",
        "Parent reference",
        "For a recommendation: the reference of the cause of concern it answers, in the same "
        "report.",
        "",
    ),
    Column(
        "owner",
        "Owner",
        "The username or e-mail address of an active user of the force. Empty leaves it as it is.",
        "",
    ),
    Column(
        "due_date",
        "Due date",
        "A date (2026-09-30, 30/09/2026, or a spreadsheet date). Empty leaves it as it is; a "
        "changed date is recorded as a revision with the reason “spreadsheet import”.",
        "2026-09-30",
    ),
    Column(
        "status",
        "Status",
        "Not started or In progress. Empty leaves it as it is; an import never moves an action "
        "back.",
        "Not started",
    ),
)
NAMES = tuple(column.name for column in COLUMNS)
BY_NAME = {column.name: column for column in COLUMNS}
REQUIRED = ("source", "kind", "text")

# The words the import takes for each kind: its label, its value, and what forces write.
KIND_WORDS = {
    **{kind.label.casefold(): kind for kind in Kind},
    **{kind.value.casefold(): kind for kind in Kind},
    "afi": Kind.AREA_FOR_IMPROVEMENT,
    "area for improvement": Kind.AREA_FOR_IMPROVEMENT,
    "areas for improvement": Kind.AREA_FOR_IMPROVEMENT,
    "coc": Kind.CAUSE_OF_CONCERN,
    "cause for concern": Kind.CAUSE_OF_CONCERN,
    "accelerated coc": Kind.ACCELERATED_CAUSE_OF_CONCERN,
    "rec": Kind.RECOMMENDATION,
}
GRADE_WORDS = {grade.label.casefold(): grade for grade in Grade}
STATUS_WORDS = {
    status.label.casefold(): status for status in (Status.NOT_STARTED, Status.IN_PROGRESS)
}

_SEPARATORS = re.compile(r"[\s\-]+")


def column_name(heading: object) -> str:
    """A header cell as a column's name: "Due date" → "due_date"."""
    return _SEPARATORS.sub("_", str(heading or "").strip().casefold()).strip("_")
