"""Who may move an action from which status to which.

This module owns the status rules of DESIGN.md; views, forms, templates and the admin ask it
(`allowed_moves`, `check_move`) instead of repeating them. It has no database access of its
own: the caller passes what the rules depend on (the action's status, its owner, whether it
has evidence).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


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
)
_MOVES_BY_PAIR = {(move.source, move.target): move for move in MOVES}


class TransitionError(Exception):
    """A move the workflow does not allow; the message is fit to show the user."""


def find_move(source: str, target: str) -> Move | None:
    return _MOVES_BY_PAIR.get((Status(source), Status(target)))


def check_move(
    *, source: str, target: str, role: Role | None, is_owner: bool, has_evidence: bool, reason: str
) -> Move:
    """Return the Move from `source` to `target`, or raise TransitionError saying why not."""
    move = find_move(source, target)
    if move is None:
        raise TransitionError(
            f"An action cannot move from “{Status(source).label}” to “{Status(target).label}”."
        )
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


def allowed_moves(*, source: str, role: Role | None, is_owner: bool) -> list[Move]:
    """The moves to offer this user, before evidence and reason are known."""
    return [
        move
        for move in MOVES
        if move.source == source
        and role in move.roles
        and not (move.target == Status.CLOSED and is_owner)
    ]
