"""No event kind "created": nothing ever wrote one (an action's first event is "imported").

On SQLite, changing a CHECK constraint rebuilds the table, which drops its triggers: they are
made again here, so the audit trail stays append-only (as in 0009). PostgreSQL alters the
table in place.
"""

from django.db import migrations, models

from tracker.db import remake_sqlite_event_triggers as remake_sqlite_triggers


KINDS = [
    ("imported", "Imported"),
    ("status", "Status"),
    ("owner", "Owner"),
    ("due_date", "Due date"),
    ("blocked", "Blocked"),
    ("note", "Evidence note"),
    ("question", "Question's text"),
    ("grade", "Question's grade"),
]


class Migration(migrations.Migration):
    dependencies = [("tracker", "0014_password_reset_requests")]

    operations = [
        # Unapplied, the constraint is rebuilt again: the triggers come back after it.
        migrations.RunPython(migrations.RunPython.noop, remake_sqlite_triggers),
        migrations.RemoveConstraint(
            model_name="actionevent",
            name="tracker_actionevent_kind_valid",
        ),
        migrations.AlterField(
            model_name="actionevent",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=10),
        ),
        migrations.AddConstraint(
            model_name="actionevent",
            constraint=models.CheckConstraint(
                condition=models.Q(kind__in=[kind for kind, _ in KINDS]),
                name="tracker_actionevent_kind_valid",
            ),
        ),
        migrations.RunPython(remake_sqlite_triggers, migrations.RunPython.noop),
    ]
