"""The action list's XLSX export: the CSV's columns (`columns.py`) and rows, as a workbook.

openpyxl's write-only mode writes each row to a temporary file as it is appended, so 50,000
actions take the memory of a row, not of the sheet. A column's `typed` cell is written where
the CSV's text would not do: dates as dates, times as local times (a spreadsheet's times have
no zone), counts and ids as numbers. Text is the CSV's, neutralised the same way, which also
keeps openpyxl from storing a cell that starts with "=" as a formula.
"""

from __future__ import annotations

import datetime
from typing import IO

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tracker.exports.columns import COLUMNS, HEADER, Context, export_rows, neutralise, url_pattern
from tracker.exports.python_engine import CHUNK_SIZE

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The most characters an Excel cell holds; it refuses a file with longer ones.
CELL_MAX = 32767
# A time as the CSV writes it, the hour in two digits (openpyxl's default, "h:mm:ss", shows
# five past midnight as "0:05:00").
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def write_actions_xlsx(
    queryset: QuerySet, out: IO[bytes], base_url: str = "", today: datetime.date | None = None
) -> int:
    """Write the export of `queryset` as a workbook to a binary file; return the rows written."""
    context = Context(today or timezone.localdate(), url_pattern(base_url))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Actions")
    for index, column in enumerate(COLUMNS, start=1):  # before the first row, in write-only
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.append([_bold(sheet, name) for name in HEADER])
    cells = [column.typed or column.python for column in COLUMNS]
    count = 0
    rows = export_rows(queryset).iterator(chunk_size=CHUNK_SIZE)
    for count, row in enumerate(rows, start=1):  # noqa: B007 - the count is returned
        sheet.append([_value(sheet, cell(row, context)) for cell in cells])
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    workbook.save(out)
    return count


def _bold(sheet, name: str) -> Cell:
    cell = WriteOnlyCell(sheet, value=name)
    cell.font = Font(bold=True)
    return cell


def _value(sheet, value: object) -> object:
    """The cell as openpyxl takes it: empty text as an empty cell; text without the control
    characters XML cannot hold (neutralised again, in case one hid a formula's start), at most
    `CELL_MAX` characters; a time in `DATETIME_FORMAT`."""
    if isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if not isinstance(value, str):
        return value
    if not value:
        return None
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", value)
    if cleaned != value:
        cleaned = neutralise(cleaned)
    return cleaned[:CELL_MAX]
