"""Nothing lost, nothing silently overwritten: conflicting edits, races, the audit trail."""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import ProtectedError
from django.test import Client

from tests.factories import make_action, make_inspector
from tracker.models import Action, ActionEvent, EvidenceNote, User
from tracker.workflow import Status

CHANGE = "/admin/tracker/action/{}/change/"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="about PostgreSQL's own behaviour"
)
# pytest-django's SQLite test database lives in memory with a shared cache, where a second
# writer gets "database table is locked" at once instead of waiting its turn as it does on
# the file database (BEGIN IMMEDIATE with a busy timeout) that the app runs on.
real_concurrency = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a database server; SQLite's in-memory test database cannot queue writers",
)


def hidden_fields(page) -> dict:
    html = page.content.decode()
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def assured_action(force) -> Action:
    """An action its force lead assured: an inspector may close it."""
    action = make_action(force=force)
    Action.objects.filter(pk=action.pk).update(status=Status.ASSURED)
    action.refresh_from_db()
    return action


def close_form(page, reason: str) -> dict:
    return {
        **hidden_fields(page),
        "status": Status.CLOSED,
        "reason": reason,
        "owner": "",
        "due_date": "",
        "blocked_reason": "",
    }


def close_events(action) -> int:
    return ActionEvent.objects.filter(
        action=action, kind=ActionEvent.Kind.STATUS, new_value=Status.CLOSED.label
    ).count()


def test_two_inspectors_editing_the_same_version_in_the_admin_cannot_both_save(db, force):
    action = assured_action(force)
    ada = make_inspector(username="ada", first_name="Ada", last_name="Lovelace")
    bob = make_inspector(username="bob")
    first, second = Client(), Client()
    first.force_login(ada)
    second.force_login(bob)
    ada_page = first.get(CHANGE.format(action.pk))
    bob_page = second.get(CHANGE.format(action.pk))
    assert hidden_fields(ada_page)["version"] == hidden_fields(bob_page)["version"] == "1"

    saved = first.post(CHANGE.format(action.pk), close_form(ada_page, "Impact evidenced."))
    refused = second.post(CHANGE.format(action.pk), close_form(bob_page, "Bob's own words"))

    assert saved.status_code == 302
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "changed by Ada Lovelace since you opened it" in body
    assert "Bob&#x27;s own words" in body  # what Bob typed is still on his screen
    action.refresh_from_db()
    assert action.status == Status.CLOSED and action.closed_by == ada and action.version == 2
    assert close_events(action) == 1
    assert action.events.get().reason == "Impact evidenced."


def test_deleting_a_report_or_force_never_takes_evidence_or_history_with_it(staff, action):
    action.move_to(Status.IN_PROGRESS, by=staff)
    action.add_note("Dip sample of 40 files.", by=staff)
    for doomed in (action.question.inspection, action.question, action, action.force):
        with pytest.raises(ProtectedError), transaction.atomic():
            doomed.delete()
    assert Action.objects.filter(pk=action.pk).exists()
    assert EvidenceNote.objects.filter(action=action).count() == 1
    assert ActionEvent.objects.filter(action=action).count() == 2


def run_together(*jobs, timeout: float = 30) -> list:
    """Start each job in its own thread (own database connection) at the same moment."""
    start = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            start.wait(timeout)
            results[index] = job()
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread met
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


@pytest.fixture
def slow_event_writes(monkeypatch):
    """Hold each change's transaction open a moment, so the two really overlap."""
    create = ActionEvent.objects.create

    def slow_create(**kwargs):
        event = create(**kwargs)
        time.sleep(0.3)
        return event

    monkeypatch.setattr(ActionEvent.objects, "create", slow_create)


@real_concurrency
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_closes_make_exactly_one_close_event(slow_event_writes):
    from tests.factories import get_force

    action = assured_action(get_force("Lancashire"))
    inspectors = [make_inspector(), make_inspector()]

    def close(inspector_pk):
        def job():
            mine = Action.objects.get(pk=action.pk)
            by = User.objects.get(pk=inspector_pk)
            mine.move_to(Status.CLOSED, by=by, reason="Accepted", version=1)
            return "closed"

        return job

    results = run_together(*(close(inspector.pk) for inspector in inspectors))

    assert sorted(type(result).__name__ for result in results) == ["StaleVersion", "str"], results
    action.refresh_from_db()
    assert action.status == Status.CLOSED and action.version == 2
    assert close_events(action) == 1
    winner = inspectors[results.index("closed")]
    assert action.closed_by == winner


@real_concurrency
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_admin_closes_save_once(slow_event_writes):
    from tests.factories import get_force

    action = assured_action(get_force("Lancashire"))
    clients = []
    for _ in range(2):
        client = Client()
        client.force_login(make_inspector())
        clients.append((client, client.get(CHANGE.format(action.pk))))

    def post(client, page):
        return lambda: (
            client.post(CHANGE.format(action.pk), close_form(page, "Accepted")).status_code
        )

    results = run_together(*(post(client, page) for client, page in clients))

    assert sorted(results, key=str) == [200, 302], results
    action.refresh_from_db()
    assert action.status == Status.CLOSED and action.version == 2
    assert close_events(action) == 1


@on_postgresql
def test_truncate_cannot_empty_the_audit_trail_on_postgresql(staff, action):
    action.move_to(Status.IN_PROGRESS, by=staff)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # Fire the insert's deferred constraint checks now, as a commit would.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {ActionEvent._meta.db_table}")
