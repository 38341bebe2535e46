"""A closed action is signed off, and a superseded one needs no work: neither takes a change
until an inspector reopens or reinstates it (issue 11, point 1)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from tests.factories import make_action
from tests.reports import SAMPLE
from tracker.models import Action, ActionEvent, EvidenceNote, Status
from tracker.reports.load import load_report
from tracker.reports.parse import parse_report
from tracker.workflow import TransitionError

NEXT_MONTH = timezone.localdate() + datetime.timedelta(days=30)


def closed_action(force, staff, lead, inspector) -> Action:
    """An action its owner (staff) submitted with evidence, the force lead assured and an
    inspector signed off."""
    action = make_action(force=force, owner=staff)
    action.move_to(Status.IN_PROGRESS, by=staff)
    action.add_note("Supervision policy rewritten.", by=staff)
    action.move_to(Status.SUBMITTED, by=staff)
    action.move_to(Status.ASSURED, by=lead, reason="Ready for the inspectorate.")
    action.move_to(Status.CLOSED, by=inspector, reason="Evidence accepted.")
    return action


def superseded_action(force, staff, lead, inspector) -> Action:
    action = make_action(force=force, owner=staff)
    action.move_to(Status.IN_PROGRESS, by=staff)
    action.move_to(Status.SUPERSEDED, by=inspector, reason="Replaced by the 2025 report.")
    return action


@pytest.fixture(params=["closed", "superseded"])
def done_action(request, force, staff, lead, inspector) -> Action:
    make = closed_action if request.param == "closed" else superseded_action
    return make(force, staff, lead, inspector)


def snapshot(action: Action) -> tuple:
    """What a change would alter: the row and its audit trail."""
    row = Action.objects.filter(pk=action.pk).values().get()
    return row, action.events.count(), EvidenceNote.objects.filter(action=action).count()


# The model -----------------------------------------------------------------------------------


def test_a_closed_action_refuses_every_change_and_says_who_signed_it_off(
    force, staff, lead, colleague, inspector
):
    inspector.first_name, inspector.last_name = "Ida", "Inspector"
    inspector.save()
    action = closed_action(force, staff, lead, inspector)
    before = snapshot(action)
    changes = [
        lambda: action.assign(colleague, by=lead),
        lambda: action.set_due_date(NEXT_MONTH, by=staff),
        lambda: action.set_blocked("Waiting on the Home Office", by=staff),
        lambda: action.add_note("More evidence.", by=staff),
        lambda: action.assign(colleague, by=inspector),
    ]
    today = timezone.localdate()
    for change in changes:
        with pytest.raises(TransitionError) as refused:
            change()
        assert str(refused.value) == (
            f"This action is closed: it was signed off by Ida Inspector on "
            f"{today.day} {today:%b} {today.year}. "
            "An inspector must reopen it before it can change."
        )
    assert snapshot(action) == before


def test_a_superseded_action_refuses_every_change(force, staff, lead, colleague, inspector):
    action = superseded_action(force, staff, lead, inspector)
    before = snapshot(action)
    for change in (
        lambda: action.assign(colleague, by=lead),
        lambda: action.set_due_date(NEXT_MONTH, by=staff),
        lambda: action.set_blocked("Waiting on the Home Office", by=staff),
        lambda: action.add_note("More evidence.", by=staff),
        lambda: action.retire("Gone again.", via="import"),
    ):
        with pytest.raises(TransitionError, match="superseded.*must reinstate it"):
            change()
    assert snapshot(action) == before


def test_once_reopened_staff_can_change_it_again(force, staff, lead, colleague, inspector):
    action = closed_action(force, staff, lead, inspector)
    action.move_to(Status.IN_PROGRESS, by=inspector, reason="The impact is not shown yet.")
    action.set_due_date(NEXT_MONTH, by=staff)
    action.add_note("Impact survey attached.", by=staff)
    action.assign(colleague, by=lead)
    action.refresh_from_db()
    assert action.owner == colleague and action.due_date == NEXT_MONTH


@pytest.mark.parametrize("before", [Status.NOT_STARTED, Status.IN_PROGRESS, Status.SUBMITTED])
def test_an_inspector_reinstates_a_superseded_action_to_the_status_it_had(
    before, force, staff, inspector
):
    action = make_action(force=force)
    Action.objects.filter(pk=action.pk).update(status=before)
    action.refresh_from_db()
    action.move_to(Status.SUPERSEDED, by=inspector, reason="Wrong row.")

    action.move_to(before, by=inspector, reason="Superseded by mistake.")

    action.refresh_from_db()
    assert action.status == before
    event = action.events.filter(kind=ActionEvent.Kind.STATUS).first()
    assert (event.old_value, event.new_value) == ("Superseded", Status(before).label)
    assert event.reason == "Superseded by mistake." and event.by == inspector


def test_reinstating_needs_a_reason_and_goes_only_to_the_status_it_had(
    force, staff, lead, inspector
):
    action = superseded_action(force, staff, lead, inspector)  # it was in progress
    with pytest.raises(TransitionError, match="Give a reason to reinstate"):
        action.move_to(Status.IN_PROGRESS, by=inspector, reason=" ")
    with pytest.raises(TransitionError, match="only be reinstated to “In progress”"):
        action.move_to(Status.NOT_STARTED, by=inspector, reason="Back to the start.")
    assert Action.objects.get(pk=action.pk).status == Status.SUPERSEDED


def test_staff_cannot_reinstate(force, staff, lead, inspector):
    action = superseded_action(force, staff, lead, inspector)
    with pytest.raises(TransitionError, match="Only inspector may reinstate"):
        action.move_to(Status.IN_PROGRESS, by=staff, reason="We still work on it.")
    assert Action.objects.get(pk=action.pk).status == Status.SUPERSEDED


# The action page -----------------------------------------------------------------------------

CHANGES = {
    "due": {"due-due_date": NEXT_MONTH.isoformat(), "due-reason": "Revised plan"},
    "blocked": {"blocked-blocked_reason": "Waiting on the Home Office"},
    "owner": {"owner-owner": "colleague"},
    "note": {"note-kind": "progress", "note-body": "One more note."},
}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("form", CHANGES)
def test_force_changes_to_a_done_action_are_refused_and_nothing_is_saved(
    client, staff, lead, colleague, done_action, form, htmx
):
    """The owner's changes, and the lead's new owner (only a lead or an inspector assigns)."""
    data = dict(CHANGES[form])
    if form == "owner":
        data["owner-owner"] = colleague.pk
    data[f"{form}-version"] = done_action.version
    before = snapshot(done_action)
    client.force_login(lead if form == "owner" else staff)

    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(f"/actions/{done_action.pk}/{form}/", data, headers=headers)

    assert response.status_code == 409
    page = response.content.decode()
    assert "Not saved. This action is" in page
    assert "must reopen it" in page or "must reinstate it" in page
    assert snapshot(done_action) == before


def test_a_closed_action_page_says_it_is_signed_off_and_offers_no_forms(
    client, force, staff, lead, inspector
):
    inspector.first_name, inspector.last_name = "Ida", "Inspector"
    inspector.save()
    action = closed_action(force, staff, lead, inspector)
    client.force_login(staff)
    page = client.get(f"/actions/{action.pk}/").content.decode()
    notice = page[page.index('id="signed-off"') :]
    assert "Signed off." in notice
    assert f"closed by Ida Inspector on {timezone.localdate():%-d %B %Y}" in notice
    assert "<form" not in page[page.index('id="page"') :]
    assert "Only an inspector can reopen it." in page


def test_a_superseded_action_page_says_so_and_offers_no_forms(
    client, force, staff, lead, inspector
):
    action = superseded_action(force, staff, lead, inspector)
    client.force_login(staff)
    page = client.get(f"/actions/{action.pk}/").content.decode()
    notice = page[page.index('id="signed-off"') :]
    assert "Superseded." in notice and "(Replaced by the 2025 report.)" in notice
    assert "<form" not in page[page.index('id="page"') :]


def test_an_inspector_is_offered_only_the_reopen_move_on_a_closed_action(
    client, force, staff, lead, inspector
):
    action = closed_action(force, staff, lead, inspector)
    client.force_login(inspector)
    page = client.get(f"/actions/{action.pk}/").content.decode()
    assert page.count("<form", page.index('id="page"')) == 1
    assert "Reopen (reason needed)" in page
    for form in ("note", "owner", "due", "blocked"):
        assert f'id="{form}-form"' not in page


def test_an_inspector_reinstates_from_the_action_page(client, force, staff, lead, inspector):
    action = superseded_action(force, staff, lead, inspector)
    client.force_login(inspector)
    page = client.get(f"/actions/{action.pk}/").content.decode()
    assert "Reinstate (reason needed)" in page
    assert 'value="in_progress"' in page and 'value="not_started"' not in page

    response = client.post(
        f"/actions/{action.pk}/move/",
        {"move-target": "in_progress", "move-reason": "Superseded by mistake.", "move-version": 3},
    )

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == Status.IN_PROGRESS
    assert action.events.first().reason == "Superseded by mistake."


def test_staff_are_not_offered_reinstate_and_cannot_post_it(client, force, staff, lead, inspector):
    action = superseded_action(force, staff, lead, inspector)
    client.force_login(staff)
    assert "Reinstate" not in client.get(f"/actions/{action.pk}/").content.decode()
    response = client.post(
        f"/actions/{action.pk}/move/",
        {"move-target": "in_progress", "move-reason": "Still working.", "move-version": 3},
    )
    assert response.status_code == 400
    assert Action.objects.get(pk=action.pk).status == Status.SUPERSEDED


def test_after_a_reopen_staff_are_offered_the_forms_again(client, force, staff, lead, inspector):
    action = closed_action(force, staff, lead, inspector)
    action.move_to(Status.IN_PROGRESS, by=inspector, reason="Impact not shown.")
    client.force_login(staff)
    page = client.get(f"/actions/{action.pk}/").content.decode()
    assert 'id="signed-off"' not in page
    response = client.post(
        f"/actions/{action.pk}/blocked/",
        {"blocked-blocked_reason": "Waiting on the CPS", "blocked-version": action.version},
    )
    assert response.status_code == 302
    assert Action.objects.get(pk=action.pk).blocked_reason == "Waiting on the CPS"


# The admin -----------------------------------------------------------------------------------

ADMIN = "/admin/tracker/action/"


def admin_form(page) -> dict:
    """What the browser sends back: the hidden inputs (version, inline management forms)."""
    html = page.content.decode()
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def test_the_admin_shows_a_closed_actions_fields_read_only_but_the_reopen_move(
    client, force, staff, lead, inspector
):
    action = closed_action(force, staff, lead, inspector)
    client.force_login(inspector)
    page = client.get(f"{ADMIN}{action.pk}/change/").content.decode()
    for field in ("owner", "due_date", "blocked_reason", "confirm_past"):
        assert f'name="{field}"' not in page
    assert 'name="status"' in page and 'name="reason"' in page
    assert "Reopen → In progress" in page


def test_an_admin_change_to_a_closed_action_saves_nothing(
    client, force, staff, lead, colleague, inspector
):
    action = closed_action(force, staff, lead, inspector)
    before = snapshot(action)
    client.force_login(inspector)
    page = client.get(f"{ADMIN}{action.pk}/change/")
    client.post(
        f"{ADMIN}{action.pk}/change/",
        {
            **admin_form(page),
            "status": "closed",
            "reason": "",
            "owner": colleague.pk,
            "due_date": NEXT_MONTH.isoformat(),
            "blocked_reason": "Waiting on the Home Office",
        },
    )
    assert snapshot(action) == before


def test_an_admin_note_on_a_closed_action_is_refused_with_the_reason(
    client, force, staff, lead, inspector
):
    action = closed_action(force, staff, lead, inspector)
    before = snapshot(action)
    client.force_login(inspector)
    response = client.post(
        "/admin/tracker/evidencenote/add/",
        {"action": action.pk, "kind": "progress", "body": "Late evidence."},
    )
    assert response.status_code == 200
    assert "This action is closed: it was signed off" in response.content.decode()
    assert snapshot(action) == before


def test_an_inspector_reopens_in_the_admin_and_staff_can_edit_again(
    client, force, staff, lead, inspector
):
    action = closed_action(force, staff, lead, inspector)
    client.force_login(inspector)
    page = client.get(f"{ADMIN}{action.pk}/change/")
    response = client.post(
        f"{ADMIN}{action.pk}/change/",
        {**admin_form(page), "status": "in_progress", "reason": "Impact not shown yet."},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == Status.IN_PROGRESS and action.closed_at is None
    action.set_blocked("Waiting on the CPS", by=staff)
    assert Action.objects.get(pk=action.pk).blocked_reason == "Waiting on the CPS"


def test_an_inspector_reinstates_in_the_admin_with_a_reason(client, force, staff, lead, inspector):
    action = superseded_action(force, staff, lead, inspector)
    client.force_login(inspector)
    page = client.get(f"{ADMIN}{action.pk}/change/")
    assert "Reinstate → In progress" in page.content.decode()
    assert "Reinstate → Not started" not in page.content.decode()
    data = {**admin_form(page), "status": "in_progress"}
    refused = client.post(f"{ADMIN}{action.pk}/change/", {**data, "reason": ""})
    assert "Give a reason to reinstate." in refused.content.decode()
    response = client.post(f"{ADMIN}{action.pk}/change/", {**data, "reason": "A slip."})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == Status.IN_PROGRESS
    event = action.events.first()
    assert (event.new_value, event.reason, event.via) == ("In progress", "A slip.", "admin")


# The importer --------------------------------------------------------------------------------


def test_a_replacing_import_leaves_signed_off_and_superseded_actions_as_they_are(
    db, staff, lead, inspector
):
    text = SAMPLE.read_text(encoding="utf-8")
    load_report(parse_report(text), source_text=text)
    closed = Action.objects.get(question__number=1)
    closed.assign(staff, by=lead)
    closed.move_to(Status.IN_PROGRESS, by=staff)
    closed.add_note("Done.", by=staff)
    closed.move_to(Status.SUBMITTED, by=staff)
    closed.move_to(Status.ASSURED, by=lead, reason="Ready for the inspectorate.")
    closed.move_to(Status.CLOSED, by=inspector, reason="Evidence accepted.")
    superseded = Action.objects.get(question__number=3)
    superseded.move_to(Status.SUPERSEDED, by=inspector, reason="Merged into Q2.")
    before = [snapshot(closed), snapshot(superseded)]

    without_them = text.replace(closed.text, "A new AFI one.").replace(
        superseded.text, "A new AFI three."
    )
    load_report(parse_report(without_them), source_text=without_them, replace=True)

    assert [snapshot(closed), snapshot(superseded)] == before
    assert Action.objects.filter(text__startswith="A new AFI").count() == 2
