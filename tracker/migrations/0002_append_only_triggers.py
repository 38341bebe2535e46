"""Refuse UPDATE and DELETE on the audit trail and evidence notes, in the database itself."""

from django.db import migrations

from tracker.db import (
    APPEND_ONLY_TABLES,
    POSTGRESQL_FUNCTION_SQL,
    postgresql_trigger_sql,
    sqlite_trigger_sql,
)


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
