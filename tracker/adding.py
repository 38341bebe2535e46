"""Reports, areas and findings added without a report page: by hand (the site and the admin)
and from a spreadsheet (`tracker/spreadsheet/`).

This is the one place such rows are made, so that an action added by hand and one added by a
spreadsheet are made alike: its force copied from its report, the next free position in its
question for its kind, a recommendation's due date from its deadline, who added it
(`created_by`), and its first audit-trail event ("created" by hand; "imported" from a
spreadsheet, with the file and row as its reason), then one event for each of the owner, due
date and reference it starts with, so the trail says where each came from.

`new_action` builds an action and its events unsaved (the spreadsheet import saves thousands
at once); `add_action` saves one. Neither checks who may add: the views and the admin do
(`User.may_import_for`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tracker.models import Action, ActionEvent, Force, Inspection, Question, ReportFormat
from tracker.models.reports import PEEL_CYCLES
from tracker.workflow import (
    PARENT_KINDS,
    Kind,
    Status,
    TransitionError,
    check_owner,
    check_reference,
    deadline_due_date,
    due_date_refusals,
)

# Question numbers and action positions are PositiveSmallIntegerFields.
LARGEST_NUMBER = 32767


def new_report(
    force: Force,
    *,
    format: str = ReportFormat.OTHER,
    source: str = "",
    title: str = "",
    published: datetime.date | None = None,
    year: int | None = None,
    pillar: str = "",
    by=None,
) -> Inspection:
    """A report added by hand or from a spreadsheet (unsaved): of any source ("HMICFRS
    thematic", "Internal audit") as another inspection, or a PEEL report by its format."""
    if format in PEEL_CYCLES:
        year = int(str(format).split("-")[1])  # "peel-2023-25" → 2023
    elif format != ReportFormat.PEEL_2014_2019 and year is None and published is not None:
        year = published.year
    programme = "PEEL" if format in PEEL_CYCLES or format == ReportFormat.PEEL_2014_2019 else ""
    if not programme and "hmicfrs" in source.lower():
        programme = "HMICFRS"
    return Inspection(
        force=force,
        format=format,
        programme=programme,
        source=source.strip()[:100],
        year=year,
        pillar=pillar,
        published=published,
        title=title.strip()[:300],
        imported_by=by if by is not None and by.is_authenticated else None,
    )


def next_question_number(inspection: Inspection) -> int:
    if inspection.pk is None:
        return 1
    largest = inspection.questions.aggregate(largest=Max("number"))["largest"]
    return (largest or 0) + 1


def new_question(
    inspection: Inspection, *, number: int, text: str, label: str = "", grade: str = ""
) -> Question:
    """A question (or, with a label, an area of policing) of `inspection` (unsaved)."""
    if not 0 < number <= LARGEST_NUMBER:
        raise TransitionError(f"A number is from 1 to {LARGEST_NUMBER:,}.", field="number")
    return Question(
        inspection=inspection,
        number=number,
        text=text.strip(),
        label=label.strip()[:300],
        grade=grade,
    )


@dataclass
class Positions:
    """The next free position for each (question, kind), counted once per question."""

    taken: dict[tuple[int, str], int] = field(default_factory=dict)

    def next(self, question: Question, kind: str) -> int:
        key = (question.pk, kind)
        if key not in self.taken:
            self.taken[key] = (
                question.actions.filter(kind=kind).aggregate(largest=Max("position"))["largest"]
                or 0
                if question.pk
                else 0
            )
        self.taken[key] += 1
        if self.taken[key] > LARGEST_NUMBER:
            raise TransitionError(
                f"{question.short_name} already has {LARGEST_NUMBER:,} findings of this kind."
            )
        return self.taken[key]


def check_parent(kind: str, parent: Action | None, *, inspection_id: int | None) -> None:
    """A parent is a recommendation's cause of concern in the same report."""
    if parent is None:
        return
    if kind != Kind.RECOMMENDATION:
        raise TransitionError("Only a recommendation has a parent.", field="parent")
    if parent.kind not in PARENT_KINDS:
        raise TransitionError(
            "A recommendation's parent is a cause of concern (or an accelerated one).",
            field="parent",
        )
    if inspection_id is not None and parent.question.inspection_id != inspection_id:
        raise TransitionError(
            "A recommendation's cause of concern is in the same report.", field="parent"
        )


def new_action(
    question: Question,
    *,
    kind: str,
    text: str,
    by,
    via: str,
    position: int,
    parent: Action | None = None,
    deadline_text: str = "",
    deadline_months: int | None = None,
    reference: str = "",
    owner=None,
    due_date: datetime.date | None = None,
    status: str = Status.NOT_STARTED,
    imported: str = "",
) -> tuple[Action, list[ActionEvent]]:
    """An action and its first events, unsaved (the events' `action` is set; save the action
    first). `imported`: the reason of an "imported" first event (a spreadsheet's name and
    row); without it the action was added by hand ("created")."""
    text = text.strip()
    if not text:
        raise TransitionError("A finding needs its text.", field="text")
    if kind not in Kind.values:
        raise TransitionError(f"{kind!r} is not a kind of finding.", field="kind")
    if status not in (Status.NOT_STARTED, Status.IN_PROGRESS):
        raise TransitionError("A new action is Not started or In progress.", field="status")
    force_id = question.inspection.force_id
    if owner is not None:
        check_owner(None, owner, force_id=force_id)
    reference = " ".join(reference.split())
    if reference:
        check_reference("", reference)
    check_parent(kind, parent, inspection_id=question.inspection_id)
    if due_date is None and deadline_months:
        due_date = deadline_due_date(question.inspection.published, deadline_months)
    added_by = by if by is not None and by.is_authenticated else None
    action = Action(
        question=question,
        force_id=force_id,
        kind=kind,
        text=text,
        position=position,
        parent=parent,
        deadline_text=deadline_text.strip()[:200],
        deadline_months=deadline_months,
        reference=reference,
        owner=owner,
        status=status,
        due_date=due_date,
        original_due_date=due_date,
        created_by=added_by,
    )
    first = ActionEvent.Kind.IMPORTED if imported else ActionEvent.Kind.CREATED
    events = [
        ActionEvent(
            action=action,
            kind=first,
            new_value=Status(status).label,
            reason=imported,
            by=added_by,
            via=via,
        )
    ]
    reason = imported
    if owner is not None:
        events.append(_event(action, ActionEvent.Kind.OWNER, owner.username, added_by, via, reason))
    if due_date is not None:
        events.append(
            _event(action, ActionEvent.Kind.DUE_DATE, due_date.isoformat(), added_by, via, reason)
        )
    if reference:
        events.append(_event(action, ActionEvent.Kind.REFERENCE, reference, added_by, via, reason))
    return action, events


def _event(action: Action, kind: str, new: str, by, via: str, reason: str) -> ActionEvent:
    return ActionEvent(action=action, kind=kind, new_value=new, by=by, via=via, reason=reason)


def finding_refusals(
    question: Question, *, confirmed: bool, via: str, **fields
) -> list[TransitionError]:
    """Why a finding typed by hand may not be added to `question` (empty: it may): its due
    date (one in the past only when `confirmed`), then what `new_action` checks. For a form's
    `clean()`, which shows each refusal beside the field it names."""
    refusals = due_date_refusals(
        None, fields.get("due_date"), reason="", today=timezone.localdate(), confirmed=confirmed
    )
    if refusals:
        return refusals
    try:
        new_action(question, by=None, via=via, position=1, **fields)
    except TransitionError as refusal:
        return [refusal]
    return []


def add_action(question: Question, *, kind: str, text: str, by, via: str, **fields) -> Action:
    """Add one finding by hand to `question`, with its events, in one transaction."""
    with transaction.atomic():
        position = Positions().next(question, kind)
        action, events = new_action(
            question, kind=kind, text=text, by=by, via=via, position=position, **fields
        )
        action.save()
        ActionEvent.objects.bulk_create(events)
    return action
