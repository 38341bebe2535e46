"""Two event kinds: an inspector edited the question's text or grade (in the admin).

On SQLite, changing a CHECK constraint rebuilds the table, which drops its triggers: they are
made again here, so the audit trail stays append-only. PostgreSQL alters the table in place.
"""

from django.db import migrations, models

from tracker.db import remake_sqlite_event_triggers as remake_sqlite_triggers


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
