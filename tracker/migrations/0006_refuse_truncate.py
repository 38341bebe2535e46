"""PostgreSQL: refuse TRUNCATE on the audit trail and notes (row triggers do not see it)."""

from django.db import migrations

from tracker.db import (
    POSTGRESQL_TRUNCATE_FUNCTION_SQL,
    postgresql_truncate_trigger_sql,
)

# The tables as they were when this migration was written (tracker.db.APPEND_ONLY_TABLES has
# grown since; 0007 covers the evidence files).
APPEND_ONLY_TABLES = ("tracker_actionevent", "tracker_evidencenote")


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite has no TRUNCATE; its DELETE trigger covers "DELETE FROM table".
    schema_editor.execute(POSTGRESQL_TRUNCATE_FUNCTION_SQL, params=None)
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(postgresql_truncate_trigger_sql(table), params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")


class Migration(migrations.Migration):
    dependencies = [("tracker", "0005_list_and_search_indexes")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
