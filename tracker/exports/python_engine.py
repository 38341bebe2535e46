"""The export through Python's csv module: each column's `python` cell, row by row.

The engine wherever there is no COPY (SQLite); on PostgreSQL, tests/test_export_copy.py
proves it writes the bytes the COPY engine writes.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Generator, Iterator

from django.db.models import QuerySet
from django.utils import timezone

from tracker.exports.columns import COLUMNS, HEADER, Context, export_rows, url_pattern

BOM = "\ufeff"
CHUNK_SIZE = 2000


def iter_csv_rows(
    queryset: QuerySet, base_url: str = "", today: datetime.date | None = None
) -> Iterator[tuple]:
    """The header, then one tuple of cells per action."""
    context = Context(today or timezone.localdate(), url_pattern(base_url))
    cells = [column.python for column in COLUMNS]
    yield HEADER
    for row in export_rows(queryset).iterator(chunk_size=CHUNK_SIZE):
        yield tuple(cell(row, context) for cell in cells)


class _Echo:
    """A file-like object whose write() returns the line, for streaming responses."""

    def write(self, value: str) -> str:
        return value


def python_chunks(queryset: QuerySet, base_url: str = "", today=None) -> Generator[str, None, int]:
    """The export line by line through the csv module; returns the number of rows."""
    writer = csv.writer(_Echo())
    rows = iter_csv_rows(queryset, base_url, today)
    yield BOM + writer.writerow(next(rows))
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007
        yield writer.writerow(row)
    return count
