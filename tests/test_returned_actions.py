"""Returned actions: submitted work sent back to the force stands out until it moves again.

It shows as a "Returned" badge in the action list and in "My actions", a banner with the
reason on the action page, and a filter in the list; the CSV keeps its columns.
"""

from __future__ import annotations

import csv
import importlib
import io
import re

import pytest
from django.apps import apps as global_apps
from django.db import IntegrityError, transaction

from tests.factories import make_action
from tracker.exports import HEADER
from tracker.models import Action, ActionEvent, Status

BADGE = '<span class="badge badge-returned">Returned</span>'
REASON = "The dip sample covers one district only; add the other two."

backfill = importlib.import_module("tracker.migrations.0011_returned_actions")


@pytest.fixture
def submitted(force, staff):
    action = make_action(force=force, owner=staff)
    action.move_to(Status.IN_PROGRESS, by=staff)
    action.add_note("Supervision checklist in use.", by=staff)
    action.move_to(Status.SUBMITTED, by=staff)
    return action


@pytest.fixture
def returned(submitted, lead, inspector):
    """Submitted, assured by the force lead, and returned to the force by an inspector."""
    submitted.move_to(Status.ASSURED, by=lead, reason="Ready for the inspectorate.")
    submitted.move_to(Status.IN_PROGRESS, by=inspector, reason=REASON)
    return submitted


def test_returning_submitted_work_marks_the_action_returned_with_who_when_and_why(
    returned, inspector
):
    returned.refresh_from_db()
    assert returned.is_returned
    assert (returned.status, returned.returned_by, returned.returned_reason) == (
        Status.IN_PROGRESS,
        inspector,
        REASON,
    )
    assert returned.returned_at is not None
    assert Action.objects.returned().get() == returned


def test_a_force_lead_returning_submitted_work_marks_it_returned_too(submitted, lead):
    submitted.move_to(Status.IN_PROGRESS, by=lead, reason=REASON)
    submitted.refresh_from_db()
    assert (submitted.is_returned, submitted.returned_by) == (True, lead)


def test_starting_work_or_reopening_is_not_a_return(force, staff, lead, inspector, submitted):
    started = make_action(force=force, owner=staff)
    started.move_to(Status.IN_PROGRESS, by=staff)
    submitted.move_to(Status.ASSURED, by=lead, reason="Ready for the inspectorate.")
    submitted.move_to(Status.CLOSED, by=inspector, reason="Evidence accepted.")
    submitted.move_to(Status.IN_PROGRESS, by=inspector, reason="Reopened: the figures changed.")
    assert not Action.objects.returned().exists()


def test_the_next_status_move_ends_it(returned, staff):
    returned.move_to(Status.SUBMITTED, by=staff)
    returned.refresh_from_db()
    assert not returned.is_returned
    assert (returned.returned_by, returned.returned_reason) == (None, "")


def test_a_superseding_import_ends_it(returned):
    returned.retire("No longer in the report after re-import.")
    returned.refresh_from_db()
    assert (returned.status, returned.returned_at) == (Status.SUPERSEDED, None)


def test_notes_and_other_changes_leave_it_returned(returned, staff):
    returned.add_note("The other two districts sampled.", by=staff)
    returned.set_blocked("Waiting on the national programme.", by=staff)
    returned.refresh_from_db()
    assert returned.is_returned


def test_the_database_refuses_a_returned_action_that_is_not_in_progress(returned):
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=returned.pk).update(status=Status.SUBMITTED)


def test_the_action_list_shows_a_returned_badge_in_the_status_column(signed_in, returned, force):
    other = make_action(force=force, status=Status.IN_PROGRESS)
    page = signed_in.get("/actions/").content.decode()
    assert page.count(BADGE) == 1
    row = page[page.index(f'<a href="/actions/{returned.pk}/">') :]
    row = row[: row.index("</tr>")]
    assert f'badge-status-in_progress">In progress</span> {BADGE}</td>' in row
    assert f'<a href="/actions/{other.pk}/">' in page


def test_the_action_list_filters_returned_actions_only(signed_in, returned, force):
    make_action(force=force, status=Status.IN_PROGRESS)
    page = signed_in.get("/actions/").content.decode()
    label = r'for="id_returned" class="form-check-label">\s*Returned only\s*</label>'
    assert re.search(label, page)
    response = signed_in.get("/actions/?returned=1")
    assert [a.pk for a in response.context["page"].object_list] == [returned.pk]
    assert "1 action" in response.content.decode()
    assert len(signed_in.get("/actions/?returned=0").context["page"].object_list) == 2


def test_the_export_of_returned_actions_keeps_its_columns(signed_in, returned):
    response = signed_in.get("/actions/export.csv?returned=1")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert tuple(rows[0]) == HEADER
    assert [int(row[0]) for row in rows[1:]] == [returned.pk]


def test_my_actions_on_the_dashboard_shows_the_badge(signed_in, returned):
    page = signed_in.get("/").content.decode()
    mine = page[page.index('id="mine-heading"') : page.index('id="activity-heading"')]
    assert BADGE in mine


def test_the_action_page_says_who_returned_it_when_and_why(signed_in, returned, inspector):
    inspector.first_name, inspector.last_name = "Alex", "Morgan"
    inspector.save()
    page = signed_in.get(f"/actions/{returned.pk}/").content.decode()
    banner = page[page.index('class="alert alert-warning returned-banner"') :]
    banner = banner[: banner.index("</section>")]
    assert "Returned for more work" in banner
    assert "Returned by Alex Morgan on " in banner
    assert f"Reason: {REASON}" in banner
    assert BADGE in page[page.index("<h1") : page.index('class="alert alert-warning returned')]


def test_an_action_that_was_never_returned_has_no_banner(signed_in, submitted):
    page = signed_in.get(f"/actions/{submitted.pk}/").content.decode()
    assert "returned-banner" not in page
    assert BADGE not in page


def test_the_migration_marks_actions_whose_latest_status_move_was_a_return(
    force, staff, lead, inspector, returned
):
    resubmitted = make_action(force=force, owner=staff)
    resubmitted.move_to(Status.IN_PROGRESS, by=staff)
    resubmitted.add_note("Done.", by=staff)
    resubmitted.move_to(Status.SUBMITTED, by=staff)
    resubmitted.move_to(Status.ASSURED, by=lead, reason="Ready.")
    resubmitted.move_to(Status.IN_PROGRESS, by=inspector, reason="Not yet.")
    resubmitted.move_to(Status.SUBMITTED, by=staff)
    # As before the migration: the returns are only in the audit trail.
    Action.objects.update(returned_at=None, returned_by=None, returned_reason="")

    backfill.mark_returned_actions(global_apps, None)

    assert list(Action.objects.returned()) == [returned]
    returned.refresh_from_db()
    event = ActionEvent.objects.filter(action=returned, kind="status").first()
    assert (returned.returned_at, returned.returned_by, returned.returned_reason) == (
        event.at,
        inspector,
        REASON,
    )
