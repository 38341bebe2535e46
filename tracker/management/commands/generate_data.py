"""manage.py generate_data — realistic synthetic data at scale, for benchmarks and load tests.

    manage.py generate_data --forces 43 --actions 50000 --notes 500000 [--seed N]

What it makes, and how fast: tracker/synthetic/. Progress goes to stderr, a line per 10 %;
the summary line to stdout.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from tracker import synthetic


class Progress:
    """A plain-text progress bar: one line per 10 % of the work."""

    def __init__(self, out):
        self.out, self.shown = out, 0
        self.started = time.monotonic()

    def advance(self, done: int, total: int, what: str) -> None:
        tenth = min(10, done * 10 // max(total, 1))
        if tenth > self.shown:
            self.shown = tenth
            elapsed = time.monotonic() - self.started
            self.out.write(f"generate_data: {tenth * 10:3d}% ({what}, {elapsed:.0f} s)")

    def step(self, what: str) -> None:
        self.out.write(f"generate_data: {what}")


class Command(BaseCommand):
    help = (
        "Fill an empty database with realistic synthetic forces' users, reports, actions, "
        "evidence notes and audit trail (deterministic per seed and day). Refuses when the "
        "database already has actions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--forces", type=int, default=43, help="how many forces (max 43)")
        parser.add_argument("--actions", type=int, default=50_000)
        parser.add_argument("--notes", type=int, default=500_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--users-per-force", type=int, default=20)
        parser.add_argument("--inspectors", type=int, default=5)

    def handle(self, *args, **options):
        if options["forces"] < 1 or options["users_per_force"] < 1 or options["actions"] < 0:
            raise CommandError("Give at least one force and one user per force.")
        started = time.monotonic()
        try:
            totals = synthetic.generate(
                forces=options["forces"],
                actions=options["actions"],
                notes=options["notes"],
                seed=options["seed"],
                users_per_force=options["users_per_force"],
                inspectors=options["inspectors"],
                progress=Progress(self.stderr),
            )
        except synthetic.Refused as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(
            f"Generated {options['forces']} forces' data: {totals.users:,} users, "
            f"{totals.inspectors} inspectors, {totals.inspections:,} reports, "
            f"{totals.questions:,} questions, {totals.actions:,} actions, {totals.notes:,} notes, "
            f"{totals.events:,} events in {time.monotonic() - started:.1f} s "
            f"(seed {options['seed']})."
        )
