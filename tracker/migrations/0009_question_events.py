"""Two event kinds: an inspector edited the question's text or grade (in the admin).

On SQLite, changing a CHECK constraint rebuilds the table, which drops its triggers: they are
made again here, so the audit trail stays append-only. PostgreSQL alters the table in place.
"""

from django.db import migrations, models

from tracker.db import sqlite_trigger_sql

# Frozen here: the table whose triggers this migration remakes (they come from 0002).
TABLE = "tracker_actionevent"


def remake_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for op in ("update", "delete"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only_{op}")
    for sql in sqlite_trigger_sql(TABLE):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0008_note_created_index")]

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
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("imported", "Imported"),
                    ("status", "Status"),
                    ("owner", "Owner"),
                    ("due_date", "Due date"),
                    ("blocked", "Blocked"),
                    ("note", "Evidence note"),
                    ("question", "Question's text"),
                    ("grade", "Question's grade"),
                ],
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="actionevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    kind__in=[
                        "created",
                        "imported",
                        "status",
                        "owner",
                        "due_date",
                        "blocked",
                        "note",
                        "question",
                        "grade",
                    ]
                ),
                name="tracker_actionevent_kind_valid",
            ),
        ),
        migrations.RunPython(remake_sqlite_triggers, migrations.RunPython.noop),
    ]
