"""A save that fails is never silent: an htmx form whose request answers 503, 500 or nothing at
all says so above the form, keeps what was typed, and the message goes once a save works
(static/tracker/js/tracker.js, the <template>s at the end of templates/base.html).

The 503 is the server's own: for that one request the live server's database connection is
swapped for one to a database that does not exist (as tests/test_outage.py does), so the
answer comes from tracker/outage.py. The network failure is Playwright's `route.abort()`.
"""

from __future__ import annotations

import contextlib
import re
import threading

import pytest
from django.core.signals import request_finished, request_started
from django.db import connection
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, screenshot
from tests.browser.test_journeys import sign_in
from tests.test_outage import database_unreachable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
NOTE = "Dip sample of 40 crime files: 38 allocated to a trained investigator."
UNAVAILABLE = (
    "The service is briefly unavailable. Nothing was saved: what you typed is still here. "
    "Try again in a minute."
)
# What the browser and htmx log for a request that failed on purpose here.
FAILED_ON_PURPOSE = re.compile(
    r"status of 50[03]|net::ERR_INTERNET_DISCONNECTED|Response Status Error Code 50[03]"
    r"|^\S+: htmx:(afterRequest|sendError), \[object HTMLDivElement\]"
)


@contextlib.contextmanager
def database_down_for(method: str, path: str, tmp_path):
    """While this runs, the live server's requests for `method path` find no database.

    The request's thread has its default connection swapped when the request starts, and given
    back when it ends; every other request, and this test's own queries, reach the database.
    """
    local = threading.local()

    def down(sender, environ, **kwargs):
        if environ["REQUEST_METHOD"] == method and environ["PATH_INFO"] == path:
            local.outage = contextlib.ExitStack()
            local.outage.enter_context(database_unreachable(tmp_path))

    def up(sender, **kwargs):
        outage = getattr(local, "outage", None)
        if outage is not None:
            local.outage = None
            outage.close()

    request_started.connect(down, dispatch_uid="test-failed-save-down")
    request_finished.connect(up, dispatch_uid="test-failed-save-up")
    try:
        yield
    finally:
        request_started.disconnect(dispatch_uid="test-failed-save-down")
        request_finished.disconnect(dispatch_uid="test-failed-save-up")


def unexpected(console_errors: list[str]) -> list[str]:
    """The page's console errors, less the failed requests these tests cause on purpose."""
    return [error for error in console_errors if not FAILED_ON_PURPOSE.search(error)]


def open_action(tab, live_server, lancashire):
    action = lancashire["actions"][0]
    sign_in(tab, live_server.url, "staff", lancashire["password"])
    tab.goto(f"{live_server.url}/actions/{action.pk}/")
    return action


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the live server's per-request swap of its connection leaks into the test's thread "
    "on PostgreSQL; the 503 itself is tested there by tests/test_outage.py and tests/faults/",
)
def test_a_note_sent_while_the_database_is_down_says_so_and_keeps_the_text(
    tab, live_server, lancashire, tmp_path, console_errors
):
    action = open_action(tab, live_server, lancashire)
    note_form = tab.locator("#note-form")
    evidence = tab.get_by_role("textbox", name="Evidence")
    evidence.fill(NOTE)
    answers = []
    tab.on("response", lambda r: answers.append((r.request.method, r.status)))

    with database_down_for("POST", f"/actions/{action.pk}/note/", tmp_path):
        tab.get_by_role("button", name="Add note").click()
        alert = note_form.get_by_role("alert")
        expect(alert).to_have_text(UNAVAILABLE)
    assert ("POST", 503) in answers
    expect(alert).to_be_visible()
    expect(alert).to_be_focused()
    expect(evidence).to_have_value(NOTE)
    assert not action.notes.filter(body=NOTE).exists()
    screenshot(tab, "failed-save-01-unavailable")
    assert axe_violations(tab) == []

    # Sent again while it is still down: one message, not two.
    with database_down_for("POST", f"/actions/{action.pk}/note/", tmp_path):
        tab.get_by_role("button", name="Add note").click()
        expect(tab.get_by_role("alert")).to_have_count(1)
        expect(alert).to_have_text(UNAVAILABLE)
    expect(evidence).to_have_value(NOTE)

    # The database back: the same form saves, and the message goes.
    tab.get_by_role("button", name="Add note").click()
    expect(tab.get_by_role("status")).to_have_text("Evidence note added.")
    expect(tab.locator(".request-failed")).to_have_count(0)
    expect(tab.locator(".timeline-note").first).to_contain_text(NOTE)
    assert action.notes.filter(body=NOTE).count() == 1
    assert unexpected(console_errors) == []


def test_a_note_that_cannot_reach_the_server_says_so_on_a_phone_and_keeps_the_text(
    tab, live_server, lancashire, console_errors
):
    tab.set_viewport_size(PHONE)
    action = open_action(tab, live_server, lancashire)
    note_url = f"{live_server.url}/actions/{action.pk}/note/"
    evidence = tab.get_by_role("textbox", name="Evidence")
    evidence.fill(NOTE)
    tab.route(note_url, lambda route: route.abort("internetdisconnected"))

    tab.get_by_role("button", name="Add note").click()
    alert = tab.locator("#note-form").get_by_role("alert")
    expect(alert).to_contain_text("Could not reach the server")
    expect(alert).to_contain_text("What you typed is still here")
    expect(alert).to_be_in_viewport()
    expect(evidence).to_have_value(NOTE)
    box = alert.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    screenshot(tab, "failed-save-02-network-phone")
    assert axe_violations(tab) == []

    tab.unroute(note_url)
    tab.get_by_role("button", name="Add note").click()
    expect(tab.get_by_role("status")).to_have_text("Evidence note added.")
    expect(tab.locator(".request-failed")).to_have_count(0)
    assert action.notes.filter(body=NOTE).count() == 1
    assert unexpected(console_errors) == []


def test_another_server_error_says_the_change_may_not_be_saved(
    tab, live_server, lancashire, console_errors
):
    action = open_action(tab, live_server, lancashire)
    due_url = f"{live_server.url}/actions/{action.pk}/due/"
    tab.route(due_url, lambda route: route.fulfill(status=500, body="<h1>Server error</h1>"))
    due_form = tab.locator("#due-form")
    due_form.get_by_role("button").click()
    alert = due_form.get_by_role("alert")
    expect(alert).to_contain_text("Something went wrong;")
    expect(tab.locator(".request-failed")).to_have_count(1)
    # Another form's success takes it away with the page it was on.
    tab.unroute(due_url)
    tab.locator("#note-form").get_by_role("textbox", name="Evidence").fill(NOTE)
    tab.get_by_role("button", name="Add note").click()
    expect(tab.get_by_role("status")).to_have_text("Evidence note added.")
    expect(tab.locator(".request-failed")).to_have_count(0)
    assert unexpected(console_errors) == []


def test_a_filter_the_server_cannot_answer_says_so_and_leaves_focus_on_the_control(
    tab, live_server, lancashire, console_errors
):
    sign_in(tab, live_server.url, "staff", lancashire["password"])
    tab.goto(f"{live_server.url}/actions/")
    expect(tab.locator("#result-count")).to_contain_text("7 actions")
    list_url = re.compile(r"/actions/\?")
    tab.route(list_url, lambda route: route.fulfill(status=503, body="Service unavailable"))
    returned_only = tab.get_by_label("Returned only")
    returned_only.check()
    alert = tab.locator(".filters").get_by_role("alert")
    expect(alert).to_contain_text("The page could not be updated.")
    expect(returned_only).to_be_focused()
    expect(tab.locator("#result-count")).to_contain_text("7 actions")

    tab.unroute(list_url)
    tab.get_by_role("button", name="Apply filters").click()
    expect(tab.locator("#result-count")).to_contain_text("No actions match these filters.")
    expect(tab.locator(".request-failed")).to_have_count(0)
    assert unexpected(console_errors) == []
