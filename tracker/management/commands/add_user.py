"""manage.py add_user USERNAME (--force SLUG | --inspector) — give someone an account."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from tracker.users import UserNotAdded, add_user


class Command(BaseCommand):
    help = (
        "Add an active user: staff of one force (--force SLUG), who see only that force, or an "
        "inspector (--inspector), who sees every force and uses the admin. Prints a temporary "
        "password once, unless --password-stdin reads one."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--force", metavar="SLUG", help="the force's slug, e.g. lancashire")
        parser.add_argument("--inspector", action="store_true", help="an inspector (no force)")
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from standard input instead of making a temporary one",
        )

    def handle(self, *args, username, force, inspector, password_stdin, **options):
        # Checked here, not by argparse, so a mistake is one line on stderr and exit 1.
        if (force is None) == (not inspector):
            raise CommandError("give either --force SLUG (force staff) or --inspector, not both")
        password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
        try:
            user, temporary = add_user(
                username,
                force_slug=force,
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                password=password,
            )
        except UserNotAdded as error:
            raise CommandError(str(error)) from None
        who = f"staff of {user.force}" if user.force else "an inspector (every force, /admin/)"
        secret = f"temporary password: {temporary}" if temporary else "password from stdin"
        self.stdout.write(f"Added {user.username}, {who}; {secret}")
