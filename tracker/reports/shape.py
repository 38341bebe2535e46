"""The one document shape every report reader returns (docs/import-format.md).

Pure Python, no Django. `ReportDocument` holds what a page says, whatever its format:

- `format`: which kind of page it is (`ReportFormat`);
- `force`, `cycle` ("2016", "2021/22", "2023–25"), `published` (a date, when the page gives one);
- `counts`: the opening's "<N> areas of policing … graded judgments in <M>", as read;
- `areas`: what a question (2014–2019) or an area of policing (2021+) was: label, number, grade;
- `findings`: each area for improvement, cause of concern, recommendation (with its parent
  cause of concern and its deadline), area of concern and accelerated cause of concern;
- `warnings`: whatever the reader did not understand or had to guess, with the text itself,
  so nothing is dropped without saying so.

A 2014–2019 pillar page also keeps its `ParsedReport` (`pillar_report`), whose fields the
loader and the import JSON have always used.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from tracker.reports.parse import ParsedQuestion, ParsedReport

# Five tiers since 2021/22; 2014–2019 pages also say "Ungraded".
GRADES_2021_ON = ("Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate")


class ReportFormat(StrEnum):
    PEEL_2014_2019 = "peel-2014-2019"
    PEEL_2021_22 = "peel-2021-22"
    PEEL_2023_25 = "peel-2023-25"
    PEEL_2025_27 = "peel-2025-27"
    CAUSE_OF_CONCERN_LETTER = "cause-of-concern-letter"
    OTHER = "other"  # another HMICFRS inspection, or findings pasted on their own

    @property
    def label(self) -> str:
        return _FORMAT_LABELS[self]


_FORMAT_LABELS = {
    ReportFormat.PEEL_2014_2019: "PEEL 2014–2019 pillar page",
    ReportFormat.PEEL_2021_22: "PEEL 2021/22",
    ReportFormat.PEEL_2023_25: "PEEL 2023–25",
    ReportFormat.PEEL_2025_27: "PEEL 2025–27",
    ReportFormat.CAUSE_OF_CONCERN_LETTER: "cause-of-concern letter",
    ReportFormat.OTHER: "other HMICFRS inspection or pasted findings",
}
PEEL_2021_ON = (ReportFormat.PEEL_2021_22, ReportFormat.PEEL_2023_25, ReportFormat.PEEL_2025_27)
CYCLE_OF_FORMAT = {
    ReportFormat.PEEL_2021_22: "2021/22",
    ReportFormat.PEEL_2023_25: "2023–25",
    ReportFormat.PEEL_2025_27: "2025–27",
}


class FindingKind(StrEnum):
    AREA_FOR_IMPROVEMENT = "area-for-improvement"
    CAUSE_OF_CONCERN = "cause-of-concern"
    RECOMMENDATION = "recommendation"
    AREA_OF_CONCERN = "area-of-concern"
    ACCELERATED_CAUSE_OF_CONCERN = "accelerated-cause-of-concern"

    @property
    def label(self) -> str:
        """'area-for-improvement' → 'Area for improvement', as pages and forms say it."""
        return self.value.replace("-", " ").capitalize()


@dataclass(frozen=True)
class Deadline:
    """'within three months': the words as written, and the months they give."""

    text: str
    months: int | None


@dataclass(frozen=True)
class Closure:
    """A cause of concern discharged or closed (or a recommendation marked complete)."""

    how: str  # "closed", "discharged", "complete"
    when: str  # as written: "December 2023", "26 September 2024"
    on: datetime.date | None = None  # when the words give a whole date


@dataclass(frozen=True)
class StatusEntry:
    """One dated line of a HMICFRS register or monitoring page's status log."""

    when: str
    on: datetime.date | None
    status: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class Area:
    """A graded area of policing (2021+) or a pillar's question (2014–2019)."""

    label: str
    number: int | None = None
    grade: str | None = None
    known: bool = True  # False: a label the reader does not know, kept as written
    grade_from: str | None = None  # "judgments list" or "heading"


@dataclass(frozen=True)
class Finding:
    id: int  # 1-based position in the document's findings
    kind: FindingKind
    text: str
    area: str | None = None  # the label of the area it belongs to
    number: int | None = None  # "Area for improvement 3" → 3; a question's AFIs count from 1
    parent: int | None = None  # a recommendation's cause of concern (its id)
    deadline: Deadline | None = None
    label: str | None = None  # "Cause of concern: responding to the public" → that label
    lead_in: str | None = None  # "Within three months, Devon and Cornwall Police should:"
    closure: Closure | None = None
    history: tuple[StatusEntry, ...] = ()
    line: int | None = None  # where it starts in the text read


@dataclass(frozen=True)
class ReadWarning:
    """Something the reader did not understand or had to guess; `text` is the text itself."""

    message: str
    line: int | None = None
    text: str = ""


@dataclass(frozen=True)
class Counts:
    """'how good <Force> is in <assessed> areas of policing … graded judgments in <graded>'."""

    assessed: int
    graded: int
    text: str


@dataclass(frozen=True)
class ReportDocument:
    format: ReportFormat
    force: str | None = None
    cycle: str | None = None
    published: datetime.date | None = None
    title: str | None = None
    counts: Counts | None = None
    areas: tuple[Area, ...] = ()
    findings: tuple[Finding, ...] = ()
    warnings: tuple[ReadWarning, ...] = ()
    sent: datetime.date | None = None  # a letter's "Sent on" date
    pillar_report: ParsedReport | None = None  # 2014–2019 pages only

    def findings_of(self, kind: FindingKind) -> list[Finding]:
        return [finding for finding in self.findings if finding.kind is kind]

    def children(self, parent: Finding) -> list[Finding]:
        return [finding for finding in self.findings if finding.parent == parent.id]


def from_pillar_report(parsed: ParsedReport) -> ReportDocument:
    """A 2014–2019 pillar page in the common shape: each question an area, each AFI a finding."""
    areas = tuple(
        Area(
            label=question.text, number=question.number, grade=question.grade, grade_from="heading"
        )
        for question in parsed.questions
    )
    findings: list[Finding] = []
    for question in parsed.questions:
        for number, text in enumerate(question.areas_for_improvement, start=1):
            findings.append(
                Finding(
                    id=len(findings) + 1,
                    kind=FindingKind.AREA_FOR_IMPROVEMENT,
                    text=text,
                    area=question.text,
                    number=number,
                )
            )
    return ReportDocument(
        format=ReportFormat.PEEL_2014_2019,
        force=parsed.place,
        cycle=str(parsed.year) if parsed.year else None,
        title=parsed.title,
        areas=areas,
        findings=tuple(findings),
        warnings=tuple(
            ReadWarning(message=message, line=line, text=text)
            for message, line, text in parsed.warnings
        ),
        pillar_report=parsed,
    )


# --- JSON ---------------------------------------------------------------------


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "kind": finding.kind.value,
        "area": finding.area,
        "number": finding.number,
        "label": finding.label,
        "text": finding.text,
        "parent": finding.parent,
        "lead_in": finding.lead_in,
        "deadline": (
            {"text": finding.deadline.text, "months": finding.deadline.months}
            if finding.deadline
            else None
        ),
        "closure": (
            {
                "how": finding.closure.how,
                "when": finding.closure.when,
                "on": _date(finding.closure.on),
            }
            if finding.closure
            else None
        ),
        "history": [
            {"when": e.when, "on": _date(e.on), "status": e.status, "comment": e.comment}
            for e in finding.history
        ],
        "line": finding.line,
    }


def pillar_report_json(parsed: ParsedReport, force_name: str | None) -> dict[str, Any]:
    """A 2014–2019 pillar page's keys of the import JSON (docs/architecture.md, "Import JSON")."""
    return {
        "force": force_name,
        "programme": parsed.programme,
        "year": parsed.year,
        "pillar": parsed.pillar,
        "title": parsed.title,
        "grade": parsed.grade,
        "last_updated": _date(parsed.last_updated),
        "questions": [
            {
                "number": question.number,
                "text": question.text,
                "grade": question.grade,
                "areas_for_improvement": list(question.areas_for_improvement),
            }
            for question in parsed.questions
        ],
    }


def document_json(
    document: ReportDocument, force_name: str | None = None, *, whole: bool = False
) -> dict[str, Any]:
    """The document as JSON: for a 2014–2019 page today's keys first (`pillar_report_json`), then
    the keys every format has. `force_name` is the force as resolved, when it is known.

    `whole=True` adds what the published shape leaves out (the opening's counts as written; a
    2014–2019 page's summary, narratives and own warnings, under "page"), so that
    `document_from_json` reads it back exactly: the import preview's copy between requests.
    """
    out: dict[str, Any] = {}
    parsed = document.pillar_report
    if parsed is not None:
        out = pillar_report_json(parsed, force_name or parsed.place)
    else:
        out = {"force": force_name or document.force, "title": document.title}
    out.update(
        {
            "format": document.format.value,
            "cycle": document.cycle,
            "published": _date(document.published),
            "sent": _date(document.sent),
            "counts": (
                {"assessed": document.counts.assessed, "graded": document.counts.graded}
                if document.counts
                else None
            ),
            "areas": [
                {
                    "label": area.label,
                    "number": area.number,
                    "grade": area.grade,
                    "known": area.known,
                    "grade_from": area.grade_from,
                }
                for area in document.areas
            ],
            "findings": [finding_json(finding) for finding in document.findings],
            "warnings": [
                {"message": w.message, "line": w.line, "text": w.text} for w in document.warnings
            ],
        }
    )
    if whole and document.counts:
        out["counts"]["text"] = document.counts.text
    if whole and parsed is not None:
        out["page"] = _pillar_page_json(parsed)
    return out


def _pillar_page_json(parsed: ParsedReport) -> dict[str, Any]:
    """What a 2014–2019 page holds beyond today's keys, so that the JSON reads back whole."""
    return {
        "place": parsed.place,
        "summary": parsed.summary,
        "narratives": [question.narrative for question in parsed.questions],
        "carried_over": [question.carried_over for question in parsed.questions],
        "warnings": [[message, line, text] for message, line, text in parsed.warnings],
    }


def _read_date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def finding_from_json(data: dict[str, Any]) -> Finding:
    deadline, closure = data.get("deadline"), data.get("closure")
    return Finding(
        id=data["id"],
        kind=FindingKind(data["kind"]),
        text=data["text"],
        area=data.get("area"),
        number=data.get("number"),
        parent=data.get("parent"),
        deadline=Deadline(**deadline) if deadline else None,
        label=data.get("label"),
        lead_in=data.get("lead_in"),
        closure=Closure(**{**closure, "on": _read_date(closure["on"])}) if closure else None,
        history=tuple(
            StatusEntry(**{**entry, "on": _read_date(entry["on"])})
            for entry in data.get("history", ())
        ),
        line=data.get("line"),
    )


def document_from_json(data: dict[str, Any]) -> ReportDocument:
    """`document_json(d, whole=True)` read back: `document_from_json(that) == d`.

    The import preview carries the document it is editing between requests this way (in the
    session), so the page is read once, however many edits follow. Raises KeyError, ValueError
    or TypeError on JSON that `document_json` did not write.
    """
    counts = data.get("counts")
    document = ReportDocument(
        format=ReportFormat(data["format"]),
        force=data.get("force"),
        cycle=data.get("cycle"),
        published=_read_date(data.get("published")),
        title=data.get("title"),
        counts=Counts(**{"text": "", **counts}) if counts else None,
        areas=tuple(Area(**area) for area in data.get("areas", ())),
        findings=tuple(finding_from_json(finding) for finding in data.get("findings", ())),
        warnings=tuple(ReadWarning(**warning) for warning in data.get("warnings", ())),
        sent=_read_date(data.get("sent")),
    )
    page = data.get("page")
    if page is None:
        return document
    questions = tuple(
        ParsedQuestion(
            number=question["number"],
            text=question["text"],
            grade=question["grade"],
            narrative=narrative,
            areas_for_improvement=tuple(question["areas_for_improvement"]),
            carried_over=carried_over,
        )
        for question, narrative, carried_over in zip(
            data["questions"], page["narratives"], page["carried_over"], strict=True
        )
    )
    parsed = ParsedReport(
        **{key: data[key] for key in ("programme", "year", "pillar", "title", "grade")},
        place=page["place"],
        last_updated=_read_date(data["last_updated"]),
        summary=page["summary"],
        questions=questions,
        warnings=tuple((message, line, text) for message, line, text in page["warnings"]),
    )
    # The pillar keys' "force" may be the force as resolved; the document's is the page's.
    return replace(document, force=page["place"], title=parsed.title, pillar_report=parsed)
