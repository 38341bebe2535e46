"""One action's life story, decided before anything is written, and the rows it leaves.

An action is given a status and a history consistent with it (owner, due dates, revision,
blocking, submission, sign-off by an inspector); then its share of the notes; then
`history()` turns the story into the rows of the notes and audit events that the app's
state changes would have written, in time order. Nothing here touches the database.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from tracker.models import Action, ActionEvent, EvidenceNote, Status, User
from tracker.synthetic import text

DAY = datetime.timedelta(days=1)
# Older reports have had more time: their actions are more often done.
STATUS_WEIGHTS_RECENT = [30, 40, 8, 4, 12, 6]
STATUS_WEIGHTS_OLD = [8, 22, 5, 3, 47, 15]
STATUSES = [
    Status.NOT_STARTED,
    Status.IN_PROGRESS,
    Status.SUBMITTED,
    Status.ASSURED,
    Status.CLOSED,
    Status.SUPERSEDED,
]
# How many of the notes an action of each status attracts, relative to the others.
NOTE_WEIGHT: dict[str, float] = {
    Status.NOT_STARTED: 0.1,
    Status.IN_PROGRESS: 1.2,
    Status.SUBMITTED: 1.6,
    Status.ASSURED: 1.7,
    Status.CLOSED: 1.8,
    Status.SUPERSEDED: 0.5,
}


@dataclass
class Plan:
    """One action's life story, decided before anything is written."""

    action: Action
    notes: int = 0
    started: datetime.datetime | None = None
    submitted: datetime.datetime | None = None
    assured: datetime.datetime | None = None
    assigned_by: User | None = None
    revised_at: datetime.datetime | None = None
    blocked_at: datetime.datetime | None = None
    inspector: User | None = None
    authors: list[User] = field(default_factory=list)


def status_weights(age_years: float) -> list[int]:
    return STATUS_WEIGHTS_OLD if age_years > 3 else STATUS_WEIGHTS_RECENT


def settle(plan: Plan, status, rng, force_staff, inspectors, anchor) -> None:
    """Give the action a consistent history ending in `status`, before `anchor`."""
    action = plan.action
    created = action.created_at
    span = max((anchor - created).days, 2)
    action.status = status
    action.owner = None
    action.due_date = action.original_due_date = None
    action.blocked_reason = ""
    action.closed_at = action.closed_by = None
    action.assured_at = action.assured_by = None
    plan.started = plan.submitted = plan.assured = plan.revised_at = plan.blocked_at = None
    plan.assigned_by = force_staff[0]  # the force's lead (`Generator.make_users`)
    plan.inspector = rng.choice(inspectors) if inspectors else None

    if status != Status.NOT_STARTED or rng.random() < 0.5:
        action.owner = rng.choice(force_staff)
    if status != Status.NOT_STARTED or rng.random() < 0.7:
        action.original_due_date = created.date() + rng.randint(90, 720) * DAY
        action.due_date = action.original_due_date
        if rng.random() < 0.2:
            action.due_date += rng.randint(30, 365) * DAY
            plan.revised_at = created + rng.randint(30, max(31, span // 2)) * DAY
    # The last thing that happened to the action; everything else lies between.
    end = created + rng.randint(min(span - 1, 7), span - 1) * DAY
    end += datetime.timedelta(seconds=rng.randint(8 * 3600, 18 * 3600))
    end = min(end, anchor - datetime.timedelta(minutes=5))
    if status in (Status.IN_PROGRESS, Status.SUBMITTED, Status.ASSURED, Status.CLOSED):
        plan.started = created + (end - created) * 0.1
    if status in (Status.SUBMITTED, Status.ASSURED, Status.CLOSED):
        plan.submitted = created + (end - created) * 0.9
    if status in (Status.ASSURED, Status.CLOSED):
        plan.assured = created + (end - created) * 0.95
        action.assured_at = plan.assured
        action.assured_by = plan.assigned_by
    if status == Status.CLOSED:
        action.closed_at = end
        action.closed_by = plan.inspector
    if status in (Status.NOT_STARTED, Status.IN_PROGRESS) and rng.random() < 0.08:
        action.blocked_reason = rng.choice(text.BLOCKED_REASONS)
        plan.blocked_at = created + (end - created) * 0.5
    plan.authors = [action.owner or force_staff[0], rng.choice(force_staff)]
    action.updated_at = end


def allocate_notes(plans: list[Plan], note_count: int, rng) -> None:
    """Share the notes out by status; anything submitted or closed has at least one."""
    weights = [NOTE_WEIGHT[plan.action.status] * rng.uniform(0.3, 1.7) for plan in plans]
    needs_one = [plan.submitted is not None for plan in plans]
    budget = note_count
    for index, needed in enumerate(needs_one):
        if needed and budget:
            plans[index].notes, budget = 1, budget - 1
    total = sum(weights) or 1
    shares = [budget * w / total for w in weights]
    for plan, share in zip(plans, shares, strict=True):
        plan.notes += int(share)
    left = note_count - sum(plan.notes for plan in plans)
    order = sorted(range(len(plans)), key=lambda i: shares[i] - int(shares[i]), reverse=True)
    for i in order[:left]:
        plans[i].notes += 1


def changes(plan: Plan) -> int:
    """How many events beyond "imported" `history` writes: the action's version - 1."""
    action = plan.action
    return (
        (action.owner is not None)
        + (action.original_due_date is not None)
        + (plan.revised_at is not None)
        + (plan.started is not None)
        + (plan.blocked_at is not None)
        + plan.notes
        + (plan.submitted is not None)
        + (plan.assured is not None)
        + (action.status in (Status.CLOSED, Status.SUPERSEDED))
    )


def history(rng, plan: Plan) -> tuple[list[tuple], list[tuple]]:
    """The action's events and notes, as rows of rows.EVENT_COLUMNS and rows.NOTE_COLUMNS."""
    action = plan.action
    created, end = action.created_at, action.updated_at
    events: list[tuple] = [
        (
            action.pk,
            ActionEvent.Kind.IMPORTED,
            "",
            Status.NOT_STARTED.label,
            "",
            None,
            ActionEvent.Via.IMPORT,
            created,
        )
    ]

    def event(kind, at, *, old="", new="", reason="", by=None):
        author = by or plan.assigned_by
        assert author is not None  # every plan has its assigner
        by_id = author.pk
        events.append((action.pk, kind, old, new, reason, by_id, ActionEvent.Via.WEB, at))

    def moved(at, source: Status, target: Status, **more):
        event(ActionEvent.Kind.STATUS, at, old=source.label, new=target.label, **more)

    early = created + (end - created) * 0.05
    if action.owner is not None:
        event(ActionEvent.Kind.OWNER, early, new=action.owner.username)
    if action.original_due_date is not None:
        event(ActionEvent.Kind.DUE_DATE, early, new=action.original_due_date.isoformat())
    if plan.revised_at is not None:
        assert action.original_due_date and action.due_date  # a revision revises a date
        event(
            ActionEvent.Kind.DUE_DATE,
            min(plan.revised_at, end),
            old=action.original_due_date.isoformat(),
            new=action.due_date.isoformat(),
            reason=text.REASONS["revise"],
        )
    if plan.started is not None:
        moved(plan.started, Status.NOT_STARTED, Status.IN_PROGRESS)
    if plan.blocked_at is not None:
        event(
            ActionEvent.Kind.BLOCKED,
            plan.blocked_at,
            new=action.blocked_reason,
            reason=action.blocked_reason,
        )

    notes = []
    first = plan.started or created + (end - created) * 0.1
    last = plan.submitted or end
    seconds = max(int((last - first).total_seconds()), 1)
    offsets = sorted(rng.randrange(seconds) for _ in range(plan.notes))
    for n, offset in enumerate(offsets):
        at = first + datetime.timedelta(seconds=offset)
        impact = rng.random() < (0.5 if n == len(offsets) - 1 else 0.25)
        kind = EvidenceNote.Kind.IMPACT if impact else EvidenceNote.Kind.PROGRESS
        author = rng.choice(plan.authors)
        notes.append((action.pk, author.pk, kind, text.note_body(rng), at))
        event(ActionEvent.Kind.NOTE, at, new=kind.label, by=author)

    if plan.submitted is not None:
        moved(plan.submitted, Status.IN_PROGRESS, Status.SUBMITTED, by=action.owner)
    if plan.assured is not None:
        moved(plan.assured, Status.SUBMITTED, Status.ASSURED, reason=text.REASONS["assure"])
    if action.status == Status.CLOSED:
        moved(end, Status.ASSURED, Status.CLOSED, reason=text.REASONS["close"], by=plan.inspector)
    if action.status == Status.SUPERSEDED:
        moved(
            end,
            Status.IN_PROGRESS if plan.started else Status.NOT_STARTED,
            Status.SUPERSEDED,
            reason=text.REASONS["supersede"],
            by=plan.inspector,
        )
    return events, notes
