"""The one CSV writer: the list view's export, the admin action and commands all call it;
and the list's XLSX of the same columns.

- `columns.py`: the table of columns, each with its Python and its SQL side by side.
- `python_engine.py`: Python's csv module, cell by cell (SQLite).
- `copy_engine.py`: PostgreSQL's COPY of one SELECT of the same cells, streamed from a pipe.
- `xlsx.py`: the same columns and rows as a workbook, with typed cells (openpyxl).

tests/test_export_copy.py proves the two engines write byte-identical files for awkward data.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

from tracker.exports.columns import (
    FORMULA_PREFIXES,
    FORMULA_STARTS,
    HEADER,
    export_rows,
    neutralise,
)
from tracker.exports.copy_engine import _crlf_rows, _RowCounter, copy_chunks, copy_sql
from tracker.exports.python_engine import BOM, python_chunks
from tracker.exports.xlsx import CONTENT_TYPE as XLSX_CONTENT_TYPE
from tracker.exports.xlsx import write_actions_xlsx

__all__ = [
    "BOM",
    "FORMULA_PREFIXES",
    "FORMULA_STARTS",
    "HEADER",
    "XLSX_CONTENT_TYPE",
    "_RowCounter",
    "_crlf_rows",
    "copy_chunks",
    "copy_sql",
    "export_filename",
    "export_rows",
    "neutralise",
    "python_chunks",
    "stream_actions_csv",
    "write_actions_csv",
    "write_actions_xlsx",
]


def export_filename(force_slug: str | None, today=None, extension: str = "csv") -> str:
    """`peel-actions-<force>-<day>.csv`, or `all-forces` for an inspector's export of them all."""
    today = today or timezone.localdate()
    return f"peel-actions-{force_slug or 'all-forces'}-{today.isoformat()}.{extension}"


def write_actions_csv(queryset: QuerySet, out: SupportsWrite[str], base_url: str = "") -> int:
    """Write the export of `queryset` to a text stream; return the number of actions written."""
    chunks = _chunks(queryset, base_url)
    while True:
        try:
            out.write(next(chunks))
        except StopIteration as done:
            return done.value


def stream_actions_csv(queryset: QuerySet, base_url: str = "") -> Generator[str, None, int]:
    """Yield the export in pieces (for StreamingHttpResponse): constant memory.

    The generator returns the number of actions written (`rows = yield from ...`).
    """
    return (yield from _chunks(queryset, base_url))


def _chunks(queryset: QuerySet, base_url: str, today=None) -> Generator[str, None, int]:
    """The export as str pieces, BOM and header first; returns the number of rows."""
    today = today or timezone.localdate()
    if connections[queryset.db].vendor == "postgresql":
        return (yield from copy_chunks(queryset, base_url, today))
    return (yield from python_chunks(queryset, base_url, today))
