from __future__ import annotations

import importlib

import pytest
from django.apps import apps as global_apps
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models.signals import post_migrate

from tests import factories
from tracker.db import allow_purge

_execute_sql_flush = BaseDatabaseOperations.execute_sql_flush


def _flush_allowing_purge(self, sql_list):
    # Transactional tests empty the database between tests (DELETE on SQLite, TRUNCATE on
    # PostgreSQL), which the append-only triggers would refuse.
    if self.connection.vendor == "postgresql":
        with self.connection.cursor() as cursor:
            cursor.execute("SET tracker.allow_purge = 'on'")
        try:
            return _execute_sql_flush(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                cursor.execute("RESET tracker.allow_purge")
    with allow_purge():
        return _execute_sql_flush(self, sql_list)


BaseDatabaseOperations.execute_sql_flush = _flush_allowing_purge

_forces_migration = importlib.import_module("tracker.migrations.0003_territorial_forces")
_group_migration = importlib.import_module("tracker.migrations.0004_inspectors_group")


def _restore_reference_data(sender, apps=global_apps, **kwargs):
    """Put back what the data migrations load, after a transactional test's flush.

    Flushing empties every table, the 43 forces and the Inspectors group included; Django
    then sends post_migrate (which recreates permissions), and this puts the rest back so
    that the tests after it see the database that `migrate` makes.
    """
    if sender.label != "tracker":
        return
    _forces_migration.add_forces(apps, None)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Inspectors")
    codenames = [
        f"{verb}_{model}" for model, verbs in _group_migration.PERMISSIONS.items() for verb in verbs
    ]
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames)
    )


post_migrate.connect(_restore_reference_data)


@pytest.fixture
def force(db):
    return factories.get_force("Lancashire")


@pytest.fixture
def other_force(db):
    return factories.get_force("Kent")


@pytest.fixture
def staff(db, force):
    return factories.make_user(username="staff", force=force, first_name="Sam", last_name="Staff")


@pytest.fixture
def colleague(db, force):
    return factories.make_user(username="colleague", force=force)


@pytest.fixture
def outsider(db, other_force):
    return factories.make_user(username="outsider", force=other_force)


@pytest.fixture
def inspector(db):
    return factories.make_inspector(username="inspector")


@pytest.fixture
def action(db, force):
    return factories.make_action(force=force)


def pytest_report_header(config):
    """Say at the top of every run whether the browser tests will run."""
    import os
    from pathlib import Path

    chromium = Path(os.environ.get("PEEL_CHROMIUM", "/usr/bin/chromium"))
    if chromium.exists():
        return f"browser tests: Chromium at {chromium}"
    if os.environ.get("PEEL_REQUIRE_BROWSER") == "1":
        return f"browser tests: FAIL, Chromium not found at {chromium} (PEEL_REQUIRE_BROWSER=1)"
    return f"browser tests: SKIPPED, Chromium not found at {chromium}"
