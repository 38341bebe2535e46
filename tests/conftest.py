from __future__ import annotations

import contextlib
import importlib
import logging

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django.db.models.signals import post_migrate
from pytest_django.plugin import blocking_manager_key

from tests import factories
from tracker.db import allow_purge

_forces_migration = importlib.import_module("tracker.migrations.0003_territorial_forces")
_group_migration = importlib.import_module("tracker.migrations.0004_inspectors_group")


def _empties_the_database(item) -> bool:
    """Whether pytest-django ends this test with a flush (a TransactionTestCase's teardown)."""
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction"))
    fixtures = getattr(item, "fixturenames", ())
    return transactional or "transactional_db" in fixtures or "live_server" in fixtures


@contextlib.contextmanager
def _purge_allowed(db_blocker):
    """Let this connection empty the append-only tables (tracker/db.py): DELETE on SQLite,
    TRUNCATE on PostgreSQL, as Django's flush does."""
    if connection.vendor != "postgresql":
        with allow_purge():
            yield
        return
    # Outside the test's own fixtures pytest-django blocks queries: these are meant.
    with db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SET tracker.allow_purge = 'on'")
    try:
        yield
    finally:
        # A connection closed meanwhile (the session's last test: the test database is gone)
        # took the setting with it.
        if connection.connection is not None:
            with db_blocker.unblock(), connection.cursor() as cursor:
                cursor.execute("RESET tracker.allow_purge")


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


@contextlib.contextmanager
def _flush_allowed(db_blocker):
    """Django's flush may empty every table, and the reference data is put back after it."""
    post_migrate.connect(_restore_reference_data)
    try:
        with _purge_allowed(db_blocker):
            yield
    finally:
        post_migrate.disconnect(_restore_reference_data)


_FLUSH_ALLOWED = pytest.StashKey[contextlib.ExitStack]()


def _allow_flush(node, db_blocker) -> None:
    """Allow the flush from now until the end of this test's teardown."""
    if _FLUSH_ALLOWED not in node.stash:
        node.stash[_FLUSH_ALLOWED] = stack = contextlib.ExitStack()
        stack.enter_context(_flush_allowed(db_blocker))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    """A transactional or live-server test's teardown empties the database: only then, and
    only for that test, the append-only tables may be emptied and the reference data is put
    back afterwards. Every other test, and every test's own body, meets the triggers."""
    if not _empties_the_database(item):
        return (yield)
    _allow_flush(item, item.config.stash[blocking_manager_key])
    try:
        return (yield)
    finally:
        item.stash[_FLUSH_ALLOWED].close()
        del item.stash[_FLUSH_ALLOWED]


@pytest.fixture
def flush_allowed(request, transactional_db, django_db_blocker):
    """For a transactional test whose own body empties the database (`manage.py flush`):
    allowed from here until the end of its teardown."""
    _allow_flush(request.node, django_db_blocker)


@pytest.fixture
def security_log(caplog):
    """What tracker.security logs during the test: `security_log.lines()`, one per event."""
    caplog.set_level(logging.INFO, logger="peel.security")
    return SecurityLog(caplog)


class SecurityLog:
    def __init__(self, caplog):
        self._caplog = caplog

    def lines(self) -> list[str]:
        return [r.getMessage() for r in self._caplog.records if r.name == "peel.security"]

    def clear(self) -> None:
        self._caplog.clear()


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
def lead(db, force):
    """The force lead of `force`: assigns owners and assures actions for the inspectorate."""
    return factories.make_user(
        username="lead", force=force, force_role="lead", first_name="Lee", last_name="Lead"
    )


@pytest.fixture
def observer(db, force):
    """An observer of `force` (the PCC's office): reads and exports, changes nothing."""
    return factories.make_user(username="observer", force=force, force_role="observer")


@pytest.fixture
def outsider(db, other_force):
    return factories.make_user(username="outsider", force=other_force)


@pytest.fixture
def inspector(db):
    return factories.make_inspector(username="inspector")


@pytest.fixture
def signed_in(client, staff):
    """The test client, signed in as force staff (`staff`)."""
    client.force_login(staff)
    return client


@pytest.fixture
def action(db, force, staff):
    """An action of `force`, owned by `staff` (force staff change only the actions they own)."""
    return factories.make_action(force=force, owner=staff)


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
