"""A deployment on loopback, once per test session: moto's S3 server with the evidence bucket,
two gunicorn app servers on the test database with production settings, and haproxy in front.

The app servers are other processes: they see only what a test has committed, so every test
here uses `transactional_db` (pytest-django empties the tables after each, as for any
transactional test). They use the test database itself (its real name, from the connection
pytest-django set up), migrated once with the rest of the suite; static files are collected
once per session. Every fixture skips on SQLite, where these tests do not run
(`require_deployment`).
"""

from __future__ import annotations

import shutil
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import make_user, production_password_hash
from tests.services import (
    AppServer,
    LoadBalancer,
    ObjectStore,
    app_server,
    collect_static,
    deployment_environment,
    load_balancer,
    object_store,
    require_deployment,
    temporary_folder,
)
from tracker.models import User


@dataclass
class Deployment:
    a: AppServer
    b: AppServer
    balancer: LoadBalancer
    store: ObjectStore
    folder: Path
    environment: dict[str, str]

    @property
    def media_root(self) -> Path:
        """The app servers' local MEDIA_ROOT: nothing shared may land here."""
        return Path(self.environment["MEDIA_ROOT"])


def database_url(name: str | None = None) -> str:
    """The test database (or `name` on its server), as DATABASE_URL spells it."""
    settings = connection.settings_dict
    password = urllib.parse.quote(settings["PASSWORD"] or "", safe="")
    user = urllib.parse.quote(settings["USER"] or "postgres", safe="")
    login = f"{user}:{password}" if password else user
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or "5432"
    return f"postgres://{login}@{host}:{port}/{name or settings['NAME']}"


@pytest.fixture(scope="session")
def deploy_folder() -> Iterator[Path]:
    require_deployment()
    folder = temporary_folder("peel-deploy-")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def store(deploy_folder) -> Iterator[ObjectStore]:
    with object_store(deploy_folder) as running:
        yield running


@pytest.fixture(scope="session")
def app_environment(django_db_setup, deploy_folder, store) -> dict[str, str]:
    """Production settings on the test database, evidence in the bucket; static collected."""
    environment = deployment_environment(database_url(), deploy_folder, **store.environment())
    collect_static(environment)
    return environment


@pytest.fixture(scope="session")
def deployment(app_environment, deploy_folder, store) -> Iterator[Deployment]:
    """Two app servers and haproxy round robin over them."""
    a = app_server("app-a", app_environment, deploy_folder)
    b = app_server("app-b", app_environment, deploy_folder)
    balancer = load_balancer([a, b], deploy_folder)
    yield Deployment(a, b, balancer, store, deploy_folder, app_environment)
    balancer.stop()
    a.stop()
    b.stop()


@pytest.fixture(scope="session")
def password_hash() -> str:
    """PASSWORD hashed as the app servers hash it, once a session (it takes a while)."""
    return production_password_hash()


@pytest.fixture
def person(transactional_db, password_hash):
    """`person(username=…, force=…)`: a user who signs in with PASSWORD on the app servers."""

    def make(**kwargs) -> User:
        return make_user(password_hash=password_hash, **kwargs)

    return make
