"""A force lead invites someone on a phone; the invitee opens the e-mailed link, chooses a
password and lands signed in. Each page is scanned by axe and photographed at 390 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import AXE_SCRIPT, check_page
from tests.browser.test_journeys import sign_in
from tracker.workflow import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
NEW_PASSWORD = "a-brand-new-long-passphrase"


def test_a_lead_invites_someone_who_sets_a_password_and_is_signed_in(
    chromium, tab, live_server, settings, mailoutbox, console_errors
):
    settings.EMAIL_CONFIGURED = True
    settings.SITE_URL = live_server.url  # the e-mailed link points at this server
    force = factories.get_force("Lancashire")
    factories.make_user(
        username="lead", force=force, force_role=Role.LEAD, first_name="Lee", last_name="Lead"
    )
    factories.make_user(username="staff", force=force, first_name="Sam", last_name="Okafor")
    base = live_server.url
    tab.set_viewport_size(PHONE)
    sign_in(tab, base, "lead", factories.PASSWORD)

    tab.get_by_role("button", name="Show the menu").click()
    tab.get_by_role("link", name="People").click()
    expect(tab.get_by_role("heading", name="People of Lancashire Constabulary")).to_be_visible()
    check_page(tab, "people-1-list-phone")
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    tab.get_by_role("link", name="Invite someone").click()
    tab.get_by_label("First name").fill("Jo")
    tab.get_by_label("Last name").fill("Smith")
    tab.get_by_label("E-mail address").fill("jo.smith@lancashire.police.uk")
    tab.get_by_label("Observer").check()
    check_page(tab, "people-2-invite-phone")
    tab.get_by_role("button", name="Invite").click()
    expect(tab.get_by_role("status")).to_contain_text("Invited Jo Smith (jo.smith)")
    expect(tab.get_by_role("row", name=re.compile("Jo Smith"))).to_contain_text("Observer")
    check_page(tab, "people-3-invited-phone")
    tab.get_by_role("link", name="Jo Smith").click()
    expect(tab.get_by_role("button", name="Deactivate the account")).to_be_visible()
    check_page(tab, "people-3b-person-phone")

    [message] = mailoutbox
    link = re.search(r"http://\S+/accounts/password/\S+/", message.body).group(0)
    invitee = chromium.new_context(viewport=PHONE, locale="en-GB").new_page()
    invitee.add_init_script(path=str(AXE_SCRIPT))
    invitee.on("pageerror", lambda exc: console_errors.append(f"{invitee.url}: {exc}"))
    invitee.on(
        "console",
        lambda msg: msg.type == "error" and console_errors.append(f"{invitee.url}: {msg.text}"),
    )
    try:
        invitee.goto(link)
        expect(invitee.get_by_role("heading", name="Choose your password")).to_be_visible()
        check_page(invitee, "people-4-set-password-phone")
        invitee.get_by_label("New password*", exact=True).fill(NEW_PASSWORD)
        invitee.get_by_label("New password confirmation*", exact=True).fill(NEW_PASSWORD)
        invitee.get_by_role("button", name="Set my password and sign in").click()
        expect(invitee.get_by_role("heading", name="Dashboard")).to_be_visible()
        expect(invitee.get_by_role("status")).to_contain_text("Your password is set")
        check_page(invitee, "people-5-signed-in-phone")
        assert invitee.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        invitee.context.close()
    assert console_errors == []
