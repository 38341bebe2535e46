"""Refuse UPDATE and DELETE on the audit trail and evidence notes, in the database itself."""

from django.db import migrations

from tracker.db import (
    POSTGRESQL_FUNCTION_SQL,
    postgresql_trigger_sql,
    sqlite_trigger_sql,
)

# The tables as they were when this migration was written (tracker.db.APPEND_ONLY_TABLES has
# grown since; 0007 covers the evidence files).
APPEND_ONLY_TABLES = ("tracker_actionevent", "tracker_evidencenote")


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTION_SQL, params=None)
        statements = [sql for table in APPEND_ONLY_TABLES for sql in postgresql_trigger_sql(table)]
    elif vendor == "sqlite":
        statements = [sql for table in APPEND_ONLY_TABLES for sql in sqlite_trigger_sql(table)]
    else:
        raise RuntimeError(f"No append-only triggers written for {vendor}.")
    for sql in statements:
        schema_editor.execute(sql, params=None)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in APPEND_ONLY_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        else:
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_{op}")


class Migration(migrations.Migration):
    dependencies = [("tracker", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
