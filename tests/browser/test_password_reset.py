"""A forgotten password, reset from the sign-in page by email, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a-brand-new-long-passphrase"


def test_a_user_resets_a_forgotten_password_and_signs_in(
    tab, live_server, settings, mailoutbox, console_errors
):
    settings.PASSWORD_RESET_ENABLED = True
    factories.make_user(username="staff", email="sam.okafor@lancashire.police.uk")
    base = live_server.url

    tab.goto(f"{base}/accounts/login/")
    check_page(tab, "password-reset-0-sign-in")
    tab.get_by_role("link", name="Forgotten your password?").click()
    expect(tab.get_by_role("heading", name="Reset your password")).to_be_visible()
    check_page(tab, "password-reset-1-request")
    tab.get_by_label("Email").fill("sam.okafor@lancashire.police.uk")
    tab.get_by_role("button", name="Send the link").click()
    expect(tab.get_by_role("heading", name="Check your email")).to_be_visible()
    check_page(tab, "password-reset-2-sent")

    [message] = mailoutbox
    link = re.search(r"http://\S+/accounts/reset/\S+/", message.body).group(0)
    tab.goto(link)
    expect(tab.get_by_role("heading", name="Choose a new password")).to_be_visible()
    check_page(tab, "password-reset-3-choose")
    tab.get_by_label("New password*", exact=True).fill(NEW_PASSWORD)
    tab.get_by_label("New password confirmation*", exact=True).fill(NEW_PASSWORD)
    tab.get_by_role("button", name="Set my password").click()
    expect(tab.get_by_role("heading", name="Password set")).to_be_visible()
    check_page(tab, "password-reset-4-done")

    tab.get_by_role("link", name="Sign in").click()
    tab.get_by_label("Username").fill("staff")
    tab.get_by_label("Password").fill(NEW_PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("heading", name="Dashboard")).to_be_visible()
    assert console_errors == []
