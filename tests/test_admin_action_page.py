"""The admin's action page: the evidence an inspector judges, and the moves it offers
(issue 11, point 11)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import make_action
from tracker.evidence import check_upload
from tracker.models import Action, Status

CHANGELIST = "/admin/tracker/action/"


def change_page(action) -> str:
    return f"{CHANGELIST}{action.pk}/change/"


def status_options(page) -> list[tuple[str, str]]:
    html = page.content.decode()
    start = html.index('name="status"')
    select = html[start : html.index("</select>", start)]
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


def pdf(name: str, extra: bytes = b"") -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + extra + b"\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


@pytest.fixture
def submitted_with_files(force, staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    action = make_action(force=force, owner=staff)
    action.move_to(Status.IN_PROGRESS, by=staff)
    action.add_note(
        "Audit of 200 case files.",
        by=staff,
        files=[check_upload(pdf("audit.pdf", b"x" * 3000)), check_upload(pdf("plan.pdf"))],
    )
    action.move_to(Status.SUBMITTED, by=staff)
    return action


def test_the_action_page_lists_each_notes_files_with_size_hash_and_link(
    client, inspector, submitted_with_files
):
    client.force_login(inspector)
    page = client.get(change_page(submitted_with_files)).content.decode()
    for stored in submitted_with_files.notes.get().files.all():
        assert f'<a href="/evidence/{stored.pk}/">{stored.original_name}</a>' in page
        assert stored.sha256 in page
    assert "(3.0\xa0KB)" in page


def test_the_action_page_costs_no_query_per_note_or_file(
    client, inspector, staff, submitted_with_files, django_assert_max_num_queries
):
    client.force_login(inspector)
    client.get(change_page(submitted_with_files))  # warm the session and the caches
    with django_assert_max_num_queries(25) as few:
        client.get(change_page(submitted_with_files))
    for n in range(10):
        submitted_with_files.add_note(
            f"Note {n}",
            by=staff,
            files=[check_upload(pdf(f"more{n}.pdf")), check_upload(pdf(f"again{n}.pdf"))],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(change_page(submitted_with_files))
    assert page.content.decode().count("SHA-256") >= 22


def test_the_status_field_offers_only_the_moves_the_workflow_allows(client, inspector, force):
    """Changed rule: an inspector closes or returns an assured action; a submitted one waits
    for its force lead, so only superseding it is the inspector's."""
    action = make_action(force=force)
    Action.objects.filter(pk=action.pk).update(status=Status.ASSURED)
    client.force_login(inspector)
    assert status_options(client.get(change_page(action))) == [
        ("assured", "Assured — ready for the inspectorate (as now)"),
        ("in_progress", "Return to the force → In progress"),
        ("closed", "Close — evidence accepted → Closed — evidence accepted"),
        ("superseded", "Supersede → Superseded"),
    ]
    Action.objects.filter(pk=action.pk).update(status=Status.SUBMITTED)
    assert status_options(client.get(change_page(action))) == [
        ("submitted", "Submitted for review (as now)"),
        ("superseded", "Supersede → Superseded"),
    ]


def test_a_status_the_workflow_does_not_offer_is_refused(client, inspector, force):
    action = make_action(force=force)
    client.force_login(inspector)
    page = client.get(change_page(action))
    assert ("submitted", "Submit for review → Submitted for review") not in status_options(page)
    response = client.post(
        change_page(action),
        {
            "status": "closed",
            "reason": "Looks done",
            "owner": "",
            "due_date": "",
            "blocked_reason": "",
            "version": action.version,
            **inline_management(page),
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Action.objects.get(pk=action.pk).status == Status.NOT_STARTED
    assert not action.events.exists()


def inline_management(page) -> dict:
    html = page.content.decode()
    return {
        name: value
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
        if name != "version"
    }
