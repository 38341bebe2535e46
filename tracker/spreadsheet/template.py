"""The template to fill in: an Excel workbook whose "Findings" sheet heads the columns, offers
lists for kind, area grade and status, and shows one example row; its "Notes" sheet says what
each column holds."""

from __future__ import annotations

import datetime
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from tracker.spreadsheet.columns import COLUMNS, GRADE_WORDS, REQUIRED, STATUS_WORDS
from tracker.spreadsheet.read import SHEET, max_rows
from tracker.workflow import Kind

FILE_NAME = "peel-findings-template.xlsx"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDTHS = {"text": 70, "area": 30, "report_title": 30, "source": 24, "owner": 24}
LISTS = {
    "kind": [kind.label for kind in Kind],
    "area_grade": [grade.label for grade in GRADE_WORDS.values()],
    "status": [status.label for status in STATUS_WORDS.values()],
}


def write_template(stream: BinaryIO) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append([column.heading for column in COLUMNS])
    sheet.append([_typed(column.name, column.example) for column in COLUMNS])
    sheet.freeze_panes = "A2"
    rows = max_rows() + 1
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        heading = sheet.cell(row=1, column=index)
        heading.font = Font(bold=True)
        heading.fill = PatternFill("solid", fgColor="DDE7F0")
        example = sheet.cell(row=2, column=index)
        example.font = Font(italic=True, color="555555")
        sheet.column_dimensions[letter].width = WIDTHS.get(column.name, 16)
        if column.name in ("published", "due_date"):
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
        if column.name in LISTS:
            choices = DataValidation(
                type="list",
                formula1='"' + ",".join(LISTS[column.name]) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=f"{column.heading}: not one of the choices",
                error="Choose one from the list.",
            )
            choices.add(f"{letter}2:{letter}{rows}")
            sheet.add_data_validation(choices)
    _date_cells_only(sheet, rows)
    sheet.cell(row=2, column=COLUMNS.index(_text_column()) + 1).alignment = Alignment(
        wrap_text=True
    )
    _notes(workbook.create_sheet("Notes"))
    workbook.save(stream)


def _typed(name: str, example: str):
    """The example as a spreadsheet holds it: a date as a date, a number as a number."""
    if example and name in ("published", "due_date"):
        return datetime.date.fromisoformat(example)
    if example.isdigit():
        return int(example)
    return example


def _text_column():
    return next(column for column in COLUMNS if column.name == "text")


def _date_cells_only(sheet, rows: int) -> None:
    for name in ("published", "due_date"):
        letter = get_column_letter([c.name for c in COLUMNS].index(name) + 1)
        dates = DataValidation(
            type="date",
            operator="greaterThan",
            formula1="36526",  # 1 January 2000
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Not a date",
            error="Type a date, such as 2026-09-30 or 30/09/2026.",
        )
        dates.add(f"{letter}2:{letter}{rows}")
        sheet.add_data_validation(dates)


def _notes(sheet) -> None:
    sheet.append(["PEEL Action Tracker: findings to import"])
    sheet["A1"].font = Font(bold=True, size=14)
    for line in (
        "One row per finding, on the Findings sheet. The first row heads the columns; they may "
        "be in any order, and columns not listed here are ignored.",
        "Delete the example row (row 2) before you import.",
        f"Columns every row needs: {', '.join(c.heading for c in COLUMNS if c.name in REQUIRED)}.",
        "Rows of one report share its force, source, title and publication date.",
        "Importing the same file again changes nothing. A changed reference, owner, due date or "
        "status changes the action, recorded with the reason “spreadsheet import”; an empty cell "
        "leaves it as it is.",
        "If any row has an error, nothing is imported: the page lists each error by row and "
        "column.",
        f"At most {max_rows():,} rows in one file.",
        "",
    ):
        sheet.append([line])
    sheet.append(["Column", "What it holds"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        sheet.append([column.heading, column.note])
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 100
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
