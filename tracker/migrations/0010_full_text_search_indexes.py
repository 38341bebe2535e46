"""Full-text search indexes for the action list's search (tracker/search.py), PostgreSQL only.

- GIN indexes on the English words of actions' text and of notes' body, the expressions the
  search compiles to (`SearchVector(field, config="english")`). Words in any order, stems and
  either kind of apostrophe are the parser's; the search reads these instead of every note.
- The trigram index of migration 0005 served the search's `UPPER(body) LIKE`, which nothing
  compiles to any more: it goes, and comes back if this migration is reversed.

Built CONCURRENTLY so that a live database keeps taking notes while they build (hence
`atomic = False`); not in the models' Meta because SQLite has no such index.
"""

from django.db import migrations

ACTION_TEXT_INDEX = "tracker_action_text_words"
NOTE_BODY_INDEX = "tracker_note_body_words"
TRIGRAM_INDEX = "tracker_note_body_trgm"


def _word_indexes(apps):
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    return [
        (
            apps.get_model("tracker", "Action"),
            GinIndex(SearchVector("text", config="english"), name=ACTION_TEXT_INDEX),
        ),
        (
            apps.get_model("tracker", "EvidenceNote"),
            GinIndex(SearchVector("body", config="english"), name=NOTE_BODY_INDEX),
        ),
    ]


def create_word_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _word_indexes(apps):
        schema_editor.add_index(model, index, concurrently=True)
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {TRIGRAM_INDEX}")


def drop_word_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {TRIGRAM_INDEX} "
        "ON tracker_evidencenote USING gin (UPPER(body) gin_trgm_ops)"
    )
    for model, index in _word_indexes(apps):
        schema_editor.remove_index(model, index, concurrently=True)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tracker", "0009_question_events"),
    ]

    operations = [
        migrations.RunPython(create_word_indexes, drop_word_indexes),
    ]
