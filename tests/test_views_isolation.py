"""Another force's action or report answers 404 — on every URL, GET and POST — never 403."""

from __future__ import annotations

import pytest

from tests.factories import make_action, make_user
from tracker.models import Status

FORMS = {
    "note": {"note-kind": "progress", "note-body": "Sneaky note"},
    "move": {"move-target": "in_progress"},
    "owner": {"owner-owner": ""},
    "due": {"due-due_date": "2030-01-01"},
    "blocked": {"blocked-blocked_reason": "Sneaky"},
}


@pytest.fixture
def theirs(other_force):
    return make_action(force=other_force, text="Kent's own area for improvement")


def test_another_forces_action_page_is_a_404(client, staff, theirs):
    client.force_login(staff)
    response = client.get(f"/actions/{theirs.pk}/")
    assert response.status_code == 404
    assert "Kent's own area" not in response.content.decode()


@pytest.mark.parametrize("form", FORMS)
def test_posting_to_another_forces_action_is_a_404_and_changes_nothing(client, staff, theirs, form):
    client.force_login(staff)
    data = {**FORMS[form], f"{form}-version": theirs.version}
    response = client.post(f"/actions/{theirs.pk}/{form}/", data)
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.version == 1
    assert not theirs.notes.exists()
    assert not theirs.events.exists()


def test_another_forces_report_is_a_404(client, staff, theirs):
    client.force_login(staff)
    assert client.get(f"/inspections/{theirs.question.inspection_id}/").status_code == 404


def test_a_missing_id_is_the_same_404(client, staff):
    client.force_login(staff)
    assert client.get("/actions/999999/").status_code == 404
    assert client.post("/actions/999999/note/", {}).status_code == 404
    assert client.get("/inspections/999999/").status_code == 404


def test_another_force_is_absent_from_list_export_dashboard_and_reports(client, staff, theirs):
    client.force_login(staff)
    for url in (
        "/",
        "/actions/",
        "/inspections/",
        f"/actions/?inspection={theirs.question.inspection_id}",
    ):
        assert "Kent" not in client.get(url).content.decode(), url
    csv = b"".join(client.get("/actions/export.csv").streaming_content).decode()
    assert "Kent" not in csv


def test_a_user_without_force_or_role_sees_404s_and_empty_pages(client, theirs):
    client.force_login(make_user(force=None))
    assert client.get(f"/actions/{theirs.pk}/").status_code == 404
    assert client.get(f"/inspections/{theirs.question.inspection_id}/").status_code == 404
    assert client.get("/").status_code == 200
    assert client.get("/actions/").context["page"].paginator.count == 0


def test_a_deactivated_users_session_no_longer_works(client, staff, action):
    client.force_login(staff)
    staff.is_active = False
    staff.save()
    response = client.get(f"/actions/{action.pk}/")
    assert response.status_code == 302


def test_inspectors_reach_every_forces_action_and_report(client, inspector, theirs):
    client.force_login(inspector)
    assert client.get(f"/actions/{theirs.pk}/").status_code == 200
    assert client.get(f"/inspections/{theirs.question.inspection_id}/").status_code == 200
    data = {"move-target": "in_progress", "move-version": theirs.version}
    assert client.post(f"/actions/{theirs.pk}/move/", data).status_code == 302
    theirs.refresh_from_db()
    assert theirs.status == Status.IN_PROGRESS
