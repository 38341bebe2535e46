"""manage.py import_findings FILE — findings from a spreadsheet (XLSX or CSV), one per row.

Prints what each row did (or, with --dry-run, would do) in one line of counts; each row's error
on standard error, by row and column, and nothing written. --json prints the whole plan.
--template FILE writes the template to fill in instead."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.models import ActionEvent, Force
from tracker.spreadsheet import SpreadsheetError, apply, plan, read_table
from tracker.spreadsheet.template import write_template


class Command(BaseCommand):
    help = (
        "Import findings from a spreadsheet (.xlsx or .csv, one row per finding, columns found "
        "by their headers). Nothing is written if any row is wrong; importing the same file "
        "again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the spreadsheet (or, with --template, where to write it)")
        parser.add_argument("--force", help="the force's slug: import for this force only")
        parser.add_argument("--dry-run", action="store_true", help="check and say, write nothing")
        parser.add_argument("--json", action="store_true", help="print the plan as JSON")
        parser.add_argument(
            "--template", action="store_true", help="write the template to FILE instead"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if options["template"]:
            with path.open("wb") as stream:
                write_template(stream)
            self.stdout.write(f"Wrote the template to {path}.")
            return
        force = self._force(options["force"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}.") from None
        try:
            self.stderr.write(f"Reading {path.name}…")
            planned = plan(read_table(path.name, data), force=force)
            self.stderr.write(f"Checked {planned.checked:,} rows.")
            if planned.ok and not options["dry_run"]:
                self.stderr.write(f"Writing {planned.summary}…")
                apply(planned, by=None, via=ActionEvent.Via.COMMAND)
        except SpreadsheetError as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {**planned.as_json(), "written": planned.ok and not options["dry_run"]},
                    ensure_ascii=False,
                    indent=2,
                )
            )
        for row_error in planned.errors:
            self.stderr.write(f"{path.name}: {row_error}")
        if not planned.ok:
            raise CommandError(
                f"{path.name}: {len(planned.errors)} error(s); nothing was imported."
            )
        if not options["json"]:
            verb = "Would import" if options["dry_run"] else "Imported"
            self.stdout.write(f"{verb} {path.name}: {planned.summary}.")

    def _force(self, slug: str | None) -> Force | None:
        if not slug:
            return None
        try:
            return Force.objects.get(slug=slug)
        except Force.DoesNotExist:
            slugs = ", ".join(Force.objects.values_list("slug", flat=True))
            raise CommandError(f"No force {slug!r}; one of: {slugs}.") from None
