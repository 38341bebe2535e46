"""Findings from anywhere: a report's `source` ("HMICFRS thematic", "Internal audit"), who added
each action (`created_by`), and the audit trail's "created" event for an action added by hand.

`created_by` is filled in for the actions already there from their "imported" event (empty
where a command imported them). Reversible while no "created" event has been recorded.

On SQLite, changing the audit trail's CHECK constraint rebuilds its table, which drops its
triggers: they are made again here, so it stays append-only (as in 0009, 0015, 0016 and 0017).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

from tracker.db import remake_sqlite_event_triggers as remake_triggers

# Frozen here: the audit trail's kinds after this migration (value: label).
EVENT_KINDS = {
    "imported": "Imported",
    "created": "Added by hand",
    "status": "Status",
    "owner": "Owner",
    "due_date": "Due date",
    "blocked": "Blocked",
    "note": "Evidence note",
    "question": "Question's text",
    "grade": "Question's grade",
    "discharged": "Discharged",
    "reference": "Reference",
}
KIND_VALID = "tracker_actionevent_kind_valid"


def record_who_added(apps, schema_editor):
    """Each action's `created_by`: who its "imported" event says imported it."""
    Action = apps.get_model("tracker", "Action")
    ActionEvent = apps.get_model("tracker", "ActionEvent")
    importer = (
        ActionEvent.objects.filter(action=OuterRef("pk"), kind="imported")
        .order_by("at", "id")
        .values("by")[:1]
    )
    Action.objects.filter(created_by__isnull=True).update(created_by=Subquery(importer))


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0017_action_reference"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="inspection",
            name="source",
            field=models.CharField(
                blank=True,
                help_text="Who published it, for a report that is not a PEEL report: “HMICFRS "
                "thematic”, “Internal audit”.",
                max_length=100,
            ),
        ),
        migrations.AlterField(
            model_name="inspection",
            name="format",
            field=models.CharField(
                choices=[
                    ("peel-2014-2019", "PEEL 2014–2019 pillar page"),
                    ("peel-2021-22", "PEEL 2021/22"),
                    ("peel-2023-25", "PEEL 2023–25"),
                    ("peel-2025-27", "PEEL 2025–27"),
                    ("cause-of-concern-letter", "Cause-of-concern letter"),
                    ("other", "Another inspection or audit"),
                ],
                default="peel-2014-2019",
                max_length=32,
            ),
        ),
        migrations.AddField(
            model_name="action",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(record_who_added, migrations.RunPython.noop),
        # Unapplied, the constraint is rebuilt again: the triggers come back after it.
        migrations.RunPython(migrations.RunPython.noop, remake_triggers),
        migrations.RemoveConstraint(model_name="actionevent", name=KIND_VALID),
        migrations.AlterField(
            model_name="actionevent",
            name="kind",
            field=models.CharField(choices=list(EVENT_KINDS.items()), max_length=10),
        ),
        migrations.AddConstraint(
            model_name="actionevent",
            constraint=models.CheckConstraint(
                condition=models.Q(kind__in=list(EVENT_KINDS)), name=KIND_VALID
            ),
        ),
        migrations.RunPython(remake_triggers, migrations.RunPython.noop),
    ]
