"""The actions per force, status and blocked kept by PostgreSQL (migration 0023), and the
inspector's dashboard counted from it (`tallied_counts`): always what a fresh GROUP BY says."""

from __future__ import annotations

import datetime
import json
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import get_force, make_action, make_question
from tests.test_spreadsheet import finding, run
from tracker.adding import add_action
from tracker.dashboard import force_rows
from tracker.models import Action, ActionTally, Force, count_expressions, tallied_counts
from tracker.workflow import Kind, Status

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL keeps the tally (its triggers); SQLite counts with a GROUP BY",
)

TALLY_MIGRATION = ("tracker", "0023_action_tally")


def due(date: datetime.date | None) -> dict:
    return {"due_date": date, "original_due_date": date}


def fresh() -> dict[tuple[int, str, bool], int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT force_id, status, blocked_reason <> '', count(*) FROM tracker_action "
            "GROUP BY 1, 2, 3"
        )
        return {(force, status, blocked): n for force, status, blocked, n in cursor.fetchall()}


def tally() -> dict[tuple[int, str, bool], int]:
    rows = ActionTally.objects.values_list("force_id", "status", "blocked", "n")
    return {(force, status, blocked): n for force, status, blocked, n in rows if n}


def grouped(today: datetime.date) -> dict[int, dict[str, int]]:
    rows = Action.objects.order_by().values("force").annotate(**count_expressions(today))
    return {row.pop("force"): row for row in rows}


def assert_tallied(today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    assert tally() == fresh()
    assert tallied_counts(today) == grouped(today)


@pytest.mark.django_db
def test_the_tally_follows_every_path_that_changes_actions(staff, lead, inspector, other_force):
    today = timezone.localdate()
    question = make_question()
    actions = [
        make_action(question=question, position=n, **due(today + datetime.timedelta(days=d)))
        for n, d in enumerate((-10, 0, 5, 30, 31, 400), start=1)
    ]
    make_action(force=other_force)
    make_action(question=question, position=9)  # no due date
    assert_tallied()

    first, second, third = (Action.objects.get(pk=action.pk) for action in actions[:3])
    first.move_to(Status.IN_PROGRESS, by=lead)
    first.add_note("The new allocation policy is in force.", by=lead)
    first.move_to(Status.SUBMITTED, by=lead)
    second.move_to(Status.IN_PROGRESS, by=lead)
    second.set_blocked("Waiting for the PCC.", by=lead)
    third.set_blocked("Waiting for the council.", by=lead)
    assert_tallied()
    third.set_blocked("", by=lead)
    second.assign(staff, by=lead)
    first.move_to(Status.ASSURED, by=lead, reason="Checked against the policy.")
    assert_tallied()
    first.move_to(Status.CLOSED, by=inspector, reason="Evidence accepted.")
    second.move_to(Status.SUPERSEDED, by=inspector, reason="Replaced by the 2026 report.")
    assert_tallied()

    add_action(question, kind=Kind.AREA_FOR_IMPROVEMENT, text="By hand.", by=inspector, via="web")
    Action.objects.bulk_create(
        [
            Action(question=question, force=question.inspection.force, position=20 + n, text="B.")
            for n in range(3)
        ]
    )
    run([finding("A.", reference="IA 1"), finding("B.", reference="IA 2", due_date="2026-12-31")])
    assert_tallied()

    # Every date counts from the day asked about, not the day the tally was written.
    for days in (-400, -31, -1, 1, 29, 31, 400):
        assert_tallied(today + datetime.timedelta(days=days))

    Action.objects.filter(pk__in=[action.pk for action in actions[3:]]).delete()
    assert_tallied()
    assert set(tallied_counts(today, [other_force.pk])) == {other_force.pk}
    assert tallied_counts(today, [other_force.pk])[other_force.pk] == grouped(today)[other_force.pk]


@pytest.mark.django_db
def test_generate_data_copies_and_bulk_creates_into_the_tally():
    small = {"forces": 2, "actions": 60, "notes": 100, "users_per_force": 3, "inspectors": 1}
    call_command("generate_data", **small, stdout=StringIO(), stderr=StringIO())
    assert Action.objects.count() >= 60
    assert_tallied()


@pytest.mark.django_db
def test_the_dashboards_rows_are_the_group_bys(inspector):
    today = timezone.localdate()
    for days in (-3, 0, 10, 60, None):
        date = None if days is None else today + datetime.timedelta(days=days)
        make_action(**due(date), blocked_reason="Waiting." if days == 10 else "")
    forces = list(Force.objects.all())
    actions = Action.objects.all()
    tallied = force_rows(actions, forces, today, tallied=True)
    assert tallied == force_rows(actions, forces, today)
    assert [row["force"] for row in tallied] == [get_force()]
    assert tallied[0]["overdue"] == 1 and tallied[0]["due_soon"] == 2
    assert tallied[0]["blocked"] == 1 and tallied[0]["open"] == 5


@pytest.mark.django_db(transaction=True)
def test_opposite_moves_of_one_force_at_once_do_not_deadlock(staff):
    """In progress → submitted and submitted → in progress, at once, again and again: each
    transaction takes the tally's rows in one order, so none waits for the other in a cycle."""
    question = make_question()
    up = [make_action(question=question, position=n, status=Status.IN_PROGRESS) for n in (1, 2)]
    down = [make_action(question=question, position=n, status=Status.SUBMITTED) for n in (3, 4)]
    rounds, errors = 20, []
    barrier = threading.Barrier(2, timeout=30)

    def mover(ids: list[int], there: str, back: str) -> None:
        try:
            for n in range(rounds):
                target = there if n % 2 == 0 else back
                barrier.wait()
                with connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '20s'; SET deadlock_timeout = '100ms'")
                    cursor.execute("BEGIN")
                    for pk in ids:  # two actions a transaction: the second waits, holding locks
                        cursor.execute(
                            "UPDATE tracker_action SET status = %s WHERE id = %s", [target, pk]
                        )
                    cursor.execute("SELECT pg_sleep(0.01)")
                    cursor.execute("COMMIT")
        except Exception as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)
            barrier.abort()
        finally:
            connections.close_all()

    threads = [
        threading.Thread(
            target=mover, args=([a.pk for a in up], Status.SUBMITTED, Status.IN_PROGRESS)
        ),
        threading.Thread(
            target=mover, args=([a.pk for a in down], Status.IN_PROGRESS, Status.SUBMITTED)
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert tally() == fresh()
    force = get_force().pk
    assert tally() == {(force, Status.IN_PROGRESS, False): 2, (force, Status.SUBMITTED, False): 2}


@pytest.mark.django_db(transaction=True)
def test_the_tally_migration_applies_backwards_and_forwards():
    make_action(status=Status.IN_PROGRESS, blocked_reason="Waiting.")
    executor = MigrationExecutor(connection)
    previous = executor.loader.graph.node_map[TALLY_MIGRATION].parents
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([parent.key for parent in previous])
        assert "tracker_actiontally" not in connection.introspection.table_names()
        make_action(status=Status.SUBMITTED)  # while no tally is kept: counted by the backfill
        MigrationExecutor(connection).migrate([TALLY_MIGRATION])
        force = get_force().pk
        expected = {(force, Status.IN_PROGRESS, True): 1, (force, Status.SUBMITTED, False): 1}
        assert tally() == fresh() == expected
    finally:
        MigrationExecutor(connection).migrate(leaves)


@pytest.mark.django_db
def test_a_dump_leaves_the_tally_out():
    """The tally is the database's bookkeeping (tracker/routers.py): `dumpdata` leaves it out,
    so that loading it cannot count the actions twice: the target's triggers count them."""
    make_action(status=Status.IN_PROGRESS)
    assert tally()
    dump = StringIO()
    call_command("dumpdata", "tracker", stdout=dump)
    models = {row["model"] for row in json.loads(dump.getvalue())}
    assert "tracker.action" in models
    assert "tracker.actiontally" not in models
