"""manage.py send_reminders [--date YYYY-MM-DD] [--dry-run] — the daily e-mail run."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker.notify import send_reminders


class Command(BaseCommand):
    help = (
        "Send each person's daily digest (overdue, due soon, returned, awaiting their "
        "sign-off), once a day however often it runs, and send again any e-mail that failed. "
        "Run it daily (README: cron or a systemd timer). Exits 1 if any e-mail failed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=datetime.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="the day the digests are for (default: today)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be sent, and send nothing"
        )

    def handle(self, *args, date, dry_run, **options):
        reminders = send_reminders(date or timezone.localdate(), dry_run=dry_run)
        for line in reminders.lines():
            self.stdout.write(line)
        if reminders.failed:
            raise CommandError(reminders.summary())
        self.stdout.write(reminders.summary())
