"""What goes wrong with a spreadsheet of findings: the whole file, or one row's cell."""

from __future__ import annotations

from dataclasses import dataclass


class SpreadsheetError(Exception):
    """The file cannot be read at all: one line saying what to do. Nothing is written."""


@dataclass(frozen=True)
class RowError:
    """One cell that is wrong: "row 14, owner: no user 'jsmith' in Kent Police"."""

    row: int
    column: str | None  # the column's name (`due_date`), or None for the whole row
    message: str

    def __str__(self) -> str:
        where = (
            f"row {self.row}, {self.column.replace('_', ' ')}" if self.column else f"row {self.row}"
        )
        return f"{where}: {self.message}"

    def as_json(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message, "text": str(self)}
