"""Actions: one per finding of a report, with their evidence notes, files and audit trail.

An Action changes only through its state-change methods (`move_to`, `assign`,
`set_due_date`, `set_blocked`, `set_reference`, `add_note`). Each one checks the
optimistic-lock `version`, bumps it in the same UPDATE, and writes the ActionEvent in the
same transaction, so the audit trail and the action can never disagree. ActionEvent,
EvidenceNote and EvidenceFile are append-only; database triggers (migrations 0002, 0006,
0007) refuse UPDATE and DELETE on them, and TRUNCATE on PostgreSQL.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Count, F, Min, Q, Value
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from tracker import evidence
from tracker.models.people import Force, ForceScopedQuerySet, User
from tracker.models.reports import Question
from tracker.workflow import (
    DISCHARGEABLE_KINDS,
    OPEN_STATUSES,
    REFERENCE_MAX_LENGTH,
    Capability,
    Kind,
    Move,
    Rag,
    Relation,
    Role,
    StaleVersion,
    Status,
    TransitionError,
    allows_changes,
    blocked_q,
    check_blocked,
    check_change,
    check_discharge,
    check_due_date,
    check_may,
    check_move,
    check_owner,
    check_reference,
    closable_from,
    due_soon_q,
    due_soon_until,
    is_overdue,
    overdue_q,
    rag,
)

if TYPE_CHECKING:
    from tracker.evidence import CheckedFile


# A report's and its questions' long texts, as an action reaches them: tens of kilobytes a
# row (the page as imported alone is some 11,000 characters). Only the report page shows the
# summary and narratives, and only the admin the page as imported: pages that list or show
# actions leave them in the database.
REPORT_TEXT = (
    "question__narrative",
    "question__inspection__summary",
    "question__inspection__source_text",
)


# What a row needs of a recommendation's parent is its id, kind and text: not the rest.
PARENT_DEFERRED = (
    "blocked_reason",
    "returned_reason",
    "discharge_reason",
    "deadline_text",
)


class ActionQuerySet(ForceScopedQuerySet):
    def open(self) -> ActionQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today: datetime.date | None = None) -> ActionQuerySet:
        return self.filter(overdue_q(today or timezone.localdate()))

    def blocked(self) -> ActionQuerySet:
        """Waiting on someone outside the force (the list's "Blocked only")."""
        return self.filter(blocked_q())

    def returned(self) -> ActionQuerySet:
        """Submitted work sent back to the force, and not moved since (see `is_returned`)."""
        return self.filter(returned_at__isnull=False)

    def with_related(self) -> ActionQuerySet:
        """Everything a list row or the action page shows, in the one query (the parent too:
        a recommendation's row names its cause of concern)."""
        return self.select_related(
            "force", "question__inspection__force", "owner", "closed_by", "parent"
        ).defer(*REPORT_TEXT, *(f"parent__{name}" for name in PARENT_DEFERRED))

    def for_panel(self) -> ActionQuerySet:
        """What the dashboard's list of actions shows of each (its text, status, dates and
        force): one join, where `with_related()` plans seven for the page's busiest query."""
        return self.select_related("force")

    def counts(self, today: datetime.date | None = None) -> dict[str, int]:
        """The dashboard's tiles in one query (see `count_expressions`)."""
        return self.aggregate(**count_expressions(today))


def count_expressions(today: datetime.date | None = None) -> dict[str, Count]:
    """Conditional counts of actions, each matching the queryset method of the same name.

    One aggregate (or one GROUP BY) answers all of them, instead of one COUNT each.
    """
    today = today or timezone.localdate()
    is_open = Q(status__in=OPEN_STATUSES)
    return {
        "total": Count("pk"),
        "open": Count("pk", filter=is_open),
        "overdue": Count("pk", filter=overdue_q(today)),
        "due_soon": Count("pk", filter=due_soon_q(today)),
        "submitted": Count("pk", filter=Q(status=Status.SUBMITTED)),
        "assured": Count("pk", filter=Q(status=Status.ASSURED)),
        "blocked": Count("pk", filter=is_open & blocked_q()),
        "closed": Count("pk", filter=Q(status=Status.CLOSED)),
        "superseded": Count("pk", filter=Q(status=Status.SUPERSEDED)),
    }


class ActionTally(models.Model):
    """How many actions each force has in each status, blocked or not: kept by the database
    (PostgreSQL only), in the same transaction as each change, by statement triggers on
    tracker_action (migration 0023), so every path keeps it true: the workflow's moves, the
    imports, `adding.py`'s bulk creates, the admin, `generate_data`'s COPY. Read-only here.

    Rows are never deleted: a key whose actions all moved on keeps `n` = 0.
    """

    pk = models.CompositePrimaryKey("force_id", "status", "blocked")
    force = models.ForeignKey(
        Force, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    status = models.CharField(max_length=16)
    blocked = models.BooleanField()
    n = models.BigIntegerField()

    class Meta:
        managed = False  # the table and its triggers are migration 0023's SQL

    def __str__(self) -> str:
        blocked = ", blocked" if self.blocked else ""
        return f"{self.n} {self.status}{blocked} of force {self.force_id}"

    def save(self, *args, **kwargs):
        raise TypeError("The action tally is kept by the database's triggers (migration 0023).")

    def delete(self, *args, **kwargs):
        raise TypeError("The action tally is kept by the database's triggers (migration 0023).")


def tally_kept() -> bool:
    """Whether the database keeps `ActionTally` (PostgreSQL; SQLite counts with a GROUP BY)."""
    return connection.vendor == "postgresql"


# The date buckets of `tallied_counts`' second half (not statuses: they cannot collide).
_DUE_SOON, _LATER, _UNDATED = "(due soon)", "(due later)", "(no due date)"


def tallied_counts(
    today: datetime.date | None = None, force_ids: Iterable[int] | None = None
) -> dict[int, dict[str, int]]:
    """`count_expressions`' counts for each force with actions (of `force_ids`; None: every
    force), equal to them, from the tally and the open actions not overdue: one statement.

    The status counts are the tally's sums. Overdue and due soon move with the day, so they
    are counted from the partial index on open actions' due dates (`tracker_action_open_due`,
    index-only scans): due soon is a range of it, and overdue is the open actions less those
    due today or later, or with no due date. Open actions not yet due are read rather than
    the overdue ones, as they are the fewer when a tracker holds years of history (at 500,000
    synthetic actions 33,000 of 234,000 open ones: 200,000 are overdue). One statement, so the
    tally and the dates are of one snapshot.
    """
    today = today or timezone.localdate()
    tally = ActionTally.objects.values_list("force_id", "status", "blocked", "n")
    open_actions = Action.objects.order_by().filter(status__in=OPEN_STATUSES)
    if force_ids is not None:
        force_ids = list(force_ids)
        tally = tally.filter(force_id__in=force_ids)
        open_actions = open_actions.filter(force_id__in=force_ids)
    soon = due_soon_until(today)

    def dated(bucket: str, where: Q) -> models.QuerySet:
        return (
            open_actions.filter(where)
            .values_list("force_id")
            .annotate(bucket=Value(bucket), blocked=Value(False), n=Count("force_id"))
        )

    rows = tally.union(
        dated(_DUE_SOON, Q(due_date__gte=today, due_date__lte=soon)),
        dated(_LATER, Q(due_date__gt=soon)),
        dated(_UNDATED, Q(due_date__isnull=True)),
        all=True,
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTED, 0))
    not_overdue: dict[int, int] = defaultdict(int)
    for force_id, key, blocked, n in rows:
        row = counts[force_id]
        if key in (_DUE_SOON, _LATER, _UNDATED):
            not_overdue[force_id] += n
            if key == _DUE_SOON:
                row["due_soon"] += n
            continue
        row["total"] += n
        if key in OPEN_STATUSES:
            row["open"] += n
            row["blocked"] += n if blocked else 0
        if key in _COUNTED_BY_STATUS:
            row[key] += n
    for force_id, row in counts.items():
        row["overdue"] = row["open"] - not_overdue[force_id]
    return {force_id: row for force_id, row in counts.items() if row["total"]}


# What `count_expressions` counts, by name; those that are one status's count.
COUNTED = tuple(count_expressions(datetime.date(2000, 1, 1)))
_COUNTED_BY_STATUS = frozenset(COUNTED) & frozenset(Status.values)


class Action(models.Model):
    Kind = Kind  # the rulebook's (tracker/workflow.py): it decides what each kind allows
    Relation = Relation

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="actions")
    # Copied from question.inspection.force when the action is created (it never changes), so
    # that visible_to() and the list's indexes need no join across four tables.
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.AREA_FOR_IMPROVEMENT)
    text = models.TextField(help_text="Verbatim from the report.")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recommendations",
        help_text="A recommendation's cause of concern (none: it stands alone).",
    )
    deadline_text = models.CharField(
        max_length=200, blank=True, help_text="As the report words it: “Within three months”."
    )
    deadline_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The months the deadline gives, from publication."
    )
    # A cause of concern discharged: by an inspector, or as the report or letter says.
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    discharge_reason = models.TextField(blank=True)
    # The earlier action (of an earlier report of the same force) this one continues, and how.
    continues = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="continued_by",
        help_text="The earlier action this one continues.",
    )
    continues_how = models.CharField(max_length=20, choices=Relation, blank=True)
    position = models.PositiveSmallIntegerField(help_text="1-based, within its question.")
    # The force's own numbering of its findings ("AFI 7", "CoC 2", "R3.1"): set by hand or by a
    # spreadsheet import, never guessed from the report's labels.
    reference = models.CharField(
        max_length=REFERENCE_MAX_LENGTH,
        blank=True,
        help_text="The force's own reference, e.g. “AFI 7”.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_actions",
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.NOT_STARTED)
    due_date = models.DateField(null=True, blank=True)
    original_due_date = models.DateField(
        null=True, blank=True, help_text="The first due date set; kept when the date is revised."
    )
    blocked_reason = models.TextField(
        blank=True, help_text="Empty unless the action waits on a body outside the force."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Who added it: the person who imported its report or spreadsheet, or added it by hand
    # (none: a command, or before migration 0018 recorded it).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # The force's internal sign-off (a force lead), before an inspector closes it.
    assured_at = models.DateTimeField(null=True, blank=True)
    assured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set when submitted work is returned (a Move that `returns`), cleared by the next status move.
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    returned_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ActionQuerySet.as_manager()
    # Set by the list page on the rows it shows (not stored).
    note_count: int
    # Set by the action page: the later action that continues this one, and how (not stored).
    continued_by_id: int | None
    continued_by_how: str | None

    class Meta:
        ordering = ["question__inspection", "question__number", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "kind", "position"], name="tracker_action_unique_position"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="tracker_action_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values), name="tracker_action_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(discharged_at__isnull=True)
                | Q(status=Status.CLOSED, kind__in=DISCHARGEABLE_KINDS),
                name="tracker_action_discharged_only_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(continues__isnull=True, continues_how="")
                | Q(continues__isnull=False, continues_how__in=Relation.values),
                name="tracker_action_continues_how",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(status=Status.CLOSED),
                name="tracker_action_closed_at_only_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True) | Q(original_due_date__isnull=False),
                name="tracker_action_original_due_date_kept",
            ),
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | Q(status=Status.IN_PROGRESS),
                name="tracker_action_returned_only_when_in_progress",
            ),
        ]
        indexes = [
            models.Index(fields=["force", "status"], name="tracker_action_force_status"),
            models.Index(fields=["force", "due_date", "id"], name="tracker_action_force_due"),
            # An inspector's list across all forces, in its default order.
            models.Index(fields=["due_date", "id"], name="tracker_action_due"),
            models.Index(fields=["owner", "status"], name="tracker_action_owner_status"),
            models.Index(fields=["force", "updated_at"], name="tracker_action_force_updated"),
            # What waits for an inspector's review (the dashboard's panel: assured, longest
            # waiting first), without sorting every assured action of every force.
            models.Index(
                fields=["status", "updated_at", "id"], name="tracker_action_status_updated"
            ),
            # The list sorted by the force's own reference (`sort=reference`).
            models.Index(fields=["force", "reference", "id"], name="tracker_action_force_ref"),
            # The open actions' due dates: the inspector's dashboard counts those due soon, or
            # not yet due, for every force from this alone (`tallied_counts`).
            models.Index(
                fields=["due_date", "force"],
                condition=Q(status__in=OPEN_STATUSES),
                name="tracker_action_open_due",
            ),
        ]

    def __str__(self) -> str:
        return f"Action {self.pk}: {self.short_text}"

    def get_absolute_url(self) -> str:
        return reverse("action-detail", args=[self.pk])

    @property
    def short_text(self) -> str:
        return self.text if len(self.text) <= 80 else self.text[:79].rstrip() + "…"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_dischargeable_kind(self) -> bool:
        return self.kind in DISCHARGEABLE_KINDS

    @property
    def is_discharged(self) -> bool:
        return self.discharged_at is not None

    @property
    def continues_label(self) -> str:
        """How it continues the earlier action, in words ("Carried over")."""
        return Relation(self.continues_how).label if self.continues_how else ""

    @property
    def continued_by_label(self) -> str:
        """How the later action continues this one, when the page fetched it."""
        how = getattr(self, "continued_by_how", None)
        return Relation(how).label if how else ""

    def recommendation_counts(self) -> tuple[int, int]:
        """(how many recommendations it has, how many of them are open): one query."""
        counts = self.recommendations.aggregate(
            total=Count("pk"), open=Count("pk", filter=Q(status__in=OPEN_STATUSES))
        )
        return counts["total"], counts["open"]

    @property
    def is_blocked(self) -> bool:
        return bool(self.blocked_reason)

    @property
    def takes_changes(self) -> bool:
        """Whether the workflow lets it take an owner, due date, blocked reason or note."""
        return allows_changes(self.status)

    def check_takes_changes(self) -> None:
        """Raise TransitionError, saying who signed it off and when, if it takes none."""
        if self.takes_changes:
            return
        check_change(
            self.status,
            signed_off_by=self.closed_by.display_name if self.closed_by else "",
            signed_off_on=timezone.localdate(self.closed_at) if self.closed_at else None,
        )

    @cached_property
    def supersession(self) -> ActionEvent | None:
        """The event that superseded it, while it is superseded (one query; None otherwise)."""
        if self.status != Status.SUPERSEDED:
            return None
        return (
            self.events.filter(kind=ActionEvent.Kind.STATUS, new_value=Status.SUPERSEDED.label)
            .select_related("by")
            .order_by("-at", "-id")
            .first()
        )

    @property
    def status_before_supersession(self) -> Status | None:
        """The status it had when it was superseded, as its audit trail records it."""
        event = self.supersession
        labels = {status.label: status for status in Status}
        return labels.get(event.old_value) if event else None

    @property
    def is_returned(self) -> bool:
        """Submitted work sent back to the force, and not moved since."""
        return self.returned_at is not None

    @property
    def is_overdue(self) -> bool:
        return is_overdue(self.status, self.due_date, timezone.localdate())

    @property
    def due_date_revised(self) -> bool:
        return self.original_due_date is not None and self.original_due_date != self.due_date

    @property
    def rag(self) -> Rag:
        return rag(self.status, self.due_date, timezone.localdate())

    # State changes -------------------------------------------------------------------------

    def check_move(self, status: str, *, by, reason: str | None) -> Move:
        """The move to `status` by `by`, or TransitionError saying why not: the rulebook's
        `check_move` given what it asks of this action (`reason` None: not asked yet)."""
        return check_move(
            source=self.status,
            target=status,
            role=_role(by, self),
            is_owner=self._owned_by(by),
            has_evidence=self.notes.exists(),
            reason=reason,
            reinstates=self.status_before_supersession,
            closable_on=self.closable_from() if status == Status.CLOSED else None,
            today=timezone.localdate(),
        )

    def move_to(self, status: str, *, by, reason: str = "", via: str = "web", version=None):
        move = self.check_move(status, by=by, reason=reason)
        changes: dict = {"status": move.target, **self._returned_changes()}
        if move.target == Status.ASSURED:
            changes.update(assured_at=timezone.now(), assured_by=by)
        elif move.target == Status.CLOSED:
            changes.update(closed_at=timezone.now(), closed_by=by)
        elif self.status in (Status.ASSURED, Status.CLOSED):
            # Returned or reopened: no longer assured, signed off, nor discharged.
            changes.update(assured_at=None, assured_by=None, closed_at=None, closed_by=None)
            if self.is_discharged:
                changes.update(discharged_at=None, discharged_by=None, discharge_reason="")
        if move.returns:
            changes.update(returned_at=timezone.now(), returned_by=by, returned_reason=reason)
        self._change(
            changes,
            ActionEvent.Kind.STATUS,
            old=self.get_status_display(),
            new=Status(move.target).label,
            by=by,
            reason=reason,
            via=via,
            version=version,
        )

    def retire(self, reason: str, *, by=None, via: str = "import"):
        """Supersede an action whose AFI left the report (the importer's move, not a user's)."""
        self.check_takes_changes()
        self._change(
            {"status": Status.SUPERSEDED, **self._returned_changes()},
            ActionEvent.Kind.STATUS,
            old=self.get_status_display(),
            new=Status.SUPERSEDED.label,
            by=by if by is not None and by.is_authenticated else None,
            reason=reason,
            via=via,
            version=None,
        )

    def discharge(self, reason: str = "", *, by, via: str = "web", version=None) -> None:
        """Discharge a cause of concern (the rulebook's `check_discharge` says who and when):
        it is closed, and who, when and why are kept on it and in its audit trail."""
        total, still_open = self.recommendation_counts()
        check_discharge(
            kind=self.kind,
            status=self.status,
            role=by.role_for(self) if by is not None else None,
            discharged=self.is_discharged,
            recommendations=total,
            recommendations_open=still_open,
            reason=reason,
        )
        if not reason.strip():
            reason = f"All {total} of its recommendations are done."
        self._discharge(reason.strip(), by=by, via=via, version=version)

    def record_discharge(self, reason: str, *, by=None, via: str = "import") -> None:
        """Record that HMICFRS discharged or closed it, as the report or letter being imported
        says (the importer's move, as `retire` is: the report is the authority)."""
        if self.kind not in DISCHARGEABLE_KINDS or self.is_discharged:
            return
        self.check_takes_changes()
        self._discharge(
            reason, by=by if by is not None and by.is_authenticated else None, via=via, version=None
        )

    def _discharge(self, reason: str, *, by, via: str, version) -> None:
        now = timezone.now()
        self._change(
            {
                "status": Status.CLOSED,
                "closed_at": now,
                "closed_by": by,
                "discharged_at": now,
                "discharged_by": by,
                "discharge_reason": reason,
                **self._returned_changes(),
            },
            ActionEvent.Kind.DISCHARGED,
            old=self.get_status_display(),
            new="Discharged",
            by=by,
            reason=reason,
            via=via,
            version=version,
        )

    def assign(self, owner, *, by, reason: str = "", via: str = "web", version=None):
        self._require_editor(by)
        check_may(_role(by, self), Capability.ASSIGN, is_owner=self._owned_by(by), field="owner")
        check_owner(self.owner, owner, force_id=self.force_id)
        old = self.owner.username if self.owner else ""
        self._change(
            {"owner": owner},
            ActionEvent.Kind.OWNER,
            old=old,
            new=owner.username if owner else "",
            by=by,
            reason=reason,
            via=via,
            version=version,
        )

    def set_due_date(self, due_date, *, by, reason: str = "", via: str = "web", version=None):
        self._require_editor(by)
        check_due_date(self.due_date, due_date, reason=reason)
        changes = {"due_date": due_date}
        if self.original_due_date is None:
            changes["original_due_date"] = due_date
        self._change(
            changes,
            ActionEvent.Kind.DUE_DATE,
            old=self.due_date.isoformat() if self.due_date else "",
            new=due_date.isoformat() if due_date else "",
            by=by,
            reason=reason,
            via=via,
            version=version,
        )

    def set_blocked(self, blocked_reason: str, *, by, via: str = "web", version=None):
        """Mark blocked with a reason, or unblock with an empty one."""
        self._require_editor(by)
        blocked_reason = blocked_reason.strip()
        check_blocked(self.blocked_reason, blocked_reason, unblocking=not blocked_reason)
        self._set_text(
            "blocked_reason",
            blocked_reason,
            ActionEvent.Kind.BLOCKED,
            by=by,
            via=via,
            version=version,
            reason=blocked_reason,
        )

    def set_reference(
        self, reference: str, *, by, reason: str = "", via: str = "web", version=None
    ):
        """Give it the force's own reference ("AFI 7"), or clear it with an empty one.

        A closed or superseded action refuses it, beside the reference field.
        """
        try:
            self._require_editor(by)
        except TransitionError as refusal:
            raise TransitionError(str(refusal), field="reference") from None
        reference = " ".join(reference.split())
        check_reference(self.reference, reference)
        change = {"by": by, "via": via, "version": version, "reason": reason}
        self._set_text("reference", reference, ActionEvent.Kind.REFERENCE, **change)

    def add_note(
        self,
        body: str,
        *,
        by,
        kind: str = "progress",
        via: str = "web",
        version=None,
        files: Sequence[CheckedFile] = (),
    ):
        """Add an evidence note, with files that passed `evidence.check_upload()`.

        The note, its files' rows and the event are one transaction, and each file's bytes are
        written to storage inside it, before it commits. If a write fails (StorageFailed), or
        the transaction fails for any other reason, nothing of the note is saved and the bytes
        already written for it are deleted: no row points at missing bytes.

        Inside a caller's own transaction, the bytes are written before that one commits; if
        it then rolls back, they stay in storage, unreferenced and harmless.
        """
        self._require_editor(by)
        body = body.strip()
        if not body:
            raise TransitionError("An evidence note needs some text.", field="body")
        loaded = (self.version, self.updated_at)
        written: list[str] = []
        try:
            with transaction.atomic():
                self._change(
                    {},
                    ActionEvent.Kind.NOTE,
                    old="",
                    new=EvidenceNote.Kind(kind).label,
                    by=by,
                    via=via,
                    version=version,
                )
                note = EvidenceNote.objects.create(action=self, author=by, kind=kind, body=body)
                for checked in files:
                    stored_name = evidence.new_stored_name()
                    EvidenceFile.objects.create(
                        note=note,
                        stored_name=stored_name,
                        original_name=checked.original_name,
                        content_type=checked.content_type,
                        size=checked.size,
                        sha256=checked.sha256,
                    )
                    evidence.store(stored_name, checked.file)
                    written.append(stored_name)
        except BaseException:
            evidence.delete_stored(written)
            self.version, self.updated_at = loaded  # as in the database: the change rolled back
            raise
        return note

    def stale(self) -> StaleVersion:
        """The refusal of a change made on an older version: it names who changed it last."""
        latest = self.events.select_related("by").order_by("-at", "-id").first()
        return StaleVersion(latest.by.display_name if latest and latest.by else "")

    def _returned_changes(self) -> dict:
        """What a status move does to "Returned": it ends it (a return sets it again)."""
        if not self.is_returned:
            return {}
        return {"returned_at": None, "returned_by": None, "returned_reason": ""}

    def _require_editor(self, user) -> None:
        role = _role(user, self)
        if role is None:
            raise PermissionError("You may not change this action.")
        check_may(role, Capability.CHANGE, is_owner=self._owned_by(user))
        self.check_takes_changes()

    def _owned_by(self, user) -> bool:
        return user is not None and self.owner_id is not None and self.owner_id == user.pk

    def closable_from(self) -> datetime.date | None:
        """The first day it may be closed under its force's sustained-improvement period (None:
        any day): the period after its first impact note (`workflow.closable_from`)."""
        days = self.force.sustained_improvement_days
        if not days:
            return None
        first = self.notes.filter(kind=NoteKind.IMPACT).aggregate(first=Min("created_at"))
        at = first["first"]
        return closable_from(timezone.localdate(at) if at else None, days)

    def _set_text(self, field: str, value: str, kind: str, *, by, via, version, reason=""):
        """Change a text field, its event recording the old and new text."""
        self._change(
            {field: value},
            kind,
            old=getattr(self, field),
            new=value,
            by=by,
            reason=reason,
            via=via,
            version=version,
        )

    def _change(self, changes: dict, kind: str, *, old, new, by, via, version, reason: str = ""):
        """Apply `changes` if nobody changed the action since `version`, and record it."""
        expected = self.version if version is None else int(version)
        now = timezone.now()
        with transaction.atomic():
            updated = Action.objects.filter(pk=self.pk, version=expected).update(
                **changes, version=F("version") + 1, updated_at=now
            )
            if not updated:
                raise self.stale()
            event = ActionEvent.objects.create(
                action=self,
                kind=kind,
                old_value=str(old),
                new_value=str(new),
                reason=reason,
                by=by,
                via=via,
            )
            from tracker import notify  # here: it reads these models

            notify.after_commit(event)  # the e-mail the change calls for, if it commits
        for field, value in changes.items():
            setattr(self, field, value)
        self.__dict__.pop("supersession", None)  # cached for the status it had
        self.version = expected + 1
        self.updated_at = now


def _role(user, action: Action) -> Role | None:
    """The role `user` acts in on `action`. None as `user` is an operator's command (a
    spreadsheet import from the command line), which acts as an inspector would, as the
    report importer's `retire` and `record_discharge` do."""
    return Role.INSPECTOR if user is None else user.role_for(action)


class NoteKind(models.TextChoices):
    """What a note is evidence of (`EvidenceNote.Kind`): work done, or the difference it made."""

    PROGRESS = "progress", "Progress (activity)"
    IMPACT = "impact", "Impact (outcome)"


class EvidenceNote(models.Model):
    Kind = NoteKind

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.PROGRESS)
    body = models.TextField()
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NoteKind.values), name="tracker_evidencenote_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["action", "created_at"], name="tracker_note_action_created"),
            # Newest first across every action (the admin's list), without sorting 500,000 notes
            models.Index(fields=["created_at", "id"], name="tracker_note_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} note on action {self.action_id}"

    def get_absolute_url(self) -> str:
        return f"{self.action.get_absolute_url()}#note-{self.pk}"


class EvidenceFile(models.Model):
    """A file attached to an evidence note. Append-only, enforced by a database trigger.

    The bytes are in storage under `stored_name`, which holds nothing the user chose; they
    reach a browser only through the download view (tracker/views.py, `evidence_download`).
    """

    note = models.ForeignKey(EvidenceNote, on_delete=models.PROTECT, related_name="files")
    stored_name = models.CharField(max_length=100, unique=True, editable=False)
    original_name = models.CharField(
        max_length=255, help_text="As the user named it, cleaned for display."
    )
    content_type = models.CharField(
        max_length=100, help_text="The type its content was checked to be (not the browser's)."
    )
    size = models.PositiveBigIntegerField(help_text="In bytes.")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                # The allow-list's types: adding one to tracker/evidence.py needs a migration.
                condition=Q(content_type__in=evidence.CONTENT_TYPES),
                name="tracker_evidencefile_content_type_allowed",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="tracker_evidencefile_not_empty"),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("evidence-download", args=[self.pk])

    @property
    def short_sha256(self) -> str:
        return self.sha256[:12]


class EventKind(models.TextChoices):
    """What an audit-trail event records (`ActionEvent.Kind`); the comments say what each
    kind's `old_value` and `new_value` hold ("old", "new")."""

    # The action created by an import (of a report, or of a spreadsheet: its reason says
    # which file and row); new: its first status's label.
    IMPORTED = "imported", "Imported"
    # The action added by hand (the site or the admin); new: its first status's label.
    CREATED = "created", "Added by hand"
    # A move, or an import superseding it; old and new: the statuses' labels.
    STATUS = "status", "Status"
    # Old and new: the owners' usernames (empty for none).
    OWNER = "owner", "Owner"
    # Old and new: ISO dates (empty for none).
    DUE_DATE = "due_date", "Due date"
    # Old and new: the blocked reasons (empty: not blocked).
    BLOCKED = "blocked", "Blocked"
    # An evidence note added (the note itself is an EvidenceNote); new: its kind's label.
    NOTE = "note", "Evidence note"
    # An inspector edited the action's question in the admin; old and new: its texts...
    QUESTION_TEXT = "question", "Question's text"
    # ... or its grades' labels.
    GRADE = "grade", "Question's grade"
    # A cause of concern discharged, and so closed; old: its status's label, new "Discharged".
    DISCHARGED = "discharged", "Discharged"
    # Old and new: the force's own references (empty for none).
    REFERENCE = "reference", "Reference"


class EventVia(models.TextChoices):
    """Where a change was made (`ActionEvent.Via`)."""

    WEB = "web", "Web"
    ADMIN = "admin", "Admin"
    IMPORT = "import", "Import"
    COMMAND = "command", "Command"


class ActionEvent(models.Model):
    """One line of an action's audit trail. Append-only, enforced by a database trigger."""

    Kind = EventKind
    Via = EventVia
    # The kinds of the event that makes an action, its first: by an import, or by hand.
    ORIGINS = (EventKind.IMPORTED, EventKind.CREATED)

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(db_default=Now())
    via = models.CharField(max_length=10, choices=Via, default=Via.WEB)
    # An owner change's people by name, set on the timeline's events (not stored).
    old_name: str | None
    new_name: str | None

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EventKind.values),
                name="tracker_actionevent_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(via__in=EventVia.values),
                name="tracker_actionevent_via_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["action", "at"], name="tracker_event_action_at"),
            models.Index(fields=["at"], name="tracker_event_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on action {self.action_id} at {self.at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return self.action.get_absolute_url()

    # What an event says is written in templates/tracker/partials/event_words.html.

    @property
    def old_date(self) -> datetime.date | None:
        """A due-date event's earlier date, or None when it was not recorded as a date."""
        return _recorded_date(self.old_value)

    @property
    def new_date(self) -> datetime.date | None:
        """A due-date event's new date, or None when it was not recorded as a date."""
        return _recorded_date(self.new_value)

    @classmethod
    def name_owners(cls, events: Iterable[ActionEvent], people: Iterable[User] = ()) -> None:
        """Owner events record usernames: give each its people's names (`old_name`, `new_name`).

        The names come from `people`, users the page has loaded already, and the others from
        one query, which is not run when every username is among them.
        """
        owner_events = [event for event in events if event.kind == cls.Kind.OWNER]
        usernames = {v for event in owner_events for v in (event.old_value, event.new_value) if v}
        names = {p.username: p.display_name for p in people if p.username in usernames}
        if missing := usernames - names.keys():
            others = User.objects.filter(username__in=missing).only(
                "username", "first_name", "last_name"
            )
            names |= {person.username: person.display_name for person in others}
        for event in owner_events:
            event.old_name = names.get(event.old_value)
            event.new_name = names.get(event.new_value)


def _recorded_date(value: str) -> datetime.date | None:
    """A date as events record it (ISO 8601); None for anything else, which pages show as is."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None
