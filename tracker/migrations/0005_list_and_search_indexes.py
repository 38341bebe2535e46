"""Indexes for the action list at every force's size.

- (due_date, id): an inspector's list across all forces, in its default order (due date, then
  id), reads its first page from this index instead of sorting every action.
- PostgreSQL only: a trigram GIN index on UPPER(body) of evidence notes. The list's search is
  `icontains`, which Django compiles on PostgreSQL to `UPPER(body) LIKE UPPER('%words%')`; this
  expression index (pg_trgm) answers that without reading every note, and the results stay
  exactly those of SQLite's scan. Built CONCURRENTLY so that a live database keeps taking
  notes while it builds (hence `atomic = False`); not in the model's Meta because SQLite has
  no such index.
"""

from django.db import migrations, models

NOTE_SEARCH_INDEX = "tracker_note_body_trgm"


def create_note_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NOTE_SEARCH_INDEX} "
        "ON tracker_evidencenote USING gin (UPPER(body) gin_trgm_ops)"
    )


def drop_note_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NOTE_SEARCH_INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tracker", "0004_inspectors_group"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="action",
            index=models.Index(fields=["due_date", "id"], name="tracker_action_due"),
        ),
        migrations.RunPython(create_note_search_index, drop_note_search_index),
    ]
