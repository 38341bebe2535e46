"""The project as a whole: database vendor, migrations, health check, the WSGI entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection


def test_the_suite_runs_on_the_database_ci_asked_for(db):
    expected = os.environ.get("PEEL_EXPECT_DB_VENDOR")
    if not expected:
        pytest.skip("PEEL_EXPECT_DB_VENDOR not set")
    assert connection.vendor == expected


def test_models_and_migrations_agree(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_the_territorial_forces_are_loaded(db):
    from tracker.models import Force

    assert Force.objects.count() == 43
    assert Force.objects.get(short_name="Metropolitan").name == "Metropolitan Police Service"


def test_healthz_says_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_healthz_answers_a_head_request_as_load_balancers_send(client, db):
    assert client.head("/healthz").status_code == 200


def test_a_worker_collects_garbage_between_requests_and_never_walks_the_app_as_loaded():
    """gunicorn's workers import peel.wsgi: see peel/garbage.py."""
    script = """
import gc
import peel.wsgi
from django.core.signals import request_finished
from peel.garbage import FULL_COLLECTION_EVERY

def full_collections():
    return gc.get_stats()[2]["collections"]

frozen, still_walked, before = gc.get_freeze_count(), len(gc.get_objects()), full_collections()
# Enough long-lived objects that CPython's own schedule would run a full collection.
kept = [[] for _ in range(300_000)]
during = full_collections() - before
for _ in range(FULL_COLLECTION_EVERY - 1):
    request_finished.send(sender=None)
early = full_collections() - before
request_finished.send(sender=None)
print(frozen, still_walked, during, early, full_collections() - before)
"""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "peel.settings", "DJANGO_DEBUG": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    frozen, still_walked, during, early, after = map(int, done.stdout.split())
    # Django, the admin and every model: tens of thousands of objects, none left to walk.
    assert frozen > 20_000
    assert still_walked < 1_000
    # No full collection while a request could be running; one after the 100th response.
    assert (during, early, after) == (0, 0, 1)
