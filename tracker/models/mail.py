"""E-mail the tracker sends, one row per message to one person: the log that makes the daily
digest idempotent and lets a message that failed be sent again on the next run."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now


class EmailKind(models.TextChoices):
    ASSIGNED = "assigned", "Made an action's owner"
    RETURNED = "returned", "An action returned"
    SUBMITTED = "submitted", "An action submitted (force leads)"
    ASSURED = "assured", "An action assured (inspectors)"
    DIGEST = "digest", "Daily digest"


class EmailState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed: sent again on the next run"


class Email(models.Model):
    Kind = EmailKind
    State = EmailState

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="emails"
    )
    kind = models.CharField(max_length=10, choices=EmailKind)
    # What makes it one message: the event's id for one sent at once, the day for a digest.
    key = models.CharField(max_length=100)
    subject = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=EmailState, default=EmailState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(db_default=Now())
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "key"], name="tracker_email_one_per_key"
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="tracker_email_state")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient_id} ({self.get_state_display()})"
