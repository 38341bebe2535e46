"""Returned actions stand out, and a phone (390 × 844) reads the report, the action and the
list without overlaps or sideways scrolling; each page is scanned by axe and photographed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page
from tests.browser.test_journeys import sign_in
from tracker.models import Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
REASON = "The dip sample covers one district only; add the other two."

# The box a cell's content takes (its text may overflow the cell itself).
CONTENT_BOX = """cell => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const r = range.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
}"""


def overlap(a: dict, b: dict) -> bool:
    across = a["left"] < b["right"] and b["left"] < a["right"]
    down = a["top"] < b["bottom"] and b["top"] < a["bottom"]
    return across and down


@pytest.fixture
def returned(lancashire):
    """The submitted action, assured by the force lead and returned to the force by the
    inspector with a reason."""
    action = next(a for a in lancashire["actions"] if a.status == Status.SUBMITTED)
    action.move_to(Status.ASSURED, by=lancashire["lead"], reason="Ready for the inspectorate.")
    action.move_to(Status.IN_PROGRESS, by=lancashire["inspector"], reason=REASON)
    return action


def test_a_returned_action_stands_out_in_the_list_and_on_its_page(
    tab, live_server, lancashire, returned, console_errors
):
    base = live_server.url
    sign_in(tab, base, "staff", lancashire["password"])
    expect(tab.locator("#mine-heading ~ ul .badge-returned")).to_have_text("Returned")

    tab.goto(f"{base}/actions/")
    row = tab.locator("tbody tr", has=tab.locator(f'a[href="/actions/{returned.pk}/"]'))
    expect(row.locator(".badge-returned")).to_have_text("Returned")
    expect(tab.locator("tbody .badge-returned")).to_have_count(1)
    tab.get_by_label("Returned only").check()
    expect(tab.locator("#result-count")).to_contain_text("1 action")
    expect(tab).to_have_url(re.compile(r"returned=1"))
    check_page(tab, "ui-01-action-list-returned-only")

    tab.locator(f'a[href="/actions/{returned.pk}/"]').click()
    banner = tab.locator(".returned-banner")
    expect(banner.get_by_role("heading", name="Returned for more work")).to_be_visible()
    expect(banner).to_contain_text("Returned by Alex Morgan on")
    expect(banner).to_contain_text(f"Reason: {REASON}")
    check_page(tab, "ui-02-action-returned")

    # Submitting again ends it.
    tab.get_by_label("Submit for review").check()
    tab.get_by_role("button", name="Change status").click()
    expect(tab.locator("h1 ~ .badge-status")).to_have_text("Submitted for review")
    expect(tab.locator(".returned-banner")).to_have_count(0)
    assert console_errors == []


@pytest.fixture
def phone(tab, live_server, lancashire):
    """The tab at 390 × 844, signed in as staff."""
    tab.set_viewport_size(PHONE)
    sign_in(tab, live_server.url, "staff", lancashire["password"])
    return tab


def test_on_a_phone_the_reports_badges_do_not_cover_its_dates(
    phone, live_server, lancashire, console_errors
):
    phone.goto(f"{live_server.url}{lancashire['inspection'].get_absolute_url()}")
    rows = phone.locator(".report-actions tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() == 7
    check_page(phone, "ui-03-phone-report")
    for i in range(rows.count()):
        badge = rows.nth(i).locator(".badge-status").evaluate(CONTENT_BOX)
        due = rows.nth(i).locator("td").last.evaluate(CONTENT_BOX)
        assert not overlap(badge, due), (i, badge, due)
        assert due["right"] <= PHONE["width"], (i, due)
    assert console_errors == []


def test_on_a_phone_the_action_pages_forms_come_before_its_timeline(
    phone, live_server, returned, console_errors
):
    phone.goto(f"{live_server.url}{returned.get_absolute_url()}")
    check_page(phone, "ui-04-phone-action")
    timeline_top = phone.locator("#timeline-heading").bounding_box()["y"]
    forms = phone.locator("section.action-form")
    # Note, move, due date, blocked, reference: the owner form is the force lead's (staff no
    # longer give owners).
    assert forms.count() == 5
    for i in range(forms.count()):
        assert forms.nth(i).bounding_box()["y"] < timeline_top, i
    assert console_errors == []


def test_on_a_phone_the_list_shows_status_and_due_date_without_sideways_scrolling(
    phone, live_server, console_errors
):
    phone.goto(f"{live_server.url}/actions/")
    expect(phone.locator("#result-count")).to_contain_text("7 actions")
    check_page(phone, "ui-05-phone-action-list")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    table = phone.locator(".action-table")
    assert table.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")
    for i in range(7):
        row = table.locator("tbody tr").nth(i)
        for cell in (row.locator(".badge-status"), row.locator("td").nth(5)):
            expect(cell).to_be_visible()
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (i, box)
    assert console_errors == []
