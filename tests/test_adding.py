"""Findings added without a report page (tracker/adding.py): by hand and from a spreadsheet.

The texts here are made up for the tests, not report text."""

import datetime

import pytest

from tests.factories import get_force, make_action, make_inspection, make_question, make_user
from tracker.adding import add_action, new_report
from tracker.models import ActionEvent, Inspection, ReportFormat
from tracker.workflow import Kind, Status, TransitionError

pytestmark = pytest.mark.django_db


def test_a_finding_added_by_hand_says_who_added_it_and_starts_its_trail():
    question = make_question()
    staff = make_user(force=question.inspection.force)
    action = add_action(
        question,
        kind=Kind.AREA_FOR_IMPROVEMENT,
        text="  The force should review its custody records.  ",
        by=staff,
        via=ActionEvent.Via.WEB,
        reference="IA 3",
        owner=staff,
        due_date=datetime.date(2027, 3, 31),
    )
    action.refresh_from_db()
    assert action.created_by == staff and action.force_id == question.inspection.force_id
    assert action.text == "The force should review its custody records."
    assert action.original_due_date == datetime.date(2027, 3, 31)
    kinds = list(action.events.order_by("id").values_list("kind", "new_value", "by"))
    assert kinds == [
        ("created", "Not started", staff.pk),
        ("owner", staff.username, staff.pk),
        ("due_date", "2027-03-31", staff.pk),
        ("reference", "IA 3", staff.pk),
    ]


def test_positions_follow_the_questions_findings_of_that_kind():
    question = make_question()
    make_action(question=question, position=1)
    staff = make_user(force=question.inspection.force)
    added = add_action(question, kind=Kind.AREA_FOR_IMPROVEMENT, text="A", by=staff, via="web")
    other = add_action(question, kind=Kind.CAUSE_OF_CONCERN, text="B", by=staff, via="web")
    assert (added.position, other.position) == (2, 1)


def test_an_owner_of_another_force_or_a_parent_that_is_not_a_cause_of_concern_is_refused():
    question = make_question()
    stranger = make_user(force=get_force("Kent"))
    with pytest.raises(TransitionError) as refused:
        add_action(question, kind="afi", text="A", by=None, via="command", owner=stranger)
    assert refused.value.field == "owner"
    afi = make_action(question=question)
    with pytest.raises(TransitionError, match="cause of concern"):
        add_action(question, kind=Kind.RECOMMENDATION, text="R", by=None, via="command", parent=afi)
    assert question.actions.count() == 1


def test_a_recommendation_added_with_a_deadline_is_due_that_many_months_after_publication():
    question = make_question(inspection=make_inspection(published=datetime.date(2025, 1, 31)))
    cause = add_action(question, kind=Kind.CAUSE_OF_CONCERN, text="C", by=None, via="command")
    recommendation = add_action(
        question,
        kind=Kind.RECOMMENDATION,
        text="Within three months, the force should act.",
        by=None,
        via="command",
        parent=cause,
        deadline_months=3,
        deadline_text="Within three months",
        status=Status.IN_PROGRESS,
    )
    assert recommendation.due_date == datetime.date(2025, 4, 30)
    assert recommendation.status == Status.IN_PROGRESS


def test_a_report_of_any_source_is_named_by_its_title():
    force = make_question().inspection.force
    report = new_report(
        force,
        source="Internal audit",
        title="Custody audit 2026",
        published=datetime.date(2026, 5, 1),
    )
    report.save()
    report = Inspection.objects.get(pk=report.pk)
    assert report.format == ReportFormat.OTHER and report.year == 2026
    assert str(report) == f"{force} Custody audit 2026" and report.programme == ""
    thematic = new_report(force, source="HMICFRS thematic", title="Vetting")
    assert thematic.programme == "HMICFRS"
    peel = new_report(force, format=ReportFormat.PEEL_2023_25)
    assert (peel.year, peel.name) == (2023, "PEEL 2023–25")
