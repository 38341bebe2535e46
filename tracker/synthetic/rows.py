"""Writing synthetic rows fast: COPY on PostgreSQL, bulk_create elsewhere.

Notes and events are made as plain rows of column values (tuples, in the order of
NOTE_COLUMNS and EVENT_COLUMNS) and written a batch at a time. On PostgreSQL they go through
COPY, elsewhere through `bulk_create` of instances made from the same rows: a seed writes the
same rows in the same order either way (tests/test_generate_data.py compares the two). With
`bulk_create` the full size took three minutes, most of it building an instance and
preparing each value of 1.2 million rows.
"""

from __future__ import annotations

import contextlib
import datetime
import io

from django.db import connection

BATCH_SIZE = 5000
# On PostgreSQL, notes and events are written with COPY; the tests turn this off to check
# that bulk_create writes the very same rows.
USE_COPY = True
NOTE_COLUMNS = ("action_id", "author_id", "kind", "body", "created_at")
EVENT_COLUMNS = ("action_id", "kind", "old_value", "new_value", "reason", "by_id", "via", "at")


def write_rows(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert `rows`, tuples of the values of `columns` in order, ids from the sequence.

    COPY on PostgreSQL: it skips the per-value preparation of bulk_create and the building of
    a model instance per row, which are most of the time of a bulk insert this size.
    Elsewhere, bulk_create of instances made from the same values.
    """
    if USE_COPY and connection.vendor == "postgresql":
        _copy_rows(model, columns, rows)
    else:
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE)


def _copy_value(value) -> str:
    """A value in COPY's text format: \\N for NULL; a backslash, tab, newline or CR escaped."""
    if value is None:
        return "\\N"
    if isinstance(value, datetime.date):
        # A datetime is a date too; an aware one (they all are) keeps its UTC offset.
        return value.isoformat()
    # str() of a TextChoices member is its value, as bulk_create would store it.
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_rows(model, columns, rows) -> None:
    if not rows:
        return
    data = io.StringIO("".join("\t".join(map(_copy_value, row)) + "\n" for row in rows))
    names = ", ".join(map(connection.ops.quote_name, columns))
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"
    # Django's cursor, so that the rows belong to the load's transaction. Its debug
    # wrapper takes the read size only as a positional argument.
    with connection.cursor() as cursor:
        cursor.copy_expert(sql, data, 1 << 16)


@contextlib.contextmanager
def explicit_timestamps(*models):
    """Let bulk_create keep the created/updated times we set, instead of stamping "now".

    auto_now and auto_now_add overwrite any value on insert; synthetic history needs dates
    years apart. The flags are restored however the block ends.
    """
    fields = [
        f
        for model in models
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


@contextlib.contextmanager
def indexes_built_after(*models):
    """On PostgreSQL, drop the tables' secondary indexes and build them again after the load.

    Building an index over 500,000 rows at once is several times cheaper than updating it
    500,000 times (the notes' trigram index most of all). The tables are empty (generate()
    refuses a database with actions) and this runs inside the load's transaction, so nobody
    sees them without their indexes. Indexes behind a primary key or unique constraint stay.
    """
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid::regclass::text = ANY(%s) AND NOT indisprimary AND NOT indisunique",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        # The foreign keys are checked at commit; check them now, or CREATE INDEX refuses a
        # table with checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
