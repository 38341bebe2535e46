"""manage.py import_report FILE — turn a saved HMICFRS report (any format) into tracked actions.

Success is one line on standard output saying what was created (or, with --json, the document
read); the reader's and loader's warnings follow on standard error, one a line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.reports import decode_report, read_report_file
from tracker.reports.errors import ReportError
from tracker.reports.imports import import_report
from tracker.reports.load import check_size, read_page_bytes
from tracker.reports.read import FORMATS
from tracker.reports.shape import document_json


class Command(BaseCommand):
    help = (
        "Import a HMICFRS report saved as text or PDF (a PEEL 2014–2019 pillar page, a PEEL "
        "2021/22, 2023–25 or 2025–27 report, a cause-of-concern letter or another inspection's "
        "findings): one action per finding. Nothing is written if anything is wrong."
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
            assert result.document is not None  # import_report always reads one
            document = document_json(result.document, result.force.name)
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(result.summary)
            for warning in result.warnings:
                text = f": {warning.text}" if warning.text else ""
                self.stderr.write(f"warning: {warning.message}{text}")

    def _read(self, file: str) -> str:
        """The page, refused unread when its file is larger than an import accepts."""
        if file == "-":
            return decode_report(read_page_bytes(sys.stdin.buffer))
        if Path(file).is_file():
            check_size(Path(file).stat().st_size)
        return read_report_file(file)
