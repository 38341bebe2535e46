"""Mark returned actions: submitted work sent back to the force, and not moved since.

The new fields are filled from the audit trail: an in-progress action whose latest status
event is a return (a Move that `returns`, in tracker/workflow.py) is returned, by whom, when
and why that event says. Status events record the statuses' labels.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery

from tracker.workflow import MOVES, Status


def mark_returned_actions(apps, schema_editor):
    Action = apps.get_model("tracker", "Action")
    ActionEvent = apps.get_model("tracker", "ActionEvent")
    is_return = Q()
    for move in MOVES:
        if move.returns:
            is_return |= Q(old_value=Status(move.source).label, new_value=Status(move.target).label)
    latest_status_event = ActionEvent.objects.filter(action=OuterRef("pk"), kind="status").order_by(
        "-at", "-id"
    )
    latest = Action.objects.filter(status=Status.IN_PROGRESS).annotate(
        latest_status_event=Subquery(latest_status_event.values("pk")[:1])
    )
    returns = ActionEvent.objects.filter(
        is_return, pk__in=latest.values("latest_status_event")
    ).values_list("action_id", "at", "by_id", "reason")
    for action_id, at, by_id, reason in returns.iterator():
        Action.objects.filter(pk=action_id).update(
            returned_at=at, returned_by_id=by_id, returned_reason=reason
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0010_full_text_search_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="action",
            name="returned_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="action",
            name="returned_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="action",
            name="returned_reason",
            field=models.TextField(blank=True),
        ),
        migrations.AddConstraint(
            model_name="action",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("returned_at__isnull", True), ("status", "in_progress"), _connector="OR"
                ),
                name="tracker_action_returned_only_when_in_progress",
            ),
        ),
        # After every ALTER TABLE: on PostgreSQL, rows updated with a deferred foreign key
        # leave trigger events that a later ALTER TABLE in the same transaction refuses.
        migrations.RunPython(mark_returned_actions, migrations.RunPython.noop),
    ]
