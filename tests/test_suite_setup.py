"""The test suite configures what it needs itself: its own settings module and fixtures, no
patched Django and no settings that change when pytest runs (docs/architecture.md, Checks)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.backends.base.operations import BaseDatabaseOperations

from tests import factories
from tracker.models import ActionEvent, Force, Status

ROOT = Path(__file__).resolve().parent.parent


def test_djangos_flush_is_djangos_own():
    flush = BaseDatabaseOperations.execute_sql_flush
    assert flush.__module__ == "django.db.backends.base.operations"


def test_the_suite_runs_on_its_own_settings_module():
    assert settings.SETTINGS_MODULE == "tests.settings"
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_projects_settings_are_the_same_when_pytest_runs():
    code = (
        "from peel import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, bool(s.SECRET_KEY), "
        "s.PASSWORD_HASHERS if hasattr(s, 'PASSWORD_HASHERS') else 'default')"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG", "DJANGO_SECRET_KEY"}}
    env["PYTEST_VERSION"] = "9.0"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True True False default"


@pytest.mark.django_db(transaction=True)
def test_a_transactional_tests_own_body_still_meets_the_append_only_triggers():
    staff = factories.make_user(username="staff", force=factories.get_force("Lancashire"))
    action = factories.make_action(force=staff.force, owner=staff)
    action.move_to(Status.IN_PROGRESS, by=staff)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {ActionEvent._meta.db_table}")
    assert action.events.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_starts_with_the_reference_data_that_migrate_loads():
    # Another transactional test may have emptied the database before this one.
    assert Force.objects.count() == 43
    assert factories.make_inspector(username="inspector").has_perm("tracker.change_action")
