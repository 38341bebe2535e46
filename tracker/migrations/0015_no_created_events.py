"""No event kind "created": nothing ever wrote one (an action's first event is "imported").

On SQLite, changing a CHECK constraint rebuilds the table, which drops its triggers: they are
made again here, so the audit trail stays append-only (as in 0009). PostgreSQL alters the
table in place.
"""

from django.db import migrations, models

from tracker.db import sqlite_trigger_sql

# Frozen here: the table whose triggers this migration remakes (they come from 0002).
TABLE = "tracker_actionevent"

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


def remake_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for op in ("update", "delete"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only_{op}")
    for sql in sqlite_trigger_sql(TABLE):
        schema_editor.execute(sql, params=None)


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
