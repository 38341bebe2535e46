"""What can go wrong reading or loading a report page: one family, each message one line fit
for the user.

- `ReportParseError` (parse.py): the text is not a page we can read, with its line number;
- `ReportImportError`: the page was read but cannot be imported (too large, incomplete, no
  such force);
- `AlreadyImported`, a `ReportImportError`: its report is already there (`report`), and
  replacing it was not asked for.

Pure Python, like the parser.
"""

from __future__ import annotations


class ReportError(Exception):
    """A report page that cannot be read or imported."""


class ReportImportError(ReportError):
    """A report that cannot be imported; the message is one line fit for the user."""


class AlreadyImported(ReportImportError):
    """The page's report is already imported, and replacing it was not asked for."""

    def __init__(self, report) -> None:
        super().__init__(report)
        self.report = report

    def __str__(self) -> str:
        return (
            f"{self.report} is already imported (id {self.report.pk}); "
            "use --replace to update it from this page."
        )
