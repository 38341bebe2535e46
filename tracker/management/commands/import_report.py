"""manage.py import_report FILE — turn a saved HMICFRS PEEL page into tracked actions."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.reports import decode_report, read_report_file
from tracker.reports.document import report_json
from tracker.reports.errors import ReportError
from tracker.reports.imports import import_report
from tracker.reports.load import check_size, read_page_bytes
from tracker.reports.read import FORMATS


class Command(BaseCommand):
    help = (
        "Import a HMICFRS PEEL report page saved as text or PDF: one action per area for "
        "improvement. Nothing is written if anything is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the page saved as text, or - for standard input")
        parser.add_argument("--force", help="the force, when the page does not name it")
        parser.add_argument("--source-url", default="", help="where the page was published")
        parser.add_argument("--dry-run", action="store_true", help="parse and check, write nothing")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="the page's format, when it should not be detected",
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="update a report already imported, keeping its actions' notes and statuses",
        )

    def handle(self, *args, **options):
        try:
            result = import_report(
                self._read(options["file"]),
                force=options["force"],
                source_url=options["source_url"],
                replace=options["replace"],
                dry_run=options["dry_run"],
                format=options["format"],
            )
        except ReportError as error:
            raise CommandError(f"{options['file']}: {error}") from None
        if options["json"]:
            document = report_json(result.parsed, result.force)
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(result.summary)

    def _read(self, file: str) -> str:
        """The page, refused unread when its file is larger than an import accepts."""
        if file == "-":
            return decode_report(read_page_bytes(sys.stdin.buffer))
        if Path(file).is_file():
            check_size(Path(file).stat().st_size)
        return read_report_file(file)
