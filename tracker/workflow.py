"""Who may move an action from which status to which.

It owns the status rules (docs/architecture.md); views, forms, templates and the admin ask it
(`allowed_moves`, `check_move`) instead of repeating them. It has no database access of its
own: the caller passes what the rules depend on (the action's status, its owner, whether it
has evidence, the status it had before it was superseded).

It also says what changes a status allows besides moves (`allows_changes`, `check_change`): a
closed action is signed off, and a superseded one needs no work, so neither takes a new owner,
due date, blocked reason or evidence note until an inspector reopens or reinstates it. And it
says that a due date in the past needs the user's confirmation (`check_due_date`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models

from tracker.dates import day_month_year


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted for review"
    CLOSED = "closed", "Closed — evidence accepted"
    SUPERSEDED = "superseded", "Superseded"


OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.SUBMITTED)
DONE_STATUSES = (Status.CLOSED, Status.SUPERSEDED)


class Role(models.TextChoices):
    STAFF = "staff", "Force staff"
    INSPECTOR = "inspector", "Inspector"


@dataclass(frozen=True)
class Move:
    source: Status
    target: Status
    roles: frozenset[Role]
    needs_reason: bool = False
    needs_evidence: bool = False
    verb: str = ""
    # Sends submitted work back to the force, which sees the action as "Returned", with the
    # reason, until its status moves again.
    returns: bool = False


BOTH = frozenset({Role.STAFF, Role.INSPECTOR})
INSPECTORS = frozenset({Role.INSPECTOR})
STAFF = frozenset({Role.STAFF})

MOVES: tuple[Move, ...] = (
    Move(Status.NOT_STARTED, Status.IN_PROGRESS, BOTH, verb="Start work"),
    Move(
        Status.SUBMITTED,
        Status.IN_PROGRESS,
        BOTH,
        needs_reason=True,
        verb="Return to in progress",
        returns=True,
    ),
    Move(Status.CLOSED, Status.IN_PROGRESS, INSPECTORS, needs_reason=True, verb="Reopen"),
    Move(
        Status.IN_PROGRESS, Status.SUBMITTED, STAFF, needs_evidence=True, verb="Submit for review"
    ),
    Move(
        Status.SUBMITTED,
        Status.CLOSED,
        INSPECTORS,
        needs_reason=True,
        verb="Close — evidence accepted",
    ),
    *(
        Move(source, Status.SUPERSEDED, INSPECTORS, needs_reason=True, verb="Supersede")
        for source in OPEN_STATUSES
    ),
    # Back to the status it had before it was superseded, and only that one (`reinstates`).
    *(
        Move(Status.SUPERSEDED, target, INSPECTORS, needs_reason=True, verb="Reinstate")
        for target in OPEN_STATUSES
    ),
)
_MOVES_BY_PAIR = {(move.source, move.target): move for move in MOVES}


class TransitionError(Exception):
    """A change the workflow does not allow; the message is fit to show the user."""


def find_move(source: str, target: str) -> Move | None:
    return _MOVES_BY_PAIR.get((Status(source), Status(target)))


def _reinstates_elsewhere(move: Move, reinstates: str | None) -> bool:
    """A superseded action goes back only to the status it had (unknown: nowhere)."""
    return move.source == Status.SUPERSEDED and move.target != reinstates


def check_move(
    *,
    source: str,
    target: str,
    role: Role | None,
    is_owner: bool,
    has_evidence: bool,
    reason: str,
    reinstates: str | None = None,
) -> Move:
    """Return the Move from `source` to `target`, or raise TransitionError saying why not.

    `reinstates` is the status a superseded action had before it was superseded.
    """
    move = find_move(source, target)
    if move is None:
        raise TransitionError(
            f"An action cannot move from “{Status(source).label}” to “{Status(target).label}”."
        )
    if _reinstates_elsewhere(move, reinstates):
        had = f"“{Status(reinstates).label}”" if reinstates else "the status it had"
        raise TransitionError(f"A superseded action can only be reinstated to {had}.")
    if role not in move.roles:
        who = " or ".join(sorted(r.label.lower() for r in move.roles))
        raise TransitionError(f"Only {who} may {move.verb.lower()}.")
    if target == Status.CLOSED and is_owner:
        raise TransitionError("The owner of an action cannot close it.")
    if move.needs_evidence and not has_evidence:
        raise TransitionError("Add at least one evidence note before submitting for review.")
    if move.needs_reason and not reason.strip():
        raise TransitionError(f"Give a reason to {move.verb.lower()}.")
    return move


def allowed_moves(
    *, source: str, role: Role | None, is_owner: bool, reinstates: str | None = None
) -> list[Move]:
    """The moves to offer this user, before evidence and reason are known."""
    return [
        move
        for move in MOVES
        if move.source == source
        and role in move.roles
        and not (move.target == Status.CLOSED and is_owner)
        and not _reinstates_elsewhere(move, reinstates)
    ]


def allows_changes(status: str) -> bool:
    """Whether an action in `status` takes a new owner, due date, blocked reason or note."""
    return status in OPEN_STATUSES


def check_change(
    status: str, *, signed_off_by: str = "", signed_off_on: datetime.date | None = None
) -> None:
    """Raise TransitionError, saying why, if an action in `status` takes no change but a move.

    `signed_off_by` and `signed_off_on` say who closed a closed action, and when.
    """
    if allows_changes(status):
        return
    if status == Status.CLOSED:
        by = f" by {signed_off_by}" if signed_off_by else ""
        on = f" on {day_month_year(signed_off_on)}" if signed_off_on else ""
        raise TransitionError(
            f"This action is closed: it was signed off{by}{on}. "
            "An inspector must reopen it before it can change."
        )
    raise TransitionError(
        "This action is superseded: it no longer needs work. "
        "An inspector must reinstate it before it can change."
    )


def check_due_date(due_date: datetime.date, *, today: datetime.date, confirmed: bool) -> None:
    """A due date before today is taken only when the user confirms it: it is usually a slip."""
    if due_date < today and not confirmed:
        raise TransitionError(
            f"{day_month_year(due_date)} is in the past. Tick the box to confirm that date, "
            "or choose a later one."
        )
