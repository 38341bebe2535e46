"""manage.py demo — sample data for trying the app: the reports in data/ and two users."""

from __future__ import annotations

import datetime
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from tracker.models import INSPECTORS_GROUP, Action, ActionEvent, Force, Role, Status, User
from tracker.reports import read_report_file
from tracker.reports.errors import AlreadyImported, ReportError
from tracker.reports.imports import import_report

REPORTS_DIR = Path(settings.BASE_DIR) / "data" / "reports"
DEMO_FORCE = "Lancashire"


class Command(BaseCommand):
    help = (
        "Load the sample reports in data/reports/ and create the demo users "
        "'staff' and 'lead' (Lancashire Constabulary) and 'inspector'. Safe to run again. "
        "Refuses when DEBUG is off."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", help="set the demo users' password to this")

    def handle(self, *args, password=None, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo creates users with known passwords: run it only with DEBUG on."
            )
        with transaction.atomic():
            for path in sorted(REPORTS_DIR.glob("*.txt")):
                self._import(path)
            force = Force.objects.get(short_name=DEMO_FORCE)
            staff, staff_new = self._user("staff", force=force)
            lead, lead_new = self._user("lead", force=force, role=Role.LEAD)
            inspector, inspector_new = self._user("inspector", force=None, inspector=True)
            if staff_new:
                self._give_work(staff, lead)

        if password or staff_new or lead_new or inspector_new:
            password = password or secrets.token_urlsafe(12)
            for user in (staff, lead, inspector):
                user.set_password(password)
                user.save(update_fields=["password"])
            self.stdout.write(
                "Sign in as 'staff' or 'lead' (Lancashire Constabulary's force lead) or "
                f"'inspector' (all forces, and /admin/), password: {password}"
            )
        else:
            self.stdout.write(
                "Demo users 'staff', 'lead' and 'inspector' already exist; passwords unchanged "
                "(run `manage.py demo --password NEW` to set one)."
            )

    def _import(self, path: Path) -> None:
        try:
            result = import_report(read_report_file(path), via=ActionEvent.Via.COMMAND)
        except AlreadyImported:
            self.stdout.write(f"{path.name}: already imported")
            return
        except ReportError as error:
            raise CommandError(f"{path.name}: {error}") from None
        self.stdout.write(result.summary)

    def _user(
        self, username: str, *, force, role: Role = Role.STAFF, inspector: bool = False
    ) -> tuple[User, bool]:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "force": force,
                "force_role": role,
                "is_staff": inspector,
                "first_name": "Demo",
                "last_name": "Inspector" if inspector else role.label.split()[-1].title(),
                "email": f"{username}@example.police.uk",
            },
        )
        if inspector:
            user.groups.add(Group.objects.get(name=INSPECTORS_GROUP))
        return user, created

    def _give_work(self, staff: User, lead: User) -> None:
        """Owners (the lead assigns), due dates (one overdue), a note and a submission, so the
        dashboard has work."""
        today = timezone.localdate()
        actions = list(Action.objects.filter(force=staff.force, owner=None).order_by("pk")[:7])
        plans = [
            (-10, Status.IN_PROGRESS),
            (14, Status.IN_PROGRESS),
            (45, Status.NOT_STARTED),
            (90, Status.NOT_STARTED),
            (20, Status.SUBMITTED),
            (120, None),
            (-3, None),
        ]
        for action, (days, status) in zip(actions, plans, strict=False):
            via = ActionEvent.Via.COMMAND
            action.assign(staff, by=lead, via=via)
            action.set_due_date(today + datetime.timedelta(days=days), by=staff, via=via)
            if status in (Status.IN_PROGRESS, Status.SUBMITTED):
                action.move_to(Status.IN_PROGRESS, by=staff, via=via)
            if status == Status.SUBMITTED:
                action.add_note(
                    "New problem-solving process adopted force-wide; 40 plans reviewed.",
                    by=staff,
                    kind="impact",
                    via=via,
                )
                action.move_to(Status.SUBMITTED, by=staff, via=via)
