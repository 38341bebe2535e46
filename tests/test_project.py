"""The project as a whole: database vendor, migrations, health check."""

from __future__ import annotations

import os
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
