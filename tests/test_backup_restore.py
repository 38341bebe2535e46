"""The backup and restore drill: what goes in comes back, byte for byte.

Each test seeds a database with imported actions, evidence and a full audit trail, backs it
up the way SECURITY.md tells an operator to, restores it into an empty database in another
process, and compares the CSV export (and, for the portable dump, every row) of both.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tests.factories import get_force, make_inspector, make_user
from tests.reports import SAMPLE
from tracker.exports import write_actions_csv
from tracker.models import Action, ActionEvent, Status
from tracker.reports import read_report_file
from tracker.reports.load import load_report
from tracker.reports.parse import parse_report

ROOT = Path(__file__).resolve().parents[1]
# What `dumpdata` must hold: the app's rows, and the Inspectors group by name.
DUMP_ARGS = ["tracker", "auth.group", "--natural-foreign", "--natural-primary", "--indent", "1"]
EXPORT = (
    "import os; from tracker.exports import write_actions_csv; from tracker.models import Action; "
    "f = open(os.environ['EXPORT_TO'], 'w', encoding='utf-8', newline=''); "
    "write_actions_csv(Action.objects.order_by('pk'), f); f.close()"
)


def manage(database_url: str, *args: str, **env: str) -> None:
    """Run manage.py in its own process against another database."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def export_of(database_url: str, tmp_path: Path) -> bytes:
    out = tmp_path / "restored-export.csv"
    manage(database_url, "shell", "--no-imports", "-c", EXPORT, EXPORT_TO=str(out))
    return out.read_bytes()


def export_here() -> bytes:
    out = StringIO(newline="")
    write_actions_csv(Action.objects.order_by("pk"), out)
    return out.getvalue().encode("utf-8")


def seed(media_root: Path) -> None:
    """Actions with owners, dates, blocks, evidence and every kind of event; one evidence file."""
    text = read_report_file(SAMPLE)
    load_report(parse_report(text), source_text=text, source_url="https://example.org/peel")
    staff = make_user(username="staff", force=get_force("Lancashire"), first_name="Zoë")
    lead = make_user(username="lead", force=get_force("Lancashire"), force_role="lead")
    inspector = make_inspector(username="inspector")
    today = timezone.localdate()
    first, second, third, *_ = Action.objects.order_by("pk")

    first.assign(staff, by=lead)
    first.set_due_date(today - datetime.timedelta(days=3), by=staff)
    first.move_to(Status.IN_PROGRESS, by=staff)
    first.add_note('=HYPERLINK("http://evil.example") — naïve “quotes”\r\nline two', by=staff)
    first.move_to(Status.SUBMITTED, by=staff)
    first.move_to(Status.ASSURED, by=lead, reason="Ready for the inspectorate")
    first.move_to(Status.CLOSED, by=inspector, reason="Impact shown in the 2018 inspection")
    second.set_blocked("Waiting on the national ANPR programme", by=lead)
    third.set_due_date(today + datetime.timedelta(days=20), by=lead)
    third.set_due_date(today + datetime.timedelta(days=90), by=lead, reason="New IT system late")

    evidence = media_root / "evidence" / "2f" / "2fa1c3.pdf"
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(os.urandom(4096))


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="session")
def empty_sqlite(tmp_path_factory) -> Path:
    """A migrated, empty SQLite database file: restore targets copy it."""
    path = tmp_path_factory.mktemp("empty") / "empty.sqlite3"
    manage(f"sqlite:///{path}", "migrate", "--no-input", "-v", "0")
    return path


@pytest.fixture
def seeded(db, settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    seed(settings.MEDIA_ROOT)
    return settings.MEDIA_ROOT


def test_a_dump_and_media_copy_restore_into_an_empty_database_unchanged(
    seeded, empty_sqlite, tmp_path
):
    backup = tmp_path / "backup"
    backup.mkdir()
    dump = backup / "peel.json"
    call_command("dumpdata", *DUMP_ARGS, "--output", str(dump))
    shutil.copytree(seeded, backup / "media")

    target = tmp_path / "restored.sqlite3"
    shutil.copyfile(empty_sqlite, target)
    url = f"sqlite:///{target}"
    manage(url, "loaddata", str(dump))
    restored_media = tmp_path / "restored-media"
    shutil.copytree(backup / "media", restored_media)

    assert export_of(url, tmp_path) == export_here()
    redump = tmp_path / "redump.json"
    manage(url, "dumpdata", *DUMP_ARGS, "--output", str(redump))
    assert json.loads(redump.read_text()) == json.loads(dump.read_text())
    assert tree_digest(restored_media) == tree_digest(seeded)
    assert ActionEvent.objects.count() == 7 + 10  # imported, then the changes seeded


def test_restoring_adds_to_the_audit_trail_without_rewriting_it(seeded, empty_sqlite, tmp_path):
    """loaddata only inserts events; the append-only triggers stay on in the target."""
    dump = tmp_path / "peel.json"
    call_command("dumpdata", *DUMP_ARGS, "--output", str(dump))
    target = tmp_path / "restored.sqlite3"
    shutil.copyfile(empty_sqlite, target)
    manage(f"sqlite:///{target}", "loaddata", str(dump))
    with sqlite3.connect(target) as restored:
        restored.create_function("tracker_purge_allowed", 0, lambda: 0)
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            restored.execute("UPDATE tracker_actionevent SET reason = 'rewritten'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            restored.execute("DELETE FROM tracker_evidencenote")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's online backup")
@pytest.mark.django_db(transaction=True)
def test_an_sqlite_online_backup_restores_unchanged(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    seed(settings.MEDIA_ROOT)  # committed: a backup copies what other connections can see
    copy = tmp_path / "backup.sqlite3"
    connection.ensure_connection()
    destination = sqlite3.connect(copy)
    try:
        connection.connection.backup(destination)  # what the sqlite3 shell's `.backup` does
    finally:
        destination.close()
    assert export_of(f"sqlite:///{copy}", tmp_path) == export_here()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore")
@pytest.mark.skipif(not shutil.which("pg_dump"), reason="pg_dump is not installed")
@pytest.mark.django_db(transaction=True)
def test_a_pg_dump_restores_into_an_empty_database_unchanged(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    seed(settings.MEDIA_ROOT)  # committed, so pg_dump sees it
    source = connection.settings_dict
    host, port = source["HOST"] or "localhost", str(source["PORT"] or 5432)
    user, password = source["USER"] or "", source["PASSWORD"] or ""
    target = f"{source['NAME']}_restore"

    def pg(program, *args):
        server = ["--host", host, "--port", port, *(["--username", user] if user else [])]
        result = subprocess.run(
            [program, *server, *args],
            env={**os.environ, "PGPASSWORD": password},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr

    dump = tmp_path / "peel.dump"
    pg("pg_dump", "--format=custom", "--file", str(dump), source["NAME"])
    pg("dropdb", "--if-exists", target)
    pg("createdb", target)
    try:
        pg("pg_restore", "--no-owner", "--exit-on-error", "--dbname", target, str(dump))
        credentials = f"{quote(user)}:{quote(password)}@" if user else ""
        url = f"postgres://{credentials}{host}:{port}/{target}"
        assert export_of(url, tmp_path) == export_here()
    finally:
        pg("dropdb", "--if-exists", target)
