"""The force's own reference on every action ("AFI 7", "CoC 2", "R3.1"), the audit trail's
"reference" event that records its changes, and an index for the list sorted by it.

Every existing action starts with no reference: the report's labels are not the force's
numbering, so none is guessed. Reversible while no "reference" event has been recorded.

On SQLite, changing the audit trail's CHECK constraint rebuilds its table, which drops its
triggers: they are made again here, so it stays append-only (as in 0009, 0015 and 0016).
"""

from django.db import migrations, models

from tracker.db import remake_sqlite_event_triggers as remake_triggers

# Frozen here: the audit trail's kinds after this migration (value: label).
EVENT_KINDS = {
    "imported": "Imported",
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


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0016_peel_2021_on"),
    ]

    operations = [
        migrations.AddField(
            model_name="action",
            name="reference",
            field=models.CharField(
                blank=True, help_text="The force's own reference, e.g. “AFI 7”.", max_length=40
            ),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                fields=["force", "reference", "id"], name="tracker_action_force_ref"
            ),
        ),
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
