"""Carrying out a plan (`plan.py`): every row, in one transaction, or nothing.

New reports and areas are made as `tracker/adding.py` makes them; new actions are written in
bulk (10,000 rows in seconds), each with its "imported" event whose reason names the file and
row, and one event for the owner, due date and reference it starts with. An action already
there changes only through its own state-change methods (`set_reference`, `assign`,
`set_due_date`, `move_to`), each an event with the reason "spreadsheet import"; its version
must be the one the plan saw, or the import stops and nothing is written.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from tracker.adding import Positions, new_action, new_question
from tracker.models import Action, ActionEvent, ReportFormat
from tracker.models.reports import PEEL_CYCLES
from tracker.reports.framework import official_area
from tracker.security import log_event
from tracker.spreadsheet.errors import SpreadsheetError
from tracker.spreadsheet.plan import NEW, UPDATE, Plan, PlannedRow
from tracker.workflow import Status, TransitionError

REASON = "spreadsheet import"
BATCH_SIZE = 1000


def apply(plan: Plan, *, by, via: str = ActionEvent.Via.IMPORT) -> Plan:
    """Write what `plan` says, in one transaction; the plan, for its counts."""
    if plan.errors:
        raise SpreadsheetError(
            f"{plan.name} has {len(plan.errors)} error{'s' if len(plan.errors) != 1 else ''}; "
            f"nothing was imported. The first: {plan.errors[0]}."
        )
    try:
        with transaction.atomic():
            _Writer(plan, by=by, via=via).write()
    except IntegrityError as error:
        raise SpreadsheetError(
            f"{plan.name} could not be imported: the tracker changed while it was being "
            f"imported ({error.__class__.__name__}); nothing was imported. Try again."
        ) from None
    log_event("import_findings", user=by, file=plan.name, via=via, **plan.counts())
    return plan


class _Writer:
    def __init__(self, plan: Plan, *, by, via: str) -> None:
        self.plan = plan
        self.by = by if by is not None and by.is_authenticated else None
        self.via = via
        self.positions = Positions()
        self.made: dict[int, Action] = {}  # by row number

    def write(self) -> None:
        self._reports()
        new = [row for row in self.plan.rows if row.outcome == NEW]
        # Causes of concern first: a recommendation's new parent must have its id.
        self._create([row for row in new if not isinstance(row.parent, PlannedRow)])
        self._create([row for row in new if isinstance(row.parent, PlannedRow)])
        for row in self.plan.rows:
            if row.outcome == UPDATE:
                self._update(row)

    def _reports(self) -> None:
        for report in self.plan.reports:
            if report.existing is None:
                inspection = report.new_inspection(by=self.by)
                inspection.save()
                report.existing = inspection
            for question in report.questions.values():
                if question.existing is None:
                    labelled = report.format != ReportFormat.PEEL_2014_2019
                    question.existing = new_question(
                        report.existing,
                        number=question.number,
                        text=question.text,
                        label=question.text if labelled else "",
                        grade=question.grade,
                    )
                    if report.format in PEEL_CYCLES:  # an area the framework does not know
                        cycle = PEEL_CYCLES[ReportFormat(report.format)]
                        known = official_area(cycle, question.text) is not None
                        question.existing.label_recognised = known
                    question.existing.save()

    def _create(self, rows: list[PlannedRow]) -> None:
        actions, events = [], []
        for row in rows:
            assert row.report is not None and row.question is not None
            assert row.question.existing is not None
            question = row.question.existing
            parent = row.parent
            if isinstance(parent, PlannedRow):
                parent = parent.action or self.made[parent.row]
            try:
                action, first_events = new_action(
                    question,
                    kind=row.kind,
                    text=row.text,
                    by=self.by,
                    via=self.via,
                    position=self.positions.next(question, row.kind),
                    parent=parent,
                    reference=row.reference,
                    owner=row.owner,
                    due_date=row.due_date,
                    status=row.status or Status.NOT_STARTED,
                    imported=f"{REASON}: {self.plan.name}, row {row.row}",
                )
            except TransitionError as refusal:
                raise SpreadsheetError(f"row {row.row}: {refusal}") from None
            self.made[row.row] = action
            actions.append(action)
            events.extend(first_events)
        Action.objects.bulk_create(actions, batch_size=BATCH_SIZE)
        ActionEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)

    def _update(self, row: PlannedRow) -> None:
        assert row.action is not None
        seen = row.action
        # Only the action is locked: PostgreSQL cannot lock the nullable side of the owner's join.
        action = (
            Action.objects.select_for_update(of=("self",)).select_related("owner").get(pk=seen.pk)
        )
        if action.version != seen.version:
            raise SpreadsheetError(
                f"row {row.row}: action {action.pk} was changed after the file was checked; "
                "nothing was imported. Check the file again."
            )
        changes = {"by": self.by, "via": self.via, "reason": REASON}
        try:
            if row.reference and row.reference != action.reference:
                action.set_reference(row.reference, **changes)
            if row.owner is not None and row.owner.pk != action.owner_id:
                action.assign(row.owner, **changes)
            if row.due_date is not None and row.due_date != action.due_date:
                action.set_due_date(row.due_date, **changes)
            if row.status == Status.IN_PROGRESS and action.status == Status.NOT_STARTED:
                action.move_to(Status.IN_PROGRESS, **changes)
        except (TransitionError, PermissionError) as refusal:
            raise SpreadsheetError(f"row {row.row}: {refusal}") from None
