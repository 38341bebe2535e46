"""Write a report to the database, all or nothing.

`load_document()` writes a `ReportDocument` of any format (read.py) in one transaction: a
PEEL 2014–2019 pillar page through `load_report()`, as always; any other format as an
Inspection of that format (its publication date, its cycle), its areas as Questions, and one
Action per finding of its kind, with a recommendation's parent and deadline (its due date
that many months after publication), a closure the text reports recorded as discharged, and
links to earlier actions that it continues (`Link`). `earlier_candidates()` suggests those
links. Any error leaves the database as it was.

`load_report()` turns a ParsedReport into an Inspection, its Questions and one Action per
area for improvement, inside one transaction: any error leaves the database as it was.

Re-importing a report that is already there is refused unless `replace=True`. Questions are
matched by number, HMICFRS's (the parser gives it, framework.py; a question stored under
another number before the framework held it is renumbered first). Replacing
keeps what the force has done: an action whose question number and AFI text are unchanged
keeps its owner, status, dates and notes; an AFI that is new becomes a new action; an
action whose AFI is no longer in the report is superseded (never deleted: its evidence and
audit trail stay). The result says what changed.

A page larger than settings.IMPORT_MAX_BYTES, or listing more areas for improvement (or
questions) than settings.IMPORT_MAX_FINDINGS, is refused with one line before anything is
written. Callers come through `tracker.reports.imports.import_report`, which checks the size
before it parses.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from tracker.models import (
    REPORT_TEXT,
    Action,
    ActionEvent,
    Force,
    Grade,
    Inspection,
    Kind,
    Pillar,
    Question,
    Relation,
)
from tracker.reports.errors import AlreadyImported, ReportImportError
from tracker.reports.framework import official_area, question_number
from tracker.reports.parse import ParsedReport
from tracker.reports.peel2021 import fold
from tracker.reports.shape import (
    PEEL_2021_ON,
    Finding,
    FindingKind,
    ReadWarning,
    ReportDocument,
    ReportFormat,
)
from tracker.security import log_event
from tracker.workflow import (
    PARENT_KINDS,
    TransitionError,
    check_link,
    deadline_due_date,
    supersedes_on_link,
)

if TYPE_CHECKING:
    from tracker.models import User

FORCE_SUFFIXES = re.compile(r"\s+(police service|police|constabulary)$", re.IGNORECASE)
# Question numbers and action positions are PositiveSmallIntegerFields.
LARGEST_NUMBER = 32767


@dataclass
class ImportResult:
    """What an import did, or on a dry run (`inspection` None) would do.

    `parsed` is a pillar page's ParsedReport (None for other formats); `document` the document
    read, whatever its format; `warnings` what the reader and the loader could not be sure of,
    for the person importing to check.
    """

    parsed: ParsedReport | None
    force: Force
    inspection: Inspection | None
    created: bool
    changes: list[str] = field(default_factory=list)
    # On a dry run, the report the page would replace.
    existing: Inspection | None = None
    document: ReportDocument | None = None
    warnings: list[ReadWarning] = field(default_factory=list)

    @property
    def questions(self) -> int:
        if self.parsed is None:
            return len(self.document.areas) if self.document else 0
        return len(self.parsed.questions)

    @property
    def actions(self) -> int:
        if self.parsed is None:
            return len(self.document.findings) if self.document else 0
        return self.parsed.afi_count

    @property
    def summary(self) -> str:
        parsed = self.parsed
        if parsed is None:
            return self._document_summary()
        if self.inspection is None:
            return (
                f"Would import {self.force.name} {parsed.programme} {parsed.year} "
                f"{parsed.pillar}: {self.questions} questions, {self.actions} areas for "
                "improvement (dry run, nothing written)"
            )
        verb = "Imported" if self.created else "Replaced"
        noun = "area for improvement" if self.actions == 1 else "areas for improvement"
        line = f"{verb} {self.inspection}: {self.questions} questions, {self.actions} {noun}"
        if not self.created:
            line += "; " + ("; ".join(self.changes) if self.changes else "no changes")
        return line + self._warnings_said()

    def _document_summary(self) -> str:
        assert self.document is not None
        document = self.document
        name = self.inspection.name if self.inspection else _document_name(document)
        areas = len(document.areas)
        what = f"{areas} area{'' if areas == 1 else 's'}, {describe_findings(document.findings)}"
        if self.inspection is None:
            line = f"Would import {self.force.name} {name}: {what} (dry run, nothing written)"
        else:
            verb = "Imported" if self.created else "Replaced"
            line = f"{verb} {self.force.name} {name}: {what}"
            if not self.created:
                line += "; " + ("; ".join(self.changes) if self.changes else "no changes")
        return line + self._warnings_said()

    def _warnings_said(self) -> str:
        count = len(self.warnings)
        if not count:
            return ""
        return f" ({count} warning{'' if count == 1 else 's'}: check them)"


KIND_OF_FINDING = {
    FindingKind.AREA_FOR_IMPROVEMENT: Kind.AREA_FOR_IMPROVEMENT,
    FindingKind.CAUSE_OF_CONCERN: Kind.CAUSE_OF_CONCERN,
    FindingKind.RECOMMENDATION: Kind.RECOMMENDATION,
    FindingKind.AREA_OF_CONCERN: Kind.AREA_OF_CONCERN,
    FindingKind.ACCELERATED_CAUSE_OF_CONCERN: Kind.ACCELERATED_CAUSE_OF_CONCERN,
}
# Plural nouns for the summary line, in this order.
_KIND_PLURALS = {
    Kind.CAUSE_OF_CONCERN: "causes of concern",
    Kind.ACCELERATED_CAUSE_OF_CONCERN: "accelerated causes of concern",
    Kind.AREA_OF_CONCERN: "areas of concern",
    Kind.RECOMMENDATION: "recommendations",
    Kind.AREA_FOR_IMPROVEMENT: "areas for improvement",
}


def describe_findings(findings) -> str:
    """'1 cause of concern, 2 recommendations' ('no findings' when there are none)."""
    counts = dict.fromkeys(_KIND_PLURALS, 0)
    for finding in findings:
        counts[KIND_OF_FINDING[finding.kind]] += 1
    parts = [
        f"{n} {Kind(kind).label.lower() if n == 1 else plural}"
        for kind, plural in _KIND_PLURALS.items()
        if (n := counts[kind])
    ]
    return ", ".join(parts) if parts else "no findings"


def normalise(text: str) -> str:
    return " ".join(text.split())


def resolve_force(place: str | None, override: str | None = None) -> Force:
    """Find the force a page names ("Lancashire", "Lancashire Constabulary"), or say why not."""
    wanted = (override or place or "").strip()
    if not wanted:
        raise ReportImportError(
            "The page does not name a force; give one with --force (e.g. --force Lancashire)."
        )
    bare = FORCE_SUFFIXES.sub("", wanted)
    force = (
        Force.objects.filter(
            Q(name__iexact=wanted)
            | Q(short_name__iexact=wanted)
            | Q(short_name__iexact=bare)
            | Q(slug__iexact=wanted)
            | Q(name__istartswith=f"{bare} ")
        )
        .order_by("name")
        .first()
    )
    if force is None:
        raise ReportImportError(
            f"Unknown force {wanted!r}: not one of the 43 territorial forces of England and Wales."
        )
    return force


def describe_size(size: int, *, round_up: bool = False) -> str:
    """Bytes as a reader says them ("3.1 MB", "40 KB"); rounded up, a size over a limit never
    reads as the limit itself."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            tenths = size * 10 / scale
            return f"{(math.ceil(tenths) if round_up else round(tenths)) / 10:g} {unit}"
    return f"{size} bytes"


def text_size(text: str) -> int:
    """A page's size as the limit counts it: its UTF-8 bytes, each line break once.

    A browser sends a textarea's line breaks as CR LF; counted once, a pasted page measures
    what the same page saved with LF does, and what the admin previews is what it confirms.
    """
    return len(text.encode("utf-8", "surrogatepass")) - text.count("\r\n")


def check_size(size: int) -> None:
    """Refuse a page larger than settings.IMPORT_MAX_BYTES: call before reading it further."""
    if size > settings.IMPORT_MAX_BYTES:
        raise ReportImportError(
            f"The page is {describe_size(size, round_up=True)}; "
            f"the largest accepted is {describe_size(settings.IMPORT_MAX_BYTES)}."
        )


def read_page_bytes(stream: BinaryIO) -> bytes:
    """Read a page from a stream (standard input), refusing it, with its size, once too large."""
    limit = settings.IMPORT_MAX_BYTES
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        rest = sum(len(chunk) for chunk in iter(lambda: stream.read(1024 * 1024), b""))
        check_size(len(raw) + rest)
    return raw


def check_complete(parsed: ParsedReport) -> None:
    """Refuse a report that lacks what an import needs, or holds more than one may."""
    if parsed.year is None:
        raise ReportImportError("The page gives no PEEL year (no '<Force> PEEL <year>' heading).")
    if parsed.pillar is None:
        raise ReportImportError(
            "The page gives no pillar (Effectiveness, Efficiency, Legitimacy or Leadership)."
        )
    if not parsed.questions:
        raise ReportImportError("The page has no questions, so there is nothing to track.")
    limit = settings.IMPORT_MAX_FINDINGS
    if parsed.afi_count > limit:
        raise ReportImportError(
            f"The page lists {parsed.afi_count:,} areas for improvement; "
            f"at most {limit:,} are accepted in one report."
        )
    if len(parsed.questions) > limit:
        raise ReportImportError(
            f"The page lists {len(parsed.questions):,} questions; "
            f"at most {limit:,} are accepted in one report."
        )
    # Only reachable with the limit above raised past what the columns hold.
    highest = max(question.number for question in parsed.questions)
    most = max(len(question.areas_for_improvement) for question in parsed.questions)
    if max(highest, most) > LARGEST_NUMBER:
        raise ReportImportError(
            f"The page has a question numbered {highest:,} or with {most:,} areas for "
            f"improvement; at most {LARGEST_NUMBER:,} can be stored."
        )


def existing_report(parsed: ParsedReport, force: Force):
    """The report already imported for this page's force, programme, year and pillar."""
    assert parsed.year is not None and parsed.pillar is not None  # check_complete() saw to it
    return Inspection.objects.filter(
        force=force,
        programme=parsed.programme,
        year=parsed.year,
        pillar=Pillar(parsed.pillar.lower()),
    )


def load_report(
    parsed: ParsedReport,
    *,
    source_text: str,
    source_url: str = "",
    force: Force | str | None = None,
    by=None,
    replace: bool = False,
    via: str = ActionEvent.Via.IMPORT,
) -> ImportResult:
    check_size(text_size(source_text))
    check_complete(parsed)
    assert parsed.year is not None and parsed.pillar is not None  # check_complete() saw to it
    force_obj = force if isinstance(force, Force) else resolve_force(parsed.place, force)
    with transaction.atomic():
        existing = existing_report(parsed, force_obj).select_for_update().first()
        if existing and not replace:
            raise AlreadyImported(existing)
        inspection = existing or Inspection(
            force=force_obj,
            programme=parsed.programme,
            year=parsed.year,
            pillar=Pillar(parsed.pillar.lower()),
        )
        changes = []
        if existing:
            changes += _describe_report_changes(inspection, parsed)
            changes += _renumber_as_hmicfrs(inspection)
        inspection.title = parsed.title or ""
        inspection.grade = Grade.from_label(parsed.grade)
        inspection.last_updated = parsed.last_updated
        inspection.summary = parsed.summary
        inspection.source_text = source_text
        inspection.source_url = source_url or inspection.source_url
        if by is not None and by.is_authenticated:
            inspection.imported_by = by
        inspection.save()

        seen_questions = set()
        for parsed_question in parsed.questions:
            question, question_changes = _save_question(inspection, parsed_question)
            seen_questions.add(question.pk)
            changes += question_changes
            added, removed = _sync_actions(question, parsed_question, by=by, via=via)
            changes += _describe_action_changes(question.number, added, removed)
        for gone in inspection.questions.exclude(pk__in=seen_questions):
            _, removed = _sync_actions(gone, None, by=by, via=via)
            changes.append(f"Q{gone.number} is no longer in the report")
            changes += _describe_action_changes(gone.number, 0, removed)

    log_event(
        "import",
        user=by,
        report=inspection,
        created=not existing,
        actions=parsed.afi_count,
        via=via,
    )
    return ImportResult(
        parsed=parsed,
        force=force_obj,
        inspection=inspection,
        created=existing is None,
        changes=changes,
    )


def _describe_report_changes(inspection: Inspection, parsed: ParsedReport) -> list[str]:
    new_grade = Grade.from_label(parsed.grade)
    if inspection.grade != new_grade:
        old = inspection.get_grade_display() or "no grade"
        return [f"overall grade {old} → {parsed.grade or 'no grade'}"]
    return []


def _renumber_as_hmicfrs(inspection: Inspection) -> list[str]:
    """Give a question stored under another number than HMICFRS's (imported before the
    framework held it) HMICFRS's number, when no other question has it, so that the page
    replacing it matches it by number."""
    questions = list(inspection.questions.order_by("number"))
    taken = {question.number for question in questions}
    changes = []
    for question in questions:
        number = question_number(inspection.year, inspection.pillar, question.text)
        if number is None or number in taken:
            continue
        changes.append(f"Q{question.number} renumbered Q{number}, HMICFRS's number for it")
        taken.remove(question.number)
        taken.add(number)
        question.number = number
        question.save(update_fields=["number"])
    return changes


def _save_question(inspection: Inspection, parsed_question) -> tuple[Question, list[str]]:
    grade = Grade.from_label(parsed_question.grade)
    question = inspection.questions.filter(number=parsed_question.number).first()
    changes = []
    if question is None:
        question = Question(inspection=inspection, number=parsed_question.number)
        if inspection.pk and inspection.questions.exists():
            changes.append(f"Q{parsed_question.number} added")
    elif question.grade != grade:
        old = question.get_grade_display() or "no grade"
        changes.append(f"Q{question.number} grade {old} → {parsed_question.grade or 'no grade'}")
    question.text = parsed_question.text
    question.grade = grade
    question.narrative = parsed_question.narrative
    question.carried_over = parsed_question.carried_over
    question.save()
    return question, changes


def _sync_actions(question: Question, parsed_question, *, by, via) -> tuple[int, int]:
    """Make the question's open AFI actions match the page; return (added, superseded)."""
    wanted = list(parsed_question.areas_for_improvement) if parsed_question else []
    current = list(
        question.actions.filter(kind=Action.Kind.AREA_FOR_IMPROVEMENT).order_by("position")
    )
    by_text: dict[str, Action] = {}
    for action in current:
        by_text.setdefault(normalise(action.text), action)

    next_position = max((a.position for a in current), default=0) + 1
    kept, added = set(), 0
    for text in wanted:
        match = by_text.pop(normalise(text), None)
        if match is not None:
            kept.add(match.pk)
            continue
        if next_position > LARGEST_NUMBER:
            raise ReportImportError(
                f"Q{question.number} already has actions up to position {LARGEST_NUMBER:,}, "
                "the most that can be stored; nothing was imported."
            )
        action = Action.objects.create(
            question=question,
            force_id=question.inspection.force_id,
            text=text,
            position=next_position,
            created_by=by if by is not None and by.is_authenticated else None,
        )
        next_position += 1
        added += 1
        ActionEvent.objects.create(
            action=action,
            kind=ActionEvent.Kind.IMPORTED,
            new_value=action.get_status_display(),
            by=by if by is not None and by.is_authenticated else None,
            via=via,
        )
    removed = 0
    for action in current:
        if action.pk not in kept and action.is_open:
            action.retire("No longer in the report after re-import.", by=by, via=via)
            removed += 1
    return added, removed


def _describe_action_changes(number: int, added: int, removed: int) -> list[str]:
    out = []
    if added and removed:
        out.append(f"Q{number}: {added} AFI(s) new or reworded, {removed} superseded")
    elif added:
        out.append(f"Q{number}: {added} AFI(s) added")
    elif removed:
        out.append(f"Q{number}: {removed} AFI(s) superseded")
    return out


# --- Every format: load_document ---------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A finding continues an earlier action (the same force's, from an earlier report)."""

    earlier: int  # the earlier Action's pk
    relation: str  # "carried-over" | "escalated"
    supersede: bool = False  # supersede the earlier action (while it is open)


# The area a finding outside any graded area is filed under.
OTHER_FINDINGS = "Findings outside a graded area"


def _document_name(document: ReportDocument) -> str:
    """The name the report will have (Inspection.name), before it is saved."""
    return _new_inspection(document, None).name


def _new_inspection(document: ReportDocument, force: Force | None) -> Inspection:
    """The Inspection a document of a format other than a pillar page becomes (unsaved)."""
    published = document.published or document.sent
    year: int | None = published.year if published else None
    if document.format in PEEL_2021_ON:
        year = int(document.format.value.split("-")[1])  # "peel-2023-25" → 2023
    return Inspection(
        force=force,
        format=document.format.value,
        programme="PEEL" if document.format is not ReportFormat.OTHER else "HMICFRS",
        year=year,
        pillar="",
        published=published,
        title=(document.title or "")[:300],
    )


def existing_inspection(document: ReportDocument, force: Force):
    """The report already imported that this document is (its identity, by format)."""
    if document.pillar_report is not None:
        check_complete(document.pillar_report)
        return existing_report(document.pillar_report, force)
    wanted = _new_inspection(document, force)
    found = Inspection.objects.filter(force=force, format=wanted.format)
    if document.format in PEEL_2021_ON:
        return found
    return found.filter(published=wanted.published, title=wanted.title)


def check_document(document: ReportDocument) -> None:
    """Refuse a document that cannot be loaded, with one line saying why."""
    if document.pillar_report is not None:
        check_complete(document.pillar_report)
    if not isinstance(document.format, ReportFormat):
        try:
            ReportFormat(str(document.format))
        except ValueError:
            raise ReportImportError(
                f"Unknown format {document.format!r}: one of "
                f"{', '.join(f.value for f in ReportFormat)}."
            ) from None
    limit = settings.IMPORT_MAX_FINDINGS
    for what, count in (("findings", len(document.findings)), ("areas", len(document.areas))):
        if count > limit:
            raise ReportImportError(
                f"The page lists {count:,} {what}; at most {limit:,} are accepted in one report."
            )
    ids = {finding.id for finding in document.findings}
    if len(ids) != len(document.findings):
        raise ReportImportError("Two findings of the document have the same id.")
    for finding in document.findings:
        if finding.parent is not None and finding.parent not in ids:
            raise ReportImportError(
                f"Finding {finding.id}'s parent ({finding.parent}) is not one of the findings."
            )
        if finding.parent == finding.id:
            raise ReportImportError(f"Finding {finding.id} cannot be its own parent.")
        if finding.kind not in KIND_OF_FINDING:
            raise ReportImportError(f"Finding {finding.id} is of an unknown kind {finding.kind!r}.")
        if not finding.text.strip():
            raise ReportImportError(f"Finding {finding.id} has no text.")
    for area in document.areas:
        try:
            Grade.from_label(area.grade)
        except ValueError:
            raise ReportImportError(
                f"The area {area.label!r} has the grade {area.grade!r}, which is not one of "
                "Outstanding, Good, Adequate, Requires improvement or Inadequate."
            ) from None


def load_document(
    document: ReportDocument,
    *,
    force: Force | None = None,
    by: User | None,
    via: str,
    links: Mapping[str, Link] | None = None,
    replace: bool = False,
    source_text: str = "",
    source_url: str = "",
) -> ImportResult:
    """Write `document` (of any format) in one transaction, or nothing.

    `force`: the force to import for (by default the one the document names). `links` maps a
    finding's id (as a string) to the earlier action it continues. A report already there is
    refused (`AlreadyImported`) unless `replace`. Whatever is wrong is a ReportImportError with
    one line fit for the user.
    """
    check_document(document)
    if not isinstance(document.format, ReportFormat):  # "peel-2023-25", from an edited preview
        document = dataclasses.replace(document, format=ReportFormat(document.format))
    links = {str(key): link for key, link in (links or {}).items()}
    if unknown := sorted(set(links) - {str(finding.id) for finding in document.findings}):
        raise ReportImportError(f"Links name findings not in the document: {', '.join(unknown)}.")
    force_obj = force if isinstance(force, Force) else resolve_force(document.force, force)
    with transaction.atomic():
        if document.pillar_report is not None:
            result = load_report(
                document.pillar_report,
                source_text=source_text,
                source_url=source_url,
                force=force_obj,
                by=by,
                replace=replace,
                via=via,
            )
            result.document = document
            result.warnings = list(document.warnings)
            if links:
                assert result.inspection is not None
                _link_pillar_findings(document, result.inspection, links, by=by, via=via)
            return result
        return _DocumentLoader(document, force_obj, by=by, via=via).load(
            links, replace=replace, source_text=source_text, source_url=source_url
        )


def _imported_by(by):
    return by if by is not None and by.is_authenticated else None


class _DocumentLoader:
    """One load of a document of a format other than a pillar page (inside a transaction)."""

    def __init__(self, document: ReportDocument, force: Force, *, by, via: str) -> None:
        self.document = document
        self.force = force
        self.by = by
        self.via = via
        self.warnings: list[ReadWarning] = list(document.warnings)
        self.changes: list[str] = []
        self.questions: dict[str, Question] = {}  # by folded label
        self.actions: dict[int, Action] = {}  # by finding id

    def load(
        self, links: Mapping[str, Link], *, replace: bool, source_text: str, source_url: str
    ) -> ImportResult:
        document = self.document
        existing = existing_inspection(document, self.force).select_for_update().first()
        if existing and not replace:
            raise AlreadyImported(existing)
        inspection = existing or _new_inspection(document, self.force)
        inspection.source_text = source_text
        inspection.source_url = source_url or inspection.source_url
        if _imported_by(self.by) is not None:
            inspection.imported_by = self.by
        inspection.save()
        self.inspection = inspection

        self._areas()
        kept = self._findings()
        self._parents()
        if existing:
            self._retire_the_rest(kept)
        self._links(links)
        if inspection.published is None and any(f.deadline for f in document.findings):
            self.warnings.append(
                ReadWarning(
                    "the page gives no publication date: deadlines are kept in words and no due "
                    "date is set; set each due date on the action"
                )
            )
        log_event(
            "import",
            user=self.by,
            report=inspection,
            created=not existing,
            actions=len(document.findings),
            via=self.via,
        )
        return ImportResult(
            parsed=None,
            force=self.force,
            inspection=inspection,
            created=existing is None,
            changes=self.changes,
            document=document,
            warnings=self.warnings,
        )

    # Areas ------------------------------------------------------------------------------

    def _areas(self) -> None:
        cycle = self.document.cycle
        # An area stored under another wording of its label is the official one's.
        current = {
            fold(official_area(cycle, q.label) or q.label or q.text): q
            for q in self.inspection.questions.all()
        }
        numbers = {q.number for q in current.values()}
        for index, area in enumerate(self.document.areas, start=1):
            official = official_area(cycle, area.label) if area.known else None
            known = official is not None
            if not known:
                self.warnings.append(
                    ReadWarning(
                        "area label not recognised: kept as written and flagged for checking",
                        text=area.label,
                    )
                )
            self._area(
                official or area.label, number=area.number or index, grade=area.grade,
                known=known, current=current, numbers=numbers,
            )  # fmt: skip
        self._current, self._numbers = current, numbers

    def _area(
        self,
        label: str,
        *,
        number: int | None,
        grade: str | None,
        known: bool,
        current: dict[str, Question],
        numbers: set[int],
    ) -> Question:
        folded = fold(label)
        if folded in self.questions:
            return self.questions[folded]
        question = current.get(folded)
        new_grade = Grade.from_label(grade)
        if question is None:
            if number is None or number in numbers:
                number = max(numbers, default=0) + 1
            if number > LARGEST_NUMBER:
                raise ReportImportError(f"At most {LARGEST_NUMBER:,} areas can be stored.")
            question = Question(inspection=self.inspection, number=number)
            if self.inspection.pk and current:
                self.changes.append(f"area {label!r} added")
        elif question.grade != new_grade and grade is not None:
            old = question.get_grade_display() or "no grade"
            self.changes.append(f"{label} grade {old} → {grade}")
        numbers.add(question.number)
        question.label = label
        question.text = label
        question.label_recognised = known
        if grade is not None or question.pk is None:
            question.grade = new_grade
        question.save()
        self.questions[folded] = question
        return question

    def _question_for(self, finding: Finding) -> Question:
        """The area a finding is filed under: its own, its parent's, the area a letter names
        ("Cause of concern: responding to the public"), or the report's other findings."""
        label = finding.area
        if label is None and finding.parent is not None:
            parent = self.actions.get(finding.parent)
            if parent is not None:
                return parent.question
            parent_finding = next(f for f in self.document.findings if f.id == finding.parent)
            return self._question_for(parent_finding)
        if label is None and finding.label:
            label = official_area(self.document.cycle, finding.label) or finding.label.strip()
        if label is None:
            return self._area(
                OTHER_FINDINGS, number=None, grade=None, known=True,
                current=self._current, numbers=self._numbers,
            )  # fmt: skip
        label = official_area(self.document.cycle, label) or label
        folded = fold(label)
        if folded in self.questions:
            return self.questions[folded]
        known = official_area(self.document.cycle, label) is not None
        if not known:
            self.warnings.append(
                ReadWarning(
                    f"finding {finding.id} names an area that is not recognised: kept as written",
                    text=label,
                )
            )
        return self._area(
            label, number=None, grade=None, known=known,
            current=self._current, numbers=self._numbers,
        )  # fmt: skip

    # Findings ---------------------------------------------------------------------------

    def _findings(self) -> set[int]:
        """One action per finding (an unchanged one kept on a replace); the kept and new pks."""
        inspection = self.inspection
        current: dict[tuple[str, str], list[Action]] = {}
        for action in Action.objects.filter(question__inspection=inspection).order_by("pk"):
            current.setdefault((action.kind, normalise(action.text)), []).append(action)
        positions: dict[tuple[int, str], int] = {}
        for action in (a for group in current.values() for a in group):
            key = (action.question_id, action.kind)
            positions[key] = max(positions.get(key, 0), action.position)
        published = self.inspection.published
        seen: set[int] = set()
        added = 0
        for finding in self.document.findings:
            kind = KIND_OF_FINDING[finding.kind]
            matches = current.get((kind, normalise(finding.text)))
            if matches:
                action = matches.pop(0)
                self.actions[finding.id] = action
                seen.add(action.pk)
                continue
            question = self._question_for(finding)
            key = (question.pk, kind)
            positions[key] = positions.get(key, 0) + 1
            if positions[key] > LARGEST_NUMBER:
                raise ReportImportError(f"At most {LARGEST_NUMBER:,} findings can be stored.")
            deadline = finding.deadline
            due = deadline_due_date(published, deadline.months if deadline else None)
            action = Action.objects.create(
                question=question,
                force_id=self.force.pk,
                kind=kind,
                text=finding.text,
                position=positions[key],
                deadline_text=(deadline.text if deadline else "")[:200],
                deadline_months=deadline.months if deadline else None,
                due_date=due,
                original_due_date=due,
                created_by=_imported_by(self.by),
            )
            self.actions[finding.id] = action
            seen.add(action.pk)
            added += 1
            ActionEvent.objects.create(
                action=action,
                kind=ActionEvent.Kind.IMPORTED,
                new_value=action.get_status_display(),
                by=_imported_by(self.by),
                via=self.via,
            )
            if finding.closure is not None:
                self._closure(finding, action)
        if self.inspection.pk and added and len(seen) > added:
            self.changes.append(f"{added} finding(s) new or reworded")
        return seen

    def _closure(self, finding: Finding, action: Action) -> None:
        closure = finding.closure
        assert closure is not None
        said = f"{closure.how} ({closure.when})"
        if action.is_dischargeable_kind:
            action.record_discharge(
                f"HMICFRS {said}, as the imported text says.", by=self.by, via=self.via
            )
            return
        self.warnings.append(
            ReadWarning(
                f"finding {finding.id} ({action.get_kind_display().lower()}) is {said} in the "
                "text; it is imported open: close it once its evidence is accepted",
                text=finding.text[:200],
            )
        )

    def _parents(self) -> None:
        for finding in self.document.findings:
            if finding.parent is None:
                continue
            action, parent = self.actions[finding.id], self.actions[finding.parent]
            if parent.kind not in PARENT_KINDS:
                self.warnings.append(
                    ReadWarning(
                        f"finding {finding.id}'s parent is {parent.get_kind_display().lower()}, "
                        "not a cause of concern: kept as its parent",
                        text=finding.text[:200],
                    )
                )
            if action.parent_id != parent.pk:
                Action.objects.filter(pk=action.pk).update(parent=parent)
                action.parent = parent

    def _retire_the_rest(self, kept: set[int]) -> None:
        gone = Action.objects.filter(question__inspection=self.inspection).exclude(pk__in=kept)
        removed = 0
        for action in gone:
            if action.is_open:
                action.retire("No longer in the report after re-import.", by=self.by, via=self.via)
                removed += 1
        if removed:
            self.changes.append(f"{removed} finding(s) superseded")

    # Links ------------------------------------------------------------------------------

    def _links(self, links: Mapping[str, Link]) -> None:
        for finding_id, link in links.items():
            _apply_link(self.actions[int(finding_id)], link, by=self.by, via=self.via)


def _apply_link(action: Action, link: Link, *, by, via: str) -> None:
    """Record that `action` continues `link.earlier`, and supersede that one if asked."""
    earlier = (
        Action.objects.select_related("question__inspection")
        .defer(*REPORT_TEXT)
        .filter(pk=link.earlier)
        .first()
    )
    if earlier is None:
        raise ReportImportError(f"There is no action {link.earlier} to link action to.")
    try:
        relation = check_link(
            link.relation,
            earlier_kind=earlier.kind,
            later_kind=action.kind,
            same_force=earlier.force_id == action.force_id,
            earlier_first=earlier.question.inspection_id != action.question.inspection_id,
        )
    except TransitionError as error:
        raise ReportImportError(f"Action {earlier.pk} cannot be linked: {error}") from None
    Action.objects.filter(pk=action.pk).update(continues=earlier, continues_how=relation)
    action.continues, action.continues_how = earlier, relation
    if link.supersede and supersedes_on_link(earlier.status):
        how = "carried over" if relation is Relation.CARRIED_OVER else "escalated"
        earlier.retire(
            f"{how.capitalize()} into action {action.pk} ({action.question.inspection.name}).",
            by=by,
            via=via,
        )


def _link_pillar_findings(
    document: ReportDocument, inspection: Inspection, links: Mapping[str, Link], *, by, via: str
) -> None:
    """Links from a pillar page's findings: each is its question's area for improvement."""
    numbers = {area.label: area.number or 0 for area in document.areas}
    for finding_id, link in links.items():
        finding = next(f for f in document.findings if str(f.id) == finding_id)
        action = (
            Action.objects.filter(
                question__inspection=inspection,
                question__number=numbers.get(finding.area or "", 0),
                kind=Kind.AREA_FOR_IMPROVEMENT,
            )
            .select_related("question__inspection")
            .defer(*REPORT_TEXT)
            .order_by("position")
        )
        match = next((a for a in action if normalise(a.text) == normalise(finding.text)), None)
        if match is None:
            raise ReportImportError(f"Finding {finding_id} has no action to link.")
        _apply_link(match, link, by=by, via=via)


# --- Suggesting links ---------------------------------------------------------------------

_WORD_RE = re.compile(r"[a-z0-9]+")
# Words that say nothing about what a finding is about.
_STOP_WORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "for", "force", "forces", "from", "has",
     "have", "in", "is", "it", "its", "of", "on", "or", "that", "the", "their", "this", "to",
     "with", "should", "must", "make", "sure", "ensure", "improve", "how", "which"}
)  # fmt: skip
CANDIDATE_SCORE = 0.45  # at least this similar (0 to 1)
CANDIDATES_PER_FINDING = 5


def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD_RE.findall(text.casefold())) - _STOP_WORDS


def similarity(a: str, b: str) -> float:
    """How alike two findings' texts are, 0 to 1: the better of the shared words (Jaccard)
    and difflib's ratio, the ratio computed only when some words are shared at all."""
    words_a, words_b = _words(a), _words(b)
    if not words_a or not words_b:
        return 0.0
    overlap = len(words_a & words_b) / len(words_a | words_b)
    if overlap < 0.15:
        return overlap
    matcher = difflib.SequenceMatcher(None, normalise(a).casefold(), normalise(b).casefold())
    return max(overlap, matcher.ratio())


def earlier_candidates(document: ReportDocument, force: Force) -> dict[str, list[Action]]:
    """Per finding (its id, as a string), the force's open actions from earlier reports whose
    text is like it, most alike first: what a new finding may continue (`Link`).

    One query, for the force's open actions outside the report this document is.
    """
    earlier = Action.objects.filter(force=force).open().select_related("question__inspection")
    try:
        existing = existing_inspection(document, force).first() if document.findings else None
    except ReportImportError:  # a pillar page that cannot be imported is no report yet
        existing = None
    if existing is not None:
        earlier = earlier.exclude(question__inspection=existing)
    pool = list(earlier.defer(*REPORT_TEXT).order_by("pk")) if document.findings else []
    out: dict[str, list[Action]] = {}
    for finding in document.findings:
        scored = [(similarity(finding.text, action.text), action) for action in pool]
        alike = sorted(
            ((score, action) for score, action in scored if score >= CANDIDATE_SCORE),
            key=lambda pair: (-pair[0], pair[1].pk),
        )
        out[str(finding.id)] = [action for _, action in alike[:CANDIDATES_PER_FINDING]]
    return out
