"""People: the forces, their users, and what a user may see.

`ForceScopedQuerySet.visible_to()` is the one place that decides what a user may see: their
force's rows, or every force's for inspectors, or nothing. Reports and actions both scope by it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from tracker.workflow import FORCE_ROLES, Role

if TYPE_CHECKING:
    from tracker.models.actions import Action

INSPECTORS_GROUP = "Inspectors"


class Force(models.Model):
    name = models.CharField(max_length=100, unique=True)
    short_name = models.CharField(
        max_length=60, unique=True, help_text="As report pages name it: “Lancashire”."
    )
    slug = models.SlugField(max_length=60, unique=True)
    sustained_improvement_days = models.PositiveIntegerField(
        "sustained-improvement period (days)",
        default=0,
        help_text="An action is closed only when its first impact note is at least this old.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('dashboard')}?force={self.slug}"


class User(AbstractUser):
    force = models.ForeignKey(
        Force,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="Force staff see only their force. Leave empty for inspectors.",
    )
    force_role = models.CharField(
        "role in the force",
        max_length=10,
        choices=[(role.value, role.label) for role in FORCE_ROLES],
        default=Role.STAFF,
        help_text="Force staff update the actions they own; a force lead assigns, assures and "
        "manages the force's accounts; an observer (PCC/OPCC) reads and exports.",
    )
    inspects = models.ManyToManyField(
        Force,
        blank=True,
        related_name="assigned_inspectors",
        help_text="An inspector's forces; none: every force.",
    )
    # E-mail, each of which the person may turn off.
    email_on_assigned = models.BooleanField(
        "e-mail me when I am made an action's owner", default=True
    )
    email_on_returned = models.BooleanField("e-mail me when my action is returned", default=True)
    email_on_submitted = models.BooleanField(
        "e-mail me when my force's action is submitted (force leads)", default=True
    )
    email_on_assured = models.BooleanField(
        "e-mail me when an action is assured for the inspectorate (inspectors)", default=True
    )
    email_digest = models.BooleanField("send me the daily digest", default=True)

    @property
    def display_name(self) -> str:
        """How pages name a person: their full name, or their username if they have none."""
        return self.get_full_name() or self.username

    @cached_property
    def _inspector_rows(self) -> list[tuple[bool, int | None]]:
        """(in the Inspectors group, a force assigned): one row per force assigned, or one with
        none. One query answers both `is_inspector` and `inspected_force_ids`."""
        in_group = Exists(Group.objects.filter(user=OuterRef("pk"), name=INSPECTORS_GROUP))
        return list(User.objects.filter(pk=self.pk).values_list(in_group, "inspects__pk"))

    @cached_property
    def is_inspector(self) -> bool:
        if not self.is_active or self.force_id is not None:
            return False
        return self.is_superuser or any(in_group for in_group, _ in self._inspector_rows)

    @property
    def is_lead(self) -> bool:
        return self.is_active and self.force_id is not None and self.force_role == Role.LEAD

    @property
    def is_observer(self) -> bool:
        return self.is_active and self.force_id is not None and self.force_role == Role.OBSERVER

    @cached_property
    def inspected_force_ids(self) -> frozenset[int] | None:
        """The forces an inspector inspects; None: every force (none assigned)."""
        ids = frozenset(force for _, force in self._inspector_rows if force is not None)
        return ids or None

    def inspects_force(self, force_id: int | None) -> bool:
        """Whether this user is an inspector of the force `force_id`."""
        if not self.is_inspector:
            return False
        ids = self.inspected_force_ids
        return ids is None or force_id in ids

    def may_import_for(self, force: Force | None) -> bool:
        """Whether this user may import or add findings for `force`: its inspectors; its force
        lead; force staff holding the `tracker.import_report` permission, for their own force."""
        if self.is_inspector:
            return force is None or self.inspects_force(force.pk)
        if not self.is_active or force is None or self.force_id != force.pk:
            return False
        return self.is_lead or (
            self.force_role == Role.STAFF and self.has_perm("tracker.import_report")
        )

    def role_for(self, action: Action) -> Role | None:
        """The role this user acts in on `action`: an inspector of its force, or a member of
        its force in their role (staff, lead, observer); None for anyone else."""
        if self.is_inspector:
            return Role.INSPECTOR if self.inspects_force(action.force_id) else None
        if self.is_active and self.force_id is not None and self.force_id == action.force_id:
            return Role(self.force_role)
        return None


def leads_of(force_id: int) -> models.QuerySet[User]:
    """The active force leads of a force."""
    return User.objects.filter(force_id=force_id, force_role=Role.LEAD, is_active=True)


def inspectors_of(force_id: int) -> models.QuerySet[User]:
    """The active inspectors of a force: those assigned it, and those assigned no force."""
    inspectors = User.objects.filter(force__isnull=True, is_active=True).filter(
        models.Q(is_superuser=True) | models.Q(groups__name=INSPECTORS_GROUP)
    )
    return inspectors.filter(
        models.Q(inspects__isnull=True) | models.Q(inspects__pk=force_id)
    ).distinct()


class PasswordResetRequest(models.Model):
    """One request for a password-reset email, kept for an hour to limit them.

    The limits (tracker/accounts.py) count these rows, so every app process shares them.
    """

    requested_at = models.DateTimeField(default=timezone.now)
    email = models.EmailField(help_text="As typed, in lower case; it may be no one's.")
    client = models.CharField(max_length=64, help_text="The client's address.")
    refused = models.BooleanField(help_text="A limit refused it: no email was sent.")

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["requested_at"], name="tracker_reset_requested"),
            models.Index(fields=["email", "requested_at"], name="tracker_reset_email"),
            models.Index(fields=["client", "requested_at"], name="tracker_reset_client"),
        ]

    def __str__(self) -> str:
        return f"{self.email} from {self.client} at {self.requested_at:%Y-%m-%d %H:%M}"


class ForceScopedQuerySet(models.QuerySet):
    """Rows that belong to one force (they have a `force` foreign key)."""

    def visible_to(self, user):
        """The one place that decides what a user may see: their force's rows, or all for
        inspectors, or nothing."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_inspector:
            ids = user.inspected_force_ids
            return self.all() if ids is None else self.filter(force_id__in=ids)
        if user.force_id is None:
            return self.none()
        return self.filter(force_id=user.force_id)
