"""The two-stage sign-off in a real browser (issue 15, point 2): the owner adds an impact note
and submits; the force lead assures it, with a note; an inspector closes it, once the force's
sustained-improvement period since its first impact note has passed."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import check_page, screenshot
from tests.browser.test_journeys import sign_in, sign_out
from tracker.dates import day_month_year
from tracker.models import Action, EvidenceNote, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERIOD = 30
PHONE = {"width": 390, "height": 844}


def change_status(page, move: str, reason: str = "") -> None:
    page.get_by_label(re.compile(re.escape(move))).check()
    if reason:
        page.locator("#id_move-reason").fill(reason)
    page.get_by_role("button", name="Change status").click()


def test_owner_submits_the_lead_assures_and_the_inspector_closes_after_the_period(
    tab, live_server, lancashire, console_errors
):
    base = live_server.url
    action = lancashire["actions"][0]  # Sam Okafor's, not started
    force = action.force
    force.sustained_improvement_days = PERIOD
    force.save(update_fields=["sustained_improvement_days"])
    url = f"{base}/actions/{action.pk}/"

    # The owner: an impact note, start work, submit.
    sign_in(tab, base, "staff", lancashire["password"])
    tab.goto(url)
    expect(tab.locator(".closable-note")).to_contain_text("it needs an impact note first")
    tab.get_by_label("Impact (outcome)").check()
    tab.get_by_role("textbox", name="Evidence").fill("Repeat calls in Preston down 12%.")
    tab.get_by_role("button", name="Add note").click()
    expect(tab.get_by_role("status")).to_have_text("Evidence note added.")
    change_status(tab, "Start work")
    expect(tab.get_by_role("status")).to_have_text("Status changed.")
    change_status(tab, "Submit for review")
    expect(tab.locator("h1 ~ .badge-status")).to_have_text("Submitted for review")
    expect(tab.get_by_label(re.compile("Assure"))).to_have_count(0)  # not the owner's
    sign_out(tab)

    # The force lead: waiting for their assurance, assured with a note.
    sign_in(tab, base, "lead", lancashire["password"])
    panel = tab.locator(
        "section", has=tab.get_by_role("heading", name="Waiting for your assurance")
    )
    panel.get_by_role("link", name=re.compile("robust and structured process")).click()
    expect(tab).to_have_url(url)
    expect(tab.get_by_label("Reason, or assurance note")).to_be_visible()
    change_status(
        tab,
        "Assure — ready for the inspectorate",
        "Checked the Preston figures against the force's performance data.",
    )
    expect(tab.locator("h1 ~ .badge-status")).to_have_text("Assured — ready for the inspectorate")
    expect(tab.locator(".assured")).to_contain_text("by Jo Reid: ready for the inspectorate")
    check_page(tab, "two-stage-01-assured-by-the-lead")
    sign_out(tab)

    # The inspector: it waits for their review, and cannot be closed before the period ends.
    sign_in(tab, base, "inspector", lancashire["password"])
    tab.goto(f"{base}/?force=lancashire")
    review = tab.locator("section", has=tab.get_by_role("heading", name="Waiting for your review"))
    expect(review.get_by_role("link", name=re.compile("robust and structured"))).to_be_visible()
    tab.goto(url)
    first_impact = timezone.localdate()
    closable = day_month_year(first_impact + datetime.timedelta(days=PERIOD))
    expect(tab.locator(".closable-note")).to_have_text(
        f"Can be closed from {closable} (the force's {PERIOD}-day sustained-improvement "
        "period from its first impact note)."
    )
    check_page(tab, "two-stage-02-assured-inspector")
    change_status(tab, "Close — evidence accepted", "Impact evidenced.")
    expect(tab.locator("#move-form")).to_contain_text(f"It can be closed from {closable}")
    action.refresh_from_db()
    assert action.status == Status.ASSURED

    # The same page, on a phone.
    phone = tab.context.browser.new_context(viewport=PHONE, locale="en-GB")
    phone_tab = phone.new_page()
    sign_in(phone_tab, base, "inspector", lancashire["password"])
    phone_tab.goto(url)
    expect(phone_tab.locator(".closable-note")).to_be_visible()
    wide = phone_tab.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], wide
    screenshot(phone_tab, "two-stage-03-assured-390px")
    phone.close()

    # An impact note recorded long enough ago: the period has passed, and the close is taken.
    EvidenceNote.objects.create(
        action=action,
        author=lancashire["staff"],
        kind=EvidenceNote.Kind.IMPACT,
        body="The 2025 figures: repeat calls still down.",
        created_at=timezone.now() - datetime.timedelta(days=PERIOD + 1),
    )
    tab.goto(url)
    expect(tab.locator(".closable-note")).to_contain_text(
        day_month_year(first_impact - datetime.timedelta(days=1))
    )
    change_status(tab, "Close — evidence accepted", "Impact sustained over the period.")
    expect(tab.locator("h1 ~ .badge-status")).to_have_text("Closed — evidence accepted")
    check_page(tab, "two-stage-04-closed")
    action = Action.objects.get(pk=action.pk)
    assert (action.status, action.assured_by, action.closed_by) == (
        Status.CLOSED,
        lancashire["lead"],
        lancashire["inspector"],
    )
    assert console_errors == []
