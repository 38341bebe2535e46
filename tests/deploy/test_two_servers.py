"""Two app servers, one database, shared files (issue 16): what a person does on one server
holds on the other, and nothing a flow needs stays in a worker's memory.

The servers are real gunicorn processes with production settings (tests/deploy/conftest.py);
the evidence bucket is moto's S3 server; haproxy balances round robin. Runs on PostgreSQL.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from tests.deploy.flows import (
    add_note,
    confirm_import,
    evidence_links,
    evidence_pdf,
    findings_workbook,
    import_spreadsheet,
    is_sign_in_form,
    sign_out,
)
from tests.factories import get_force, make_action
from tests.http_browser import Browser
from tests.services import app_server, load_balancer, require_deployment
from tracker.models import Action, EvidenceFile

pytestmark = pytest.mark.deploy

MINE = "/actions/?owner=me"


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def test_a_session_made_on_one_server_works_on_the_other(deployment, person):
    require_deployment()
    lancashire = get_force("Lancashire")
    sam = person(username="sam", force=lancashire)
    make_action(force=lancashire, owner=sam, text="The force should audit custody record CR-417.")
    browser = Browser()

    browser.sign_in(deployment.a.url, "sam")  # the real form, the real password hash

    on_b = browser.get(deployment.b.url + MINE)
    assert on_b.status == 200, on_b.text[:2000]
    assert "The force should audit custody record CR-417." in on_b.text
    assert 'name="password"' not in on_b.html
    assert browser.get(deployment.a.url + MINE).status == 200

    sign_out(browser, deployment.b.url)

    assert is_sign_in_form(browser.get(deployment.a.url + MINE))
    assert is_sign_in_form(browser.get(deployment.b.url + MINE))


def test_evidence_uploaded_through_one_server_downloads_through_the_other(deployment, person):
    require_deployment()
    lancashire = get_force("Lancashire")
    sam = person(username="sam", force=lancashire)
    person(username="kent", force=get_force("Kent"))
    action = make_action(force=lancashire, owner=sam)
    data = evidence_pdf()
    browser = Browser()
    browser.sign_in(deployment.a.url, "sam")

    add_note(browser, deployment.a.url, action.pk, "Minutes of the custody review.", data)

    stored = EvidenceFile.objects.get()
    in_bucket = deployment.store.keys()
    assert stored.stored_name in in_bucket  # in the bucket …
    assert files_under(deployment.media_root) == []  # … and nowhere on an app server's disk
    page = browser.get(f"{deployment.b.url}/actions/{action.pk}/")
    assert "Minutes of the custody review." in page.text
    [link] = evidence_links(page)
    download = browser.get(deployment.b.url + link)
    assert download.status == 200
    assert download.body == data  # byte for byte
    assert download.headers["Content-Disposition"] == 'attachment; filename="minutes.pdf"'
    # Another force's user is refused through either server, as if it were not there.
    outsider = Browser()
    outsider.sign_in(deployment.b.url, "kent")
    assert outsider.get(deployment.a.url + link).status == 404
    assert outsider.get(deployment.b.url + link).status == 404


# Nothing in a worker's memory -------------------------------------------------------------------

# Each access log line: the worker's process id, the request and its number (X-Peel-Request).
ACCESS_LOG = "pid=%(p)s request=%({x-peel-request}i)s %(m)s %(U)s %(s)s"


@pytest.fixture
def fresh_workers(deployment, app_environment, deploy_folder):
    """Two more app servers whose every worker serves one request and exits, and haproxy
    over them (checking health once a minute: each check would cost a worker too).

    The app is imported before the workers are forked (`--preload`), as any module is: what a
    worker learns while serving its request dies with it."""
    servers = [
        app_server(
            name,
            app_environment,
            deploy_folder,
            max_requests=1,
            access_log_format=ACCESS_LOG,
            preload=True,  # imported once in the master: a fresh worker takes 0.6 s, not 4 s
        )
        for name in ("fresh-a", "fresh-b")
    ]
    balancer = load_balancer(servers, deploy_folder, check_interval="60s", name="haproxy-fresh")
    yield servers, balancer
    balancer.stop()
    for server in servers:
        server.stop()


def workers_of(servers) -> dict[int, str]:
    """Each numbered request's worker, from the servers' access logs: {request: "server pid"}."""
    served = {}
    for server in servers:
        for pid, number in re.findall(r"pid=<(\d+)> request=(\d+) ", server.process.output()):
            served[int(number)] = f"{server.name} {pid}"
    return served


def test_a_whole_flow_through_the_balancer_with_a_fresh_worker_for_every_request(
    deployment, fresh_workers, person
):
    require_deployment()
    servers, balancer = fresh_workers
    site = balancer.url
    lancashire = get_force("Lancashire")
    sam = person(username="sam", force=lancashire)
    sam.user_permissions.add(Permission.objects.get(codename="import_report"))
    action = make_action(force=lancashire, owner=sam)
    data = evidence_pdf()
    browser = Browser()

    browser.sign_in(site, "sam")
    add_note(browser, site, action.pk, "Minutes of the custody review.", data)  # form, CSRF
    [link] = evidence_links(browser.get(f"{site}/actions/{action.pk}/"))
    download = browser.get(site + link)
    preview_url, preview = import_spreadsheet(browser, site, findings_workbook("CA 1", "CA 2"))
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    waiting = {key for key in deployment.store.keys() if token in key}  # noqa: SIM118
    done = confirm_import(browser, site, preview_url, preview)
    landed = browser.follow(done)

    assert download.body == data
    assert "<strong>2</strong> new" in preview.html
    assert waiting == {f"spreadsheet-imports/{token}", f"spreadsheet-imports/{token}.json"}
    assert "Imported findings.xlsx: 2 new, 0 updated, 0 unchanged; 1 new report." in landed.text
    assert set(Action.objects.values_list("reference", flat=True)) >= {"CA 1", "CA 2"}
    left = [key for key in deployment.store.keys() if token in key]  # noqa: SIM118
    assert left == []  # gone once imported
    assert files_under(deployment.media_root) == []
    # haproxy sent the requests to one server, then the other, in turn …
    served_by = [response.served_by for response in browser.history]
    assert set(served_by) == {"fresh-a", "fresh-b"}
    assert all(one != the_next for one, the_next in zip(served_by, served_by[1:], strict=False)), (
        served_by
    )
    # … and each request was its worker's first and last.
    workers = workers_of(servers)
    assert sorted(workers) == list(range(1, len(browser.history) + 1)), workers
    assert len(set(workers.values())) == len(browser.history), workers
    assert [workers[n].split()[0] for n in sorted(workers)] == served_by
