"""The rulebook: may this change happen to an action, and what does it need?

Every rule of the workflow is stated here once (docs/architecture.md, "The rulebook"); the
model, forms, admin, views, dashboard, export and templates ask it instead of repeating it.
It has no database access of its own: the caller passes what a rule depends on (the action's
status, its owner, whether it has evidence, the status it had before it was superseded).

- Status moves: who may move an action from which status to which, and what a move needs
  (`MOVES`, `allowed_moves`, `check_move`, `check_reason`).
- What the action page says when no move is open to the user (`no_moves_note`).
- What a closed or superseded action allows (`allows_changes`, `check_change`): a closed
  action is signed off, and a superseded one needs no work, so neither takes a new owner,
  due date, blocked reason or evidence note until an inspector reopens or reinstates it.
- The due date: set once, revised with a reason, never removed; a date in the past only when
  the user confirms it (`due_date_refusals`, `check_due_date`).
- Blocked: a reason says what the action waits for; unblocking clears it (`check_blocked`).
- The force's own reference ("AFI 7"): at most `REFERENCE_MAX_LENGTH` characters, and a change
  changes it (`check_reference`); like any change, not on a closed or superseded action.
- Who may own an action: an active member of the action's force (`owners_of`, `check_owner`).
- The optimistic lock: a change is made only on the version it was made from (`is_current`,
  `StaleVersion`).
- Kinds of finding (`Kind`): which may be discharged, by whom and when (`check_discharge`); a
  recommendation's deadline as a due date (`deadline_due_date`).
- Links across cycles: which relation fits which kinds and forces (`Relation`, `check_link`),
  and whether the earlier action is superseded by it (`supersedes_on_link`).
- What "overdue", "due soon" (`DUE_SOON_DAYS`) and the RAG rating mean, in Python for one
  action and as a `Q` for querysets, counts and the export's SQL (`is_overdue`, `overdue_q`,
  `is_due_soon`, `due_soon_q`, `rag`).
- The PCC's response to a report: due `PCC_RESPONSE_DAYS` (56) after publication
  (`pcc_response_due`), where it stands (`pcc_response`, `PccResponseState`), which reports the
  dashboard lists (`pcc_response_watch_q`), who records it (`may_record_pcc_response`) and
  which dates it takes (`check_pcc_response`).

A refusal is a `TransitionError` whose `field` names the field it belongs beside (the Action
field's name: "status", "reason", "due_date", "owner", "blocked_reason", "reference", "kind",
"continues"; None for the whole change), so a form shows each error where the user will look
for it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, TextChoices

from tracker.dates import day_month_year


class Status(TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted for review"
    # The force's internal sign-off: a force lead assured it, ready for the inspectorate.
    ASSURED = "assured", "Assured — ready for the inspectorate"
    CLOSED = "closed", "Closed — evidence accepted"
    SUPERSEDED = "superseded", "Superseded"


OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.SUBMITTED, Status.ASSURED)


class Kind(TextChoices):
    """What a report found: each finding becomes an action of its kind (docs/architecture.md).

    The values are stored; `afi` is every action made before 2021+ reports were loaded.
    """

    AREA_FOR_IMPROVEMENT = "afi", "Area for improvement"
    RECOMMENDATION = "recommendation", "Recommendation"
    CAUSE_OF_CONCERN = "cause_of_concern", "Cause of concern"
    AREA_OF_CONCERN = "area_of_concern", "Area of concern"
    ACCELERATED_CAUSE_OF_CONCERN = "accelerated_coc", "Accelerated cause of concern"


# The kinds HMICFRS discharges (or closes) by letter once the force has answered them.
DISCHARGEABLE_KINDS = (
    Kind.CAUSE_OF_CONCERN,
    Kind.ACCELERATED_CAUSE_OF_CONCERN,
    Kind.AREA_OF_CONCERN,
)
# The kinds a recommendation may answer (its parent).
PARENT_KINDS = (Kind.CAUSE_OF_CONCERN, Kind.ACCELERATED_CAUSE_OF_CONCERN)


class Role(TextChoices):
    STAFF = "staff", "Force staff"
    LEAD = "lead", "Force lead"
    OBSERVER = "observer", "Observer"
    INSPECTOR = "inspector", "Inspector"


# The roles a member of a force may have (`User.force_role`); an inspector has no force.
FORCE_ROLES = (Role.STAFF, Role.LEAD, Role.OBSERVER)


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


# Who may do what, and to which actions: the one permission table. A role's scope is the
# force's actions (`ANY`: its own force's for a member of a force, its forces' for an
# inspector), only the ones they own (`OWNED`), or only when granted the
# `tracker.import_report` permission (`GRANTED`); a role not listed may not. Which status
# moves each role may make is `MOVES`, below; every move is a change, so it needs `CHANGE` too.


class Capability(TextChoices):
    SEE = "see", "See and export the actions"
    CHANGE = "change", "Add evidence; set the due date, blocked reason and reference; move status"
    ASSIGN = "assign", "Give an action an owner"
    ADD = "add", "Import and add reports and findings"
    PCC = "pcc", "Record the PCC's response to a report"
    PEOPLE = "people", "Manage the force's accounts"


class Scope(TextChoices):
    ANY = "any", "any of its force's (an inspector: its forces')"
    OWNED = "owned", "the actions they own"
    GRANTED = "granted", "with the import permission"


PERMISSIONS: dict[Capability, dict[Role, Scope]] = {
    Capability.SEE: {
        Role.STAFF: Scope.ANY,
        Role.LEAD: Scope.ANY,
        Role.OBSERVER: Scope.ANY,
        Role.INSPECTOR: Scope.ANY,
    },
    Capability.CHANGE: {Role.STAFF: Scope.OWNED, Role.LEAD: Scope.ANY, Role.INSPECTOR: Scope.ANY},
    Capability.ASSIGN: {Role.LEAD: Scope.ANY, Role.INSPECTOR: Scope.ANY},
    Capability.ADD: {Role.STAFF: Scope.GRANTED, Role.LEAD: Scope.ANY, Role.INSPECTOR: Scope.ANY},
    Capability.PCC: {Role.LEAD: Scope.ANY, Role.OBSERVER: Scope.ANY, Role.INSPECTOR: Scope.ANY},
    Capability.PEOPLE: {Role.LEAD: Scope.ANY},
}
_REFUSED = {
    Capability.SEE: "You may not see this force's actions.",
    Capability.CHANGE: "Only the action's owner, a force lead or an inspector may change it.",
    Capability.ASSIGN: "Only a force lead or an inspector may give an action an owner.",
    Capability.ADD: "Only a force lead, an inspector, or staff given the permission may add "
    "findings.",
    Capability.PCC: "Only a force lead, an observer or an inspector may record the PCC's response.",
    Capability.PEOPLE: "Only a force lead may manage the force's accounts.",
}


def may(
    role: Role | None, capability: Capability, *, is_owner: bool = False, granted: bool = False
) -> bool:
    """Whether `role` may do `capability` to an action of its force (the caller has worked out
    the role for that action or force: None for anyone of another force)."""
    scope = PERMISSIONS[capability].get(role) if role is not None else None
    return (
        scope == Scope.ANY
        or (scope == Scope.OWNED and is_owner)
        or (scope == Scope.GRANTED and granted)
    )


def who_may(role: Role | None, capability: Capability) -> str:
    """Who may do `capability`, in words for someone in `role` who may not (the refusal, and
    the line the action page shows instead of a form)."""
    if role == Role.OBSERVER:
        return "An observer reads and exports the force's actions, and changes none of them."
    return _REFUSED[capability]


def check_may(
    role: Role | None, capability: Capability, *, is_owner: bool = False, field: str | None = None
) -> None:
    """Raise TransitionError, saying who may, unless `may()`."""
    if not may(role, capability, is_owner=is_owner):
        raise TransitionError(who_may(role, capability), field=field)


STAFF_AND_LEADS = frozenset({Role.STAFF, Role.LEAD})
BOTH = frozenset({Role.STAFF, Role.LEAD, Role.INSPECTOR})
LEADS = frozenset({Role.LEAD})
INSPECTORS = frozenset({Role.INSPECTOR})

MOVES: tuple[Move, ...] = (
    Move(Status.NOT_STARTED, Status.IN_PROGRESS, BOTH, verb="Start work"),
    Move(
        Status.IN_PROGRESS,
        Status.SUBMITTED,
        STAFF_AND_LEADS,
        needs_evidence=True,
        verb="Submit for review",
    ),
    # The owner takes it back, or a lead returns it: not yet ready for the inspectorate.
    Move(
        Status.SUBMITTED,
        Status.IN_PROGRESS,
        STAFF_AND_LEADS,
        needs_reason=True,
        verb="Return to in progress",
        returns=True,
    ),
    # The force's internal sign-off, with a note for the inspectorate.
    Move(
        Status.SUBMITTED,
        Status.ASSURED,
        LEADS,
        needs_reason=True,
        verb="Assure — ready for the inspectorate",
    ),
    Move(
        Status.ASSURED,
        Status.IN_PROGRESS,
        INSPECTORS,
        needs_reason=True,
        verb="Return to the force",
        returns=True,
    ),
    Move(
        Status.ASSURED,
        Status.CLOSED,
        INSPECTORS,
        needs_reason=True,
        verb="Close — evidence accepted",
    ),
    Move(Status.CLOSED, Status.IN_PROGRESS, INSPECTORS, needs_reason=True, verb="Reopen"),
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
# The moves that need a reason, in words for a form's help: "return, reopen, close, …".
_REASON_VERBS = list(dict.fromkeys(m.verb.split()[0].lower() for m in MOVES if m.needs_reason))
REASON_NEEDED_TO = f"{', '.join(_REASON_VERBS[:-1])} or {_REASON_VERBS[-1]}"


class TransitionError(Exception):
    """A change the rules refuse; the message is fit to show the user.

    `field` names the field the refusal belongs beside (None: the change as a whole).
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


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
    reason: str | None,
    reinstates: str | None = None,
    closable_on: datetime.date | None = None,
    today: datetime.date | None = None,
) -> Move:
    """Return the Move from `source` to `target`, or raise TransitionError saying why not.

    `reason` None: not asked yet (a page that lists what a move would do before it asks for
    one); `reinstates` is the status a superseded action had before it was superseded;
    `closable_on` the first day it may be closed (`closable_from()`), checked against
    `today`.
    """
    move = find_move(source, target)
    if move is None and target == Status.CLOSED and source in OPEN_STATUSES:
        raise TransitionError(
            f"An action cannot move to “{Status.CLOSED.label}” until its force assures it "
            f"(“{Status.ASSURED.label}”); this one is “{Status(source).label}”.",
            field="status",
        )
    if move is None:
        raise TransitionError(
            f"An action cannot move from “{Status(source).label}” to “{Status(target).label}”.",
            field="status",
        )
    if _reinstates_elsewhere(move, reinstates):
        had = f"“{Status(reinstates).label}”" if reinstates else "the status it had"
        raise TransitionError(
            f"A superseded action can only be reinstated to {had}.", field="status"
        )
    check_may(role, Capability.CHANGE, is_owner=is_owner, field="status")
    if role not in move.roles:
        who = " or ".join(sorted(r.label.lower() for r in move.roles))
        raise TransitionError(f"Only {who} may {move.verb.lower()}.", field="status")
    if move.target in SIGN_OFFS and is_owner:
        raise TransitionError(
            f"The owner of an action cannot {move.verb.split(' —')[0].lower()} it.",
            field="status",
        )
    if move.needs_evidence and not has_evidence:
        raise TransitionError(
            "Add at least one evidence note before submitting for review.", field="status"
        )
    if move.target == Status.CLOSED and closable_on and today and today < closable_on:
        raise TransitionError(not_closable_yet(closable_on), field="status")
    if reason is not None:
        check_reason(move, reason)
    return move


# The moves that sign an action off, which its owner may not make: the force's assurance and
# the inspectorate's close.
SIGN_OFFS = (Status.ASSURED, Status.CLOSED)


def not_closable_yet(closable_on: datetime.date) -> str:
    """Why it cannot be closed before `closable_on` (the action page says it too)."""
    if closable_on == datetime.date.max:
        return (
            "It cannot be closed yet: the force's sustained-improvement period runs from the "
            "first impact note, and it has none."
        )
    return (
        f"It can be closed from {day_month_year(closable_on)}: the force's "
        "sustained-improvement period runs from its first impact note."
    )


def closable_note(closable_on: datetime.date, period_days: int) -> str:
    """What the action page says of when an action of a force with a sustained-improvement
    period of `period_days` may be closed (`closable_on`, from `closable_from()`)."""
    period = f"the force's {period_days}-day sustained-improvement period"
    if closable_on == datetime.date.max:
        return (
            f"Can be closed only once {period} has passed since its first impact note: "
            "it needs an impact note first."
        )
    when = day_month_year(closable_on)
    return f"Can be closed from {when} ({period} from its first impact note)."


def closable_from(first_impact: datetime.date | None, period_days: int) -> datetime.date | None:
    """The first day an action may be closed under the force's sustained-improvement period:
    `period_days` after its first impact note (None: no period, any day). With a period and no
    impact note yet, not before one is added: the far future."""
    if period_days <= 0:
        return None
    if first_impact is None:
        return datetime.date.max
    return first_impact + datetime.timedelta(days=period_days)


def check_reason(move: Move, reason: str) -> None:
    """A move that needs a reason (return, reopen, close, supersede, reinstate) has one."""
    if move.needs_reason and not reason.strip():
        raise TransitionError(f"Give a reason to {move.verb.lower()}.", field="reason")


def allowed_moves(
    *, source: str, role: Role | None, is_owner: bool, reinstates: str | None = None
) -> list[Move]:
    """The moves to offer this user, before evidence and reason are known."""
    if not may(role, Capability.CHANGE, is_owner=is_owner):
        return []
    return [
        move
        for move in MOVES
        if move.source == source
        and role in move.roles
        and not (move.target in SIGN_OFFS and is_owner)
        and not _reinstates_elsewhere(move, reinstates)
    ]


# What the action page says, by status, when the workflow offers the user no move.
_NO_MOVES: dict[str, str] = {
    Status.SUBMITTED: "Submitted for review: a force lead assures it for the inspectorate or "
    "returns it.",
    Status.ASSURED: "Assured by the force: an inspector closes it or returns it.",
    Status.CLOSED: "Closed. Only an inspector can reopen it.",
    Status.SUPERSEDED: "Superseded: it no longer needs work. Only an inspector can reinstate it.",
}


def no_moves_note(status: str) -> str:
    """Why no move is offered, for a user to whom `allowed_moves()` offers none."""
    return _NO_MOVES.get(status, "No status change is open to you here.")


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


def due_date_refusals(
    current: datetime.date | None,
    new: datetime.date | None,
    *,
    reason: str,
    today: datetime.date | None = None,
    confirmed: bool = False,
) -> list[TransitionError]:
    """Why the due date may not go from `current` to `new` (empty: it may).

    A due date, once set, is revised with a reason and never removed. A date before `today` is
    taken only when the user confirms it, as it is usually a slip; without `today` (a command,
    the demo) the caller has chosen the date on purpose.
    """
    if new is not None and new == current:
        return [TransitionError("That is already the due date.", field="due_date")]
    refusals = []
    if new is None and current is not None:
        refusals.append(
            TransitionError(
                "A due date, once set, can be revised but not removed.", field="due_date"
            )
        )
    elif current is not None and not reason.strip():
        refusals.append(TransitionError("Give a reason for revising the due date.", field="reason"))
    if new is not None and today is not None and new < today and not confirmed:
        refusals.append(
            TransitionError(
                f"{day_month_year(new)} is in the past. Tick the box to confirm that date, "
                "or choose a later one.",
                field="due_date",
            )
        )
    return refusals


def check_due_date(current: datetime.date | None, new: datetime.date | None, **rules) -> None:
    """Raise the first of `due_date_refusals()`, if any."""
    if refusals := due_date_refusals(current, new, **rules):
        raise refusals[0]


def check_blocked(current: str, new: str, *, unblocking: bool) -> None:
    """Marking blocked needs a reason (what it waits for); unblocking needs it to be blocked."""
    if unblocking:
        if not current:
            raise TransitionError("This action is not blocked.")
    elif not new.strip():
        raise TransitionError("Say what the action is waiting for.", field="blocked_reason")
    elif new.strip() == current:
        raise TransitionError("That is already the reason.", field="blocked_reason")


REFERENCE_MAX_LENGTH = 40


def check_reference(current: str, new: str) -> None:
    """A reference fits its column, and differs from the one it has (empty: none)."""
    if new == current:
        raise TransitionError(
            "That is already the reference." if new else "The action has no reference.",
            field="reference",
        )
    if len(new) > REFERENCE_MAX_LENGTH:
        raise TransitionError(
            f"A reference is at most {REFERENCE_MAX_LENGTH} characters; this one has {len(new)}.",
            field="reference",
        )


def blocked_q() -> Q:
    """Waiting on someone outside the force: it has a blocked reason."""
    return ~Q(blocked_reason="")


def owners_of(force_id: int | None) -> Q:
    """The people who may own an action of this force: its active members (a User filter)."""
    return Q(force_id=force_id, is_active=True)


def check_owner(current, new, *, force_id: int | None) -> None:
    """A new owner is one of `owners_of(force_id)`, and not the owner already."""
    if new == current:
        raise TransitionError(
            "That is already the owner." if new else "The action is already unassigned.",
            field="owner",
        )
    if new is not None and not (new.is_active and new.force_id == force_id):
        raise TransitionError(
            "An action's owner must be an active member of the action's force.", field="owner"
        )


# Discharging a cause of concern ----------------------------------------------------------


def check_discharge(
    *,
    kind: str,
    status: str,
    role: Role | None,
    discharged: bool,
    recommendations: int,
    recommendations_open: int,
    reason: str,
) -> None:
    """May an inspector discharge this action now? Raise TransitionError saying why not.

    Only a cause of concern (or an accelerated one, or an area of concern) is discharged, only
    by an inspector, and only while it is still open. When every one of its recommendations is
    done (closed or superseded) no reason is needed: that is the reason. Otherwise the
    inspector says why it is discharged anyway (HMICFRS closed it by letter, say).
    """
    if kind not in DISCHARGEABLE_KINDS:
        raise TransitionError(
            f"Only a cause of concern or an area of concern is discharged; this is "
            f"{Kind(kind).label.lower()}.",
            field="kind",
        )
    if role is not Role.INSPECTOR:
        raise TransitionError("Only inspectors may discharge a cause of concern.", field="status")
    if discharged:
        raise TransitionError("This cause of concern is already discharged.", field="status")
    if status not in OPEN_STATUSES:
        raise TransitionError(
            f"This cause of concern is {Status(status).label.lower()}: only an open one is "
            "discharged.",
            field="status",
        )
    if (recommendations_open or not recommendations) and not reason.strip():
        if recommendations_open:
            why = f"{recommendations_open} of its {recommendations} recommendations are open"
        else:
            why = "it has no recommendations"
        raise TransitionError(f"Give a reason to discharge it: {why}.", field="reason")


# Deadlines ------------------------------------------------------------------------------


def deadline_due_date(published: datetime.date | None, months: int | None) -> datetime.date | None:
    """A recommendation due "within N months" of publication: the same day N months later
    (the month's last day when it has no such day); None without a date or months."""
    if published is None or months is None:
        return None
    month_index = published.month - 1 + months
    year, month = published.year + month_index // 12, month_index % 12 + 1
    last = (datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(published.day, last))


# Links across cycles --------------------------------------------------------------------


class Relation(TextChoices):
    """How an action continues an earlier one (of an earlier report of the same force)."""

    CARRIED_OVER = "carried-over", "Carried over"
    ESCALATED = "escalated", "Escalated from an area for improvement to a cause of concern"


def check_link(
    relation: str, *, earlier_kind: str, later_kind: str, same_force: bool, earlier_first: bool
) -> Relation:
    """May an action continue an earlier one this way? Return the relation, or raise.

    The earlier action is the same force's and from an earlier report (`earlier_first`). An
    escalation goes from an area for improvement to a cause of concern; anything may be
    carried over.
    """
    try:
        chosen = Relation(relation)
    except ValueError:
        raise TransitionError(
            f"Unknown link {relation!r}: one of {', '.join(Relation.values)}.", field="continues"
        ) from None
    if not same_force:
        raise TransitionError(
            "An action can only continue an action of its own force.", field="continues"
        )
    if not earlier_first:
        raise TransitionError(
            "An action can only continue an action of an earlier report.", field="continues"
        )
    if chosen is Relation.ESCALATED and not (
        earlier_kind == Kind.AREA_FOR_IMPROVEMENT and later_kind in PARENT_KINDS
    ):
        raise TransitionError(
            "An escalation goes from an area for improvement to a cause of concern; this is "
            f"{Kind(earlier_kind).label.lower()} to {Kind(later_kind).label.lower()}.",
            field="continues",
        )
    return chosen


def supersedes_on_link(status: str) -> bool:
    """A link that supersedes the earlier action does so only while it is open (a closed one
    stays signed off, a superseded one already is)."""
    return status in OPEN_STATUSES


# The optimistic lock ---------------------------------------------------------------------


class StaleVersion(TransitionError):
    """Someone else changed the action since this user loaded it.

    `changed_by` names who made the latest change ("" when unknown or not a person); the
    caller looks it up (`Action.stale()`), so raising one runs no query of its own.
    """

    def __init__(self, changed_by: str = ""):
        by = f" by {changed_by}" if changed_by else ""
        super().__init__(
            f"This action was changed{by} since you opened it. Your changes were not saved; "
            "check the latest version below and submit again."
        )


def is_current(seen: int, version: int) -> bool:
    """A change is made only on the version of the action the user saw."""
    return int(seen) == version


# Overdue, due soon and RAG ---------------------------------------------------------------

# "Due soon": due today or within this many days (the dashboard's tile, the amber RAG).
DUE_SOON_DAYS = 30


def due_soon_until(today: datetime.date) -> datetime.date:
    """The last day that is "due soon" seen from `today`."""
    return today + datetime.timedelta(days=DUE_SOON_DAYS)


# Each rule below is stated twice, side by side: in Python for one action and as a Q for a
# queryset (and, through the ORM, the export's SQL). tests/test_workflow.py checks they agree.


def is_overdue(status: str, due_date: datetime.date | None, today: datetime.date) -> bool:
    """Open, and its due date is before today."""
    return status in OPEN_STATUSES and due_date is not None and due_date < today


def overdue_q(today: datetime.date) -> Q:
    return Q(status__in=OPEN_STATUSES, due_date__lt=today)


def is_due_soon(status: str, due_date: datetime.date | None, today: datetime.date) -> bool:
    """Open, and due from today to `DUE_SOON_DAYS` days ahead."""
    return (
        status in OPEN_STATUSES
        and due_date is not None
        and today <= due_date <= (due_soon_until(today))
    )


def due_soon_q(today: datetime.date) -> Q:
    return Q(status__in=OPEN_STATUSES, due_date__gte=today, due_date__lte=due_soon_until(today))


class Rag(TextChoices):
    """The RAG rating: how an action stands against its due date."""

    RED = "red", "Overdue"
    AMBER = "amber", "Due soon"
    GREEN = "green", "On track"
    GREY = "grey", "Done"


def rag(status: str, due_date: datetime.date | None, today: datetime.date) -> Rag:
    """Red overdue, amber due soon, green otherwise open, grey closed or superseded."""
    if status not in OPEN_STATUSES:
        return Rag.GREY
    if is_overdue(status, due_date, today):
        return Rag.RED
    if is_due_soon(status, due_date, today):
        return Rag.AMBER
    return Rag.GREEN


# The PCC's response ------------------------------------------------------------------------

# The police and crime commissioner publishes a response to each report within 56 days of its
# publication (Police Act 1996, s. 55).
PCC_RESPONSE_DAYS = 56
# The dashboard lists responses due within this many days (and those overdue)...
PCC_RESPONSE_SOON_DAYS = 14
# ... of reports published within this many days, so that years-old pillar pages, which no one
# will answer now, do not fill it.
PCC_RESPONSE_RECENT_DAYS = 2 * 365
# Who records it: the force's leads and observers (the PCC's office), and its inspectors.
PCC_RESPONSE_ROLES = frozenset({Role.LEAD, Role.OBSERVER, Role.INSPECTOR})


class PccResponseState(TextChoices):
    RESPONDED = "responded", "Published"
    OVERDUE = "overdue", "Overdue"
    DUE_SOON = "due_soon", "Due soon"
    DUE = "due", "Due"
    NOT_DUE = "not_due", "Not due: the report has no publication date"


@dataclass(frozen=True)
class PccResponse:
    """Where a report's PCC response stands on a day (`Inspection.pcc_response`)."""

    state: PccResponseState
    due: datetime.date | None  # None: the report has no publication date
    days_overdue: int = 0
    days_left: int = 0


def pcc_response_due(published: datetime.date | None) -> datetime.date | None:
    """The day the PCC's response to a report is due: `PCC_RESPONSE_DAYS` after publication."""
    return None if published is None else published + datetime.timedelta(days=PCC_RESPONSE_DAYS)


def pcc_response(
    published: datetime.date | None, responded_on: datetime.date | None, today: datetime.date
) -> PccResponse:
    """Published (recorded, whenever), else overdue (after its due day), due soon (within
    `PCC_RESPONSE_SOON_DAYS`), due; not due without a publication date."""
    due = pcc_response_due(published)
    if responded_on is not None:
        return PccResponse(PccResponseState.RESPONDED, due)
    if due is None:
        return PccResponse(PccResponseState.NOT_DUE, None)
    if due < today:
        return PccResponse(PccResponseState.OVERDUE, due, days_overdue=(today - due).days)
    days_left = (due - today).days
    soon = days_left <= PCC_RESPONSE_SOON_DAYS
    return PccResponse(
        PccResponseState.DUE_SOON if soon else PccResponseState.DUE, due, days_left=days_left
    )


def pcc_response_watch_q(today: datetime.date) -> Q:
    """Reports (Inspection) whose response is overdue or due soon, published within
    `PCC_RESPONSE_RECENT_DAYS`: the dashboard's list. `pcc_response`'s rule, as a Q."""
    latest = today + datetime.timedelta(days=PCC_RESPONSE_SOON_DAYS - PCC_RESPONSE_DAYS)
    earliest = today - datetime.timedelta(days=PCC_RESPONSE_RECENT_DAYS)
    return Q(pcc_response_on__isnull=True, published__gte=earliest, published__lte=latest)


def may_record_pcc_response(role: Role | None) -> bool:
    return role in PCC_RESPONSE_ROLES


def check_pcc_response(
    published: datetime.date | None, responded_on: datetime.date, today: datetime.date
) -> None:
    """A response is published on a day between the report's publication and today."""
    if responded_on > today:
        raise TransitionError(
            "The response's date cannot be in the future.", field="pcc_response_on"
        )
    if published is not None and responded_on < published:
        raise TransitionError(
            f"The response cannot come before the report, published {day_month_year(published)}.",
            field="pcc_response_on",
        )
