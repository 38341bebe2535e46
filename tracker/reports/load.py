"""Write a parsed report to the database, all or nothing.

`load_report()` turns a ParsedReport into an Inspection, its Questions and one Action per
area for improvement, inside one transaction: any error leaves the database as it was.

Re-importing a report that is already there is refused unless `replace=True`. Replacing
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

import math
import re
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from tracker.models import Action, ActionEvent, Force, Grade, Inspection, Pillar, Question
from tracker.reports.errors import AlreadyImported, ReportImportError
from tracker.reports.parse import ParsedReport
from tracker.security import log_event

FORCE_SUFFIXES = re.compile(r"\s+(police service|police|constabulary)$", re.IGNORECASE)
# Question numbers and action positions are PositiveSmallIntegerFields.
LARGEST_NUMBER = 32767


@dataclass
class ImportResult:
    """What an import did, or on a dry run (`inspection` None) would do."""

    parsed: ParsedReport
    force: Force
    inspection: Inspection | None
    created: bool
    changes: list[str] = field(default_factory=list)
    # On a dry run, the report the page would replace.
    existing: Inspection | None = None

    @property
    def questions(self) -> int:
        return len(self.parsed.questions)

    @property
    def actions(self) -> int:
        return self.parsed.afi_count

    @property
    def summary(self) -> str:
        parsed = self.parsed
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
        return line


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
        changes = _describe_report_changes(inspection, parsed) if existing else []
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
