"""Words a user reads: one phrase for a missing due date, no internal words in the timeline,
actions named by their text, one empty-filter message, a sign-out that says so, and Admin
with the site's favicon."""

from __future__ import annotations

import datetime
import re

import pytest

from tests.factories import make_action
from tracker.models import ActionEvent, Status

FAVICON = '<link rel="icon" href="/static/tracker/img/favicon.svg" type="image/svg+xml">'
AFI = "The force should make sure that crime is allocated to appropriately skilled staff."


@pytest.fixture
def undated(force, staff):
    return make_action(force=force, owner=staff, text=AFI)


def text_of(html: str) -> str:
    """The page as a reader sees it: tags gone, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("page", ["/actions/", "/actions/{pk}/", "/inspections/{inspection}/", "/"])
def test_a_missing_due_date_reads_no_due_date_on_every_page(signed_in, undated, page):
    url = page.format(pk=undated.pk, inspection=undated.question.inspection_id)
    text = text_of(signed_in.get(url).content.decode())
    assert "No due date" in text
    for other in ("None", "Not set", "not set"):
        assert other not in text


def test_the_timeline_says_who_and_how_in_a_users_words(signed_in, undated, staff):
    ActionEvent.objects.create(
        action=undated, kind="imported", new_value="Not started", via="command", by=None
    )
    undated.move_to(Status.IN_PROGRESS, by=staff, via="command")
    undated.set_due_date(datetime.date(2027, 3, 1), by=staff, via="admin")
    undated.retire("No longer in the report after re-import.")
    text = text_of(signed_in.get(f"/actions/{undated.pk}/").content.decode())
    timeline = text[text.index("Timeline") :]
    assert "The system imported this action from the report" in timeline
    assert "Sam Staff changed status from Not started to In progress (by the system)" in timeline
    assert "Sam Staff set the due date to 1 Mar 2027 (in Admin)" in timeline
    assert "The system changed status from In progress to Superseded (by the report import)" in (
        timeline
    )
    for internal in ("via command", "via import", "via admin", "The importer"):
        assert internal not in timeline


def test_recent_activity_names_the_action_by_its_text(signed_in, undated, staff):
    undated.add_note("Allocation policy rewritten.", by=staff)
    page = signed_in.get("/").content.decode()
    activity = text_of(page[page.index('id="activity-heading"') :])
    assert f"Sam Staff added a progress note: {AFI[:79].rstrip()}" in activity
    assert f"action {undated.pk}" not in activity


def test_the_empty_filter_message_appears_once(signed_in, undated):
    page = signed_in.get("/actions/?status=closed").content.decode()
    assert page.count("No actions match these filters.") == 1
    assert "Clear the filters</a> to see every action." in page


@pytest.mark.parametrize("sign_out", ["/accounts/logout/", "/admin/logout/"])
def test_signing_out_says_so(client, inspector, sign_out):
    client.force_login(inspector)
    response = client.post(sign_out, follow=True)
    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert "You have signed out." in response.content.decode()
    assert client.get("/").status_code == 302


def test_signing_in_again_does_not_repeat_it(client, staff):
    client.force_login(staff)
    client.post("/accounts/logout/", follow=True)
    client.force_login(staff)
    assert "You have signed out." not in client.get("/").content.decode()


@pytest.mark.parametrize("page", ["/admin/login/", "/admin/", "/admin/tracker/action/"])
def test_admin_pages_have_the_sites_favicon(client, inspector, page):
    if page != "/admin/login/":
        client.force_login(inspector)
    assert FAVICON in client.get(page).content.decode()
