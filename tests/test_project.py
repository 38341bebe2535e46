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


def test_a_worker_leaves_what_loading_the_app_made_out_of_garbage_collection():
    """gunicorn's workers import peel.wsgi; the app it loaded is then frozen (gc.freeze())."""
    script = (
        "import gc; gc.collect(); before = gc.get_freeze_count()\n"
        "import peel.wsgi\n"
        "print(before, gc.get_freeze_count(), len(gc.get_objects()))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "peel.settings", "DJANGO_DEBUG": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    before, frozen, still_collected = map(int, done.stdout.split())
    assert before == 0
    # Django, the admin and every model: tens of thousands of objects, none left to walk.
    assert frozen > 20_000
    assert still_collected < 1_000
