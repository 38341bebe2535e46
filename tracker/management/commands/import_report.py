"""manage.py import_report FILE — turn a saved HMICFRS PEEL page into tracked actions."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.reports import decode_report, read_report_file
from tracker.reports.document import report_json
from tracker.reports.load import (
    ReportImportError,
    check_complete,
    check_size,
    load_report,
    read_page_bytes,
    resolve_force,
    text_size,
)
from tracker.reports.parse import ReportParseError, parse_report


class Command(BaseCommand):
    help = (
        "Import a HMICFRS PEEL report page saved as text: one action per area for "
        "improvement. Nothing is written if anything is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the page saved as text, or - for standard input")
        parser.add_argument("--force", help="the force, when the page does not name it")
        parser.add_argument("--source-url", default="", help="where the page was published")
        parser.add_argument("--dry-run", action="store_true", help="parse and check, write nothing")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="update a report already imported, keeping its actions' notes and statuses",
        )

    def handle(self, *args, **options):
        try:
            if options["file"] == "-":
                text = decode_report(read_page_bytes(sys.stdin.buffer))
            else:
                if Path(options["file"]).is_file():
                    check_size(Path(options["file"]).stat().st_size)
                text = read_report_file(options["file"])
            check_size(text_size(text))
            parsed = parse_report(text)
            if options["dry_run"]:
                check_complete(parsed)
                force = resolve_force(parsed.place, options["force"])
            else:
                result = load_report(
                    parsed,
                    source_text=text,
                    source_url=options["source_url"],
                    force=options["force"],
                    replace=options["replace"],
                )
                force = result.inspection.force
        except (ReportParseError, ReportImportError) as error:
            raise CommandError(f"{options['file']}: {error}") from None

        if options["json"]:
            self.stdout.write(json.dumps(report_json(parsed, force), ensure_ascii=False, indent=2))
        elif options["dry_run"]:
            self.stdout.write(
                f"Would import {force.name} {parsed.programme} {parsed.year} {parsed.pillar}: "
                f"{len(parsed.questions)} questions, {parsed.afi_count} areas for improvement "
                "(dry run, nothing written)"
            )
        else:
            self.stdout.write(result.summary)
