"""Importing a report page: the one entry point for `manage.py import_report`, the admin's
"Import a report" and `manage.py demo`.

`import_report(text)` checks the page's size, reads it (`read.py`: its format detected, or the
one `format` insists on), finds its force and loads it in one transaction
(`load.load_document`: a PEEL 2014–2019 pillar page as always, any other format with its
areas, kinds of finding, parents and deadlines); with `dry_run=True` it writes nothing and says
what it would import, and which report it would replace. Whatever goes wrong is a
`ReportError` (`errors.py`) with one line fit for the user; `AlreadyImported` carries the
report that is already there.
"""

from __future__ import annotations

from collections.abc import Mapping

from tracker.models import ActionEvent, Force
from tracker.reports.load import (
    ImportResult,
    Link,
    check_document,
    check_size,
    existing_inspection,
    load_document,
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
    links: Mapping[str, Link] | None = None,
) -> ImportResult:
    """Import the page `text` for `force` (a Force, or a name; by default the one it names)."""
    check_size(text_size(text))
    document = read_report(text, format)
    check_document(document)
    if not isinstance(force, Force):
        force = resolve_force(document.force, force)
    if not dry_run:
        return load_document(
            document,
            force=force,
            by=by,
            via=via,
            links=links,
            replace=replace,
            source_text=text,
            source_url=source_url,
        )
    existing = existing_inspection(document, force).first()
    return ImportResult(
        parsed=document.pillar_report,
        force=force,
        inspection=None,
        created=existing is None,
        existing=existing,
        document=document,
        warnings=list(document.warnings),
    )
