"""Evidence files: the table, and the append-only triggers that notes and events have."""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.db import migrations, models

from tracker.db import postgresql_trigger_sql, postgresql_truncate_trigger_sql, sqlite_trigger_sql

# Frozen here: what this migration protects. The trigger functions come from 0002 and 0006.
TABLE = "tracker_evidencefile"


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = [*postgresql_trigger_sql(TABLE), postgresql_truncate_trigger_sql(TABLE)]
    elif vendor == "sqlite":
        statements = sqlite_trigger_sql(TABLE)
    else:
        raise RuntimeError(f"No append-only triggers written for {vendor}.")
    for sql in statements:
        schema_editor.execute(sql, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
    else:
        for op in ("update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only_{op}")


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0006_refuse_truncate"),
    ]

    operations = [
        migrations.CreateModel(
            name="EvidenceFile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("stored_name", models.CharField(editable=False, max_length=100, unique=True)),
                (
                    "original_name",
                    models.CharField(
                        help_text="As the user named it, cleaned for display.", max_length=255
                    ),
                ),
                (
                    "content_type",
                    models.CharField(
                        help_text="The type its content was checked to be (not the browser's).",
                        max_length=100,
                    ),
                ),
                ("size", models.PositiveBigIntegerField(help_text="In bytes.")),
                ("sha256", models.CharField(max_length=64, verbose_name="SHA-256")),
                (
                    "uploaded_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
                (
                    "note",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="files",
                        to="tracker.evidencenote",
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "content_type__in",
                                [
                                    "application/pdf",
                                    "application/vnd.ms-outlook",
                                    "application/vnd.oasis.opendocument.spreadsheet",
                                    "application/vnd.oasis.opendocument.text",
                                    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                                    "image/jpeg",
                                    "image/png",
                                    "message/rfc822",
                                    "text/csv",
                                    "text/plain",
                                ],
                            )
                        ),
                        name="tracker_evidencefile_content_type_allowed",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("size__gt", 0)), name="tracker_evidencefile_not_empty"
                    ),
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
