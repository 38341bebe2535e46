"""A spreadsheet of findings, read into rows of cells by column name: XLSX (openpyxl) or CSV.

`read_table(name, data)` checks the file before it reads it, and refuses, with one line saying
what to do, a file of another type (an old .xls, a macro-enabled workbook, an OpenDocument
sheet), a workbook with macros or links to other workbooks, a password-protected workbook, one
that is damaged, a file over the size limit, and a sheet with more rows than the row limit.
Cells keep their types (a spreadsheet date is a `datetime`, a number a number); a formula cell
gives the value the spreadsheet saved with it, and one saved without a value is reported on
its row by the planner (`Table.formulas`).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings

from tracker.spreadsheet.columns import BY_NAME, REQUIRED, column_name
from tracker.spreadsheet.errors import SpreadsheetError

# An OLE2 compound file: an old .xls workbook, or an encrypted (password-protected) .xlsx.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
# The sheet read from a workbook: this one if there is one (the template's), else the first.
SHEET = "Findings"
# What a workbook may hold once unzipped: far more than any sheet of findings needs.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024

REFUSED_TYPES = {
    ".xls": "an Excel 97–2003 workbook (.xls): save it as an Excel workbook (.xlsx) or CSV",
    ".xlsm": "a macro-enabled workbook (.xlsm): save it as an Excel workbook (.xlsx), "
    "without macros",
    ".xlsb": "a binary workbook (.xlsb): save it as an Excel workbook (.xlsx) or CSV",
    ".xltm": "a macro-enabled template (.xltm): save it as an Excel workbook (.xlsx)",
    ".ods": "an OpenDocument spreadsheet (.ods): save it as an Excel workbook (.xlsx) or CSV",
    ".numbers": "a Numbers spreadsheet: export it as an Excel workbook (.xlsx) or CSV",
}
ACCEPTED = (".xlsx", ".xltx", ".csv", ".txt")


@dataclass
class Table:
    """The rows of a sheet, each cell under its column's name."""

    name: str
    rows: list[tuple[int, dict[str, object]]]  # (the row's number in the sheet, its cells)
    columns: list[str]  # the known columns found, in the sheet's order
    ignored: list[str] = field(default_factory=list)  # headers of columns not read
    # A formula cell saved without its value: (row, column) → the formula.
    formulas: dict[tuple[int, str], str] = field(default_factory=dict)


def max_rows() -> int:
    return settings.FINDINGS_IMPORT_MAX_ROWS


def read_table(name: str, data: bytes) -> Table:
    """The findings in the file `name` (its bytes `data`), or a SpreadsheetError."""
    suffix = PurePath(name).suffix.casefold()
    if suffix in REFUSED_TYPES:
        raise SpreadsheetError(f"{name} is {REFUSED_TYPES[suffix]}.")
    if suffix not in ACCEPTED:
        raise SpreadsheetError(
            f"{name} is not a spreadsheet this import reads: give an Excel workbook (.xlsx) or "
            "a CSV file."
        )
    check_size(name, len(data))
    if not data.strip():
        raise SpreadsheetError(f"{name} is empty.")
    if data.startswith(OLE_SIGNATURE):
        raise SpreadsheetError(f"{name}: {_ole_problem(data)}.")
    if suffix in (".xlsx", ".xltx"):
        return _read_workbook(name, data)
    if data.startswith(ZIP_SIGNATURE):
        raise SpreadsheetError(
            f"{name} is a workbook, not a CSV file: name it .xlsx, or save it as CSV."
        )
    return _read_csv(name, data)


def check_size(name: str, size: int) -> None:
    """Refuse a file of `size` bytes over the limit (a page checks an upload's size before it
    reads the bytes)."""
    limit = settings.FINDINGS_IMPORT_MAX_BYTES
    if size > limit:
        raise SpreadsheetError(
            f"{name} is {size / 1024 / 1024:.1f} MB; at most {limit / 1024 / 1024:.0f} MB "
            "is accepted. Split it into smaller files."
        )


def _ole_problem(data: bytes) -> str:
    if "EncryptionInfo".encode("utf-16-le") in data:
        return (
            "the workbook is password-protected (encrypted). Open it, remove the password "
            "(File → Info → Protect Workbook), save it and import it again"
        )
    return "this is an Excel 97–2003 workbook (.xls): save it as an Excel workbook (.xlsx)"


# Workbooks ---------------------------------------------------------------------------------


def _read_workbook(name: str, data: bytes) -> Table:
    from openpyxl import load_workbook

    if not data.startswith(ZIP_SIGNATURE):
        raise SpreadsheetError(f"{name} is not an Excel workbook (.xlsx), or it is damaged.")
    formulas_in = _check_package(name, data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise SpreadsheetError(
            f"{name} could not be read as an Excel workbook ({type(error).__name__}); it may be "
            "damaged. Open it in Excel or LibreOffice and save it again."
        ) from None
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        table = _table(name, sheet.iter_rows(values_only=True))
    finally:
        workbook.close()
    if formulas_in:
        table.formulas = _unsaved_formulas(data, table)
    return table


def _check_package(name: str, data: bytes) -> bool:
    """Refuse macros, external links and zip bombs; whether any sheet holds a formula."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        members = package.infolist()
    except zipfile.BadZipFile:
        raise SpreadsheetError(
            f"{name} is not an Excel workbook (.xlsx), or it is damaged."
        ) from None
    names = [member.filename for member in members]
    if sum(member.file_size for member in members) > MAX_UNZIPPED_BYTES:
        raise SpreadsheetError(f"{name} unpacks to more than a workbook of findings needs.")
    if "xl/workbook.xml" not in names:
        raise SpreadsheetError(f"{name} is not an Excel workbook (.xlsx), or it is damaged.")
    if any(n.casefold().endswith("vbaproject.bin") for n in names):
        raise SpreadsheetError(
            f"{name} contains macros. Save it as an Excel workbook (.xlsx) without macros, "
            "and import that."
        )
    if any(n.startswith("xl/externalLinks/") for n in names):
        raise SpreadsheetError(
            f"{name} links to other workbooks (external links). Break the links (Excel: Data → "
            "Edit Links → Break Link) so the cells hold their values, save it and import it "
            "again."
        )
    sheets = [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    return any(b"<f>" in package.read(n) or b"<f " in package.read(n) for n in sheets)


def _unsaved_formulas(data: bytes, table: Table) -> dict[tuple[int, str], str]:
    """The formula cells whose value was not saved with the workbook (read as empty)."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        cells = dict(table.rows)
        found: dict[tuple[int, str], str] = {}
        names: list[str | None] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if not names:
                names = [_known(column_name(value)) for value in values]
                continue
            row = cells.get(number)
            if row is None:
                continue
            for column, value in zip(names, values, strict=False):
                if column is None or not (isinstance(value, str) and value.startswith("=")):
                    continue
                if row.get(column) is None:  # `_table` keeps no empty cell
                    found[(number, column)] = value
        return found
    finally:
        workbook.close()


# CSV ---------------------------------------------------------------------------------------


def _read_csv(name: str, data: bytes) -> Table:
    if b"\x00" in data[:4096]:
        raise SpreadsheetError(f"{name} is not a CSV text file.")
    try:
        text = data.decode("utf-8-sig")  # Excel writes a BOM before UTF-8 CSV
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table(name, reader)
    except csv.Error as error:
        raise SpreadsheetError(f"{name} is not a well-formed CSV file: {error}.") from None


# Both --------------------------------------------------------------------------------------


def _known(name: str) -> str | None:
    return name if name in BY_NAME else None


def _table(name: str, lines) -> Table:
    lines = iter(lines)
    header = next(lines, None)
    if header is None:
        raise SpreadsheetError(f"{name} is empty.")
    headings = [str(value).strip() if value is not None else "" for value in header]
    names = [column_name(heading) for heading in headings]
    found = [n for n in names if n in BY_NAME]
    if missing := [n for n in REQUIRED if n not in found]:
        raise SpreadsheetError(
            f"{name}: its first row has no {', '.join(BY_NAME[n].heading for n in missing)} "
            "column. The first row heads the columns (download the template to see them)."
        )
    if duplicated := sorted({n for n in found if found.count(n) > 1}):
        raise SpreadsheetError(
            f"{name}: the {', '.join(BY_NAME[n].heading for n in duplicated)} column appears "
            "twice; keep one."
        )
    ignored = [h for h, n in zip(headings, names, strict=True) if h and n not in BY_NAME]
    limit = max_rows()
    rows: list[tuple[int, dict[str, object]]] = []
    for number, values in enumerate(lines, start=2):
        cells = {
            column: value
            for column, value in zip(names, values, strict=False)
            if column in BY_NAME and value not in (None, "")
        }
        if not any(not isinstance(v, str) or v.strip() for v in cells.values()):
            continue  # an empty row
        if len(rows) == limit:
            raise SpreadsheetError(
                f"{name} has more than {limit:,} rows of findings; at most {limit:,} are "
                "imported at once. Split it into smaller files."
            )
        rows.append((number, cells))
    if not rows:
        raise SpreadsheetError(f"{name} has a header row but no findings under it.")
    return Table(name=name, rows=rows, columns=found, ignored=ignored)
