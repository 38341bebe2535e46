"""The search's words kept in the rows (issue 16), PostgreSQL only.

- `words`, a stored generated column (`tsvector`) on actions (their text) and on evidence
  notes (their body): what migration 0010's GIN expression indexes computed, now kept beside
  the row, so that checking one row costs a comparison rather than `to_tsvector` (about 25 µs
  a note). The action list's search walks the list in its order and checks each action's own
  words and its notes' (tracker/search.py); at 500,000 actions the index alone would have had
  to fetch every matching note, 34,000 of them for "operation kestrel".
- GIN indexes on the columns replace 0010's expression indexes (the same words: the search
  still reads them for rare words).
- An index on the upper-cased reference: the search also finds the action whose reference it
  is (`iexact`), without reading every action.
- An index on actions' (status, updated_at, id): the inspector's dashboard's panel of what
  waits for review (assured, longest waiting first) reads its ten from it.

PostgreSQL computes the columns: nothing in Django writes them (they are not model fields),
and notes stay append-only. Adding a column rewrites each table under an exclusive lock
(5,000,000 notes: some minutes): run it when nobody is adding notes. Not on SQLite, whose
search is per-word matching.
"""

from django.db import migrations, models

WORDS = "to_tsvector('english'::regconfig, COALESCE({column}, ''::text))"
TABLES = (
    # table, column the words are of, 0010's expression index, the column's GIN index
    ("tracker_action", "text", "tracker_action_text_words", "tracker_action_words"),
    ("tracker_evidencenote", "body", "tracker_note_body_words", "tracker_note_words"),
)
REFERENCE_INDEX = "tracker_action_reference_upper"


def add_words(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, old_index, index in TABLES:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN words tsvector "
            f"GENERATED ALWAYS AS ({WORDS.format(column=column)}) STORED"
        )
        schema_editor.execute(f"DROP INDEX IF EXISTS {old_index}")
        schema_editor.execute(f"CREATE INDEX {index} ON {table} USING gin (words)")
        schema_editor.execute(f"ANALYZE {table}")
    schema_editor.execute(
        f"CREATE INDEX {REFERENCE_INDEX} ON tracker_action (UPPER(reference::text))"
    )


def drop_words(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {REFERENCE_INDEX}")
    for table, column, old_index, index in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN words")
        schema_editor.execute(
            f"CREATE INDEX {old_index} ON {table} USING gin ({WORDS.format(column=column)})"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0020_governance"),
    ]

    operations = [
        migrations.RunPython(add_words, drop_words),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                fields=["status", "updated_at", "id"], name="tracker_action_status_updated"
            ),
        ),
    ]
