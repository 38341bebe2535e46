"""An inspector imports a report page in the admin: the form, the preview, the actions."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, screenshot
from tests.factories import PASSWORD, make_inspector
from tests.reports import SAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_inspector_previews_a_page_and_lands_on_its_actions(tab, live_server, console_errors):
    base = _signed_in_to_the_admin(tab, live_server)

    tab.goto(f"{base}/admin/tracker/inspection/import/")
    check_page(tab, "40-admin-import-form")
    tab.get_by_label("Or paste the page").fill(SAMPLE.read_text(encoding="utf-8"))
    tab.get_by_role("button", name="Preview").click()
    expect(tab.get_by_role("heading", name="Check what will be created")).to_be_visible()
    check_page(tab, "41-admin-import-preview")
    tab.get_by_role("button", name="Confirm and import").click()
    expect(tab.get_by_text("7 results")).to_be_visible()
    screenshot(tab, "42-admin-import-done")

    tab.goto(f"{base}/admin/tracker/inspection/import/")
    tab.get_by_label("Or paste the page").fill(SAMPLE.read_text(encoding="utf-8"))
    tab.get_by_role("button", name="Preview").click()
    tab.get_by_role("button", name="Confirm and import").click()
    expect(tab.get_by_text("is already imported")).to_be_visible()
    check_page(tab, "43-admin-import-replace")
    tab.get_by_role("button", name="Replace the existing report").click()
    expect(
        tab.get_by_text("Replaced Lancashire Constabulary PEEL 2016 Effectiveness")
    ).to_be_visible()
    # axe's own <style>, refused by the CSP while it scans the admin's form, is not the page's.
    assert [error for error in console_errors if "axe.min.js" not in error] == []


def test_a_page_naming_another_force_asks_before_importing_for_the_one_picked(
    tab, live_server, console_errors
):
    base = _signed_in_to_the_admin(tab, live_server)

    tab.goto(f"{base}/admin/tracker/inspection/import/")
    page = SAMPLE.read_text(encoding="utf-8").replace("Lancashire PEEL", "Cumbria PEEL", 1)
    tab.get_by_label("Or paste the page").fill(page)
    tab.get_by_label("Force:").select_option("Lancashire")
    tab.get_by_role("button", name="Preview").click()
    confirm = tab.get_by_label(
        "Import this page for Lancashire Constabulary although it names Cumbria Constabulary"
    )
    check_page(tab, "44-admin-import-force-mismatch")
    confirm.check()
    tab.get_by_role("button", name="Preview").click()
    expect(
        tab.get_by_text("The page names Cumbria Constabulary; it will be imported for Lancashire")
    ).to_be_visible()
    check_page(tab, "45-admin-import-force-confirmed")
    assert [error for error in console_errors if "axe.min.js" not in error] == []


def _signed_in_to_the_admin(tab, live_server) -> str:
    """An inspector signed in through the admin's own sign-in page; the site's address."""
    make_inspector(username="inspector")
    base = live_server.url
    tab.goto(f"{base}/admin/login/")
    tab.get_by_label("Username").fill("inspector")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    return base
