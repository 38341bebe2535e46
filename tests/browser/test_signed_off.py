"""A signed-off action, as force staff see it: the notice, and no forms (issue 11, point 1)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page
from tests.browser.test_journeys import sign_in
from tracker.models import Action, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_see_a_closed_action_is_signed_off_and_are_offered_no_forms(
    tab, live_server, lancashire, console_errors
):
    closed = Action.objects.get(status=Status.CLOSED)
    sign_in(tab, live_server.url, "staff", lancashire["password"])
    tab.goto(f"{live_server.url}/actions/{closed.pk}/")

    notice = tab.get_by_role("status").filter(has_text="Signed off.")
    expect(notice).to_contain_text("This action was closed by Alex Morgan on")
    expect(notice).to_contain_text("unless an inspector reopens it")
    expect(tab.locator("#page form")).to_have_count(0)
    expect(tab.get_by_role("button", name="Add note")).to_have_count(0)
    check_page(tab, "50-action-signed-off")

    tab.set_viewport_size({"width": 390, "height": 844})
    tab.reload()
    expect(notice).to_be_visible()
    expect(tab.locator("#page form")).to_have_count(0)
    check_page(tab, "51-action-signed-off-390px")
    assert console_errors == []
