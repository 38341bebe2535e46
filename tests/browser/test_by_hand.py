"""Force staff add a report by hand, an area of it and a finding with an owner, on a phone
(390 × 844), and find the finding in the action list (issue 14)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_page
from tests.browser.test_journeys import sign_in
from tracker.models import Action, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
FINDING = "The force should check that every detainee's risk assessment is reviewed at each shift."


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_staff_add_a_report_an_area_and_a_finding_by_hand_on_a_phone(
    tab, live_server, force, console_errors
):
    adder = factories.make_user(username="adder", force=force, first_name="Sam", last_name="Okafor")
    adder.user_permissions.add(Permission.objects.get(codename="import_report"))
    factories.make_user(username="priya", force=force, first_name="Priya", last_name="Shah")
    base = live_server.url
    tab.set_viewport_size(PHONE)
    sign_in(tab, base, "adder", factories.PASSWORD)

    tab.goto(f"{base}/inspections/")
    tab.get_by_role("link", name="Add a report by hand").click()
    expect(tab.get_by_role("heading", name=re.compile("Add a report by hand"))).to_be_visible()
    # Sent empty: the summary says what is wrong, and has the focus.
    tab.get_by_role("button", name="Add the report").click()
    expect(tab.locator("#error-summary")).to_be_focused()
    expect(tab.locator("#error-summary")).to_contain_text("Publication date: Give the date")
    check_page(tab, "by-hand-01-report-refused-phone")
    tab.get_by_label("Source").fill("Internal audit")
    tab.get_by_label("Title").fill("Custody audit 2026")
    tab.get_by_label("Publication date").fill("2026-02-10")
    tab.get_by_role("button", name="Add the report").click()
    expect(tab.get_by_role("status")).to_have_text("Report added. Now add its areas or questions.")
    expect(tab.locator(".report-source")).to_have_text("Internal audit")
    check_page(tab, "by-hand-02-report-phone")

    tab.get_by_role("link", name="Add an area or question").first.click()
    tab.get_by_label("Name or text").fill("Custody")
    tab.get_by_label("Grade (optional)").select_option(label="Requires improvement")
    check_page(tab, "by-hand-03-area-form-phone")
    tab.get_by_role("button", name="Add it").click()
    expect(tab.get_by_role("status")).to_have_text("Area 1 added.")

    tab.get_by_role("link", name="Add a finding under Area 1").click()
    tab.get_by_role("textbox", name="Finding").fill(FINDING)
    tab.get_by_label("Your reference").fill("CA 1")
    tab.get_by_label("Owner").select_option(label="Priya Shah")
    due = timezone.localdate() + datetime.timedelta(days=90)
    tab.get_by_label("Due date").fill(due.isoformat())
    tab.get_by_label("In progress").check()
    check_page(tab, "by-hand-04-finding-form-phone")
    assert fits_the_phone(tab)
    tab.get_by_role("button", name="Add the finding").click()
    expect(tab.get_by_role("status")).to_contain_text("Finding added as action")
    expect(tab.locator(".report-actions")).to_contain_text("Priya Shah")

    tab.goto(f"{base}/actions/")
    expect(tab.locator("#result-count")).to_contain_text("1 action")
    check_page(tab, "by-hand-05-action-list-phone")
    assert fits_the_phone(tab)
    tab.get_by_role("link", name=re.compile("every detainee's risk assessment")).click()
    expect(tab.locator(".added")).to_contain_text("Added by Sam Okafor on")
    expect(tab.locator(".timeline")).to_contain_text("Sam Okafor added this action by hand")
    check_page(tab, "by-hand-06-action-phone")

    action = Action.objects.get()
    assert (action.owner.username, action.status, action.reference) == (
        "priya",
        Status.IN_PROGRESS,
        "CA 1",
    )
    assert action.created_by == adder
    assert console_errors == []
