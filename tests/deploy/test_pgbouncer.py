"""The app through PgBouncer in transaction mode (docs/deploy.md): every page and write, the
XLSX export (a QuerySet.iterator(), which needs server-side cursors off) and the CSV export,
PostgreSQL's COPY streamed, whole and the same as the one made without PgBouncer.

PgBouncer is configured as docs/deploy.md has it, passing on no `options` startup parameter;
the app server has PEEL_PGBOUNCER=1, and the database has `jit = off` set on it.
"""

from __future__ import annotations

import csv
import io

import psycopg2
import pytest
from django.db import connection
from openpyxl import load_workbook

from tests.deploy.flows import add_note, evidence_pdf
from tests.factories import get_force, make_action, make_inspection, make_question
from tests.http_browser import Browser
from tests.services import app_server, connection_pooler, require_deployment
from tracker.models import Action, EvidenceNote

pytestmark = pytest.mark.deploy

ACTIONS = 3000


@pytest.fixture(scope="module")
def pooled(deployment, app_environment, deploy_folder, django_db_blocker):
    """PgBouncer (transaction mode) in front of the test database, and an app server on it."""
    settings = connection.settings_dict
    name = settings["NAME"]
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        # What docs/deploy.md asks of a PgBouncer deployment, in place of the app's `options`.
        cursor.execute(f'ALTER DATABASE "{name}" SET jit = off')
    folder = deploy_folder / "pgbouncer"
    folder.mkdir(exist_ok=True)
    pooler = connection_pooler(
        int(settings["PORT"] or 5432),
        folder,
        password=settings["PASSWORD"] or "",
        ignore_startup_parameters="extra_float_digits",
    )
    environment = {**app_environment, "DATABASE_URL": pooler.url(name), "PEEL_PGBOUNCER": "1"}
    server = app_server("app-pooled", environment, deploy_folder)
    yield pooler, server, name
    server.stop()
    pooler.process.stop()


def test_pages_and_writes_work_through_pgbouncer_in_transaction_mode(pooled, person):
    require_deployment()
    pooler, server, name = pooled
    lancashire = get_force("Lancashire")
    sam = person(username="sam", force=lancashire)
    action = make_action(force=lancashire, owner=sam, text="The force should audit record CR-9.")
    browser = Browser()

    browser.sign_in(server.url, "sam")  # a session written, last_login updated
    mine = browser.get(server.url + "/actions/?owner=me")
    add_note(browser, server.url, action.pk, "Written through the pooler.", evidence_pdf())
    workbook = browser.get(server.url + "/actions/export.xlsx")

    assert mine.status == 200
    assert "The force should audit record CR-9." in mine.text
    assert EvidenceNote.objects.get().body == "Written through the pooler."
    assert browser.get(f"{server.url}/actions/{action.pk}/").status == 200
    assert workbook.status == 200
    sheet = load_workbook(io.BytesIO(workbook.body)).active
    assert sheet is not None
    assert "The force should audit record CR-9." in [cell.value for cell in sheet[2]]
    # JIT is off for the app's connections through PgBouncer: the database says so …
    with psycopg2.connect(pooler.url(name)) as through_pooler, through_pooler.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
    through_pooler.close()
    # … as the app's own `options` cannot: PgBouncer refuses a client that sends it.
    with pytest.raises(psycopg2.OperationalError, match="unsupported startup parameter"):
        psycopg2.connect(pooler.url(name), options="-c jit=off")


def test_the_csv_export_streams_whole_through_pgbouncer(deployment, pooled, person):
    require_deployment()
    _, server, _ = pooled
    lancashire = get_force("Lancashire")
    sam = person(username="sam", force=lancashire)
    question = make_question(inspection=make_inspection(force=lancashire))
    Action.objects.bulk_create(
        Action(
            question=question,
            force=lancashire,
            position=number,
            owner=sam,
            text=f'The force should review "case {number}", quickly,\nand report back.',
        )
        for number in range(1, ACTIONS + 1)
    )
    # Both servers build the same links (the Host they are asked for), so the files compare.
    pooled_browser, direct_browser = Browser(host="localhost"), Browser(host="localhost")
    pooled_browser.sign_in(server.url, "sam")
    direct_browser.sign_in(deployment.a.url, "sam")

    through_pgbouncer = pooled_browser.get(server.url + "/actions/export.csv")
    made_directly = direct_browser.get(deployment.a.url + "/actions/export.csv")

    assert through_pgbouncer.status == 200
    assert through_pgbouncer.headers["Transfer-Encoding"] == "chunked"  # streamed, not built
    assert "Content-Length" not in through_pgbouncer.headers
    assert through_pgbouncer.body == made_directly.body
    rows = list(csv.reader(io.StringIO(through_pgbouncer.body.decode("utf-8-sig"))))
    assert len(rows) == ACTIONS + 1
    texts = {row[rows[0].index("area_for_improvement")] for row in rows[1:]}
    assert 'The force should review "case 2999", quickly,\nand report back.' in texts
    assert len(texts) == ACTIONS
