"""Reports and questions in the admin: a report keeps its force once it has actions, and an
edit to a question's text or grade lands in its actions' audit trail."""

from __future__ import annotations

import html
import re
from html import unescape

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.template.loader import render_to_string

from tests.factories import make_action, make_inspection, make_question
from tracker.models import ActionEvent, Grade, Inspection, Pillar


def said(event) -> str:
    """What the pages say an event did, without who (tracker/partials/event_words.html)."""
    html = render_to_string("tracker/partials/event_words.html", {"event": event})
    return " ".join(unescape(re.sub(r"<span[^>]*>.*?</span>", "", html)).split())


REPORT = "/admin/tracker/inspection/{}/change/"
QUESTION = "/admin/tracker/question/{}/change/"


def sent_back(page, **changes) -> dict:
    """The admin form as a browser would send it back, with `changes` typed in."""
    content = page.content.decode()
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', content))
    form = page.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    return {**data, **changes}


def timeline_of(client, action) -> str:
    page = client.get(action.get_absolute_url()).content.decode()
    return html.unescape(page[page.index('id="timeline-heading"') :])


@pytest.fixture
def report(force):
    """A report with one question and two actions."""
    first = make_action(force=force)
    make_action(question=first.question)
    return first.question.inspection


# A report with actions keeps its force, programme, year and pillar -------------------------


def test_a_report_with_actions_shows_its_force_programme_year_and_pillar_read_only(
    client, inspector, report
):
    client.force_login(inspector)
    page = client.get(REPORT.format(report.pk)).content.decode()
    for field in ("force", "programme", "year", "pillar"):
        assert f'name="{field}"' not in page
    assert "Lancashire Constabulary" in page
    assert "Once the report has actions, these cannot change" in page
    assert 'name="title"' in page  # the rest stays editable


def test_a_report_without_actions_can_still_be_corrected(client, inspector, force, other_force):
    empty = make_inspection(force=force)
    client.force_login(inspector)
    page = client.get(REPORT.format(empty.pk))
    assert 'name="force"' in page.content.decode()
    response = client.post(REPORT.format(empty.pk), sent_back(page, force=other_force.pk))
    assert response.status_code == 302
    empty.refresh_from_db()
    assert empty.force == other_force


def test_a_forged_force_on_a_report_with_actions_changes_nothing(
    client, inspector, report, staff, outsider, other_force
):
    client.force_login(inspector)
    page = client.get(REPORT.format(report.pk))
    forged = sent_back(
        page, force=other_force.pk, programme="Forged", year=1999, pillar=Pillar.LEADERSHIP
    )
    response = client.post(REPORT.format(report.pk), forged)
    assert response.status_code == 302
    kept = Inspection.objects.get(pk=report.pk)
    assert (kept.force, kept.programme, kept.year, kept.pillar) == (
        report.force,
        report.programme,
        report.year,
        report.pillar,
    )
    client.force_login(outsider)
    assert client.get(report.get_absolute_url()).status_code == 404
    client.force_login(staff)
    assert client.get(report.get_absolute_url()).status_code == 200


def test_no_code_path_moves_a_report_with_actions_to_another_force(report, other_force):
    report.force = other_force
    with pytest.raises(ValidationError, match="cannot change"):
        report.save()
    with pytest.raises(ValidationError, match="cannot change"):
        report.full_clean()
    report.refresh_from_db()
    assert report.force.short_name == "Lancashire"
    assert {action.force_id for action in report.questions.get().actions.all()} == {report.force_id}


def test_a_report_with_actions_still_saves_other_changes(report):
    report.title = "A corrected headline"
    report.save()
    report.full_clean()
    assert Inspection.objects.get(pk=report.pk).title == "A corrected headline"


# A question's text and grade edited in the admin are in the audit trail ---------------------


def edit_question(client, question, **changes):
    page = client.get(QUESTION.format(question.pk))
    response = client.post(QUESTION.format(question.pk), sent_back(page, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def test_editing_a_questions_grade_is_recorded_on_each_of_its_actions(client, inspector, report):
    question = report.questions.get()
    client.force_login(inspector)
    page = html.unescape(client.get(QUESTION.format(question.pk)).content.decode())
    assert "recorded in the timeline of each of the question's actions" in page
    edit_question(client, question, grade=Grade.INADEQUATE)
    events = ActionEvent.objects.filter(kind=ActionEvent.Kind.GRADE)
    assert sorted(events.values_list("action", flat=True)) == sorted(
        question.actions.values_list("pk", flat=True)
    )
    for event in events:
        assert (event.old_value, event.new_value) == ("Requires improvement", "Inadequate")
        assert (event.by, event.via) == (inspector, ActionEvent.Via.ADMIN)
    question.refresh_from_db()
    assert question.grade == Grade.INADEQUATE


def test_editing_a_questions_text_records_the_old_and_new_text(client, inspector, report):
    question = report.questions.get()
    old_text = question.text
    client.force_login(inspector)
    edit_question(client, question, text="How well does the force prevent crime?")
    events = ActionEvent.objects.filter(kind=ActionEvent.Kind.QUESTION_TEXT)
    assert events.count() == 2
    assert {(e.old_value, e.new_value) for e in events} == {
        (old_text, "How well does the force prevent crime?")
    }
    assert not ActionEvent.objects.filter(kind=ActionEvent.Kind.GRADE).exists()


def test_saving_a_question_unchanged_records_nothing(client, inspector, report):
    question = report.questions.get()
    client.force_login(inspector)
    edit_question(client, question)
    edit_question(client, question, narrative="A corrected narrative.")
    assert not ActionEvent.objects.filter(
        kind__in=[ActionEvent.Kind.QUESTION_TEXT, ActionEvent.Kind.GRADE]
    ).exists()


def test_editing_a_question_with_no_actions_is_in_the_admins_history(client, inspector, force):
    question = make_question(inspection=make_inspection(force=force))
    client.force_login(inspector)
    edit_question(client, question, grade=Grade.GOOD)
    entry = LogEntry.objects.get(object_id=str(question.pk))
    assert "Grade" in entry.get_change_message()
    assert entry.user == inspector


def test_the_report_page_lists_its_questions_read_only(client, inspector, report):
    question = report.questions.get()
    client.force_login(inspector)
    page = client.get(REPORT.format(report.pk))
    assert 'name="questions-0-text"' not in page.content.decode()
    client.post(REPORT.format(report.pk), sent_back(page, **{"questions-0-text": "Forged"}))
    question.refresh_from_db()
    assert question.text != "Forged"


def test_the_action_page_says_what_changed_in_its_question(client, inspector, staff, report):
    action = report.questions.get().actions.first()
    client.force_login(inspector)
    edit_question(
        client, action.question, grade=Grade.INADEQUATE, text="How well does it prevent crime?"
    )
    client.force_login(staff)
    timeline = timeline_of(client, action)
    assert "changed the question's grade from Requires improvement to Inadequate" in timeline
    assert (
        "changed the question's text from “How effective is the force at preventing crime?” "
        "to “How well does it prevent crime?”"
    ) in timeline
    assert inspector.display_name in timeline


def test_a_question_event_reads_no_grade_when_there_was_none(action, inspector):
    event = ActionEvent(action=action, kind=ActionEvent.Kind.GRADE, old_value="", new_value="Good")
    assert said(event) == "changed the question's grade from no grade to Good"


def test_question_events_are_append_only_like_the_rest_of_the_trail(client, inspector, report):
    client.force_login(inspector)
    edit_question(client, report.questions.get(), grade=Grade.GOOD)
    edits = ActionEvent.objects.filter(kind=ActionEvent.Kind.GRADE)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        edits.update(new_value="Outstanding")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        edits.delete()
