"""People: the forces, their users, and what a user may see.

`ForceScopedQuerySet.visible_to()` is the one place that decides what a user may see: their
force's rows, or every force's for inspectors, or nothing. Reports and actions both scope by it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.db import models
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
    def is_inspector(self) -> bool:
        if not self.is_active or self.force_id is not None:
            return False
        return self.is_superuser or self.groups.filter(name=INSPECTORS_GROUP).exists()

    def may_import_for(self, force: Force | None) -> bool:
        """Whether this user may import a report for `force`: inspectors for any force; force
        staff holding the `tracker.import_report` permission for their own force only."""
        if self.is_inspector:
            return True
        return (
            self.is_active
            and force is not None
            and self.force_id == force.pk
            and self.has_perm("tracker.import_report")
        )

    def role_for(self, action: Action) -> Role | None:
        if self.is_inspector:
            return Role.INSPECTOR
        if self.is_active and self.force_id is not None and self.force_id == action.force_id:
            return Role.STAFF
        return None


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
            return self.all()
        if user.force_id is None:
            return self.none()
        return self.filter(force_id=user.force_id)
