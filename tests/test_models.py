"""What a user sees and what the audit trail keeps."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from tests.factories import make_action, make_inspection, make_user
from tracker.models import Action, ActionEvent, EvidenceNote, Status
from tracker.workflow import TransitionError


def said(event) -> str:
    """What the pages say an event did, without who (tracker/partials/event_words.html)."""
    html = render_to_string("tracker/partials/event_words.html", {"event": event})
    return " ".join(unescape(re.sub(r"<span[^>]*>.*?</span>", "", html)).split())


TODAY = timezone.localdate()


def test_force_staff_see_only_their_forces_actions(staff, force, other_force, inspector):
    mine = make_action(force=force)
    theirs = make_action(force=other_force)
    assert list(Action.objects.visible_to(staff)) == [mine]
    assert set(Action.objects.visible_to(inspector)) == {mine, theirs}


def test_a_user_with_no_force_and_no_inspector_role_sees_nothing(db, force):
    make_action(force=force)
    nobody = make_user(force=None)
    assert not Action.objects.visible_to(nobody).exists()


def test_a_deactivated_user_sees_nothing(staff, force):
    make_action(force=force)
    staff.is_active = False
    staff.save()
    assert not Action.objects.visible_to(staff).exists()


def test_overdue_means_past_due_and_still_open(force):
    late = make_action(
        force=force,
        due_date=TODAY - datetime.timedelta(days=1),
        original_due_date=TODAY - datetime.timedelta(days=1),
    )
    make_action(force=force, due_date=TODAY, original_due_date=TODAY)
    make_action(
        force=force,
        due_date=TODAY - datetime.timedelta(days=9),
        original_due_date=TODAY - datetime.timedelta(days=9),
        status=Status.SUPERSEDED,
    )
    assert list(Action.objects.overdue()) == [late]
    assert late.is_overdue and late.rag == "red"


def test_rag_is_amber_within_thirty_days_green_later_grey_when_done(force):
    amber = make_action(
        force=force, due_date=TODAY + datetime.timedelta(days=30), original_due_date=TODAY
    )
    green = make_action(
        force=force, due_date=TODAY + datetime.timedelta(days=31), original_due_date=TODAY
    )
    grey = make_action(force=force, status=Status.CLOSED, closed_at=timezone.now())
    assert (amber.rag, green.rag, grey.rag) == ("amber", "green", "grey")


def test_the_first_due_date_is_kept_and_a_revision_needs_a_reason(staff, action):
    first = TODAY + datetime.timedelta(days=60)
    action.set_due_date(first, by=staff)
    with pytest.raises(TransitionError, match="reason"):
        action.set_due_date(first + datetime.timedelta(days=30), by=staff)
    action.set_due_date(
        first + datetime.timedelta(days=30), by=staff, reason="Awaiting new IT system"
    )
    action.refresh_from_db()
    assert action.original_due_date == first
    assert action.due_date == first + datetime.timedelta(days=30)
    revision = action.events.filter(kind=ActionEvent.Kind.DUE_DATE).first()
    assert revision.reason == "Awaiting new IT system"
    assert revision.old_value == first.isoformat()


def test_blocking_keeps_the_reason_and_unblocking_clears_it(staff, action):
    action.set_blocked("Waiting on the national ANPR programme", by=staff)
    assert Action.objects.blocked().get() == action
    action.set_blocked("", by=staff)
    assert not Action.objects.blocked().exists()
    assert [said(e) for e in action.events.all()] == ["unblocked", "marked blocked"]


def test_an_owner_must_belong_to_the_actions_force(staff, lead, outsider, action):
    with pytest.raises(TransitionError, match="member of the action's force"):
        action.assign(outsider, by=lead)
    action.assign(lead, by=lead)
    assert Action.objects.get(pk=action.pk).owner == lead


def test_a_note_is_evidence_and_an_event(staff, action):
    note = action.add_note("Briefing delivered to 300 officers.", by=staff, kind="impact")
    assert note.kind == EvidenceNote.Kind.IMPACT
    assert action.events.get().kind == ActionEvent.Kind.NOTE


def test_the_database_refuses_an_unknown_status(action):
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(status="done-ish")


@pytest.mark.parametrize("sql", ["UPDATE {table} SET reason = 'rewritten'", "DELETE FROM {table}"])
def test_the_audit_trail_cannot_be_rewritten_even_by_sql(sql, staff, action):
    action.move_to(Status.IN_PROGRESS, by=staff)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql.format(table=ActionEvent._meta.db_table))
    assert action.events.get().reason == ""


def test_the_audit_trail_cannot_be_rewritten_through_the_orm(staff, action):
    action.move_to(Status.IN_PROGRESS, by=staff)
    event = action.events.get()
    event.reason = "rewritten"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ActionEvent.objects.all().delete()


def test_evidence_notes_cannot_be_edited_or_deleted(staff, action):
    note = action.add_note("Original evidence", by=staff)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        EvidenceNote.objects.filter(pk=note.pk).update(body="Edited")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        note.delete()


def test_a_failed_event_write_rolls_back_the_change(staff, action, monkeypatch):
    def fail(*args, **kwargs):
        raise DatabaseError("event insert failed")

    monkeypatch.setattr(ActionEvent.objects, "create", fail)
    with pytest.raises(DatabaseError):
        action.move_to(Status.IN_PROGRESS, by=staff)
    fresh = Action.objects.get(pk=action.pk)
    assert fresh.status == Status.NOT_STARTED and fresh.version == 1


def test_every_model_has_a_readable_name_and_url(staff, action):
    inspection = action.question.inspection
    note = action.add_note("x", by=staff)
    assert str(inspection) == f"Lancashire Constabulary PEEL {inspection.year} Effectiveness"
    assert inspection.get_absolute_url() == f"/inspections/{inspection.pk}/"
    assert action.get_absolute_url() == f"/actions/{action.pk}/"
    assert str(action.question).startswith("Q1. ")
    assert str(note) and str(action.events.get()) and str(action.force) == "Lancashire Constabulary"


def test_one_report_per_force_year_and_pillar(force):
    make_inspection(force=force, year=2016)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_inspection(force=force, year=2016)


def test_a_note_event_reads_as_plain_english(staff, action):
    action.add_note("Crime data shows a 12% fall.", by=staff, kind="impact")
    action.add_note("Training delivered.", by=staff, kind="progress")
    assert [said(e) for e in action.events.all()] == [
        "added a progress note",
        "added an impact note",
    ]


def test_an_event_names_what_it_recorded_even_without_its_user_or_a_date(action):
    gone = ActionEvent(action=action, kind="owner", old_value="left-the-force", new_value="")
    assert said(gone) == "changed owner from left-the-force to Unassigned"
    odd = ActionEvent(action=action, kind="due_date", old_value="", new_value="end of March")
    assert said(odd) == "set the due date to end of March"
    status = ActionEvent(action=action, kind="status", old_value="Not started", new_value="Closed")
    assert said(status) == "changed status from Not started to Closed"
