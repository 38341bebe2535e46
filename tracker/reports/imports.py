"""Importing a report page: the one entry point for `manage.py import_report`, the admin's
"Import a report" and `manage.py demo`.

`import_report(text)` checks the page's size, reads it (`read.py`: its format detected, or the
one `format` insists on), checks it holds what an import needs,
finds its force and loads it in one transaction (`load.py`); with `dry_run=True` it writes
nothing and says what it would import, and which report it would replace. Whatever goes wrong
is a `ReportError` (`errors.py`) with one line fit for the user; `AlreadyImported` carries the
report that is already there.

Only PEEL 2014–2019 pillar pages are loaded yet: a page of another format is read, then refused
with what was read (docs/import-format.md).
"""

from __future__ import annotations

from tracker.models import ActionEvent, Force
from tracker.reports.errors import ReportImportError
from tracker.reports.load import (
    ImportResult,
    check_complete,
    check_size,
    existing_report,
    load_report,
    resolve_force,
    text_size,
)
from tracker.reports.read import read_report
from tracker.reports.shape import ReportFormat


def import_report(
    text: str,
    *,
    force: Force | str | None = None,
    source_url: str = "",
    replace: bool = False,
    by=None,
    dry_run: bool = False,
    via: str = ActionEvent.Via.IMPORT,
    format: ReportFormat | str | None = None,
) -> ImportResult:
    """Import the page `text` for `force` (a Force, or a name; by default the one it names)."""
    check_size(text_size(text))
    document = read_report(text, format)
    parsed = document.pillar_report
    if parsed is None:
        raise ReportImportError(
            f"This is a {document.format.label} page ({len(document.areas)} areas, "
            f"{len(document.findings)} findings read); only PEEL 2014–2019 pillar pages "
            "can be imported yet."
        )
    if not dry_run:
        return load_report(
            parsed,
            source_text=text,
            source_url=source_url,
            force=force,
            by=by,
            replace=replace,
            via=via,
        )
    check_complete(parsed)
    if not isinstance(force, Force):
        force = resolve_force(parsed.place, force)
    existing = existing_report(parsed, force).first()
    return ImportResult(
        parsed=parsed, force=force, inspection=None, created=existing is None, existing=existing
    )
