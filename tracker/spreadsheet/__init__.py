"""Findings from a spreadsheet: XLSX or CSV, one row per finding (docs/spreadsheet-import.md).

`read.py` reads the file into rows by column name (`columns.py`, the interface), refusing
what it cannot read; `plan.py` says what each row would do (new, update, unchanged) or what is
wrong with it, writing nothing; `apply.py` writes a plan without errors in one transaction;
`template.py` writes the template to fill in. `import_findings()` is the three in a row, for
the command; the site's and the admin's pages show the plan before they apply it.
"""

from __future__ import annotations

from tracker.spreadsheet.apply import apply
from tracker.spreadsheet.errors import RowError, SpreadsheetError
from tracker.spreadsheet.plan import Plan, plan
from tracker.spreadsheet.read import Table, read_table

__all__ = [
    "Plan",
    "RowError",
    "SpreadsheetError",
    "Table",
    "apply",
    "import_findings",
    "plan",
    "read_table",
]


def import_findings(name: str, data: bytes, *, force=None, by=None, via="import", dry_run=False):
    """Read, plan and (unless `dry_run`, or the plan has errors) apply: the plan."""
    planned = plan(read_table(name, data), force=force, by=by)
    if planned.ok and not dry_run:
        apply(planned, by=by, via=via)
    return planned
