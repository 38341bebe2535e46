"""The database down: /healthz and every page answer 503 at once, from a page that needs no
database, and the service is itself again as soon as the database is (tracker/outage.py).

The database is made unreachable for real: the test's connection is swapped for one to a port
where nothing listens (PostgreSQL), or to a file in a folder that does not exist (SQLite).
tests/faults/ restarts a real PostgreSQL under load.
"""

from __future__ import annotations

import contextlib
import copy
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import Client, RequestFactory

from tests import factories
from tests.services import ROOT, free_port
from tracker.outage import RETRY_AFTER, server_error


@contextlib.contextmanager
def database_unreachable(tmp_path: Path, *, port: int | None = None, connect_timeout: int = 2):
    """This thread's default connection points where no database answers, until the end."""
    original = connections["default"]
    settings_dict = copy.deepcopy(original.settings_dict)
    if original.vendor == "sqlite":
        settings_dict["NAME"] = str(tmp_path / "no-such-folder" / "db.sqlite3")
    else:
        settings_dict["HOST"] = "127.0.0.1"
        settings_dict["PORT"] = str(port or free_port())
        settings_dict["OPTIONS"]["connect_timeout"] = connect_timeout
    unreachable = original.__class__(settings_dict, alias="default")
    connections["default"] = unreachable
    try:
        yield
    finally:
        connections["default"] = original
        unreachable.close()


def assert_unavailable_page(response) -> str:
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert '<html lang="en-GB">' in page
    assert '<main id="main"' in page
    assert "<h1" in page and "Service briefly unavailable" in page
    assert "please try again" in page
    # The anonymous header: nothing in the page asked who is signed in.
    assert "Sign out" not in page
    return page


@pytest.fixture
def offline_client():
    """A client that gets what a browser gets, the 503 included, rather than the exception."""
    return Client(raise_request_exception=False)


def test_healthz_answers_503_while_the_database_cannot_be_reached(db, tmp_path, offline_client):
    with database_unreachable(tmp_path):
        for method in (offline_client.get, offline_client.head):
            response = method("/healthz")
            assert response.status_code == 503
            assert response["Retry-After"] == str(RETRY_AFTER)
            assert "no-store" in response["Cache-Control"]
            assert response["Content-Type"].startswith("text/plain")
        assert offline_client.get("/healthz").content == b"database unavailable"
    # The database back: healthy again at the next probe.
    assert offline_client.get("/healthz").status_code == 200


def test_healthz_still_refuses_a_post(db, offline_client):
    assert offline_client.post("/healthz").status_code == 405


def test_a_signed_in_page_answers_the_503_page_and_logs_one_line(
    db, tmp_path, offline_client, caplog
):
    user = factories.make_user()
    action = factories.make_action(owner=user)
    offline_client.force_login(user)
    with database_unreachable(tmp_path):
        for path in ("/", "/actions/", f"/actions/{action.pk}/"):
            assert_unavailable_page(offline_client.get(path))
    assert any(
        record.levelname == "WARNING" and "Database unavailable: GET /actions/" in record.message
        for record in caplog.records
        if record.name == "tracker.outage"
    )
    # The database back: the same session, the same page.
    response = offline_client.get(f"/actions/{action.pk}/")
    assert response.status_code == 200
    assert action.text in response.content.decode()


def test_a_note_posted_while_the_database_is_down_answers_503_and_saves_nothing(
    db, tmp_path, offline_client
):
    user = factories.make_user()
    action = factories.make_action(owner=user)
    offline_client.force_login(user)
    with database_unreachable(tmp_path):
        response = offline_client.post(
            f"/actions/{action.pk}/note/",
            {"note-kind": "progress", "note-body": "Typed during the outage", "note-version": 1},
        )
        assert_unavailable_page(response)
    assert not action.notes.exists()
    assert not action.events.filter(kind="note").exists()


def test_signing_in_while_the_database_is_down_answers_503(db, tmp_path, offline_client):
    user = factories.make_user()
    assert offline_client.get("/accounts/login/").status_code == 200
    with database_unreachable(tmp_path):
        response = offline_client.post(
            "/accounts/login/", {"username": user.username, "password": factories.PASSWORD}
        )
        assert_unavailable_page(response)


def test_the_admin_answers_the_503_page_too(db, tmp_path, offline_client):
    inspector = factories.make_inspector()
    offline_client.force_login(inspector)
    with database_unreachable(tmp_path):
        assert_unavailable_page(offline_client.get("/admin/"))
        assert_unavailable_page(offline_client.get("/admin/tracker/action/"))
    assert offline_client.get("/admin/").status_code == 200


def test_any_other_error_is_still_the_500_page(db):
    request = RequestFactory().get("/")
    try:
        raise ValueError("not the database")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert not response.has_header("Retry-After")


def test_a_database_that_never_answers_is_a_503_within_the_connect_timeout(
    db, tmp_path, offline_client
):
    """A listener that accepts but never speaks: without connect_timeout this hangs a worker."""
    if connection.vendor != "postgresql":
        pytest.skip("connect_timeout is PostgreSQL's (libpq's)")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        with database_unreachable(tmp_path, port=port, connect_timeout=2):
            started = time.monotonic()
            response = offline_client.get("/healthz")
            elapsed = time.monotonic() - started
    assert response.status_code == 503
    # libpq waited for the server, then gave up at the timeout: not sooner, not much later.
    assert 1.5 <= elapsed < 4, elapsed


def test_peel_db_connect_timeout_sets_postgresqls_connect_timeout():
    script = (
        "from django.conf import settings; import django; django.setup(); "
        "print(settings.DATABASES['default']['OPTIONS']['connect_timeout'])"
    )
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PEEL_", "DATABASE_URL"))
    }
    base.update(
        DJANGO_SETTINGS_MODULE="peel.settings",
        DATABASE_URL="postgres://peel@127.0.0.1:5432/peel",
        PYTHONPATH=str(ROOT),
    )
    seen = {}
    for value in ("", "7"):
        env = {**base, "PEEL_DB_CONNECT_TIMEOUT": value}
        run = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0, run.stderr
        seen[value] = run.stdout.strip()
    assert seen == {"": "3", "7": "7"}
