"""The action page and its forms: evidence, status, owner, due date, blocked."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

from tests.factories import make_action, make_user
from tracker.models import ActionEvent, EvidenceNote, Grade, Status

TODAY = timezone.localdate()


def url(action, form=None) -> str:
    return f"/actions/{action.pk}/{form}/" if form else f"/actions/{action.pk}/"


def post(client, action, form, version=None, **fields):
    data = {f"{form}-{name}": value for name, value in fields.items()}
    data[f"{form}-version"] = action.version if version is None else version
    return client.post(url(action, form), data)


def refreshed(action):
    action.refresh_from_db()
    return action


# The page ------------------------------------------------------------------------------------


def test_it_shows_the_afi_its_question_report_and_facts(signed_in, staff, force):
    action = make_action(
        force=force,
        text="The constabulary should improve supervision of case files.",
        owner=staff,
        due_date=TODAY + datetime.timedelta(days=10),
        original_due_date=TODAY + datetime.timedelta(days=10),
        blocked_reason="Waiting on the national IT programme",
    )
    response = signed_in.get(url(action))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The constabulary should improve supervision of case files." in page
    assert f"Question {action.question.number}</a>" in page
    assert action.question.text in page
    assert "Requires improvement" in page
    assert str(action.question.inspection) in page
    assert "Sam Staff" in page
    assert "Not started" in page
    assert "Due soon" in page
    assert "Waiting on the national IT programme" in page


def test_a_revised_due_date_shows_the_original_date(signed_in, staff, action):
    first = datetime.date(2027, 3, 1)
    action.set_due_date(first, by=staff)
    action.set_due_date(datetime.date(2027, 6, 30), by=staff, reason="New IT system is late")
    page = signed_in.get(url(action)).content.decode()
    assert "30 June 2027" in page
    assert "(originally 1 March 2027)" in page


def test_the_timeline_shows_notes_and_events_newest_first(signed_in, staff, action):
    action.move_to(Status.IN_PROGRESS, by=staff)
    action.add_note("Problem-solving training delivered to 40 officers.", by=staff)
    action.add_note("Repeat calls fell by 12%.", by=staff, kind=EvidenceNote.Kind.IMPACT)
    page = signed_in.get(url(action)).content.decode()
    timeline = page[page.index('id="timeline-heading"') :]
    impact = timeline.index("Repeat calls fell by 12%.")
    progress = timeline.index("Problem-solving training delivered")
    status = timeline.index("changed status from Not started to In progress")
    assert impact < progress < status
    assert "Impact (outcome)" in timeline


def test_timeline_events_say_who_how_and_why(signed_in, staff, action):
    ActionEvent.objects.create(
        action=action, kind="owner", old_value="", new_value="<b>Jo</b>", via="admin", by=None
    )
    ActionEvent.objects.create(
        action=action, kind="blocked", new_value="x", reason="Waiting <on> IT", by=staff
    )
    # A force lead's note (a lead may add evidence to any action of the force).
    nameless_lead = make_user(force=action.force, first_name="", force_role="lead")
    action.add_note("First line\nsecond line", by=nameless_lead)
    timeline = signed_in.get(url(action)).content.decode()
    timeline = timeline[timeline.index('id="timeline-heading"') :]
    assert '<span class="fw-semibold">The system</span>' in timeline
    assert "changed owner from Unassigned to &lt;b&gt;Jo&lt;/b&gt;" in timeline
    assert '<span class="text-body-secondary">(in Admin)</span>' in timeline
    assert '<p class="mb-0 event-reason">Reason: Waiting &lt;on&gt; IT</p>' in timeline
    assert '<div class="note-body"><p>First line<br>second line</p></div>' in timeline
    assert re.search(
        r'<time datetime="\d{4}-\d\d-\d\dT[^"]+" class="text-body-secondary">', timeline
    )


def test_the_timeline_names_owners_and_dates_as_the_page_does(signed_in, staff, lead, action):
    jo = make_user(force=action.force, first_name="Jo", last_name="Bloggs")
    pc = make_user(force=action.force, username="pc-1234", first_name="", last_name="")
    action.assign(None, by=lead)
    action.assign(jo, by=lead)
    action.assign(pc, by=lead)
    action.assign(None, by=lead)
    action.set_due_date(datetime.date(2027, 3, 1), by=lead)
    action.set_due_date(datetime.date(2027, 6, 30), by=lead, reason="New IT system is late")
    jo.is_active = False  # left the force: no longer offered as an owner, still named
    jo.save()
    timeline = signed_in.get(url(action)).content.decode()
    timeline = timeline[timeline.index('id="timeline-heading"') :]
    for line in (
        "changed owner from Sam Staff to Unassigned",
        "changed owner from Unassigned to Jo Bloggs",
        "changed owner from Jo Bloggs to pc-1234",  # no name: the username
        "changed owner from pc-1234 to Unassigned",
        "set the due date to 1 Mar 2027",
        "changed due date from 1 Mar 2027 to 30 Jun 2027",
    ):
        assert line in timeline


def test_note_bodies_are_escaped(signed_in, staff, action):
    action.add_note("<script>alert(1)</script>", by=staff)
    page = signed_in.get(url(action)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_every_form_carries_the_version_it_was_loaded_at(client, staff, lead, action):
    action.set_blocked("Waiting on the CPS", by=staff)
    # The owner is offered every form but the owner's, which a force lead is offered too.
    for user, forms in [
        (staff, ("note", "move", "due", "blocked", "reference")),
        (lead, ("note", "move", "owner", "due", "blocked", "reference")),
    ]:
        client.force_login(user)
        page = client.get(url(action)).content.decode()
        for form in forms:
            assert f'name="{form}-version" value="{action.version}"' in page


# Evidence notes ------------------------------------------------------------------------------


def test_adding_a_note_saves_it_and_redirects_back(signed_in, staff, action):
    response = post(signed_in, action, "note", kind="impact", body="Repeat victims down 8%.")
    assert response.status_code == 302
    assert response.url == url(action)
    note = action.notes.get()
    assert (note.kind, note.body, note.author) == ("impact", "Repeat victims down 8%.", staff)
    assert refreshed(action).version == 2
    page = signed_in.get(response.url).content.decode()
    assert "Evidence note added." in page


def test_an_empty_note_is_refused_next_to_the_field_with_a_400(signed_in, action):
    response = post(signed_in, action, "note", kind="progress", body="   ")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_note-body"' in page
    assert re.search(r'aria-describedby="id_note-body_error"[^>]*id="id_note-body"', page)
    assert '<div id="id_note-body_error" class="invalid-feedback">' in page
    assert "This field is required." in page
    assert not action.notes.exists()


def test_an_unknown_note_kind_is_refused(signed_in, action):
    response = post(signed_in, action, "note", kind="gossip", body="Heard it on the radio")
    assert response.status_code == 400
    assert not action.notes.exists()


# Stale versions ------------------------------------------------------------------------------


def test_a_stale_note_is_refused_with_409_and_the_typed_text_kept(signed_in, staff, lead, action):
    seen = action.version
    action.set_blocked("Waiting on the CPS", by=lead)
    response = post(signed_in, action, "note", version=seen, kind="impact", body="My careful note")
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed by Lee Lead since you opened it" in page
    assert "My careful note</textarea>" in page
    assert f'name="note-version" value="{refreshed(action).version}"' in page
    assert not action.notes.exists()


def test_resending_after_a_stale_refusal_saves(signed_in, staff, lead, action):
    action.set_blocked("Waiting on the CPS", by=lead)
    assert (
        post(signed_in, action, "note", version=1, kind="progress", body="Text").status_code == 409
    )
    latest = refreshed(action).version
    response = post(signed_in, action, "note", version=latest, kind="progress", body="Text")
    assert response.status_code == 302
    assert action.notes.count() == 1


def test_a_stale_status_move_is_refused_with_409_not_a_workflow_error(
    signed_in, staff, lead, action
):
    seen = action.version
    action.move_to(Status.IN_PROGRESS, by=lead)
    response = post(signed_in, action, "move", version=seen, target="in_progress")
    assert response.status_code == 409
    assert "since you opened it" in response.content.decode()


def test_a_missing_version_is_a_validation_error(signed_in, action):
    response = signed_in.post(url(action, "note"), {"note-kind": "progress", "note-body": "x"})
    assert response.status_code == 400
    assert not action.notes.exists()


# Status moves --------------------------------------------------------------------------------


def test_staff_are_offered_only_the_moves_the_workflow_allows_them(signed_in, staff, action):
    page = signed_in.get(url(action)).content.decode()
    assert 'value="in_progress"' in page
    assert "Start work" in page
    assert 'name="move-target" value="superseded"' not in page
    assert 'name="move-target" value="closed"' not in page


def test_inspectors_are_offered_close_return_and_supersede_once_the_force_assured_it(
    client, inspector, staff, lead, action
):
    """Changed rule: an inspector closes an assured action, not a submitted one."""
    action.move_to(Status.IN_PROGRESS, by=staff)
    action.add_note("Done", by=staff)
    action.move_to(Status.SUBMITTED, by=staff)
    client.force_login(inspector)
    page = client.get(url(action)).content.decode()
    assert 'name="move-target" value="closed"' not in page
    action.move_to(Status.ASSURED, by=lead, reason="Ready for the inspectorate.")
    page = client.get(url(action)).content.decode()
    for target in ("closed", "in_progress", "superseded"):
        assert f'name="move-target" value="{target}"' in page


def test_starting_work_moves_the_action_and_records_an_event(signed_in, staff, action):
    response = post(signed_in, action, "move", target="in_progress")
    assert response.status_code == 302
    assert refreshed(action).status == Status.IN_PROGRESS
    event = action.events.get(kind=ActionEvent.Kind.STATUS)
    assert (event.by, event.via) == (staff, "web")


def test_submitting_without_evidence_is_refused_with_the_reason(signed_in, staff, action):
    action.move_to(Status.IN_PROGRESS, by=staff)
    response = post(signed_in, action, "move", target="submitted")
    assert response.status_code == 400
    assert "Add at least one evidence note before submitting" in response.content.decode()
    assert refreshed(action).status == Status.IN_PROGRESS


def test_submitting_with_evidence_works(signed_in, staff, action):
    action.move_to(Status.IN_PROGRESS, by=staff)
    action.add_note("Evidence", by=staff)
    assert post(signed_in, action, "move", target="submitted").status_code == 302
    assert refreshed(action).status == Status.SUBMITTED


def test_staff_cannot_close_even_by_posting_the_move(signed_in, staff, action):
    action.move_to(Status.IN_PROGRESS, by=staff)
    action.add_note("Evidence", by=staff)
    action.move_to(Status.SUBMITTED, by=staff)
    response = post(signed_in, action, "move", target="closed", reason="We think it is done")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert refreshed(action).status == Status.SUBMITTED


def test_staff_cannot_supersede(signed_in, action):
    response = post(signed_in, action, "move", target="superseded", reason="Not needed")
    assert response.status_code == 400
    assert refreshed(action).status == Status.NOT_STARTED


def test_returning_an_action_asks_for_a_reason(signed_in, staff, action):
    action.move_to(Status.IN_PROGRESS, by=staff)
    action.add_note("Evidence", by=staff)
    action.move_to(Status.SUBMITTED, by=staff)
    response = post(signed_in, action, "move", target="in_progress", reason=" ")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give a reason to return to in progress." in page
    assert 'id="id_move-reason"' in page
    assert (
        post(signed_in, action, "move", target="in_progress", reason="More evidence").status_code
        == 302
    )


def test_a_force_lead_assures_with_a_note_and_the_page_says_who_and_when(
    client, staff, lead, action
):
    action.move_to(Status.IN_PROGRESS, by=staff)
    action.add_note("Evidence", by=staff)
    action.move_to(Status.SUBMITTED, by=staff)
    client.force_login(lead)
    page = client.get(url(action)).content.decode()
    assert "Assure — ready for the inspectorate (reason needed)" in page
    assert "Reason, or assurance note" in page
    assert post(client, action, "move", target="assured", reason="").status_code == 400
    response = post(client, action, "move", target="assured", reason="Audit shows it embedded")
    assert response.status_code == 302
    action = refreshed(action)
    assert (action.status, action.assured_by) == (Status.ASSURED, lead)
    page = client.get(url(action)).content.decode()
    assert f"{timezone.localdate():%-d %B %Y} by Lee Lead: ready for the inspectorate" in page
    assert "Assured by the force: an inspector closes it or returns it." in page


def test_an_inspector_closes_with_a_reason(client, inspector, staff, lead, action):
    action.move_to(Status.IN_PROGRESS, by=staff)
    action.add_note("Evidence", by=staff)
    action.move_to(Status.SUBMITTED, by=staff)
    action.move_to(Status.ASSURED, by=lead, reason="Ready for the inspectorate.")
    client.force_login(inspector)
    assert post(client, action, "move", target="closed", reason="").status_code == 400
    response = post(client, action, "move", target="closed", reason="Impact evidenced")
    assert response.status_code == 302
    action = refreshed(action)
    assert action.status == Status.CLOSED
    assert action.closed_by == inspector


def test_a_closed_action_offers_staff_no_move_and_says_why(
    signed_in, staff, lead, inspector, action
):
    action.move_to(Status.IN_PROGRESS, by=staff)
    action.add_note("Evidence", by=staff)
    action.move_to(Status.SUBMITTED, by=staff)
    action.move_to(Status.ASSURED, by=lead, reason="Ready for the inspectorate.")
    action.move_to(Status.CLOSED, by=inspector, reason="Accepted")
    page = signed_in.get(url(action)).content.decode()
    assert 'name="move-target"' not in page
    assert "Only an inspector can reopen it." in page


# Owner ---------------------------------------------------------------------------------------


# Changed rule: a force lead (or an inspector) assigns; force staff, even the owner, do not.


def test_a_force_lead_assigns_an_owner_of_the_same_force(client, lead, colleague, action):
    client.force_login(lead)
    response = post(client, action, "owner", owner=colleague.pk)
    assert response.status_code == 302
    assert refreshed(action).owner == colleague


def test_force_staff_are_not_offered_the_owner_form_and_cannot_post_it(
    signed_in, staff, colleague, action
):
    page = signed_in.get(url(action)).content.decode()
    assert 'id="owner-form"' not in page
    response = post(signed_in, action, "owner", owner=colleague.pk)
    assert response.status_code == 403
    assert "Not saved. Only a force lead or an inspector may give an action an owner." in (
        response.content.decode()
    )
    assert refreshed(action).owner == staff and not action.events.exists()


def test_only_users_of_the_actions_force_are_offered_as_owner(
    client, lead, colleague, outsider, action
):
    client.force_login(lead)
    page = client.get(url(action)).content.decode()
    assert f'<option value="{colleague.pk}">' in page
    assert f'<option value="{outsider.pk}">' not in page


def test_an_owner_from_another_force_is_refused(client, lead, staff, outsider, action):
    client.force_login(lead)
    response = post(client, action, "owner", owner=outsider.pk)
    assert response.status_code == 400
    assert refreshed(action).owner == staff


def test_unassigning(client, lead, action):
    client.force_login(lead)
    assert post(client, action, "owner", owner="").status_code == 302
    assert refreshed(action).owner is None


def test_an_inactive_colleague_cannot_be_made_owner(client, lead, force, action):
    gone = make_user(force=force, is_active=False)
    client.force_login(lead)
    assert post(client, action, "owner", owner=gone.pk).status_code == 400


# Due date ------------------------------------------------------------------------------------


def test_setting_the_first_due_date_needs_no_reason(signed_in, action):
    response = post(signed_in, action, "due", due_date="2027-03-31")
    assert response.status_code == 302
    action = refreshed(action)
    assert action.due_date == action.original_due_date == datetime.date(2027, 3, 31)


def test_revising_a_due_date_needs_a_reason_and_keeps_the_original(signed_in, staff, action):
    action.set_due_date(datetime.date(2027, 3, 31), by=staff)
    response = post(signed_in, action, "due", due_date="2027-06-30", reason="")
    assert response.status_code == 400
    assert "Give a reason for revising the due date." in response.content.decode()
    response = post(signed_in, action, "due", due_date="2027-06-30", reason="Supplier delay")
    assert response.status_code == 302
    action = refreshed(action)
    assert (action.due_date, action.original_due_date) == (
        datetime.date(2027, 6, 30),
        datetime.date(2027, 3, 31),
    )
    assert action.events.filter(kind="due_date").first().reason == "Supplier delay"


def test_a_due_date_that_is_not_a_date_is_refused(signed_in, action):
    assert post(signed_in, action, "due", due_date="next Tuesday").status_code == 400
    assert post(signed_in, action, "due", due_date="").status_code == 400
    assert refreshed(action).due_date is None


# Blocked -------------------------------------------------------------------------------------


def test_marking_blocked_needs_a_reason(signed_in, action):
    response = post(signed_in, action, "blocked", blocked_reason="")
    assert response.status_code == 400
    assert "Say what the action is waiting for." in response.content.decode()
    response = post(signed_in, action, "blocked", blocked_reason="National ANPR upgrade")
    assert response.status_code == 302
    assert refreshed(action).blocked_reason == "National ANPR upgrade"


def test_unblocking_clears_the_reason(signed_in, staff, action):
    action.set_blocked("National ANPR upgrade", by=staff)
    response = signed_in.post(
        url(action, "blocked"),
        {"blocked-version": action.version, "blocked-blocked_reason": "x", "blocked-unblock": "1"},
    )
    assert response.status_code == 302
    assert refreshed(action).blocked_reason == ""
    assert "Action unblocked." in signed_in.get(url(action)).content.decode()


def test_unblocking_an_action_that_is_not_blocked_is_refused(signed_in, action):
    response = signed_in.post(
        url(action, "blocked"), {"blocked-version": action.version, "blocked-unblock": "1"}
    )
    assert response.status_code == 400


# Plumbing ------------------------------------------------------------------------------------


def test_an_unknown_form_name_is_a_404(signed_in, action):
    assert signed_in.post(url(action, "delete"), {}).status_code == 404


def test_forms_accept_only_post(signed_in, action):
    assert signed_in.get(url(action, "note")).status_code == 405


def test_an_htmx_post_follows_the_same_path(signed_in, action):
    response = post_htmx = signed_in.post(
        url(action, "note"),
        {"note-version": action.version, "note-kind": "progress", "note-body": "Via htmx"},
        headers={"HX-Request": "true"},
    )
    assert post_htmx.status_code == 302
    assert response.url == url(action)
    invalid = signed_in.post(
        url(action, "note"),
        {"note-version": refreshed(action).version, "note-body": ""},
        headers={"HX-Request": "true"},
    )
    assert invalid.status_code == 400
    assert 'id="page"' in invalid.content.decode()


def test_the_question_grade_badge_says_the_grade_in_words(signed_in, force):
    action = make_action(force=force)
    action.question.grade = Grade.INADEQUATE
    action.question.save()
    page = signed_in.get(url(action)).content.decode()
    assert 'badge-grade-inadequate">Inadequate</span>' in page
