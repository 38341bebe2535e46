"""Adding by hand in the inspectors' admin: a report of any source, its questions, and actions
made through `tracker/adding.py`, with who added them and their "created" event (issue 14).

The reports and findings here are made up for the tests, not report text."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from tests.factories import make_action, make_inspection, make_question, make_user
from tracker.models import Action, ActionEvent, Inspection, Kind, ReportFormat, Status

ADD_REPORT = "/admin/tracker/inspection/add/"
ADD_QUESTION = "/admin/tracker/question/add/"
ADD_ACTION = "/admin/tracker/action/add/"


def hidden_inputs(html: str) -> dict:
    """What a browser sends back unseen: the inlines' management forms."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def post_form(client, url: str, **data):
    """Post the admin's add page as a browser does, with `data` typed in."""
    return client.post(url, {**hidden_inputs(client.get(url).content.decode()), **data})


def errors_of(response) -> dict[str, list[str]]:
    form = response.context["adminform"].form
    return {name: list(errors) for name, errors in form.errors.items()}


@pytest.fixture
def inspector_in(client, inspector):
    client.force_login(inspector)
    return client


def test_an_inspector_adds_a_report_of_any_source(inspector_in, inspector, other_force):
    page = inspector_in.get(ADD_REPORT).content.decode()
    assert 'name="source"' in page

    response = post_form(
        inspector_in,
        ADD_REPORT,
        force=other_force.pk,
        format=ReportFormat.OTHER,
        programme="",
        source="Internal audit",
        title="Property store audit",
        published="2026-01-15",
    )

    assert response.status_code == 302, errors_of(response)
    report = Inspection.objects.get()
    assert (report.force, report.format, report.programme) == (other_force, "other", "")
    assert (report.source, report.name, report.imported_by) == (
        "Internal audit",
        "Property store audit",
        inspector,
    )
    change_page = inspector_in.get(f"/admin/tracker/inspection/{report.pk}/change/")
    assert f'href="{ADD_QUESTION}?inspection={report.pk}"' in change_page.content.decode()


def test_a_report_already_there_is_refused_in_the_admin_too(inspector_in, force):
    fields = {"force": force.pk, "format": "other", "title": "Audit", "published": "2026-01-15"}
    assert post_form(inspector_in, ADD_REPORT, **fields, programme="").status_code == 302
    again = post_form(inspector_in, ADD_REPORT, **fields, programme="")
    assert again.status_code == 200
    assert errors_of(again) == {
        "__all__": ["This force already has a report with this title and publication date."]
    }
    assert Inspection.objects.count() == 1


def test_an_inspector_adds_a_question_numbered_next(inspector_in):
    question = make_question()
    report = question.inspection
    page = inspector_in.get(f"{ADD_QUESTION}?inspection={report.pk}").content.decode()
    assert 'name="number" value="2"' in page

    response = post_form(
        inspector_in,
        f"{ADD_QUESTION}?inspection={report.pk}",
        inspection=report.pk,
        number=2,
        label="Vetting",
        text="Vetting",
        grade="",
    )

    assert response.status_code == 302, errors_of(response)
    added = report.questions.get(number=2)
    assert (added.label, added.short_name) == ("Vetting", "Area 2")
    change_page = inspector_in.get(f"/admin/tracker/question/{added.pk}/change/")
    assert f'href="{ADD_ACTION}?question={added.pk}"' in change_page.content.decode()


def test_an_inspector_adds_an_action_that_says_who_added_it(inspector_in, inspector, force):
    question = make_question(inspection=make_inspection(published=datetime.date(2026, 1, 31)))
    owner = make_user(force=force)
    cause = make_action(question=question, kind=Kind.CAUSE_OF_CONCERN, position=1)
    assert "Add action" in inspector_in.get("/admin/tracker/action/").content.decode()
    page = inspector_in.get(f"{ADD_ACTION}?question={question.pk}").content.decode()
    assert f'name="question" value="{question.pk}"' in page

    response = post_form(
        inspector_in,
        ADD_ACTION,
        question=question.pk,
        kind=Kind.RECOMMENDATION,
        text="  Within three months, the force should review its vetting.  ",
        parent=cause.pk,
        deadline_text="Within three months",
        deadline_months=3,
        reference="R1",
        owner=owner.pk,
        due_date="",
        status=Status.NOT_STARTED,
    )

    added = Action.objects.get(kind=Kind.RECOMMENDATION)
    assert response.status_code == 302, errors_of(response)
    assert response["Location"] == "/admin/tracker/action/"
    assert (added.text, added.parent, added.force) == (
        "Within three months, the force should review its vetting.",
        cause,
        force,
    )
    assert (added.due_date, added.owner, added.reference) == (
        datetime.date(2026, 4, 30),
        owner,
        "R1",
    )
    assert added.created_by == inspector and added.position == 1
    events = list(added.events.order_by("id").values_list("kind", "by", "via"))
    assert events == [
        (kind, inspector.pk, "admin") for kind in ("created", "owner", "due_date", "reference")
    ]
    page = inspector_in.get(f"/admin/tracker/action/{added.pk}/change/").content.decode()
    today = timezone.localdate()
    assert f"Added by {inspector.display_name} on {today.day} {today:%B %Y}" in page


def test_an_owner_of_another_force_and_a_parent_of_an_afi_are_refused_beside_them(
    inspector_in, outsider
):
    question = make_question()
    cause = make_action(question=question, kind=Kind.CAUSE_OF_CONCERN)
    response = post_form(
        inspector_in,
        ADD_ACTION,
        question=question.pk,
        kind=Kind.AREA_FOR_IMPROVEMENT,
        text="The force should act.",
        owner=outsider.pk,
        status=Status.NOT_STARTED,
    )
    assert response.status_code == 200
    assert errors_of(response) == {
        "owner": ["An action's owner must be an active member of the action's force."]
    }
    assert 'value="The force should act."' in response.content.decode() or (
        "The force should act.</textarea>" in response.content.decode()
    )
    with_parent = post_form(
        inspector_in,
        ADD_ACTION,
        question=question.pk,
        kind=Kind.AREA_FOR_IMPROVEMENT,
        text="The force should act.",
        parent=cause.pk,
        status=Status.NOT_STARTED,
    )
    assert errors_of(with_parent) == {"parent": ["Only a recommendation has a parent."]}
    assert Action.objects.count() == 1


def test_a_past_due_date_needs_the_box_ticked(inspector_in):
    question = make_question()
    past = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    fields = {
        "question": question.pk,
        "kind": Kind.AREA_FOR_IMPROVEMENT,
        "text": "The force should act.",
        "due_date": past,
        "status": Status.IN_PROGRESS,
    }
    refused = post_form(inspector_in, ADD_ACTION, **fields)
    assert "is in the past" in errors_of(refused)["due_date"][0]
    assert post_form(inspector_in, ADD_ACTION, **fields, confirm_past="on").status_code == 302
    assert Action.objects.get().status == Status.IN_PROGRESS


def test_the_audit_trail_stays_read_only(inspector_in, action):
    ActionEvent.objects.create(action=action, kind="created", new_value="Not started")
    event = ActionEvent.objects.get()
    assert inspector_in.get("/admin/tracker/actionevent/add/").status_code == 403
    inspector_in.post(f"/admin/tracker/actionevent/{event.pk}/change/", {"reason": "rewritten"})
    event.refresh_from_db()
    assert event.reason == ""
    page = inspector_in.get(f"/admin/tracker/action/{action.pk}/change/").content.decode()
    assert 'name="events-0-reason"' not in page


def test_force_staff_cannot_add_in_the_admin(client, staff):
    client.force_login(staff)
    for url in (ADD_REPORT, ADD_QUESTION, ADD_ACTION):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
