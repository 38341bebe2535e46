"""Realistic synthetic data at scale, for benchmarks and load tests (`manage.py generate_data`).

`generate()` fills an *empty* database (no actions yet; after `migrate`) with: users per force
and a few inspectors, PEEL reports per force (pillar, year, grade) with graded questions, one
action per area for improvement across every status (owners, due dates past and future,
revised dates, blocked ones, closed ones signed off by an inspector), evidence notes of both
kinds and the audit trail each of those changes would have written. It refuses a database
that already has actions: there is no merging with real or earlier data, so a benchmark always
knows exactly what it measures.

Deterministic: the same seed on the same day gives the same rows (ids aside). Dates are laid
out relative to today (Europe/London), so that "overdue" and "due within 30 days" always have
members; timestamps are anchored at today's midnight, never at the wall clock.

The modules: `generator` (the people, reports and actions, written in batches), `story` (one
action's life and the rows of notes and events it leaves), `text` (the words), `rows` (COPY on
PostgreSQL, bulk_create elsewhere).

All is written inside one transaction (all or nothing). On PostgreSQL the notes' and events'
secondary indexes are built once after the load rather than updated row by row, and the tables
are then vacuumed and analysed, as autovacuum would after a bulk load, so the first queries
have statistics. The full size (43 forces, 50,000 actions, 500,000 notes) takes 48 to 90 s
on PostgreSQL on a 2-core machine, by the machine. On the slower machine: about 25 s making
and copying the notes and events, 20 s checking their foreign keys and 25 s building the
notes' trigram index.

Users get unusable passwords: nobody can sign in as a generated user until someone sets a
password (bench/run.py makes its load-test sessions itself).
"""

from __future__ import annotations

from django.db import connection, transaction

from tracker.models import Action, ActionEvent, EvidenceNote, Inspection, Question, User
from tracker.synthetic.generator import Generator, Refused, Totals
from tracker.synthetic.rows import indexes_built_after

__all__ = ["Refused", "Totals", "generate"]


def generate(*, progress=None, **sizes: int) -> Totals:
    """Generate the data into this (empty) database and say how many rows of each.

    `sizes` are the Generator's: `forces`, `actions` and `notes`, and optionally `seed` (1),
    `users_per_force` (20) and `inspectors` (5). `progress`, if given, hears
    `advance(done, total, what)` as rows are made and `step(what)` for each closing step
    (indexes, vacuum). Raises Refused if the database has actions already or fewer than
    `forces` forces.
    """
    existing = Action.objects.count()
    if existing:
        raise Refused(
            f"The database already has actions ({existing:,}); generate_data only fills an "
            "empty one. Point DATABASE_URL at a fresh database and run `migrate` first."
        )
    generator = Generator(progress=progress, **sizes)
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic(), indexes_built_after(EvidenceNote, ActionEvent):
        totals = generator.run()
        if postgresql and progress:
            progress.step("building indexes, checking foreign keys")
    if postgresql and not connection.in_atomic_block:
        # What autovacuum would do after a bulk load, done now so that the first queries
        # have statistics and index-only scans (VACUUM cannot run inside a transaction).
        if progress:
            progress.step("vacuuming and analysing")
        with connection.cursor() as cursor:
            for model in (Action, EvidenceNote, ActionEvent, Question, Inspection, User):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return totals
