"""The pages' fragments and forms are templates: a list row, a timeline entry, crispy's fields.

Each fragment is a named partial of the page that shows it (`page.html#name`), rendered here
alone, and read as a user reads it: the text, the links, the labels tied to their fields.
"""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django import forms
from django.template import engines
from django.template.loader import render_to_string
from django.utils import timezone

from tests.factories import make_action, make_question, make_user
from tracker.models import Action, ActionEvent, Grade, Status
from tracker.rows import action_rows

TODAY = timezone.localdate()


def words(html: str) -> str:
    """The text a user reads: tags gone, whitespace as one space."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


@pytest.fixture
def blocked_action(force, staff):
    question = make_question(
        inspection=make_action(force=force).question.inspection, grade=Grade.INADEQUATE
    )
    action = make_action(
        question=question,
        text="Improve <triage> & call handling",
        owner=staff,
        status=Status.IN_PROGRESS,
        due_date=TODAY - datetime.timedelta(days=3),
        original_due_date=TODAY - datetime.timedelta(days=3),
    )
    action.set_blocked("Waiting on the national programme.", by=staff)
    return action


def list_row(action, *, show_force: bool = False) -> str:
    """The list's row for this action, as the list view builds it (tracker/rows.py)."""
    (row,) = action_rows([Action.objects.with_related().get(pk=action.pk)], show_force=show_force)
    return render_to_string("tracker/action_list.html#action-row", {"row": row})


def test_a_list_row_shows_an_action_as_its_columns_read(blocked_action, staff):
    action = blocked_action
    action.add_note("Briefed the control room.", by=staff)
    action.add_note("Triage audit booked.", by=staff)
    action.refresh_from_db()
    html = list_row(action)
    inspection = action.question.inspection
    due = action.due_date
    assert html.strip().startswith("<tr>") and html.strip().endswith("</tr>")
    assert f'<a href="/actions/{action.pk}/">Improve &lt;triage&gt; &amp; call handling</a>' in html
    assert words(html) == (
        f"{action.pk} Improve <triage> & call handling Blocked"
        f" {inspection.programme} {inspection.year} {inspection.get_pillar_display()}"
        f" · Q{action.question.number} Inadequate Sam Staff In progress"
        f" {due.day} {due:%b %Y} Overdue 2 {timezone.localtime(action.updated_at):%-d %b %Y}"
    )


def test_a_list_row_names_the_force_to_an_inspector_and_says_what_is_missing(force, inspector):
    action = make_action(force=force)
    html = list_row(action, show_force=True)
    assert f"{force.short_name} · PEEL" in words(html)
    assert '<span class="text-body-secondary">Unassigned</span>' in html
    assert '<span class="text-body-secondary">No due date</span>' in html
    assert "Not started" in words(html)


def test_a_timeline_event_says_who_did_what_how_and_why(blocked_action, staff):
    event = blocked_action.events.get(kind=ActionEvent.Kind.BLOCKED)
    admin_event = ActionEvent.objects.create(
        action=blocked_action,
        kind=ActionEvent.Kind.STATUS,
        old_value="Not started",
        new_value="In progress",
        by=make_user(force=blocked_action.force, first_name="Jo", last_name="Bloggs"),
        via=ActionEvent.Via.ADMIN,
    )
    html = render_to_string(
        "tracker/action_detail.html#timeline-entry",
        {"kind": "event", "at": event.at, "entry": event},
    )
    at = timezone.localtime(event.at)
    assert words(html) == (
        f"Sam Staff marked blocked {at:%-d %b %Y, %H:%M} Reason: Waiting on the national programme."
    )
    assert f'<time datetime="{at.isoformat()}"' in html
    admin_html = render_to_string(
        "tracker/action_detail.html#timeline-entry",
        {"kind": "event", "at": admin_event.at, "entry": admin_event},
    )
    assert words(admin_html).startswith(
        "Jo Bloggs changed status from Not started to In progress (in Admin)"
    )
    assert "Reason" not in admin_html


def test_a_timeline_note_shows_its_kind_author_and_text_escaped(action, staff):
    note = action.add_note("First line <b>\nSecond line", by=staff)
    note.has_files = False  # the action page annotates it
    html = render_to_string(
        "tracker/action_detail.html#timeline-entry",
        {"kind": "note", "at": note.created_at, "entry": note},
    )
    assert f'<li class="timeline-note" id="note-{note.pk}">' in html
    assert words(html).startswith(f"{note.get_kind_display()} Sam Staff")
    assert "First line &lt;b&gt;<br>Second line" in html
    assert "note-files" not in html


class Everything(forms.Form):
    hidden = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect, help_text="Pick one."
    )
    tags = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", "Y")], widget=forms.CheckboxSelectMultiple, required=False
    )
    flag = forms.BooleanField(required=False, label="Only flagged")
    body = forms.CharField(widget=forms.Textarea, label="Body", help_text="Say it.")
    upload = forms.FileField(required=False, label="File")
    pick = forms.ChoiceField(choices=[("1", "One")], label="Pick")

    def clean(self):
        raise forms.ValidationError("Not now <b>.")


def test_crispy_labels_every_field_and_ties_errors_and_help_to_it():
    form = Everything({"kind": "zzz", "tags": ["q"], "body": "", "pick": "9"})
    html = (
        engines["django"]
        .from_string("{% load crispy_forms_tags %}{{ form|crispy }}")
        .render({"form": form})
    )
    assert re.search(
        r'class="alert alert-block alert-danger">\s*<ul class="m-0">\s*<li>Not now &lt;b&gt;.', html
    )
    assert '<input type="hidden" name="hidden" id="id_hidden">' in html
    # radios and checkbox groups: a fieldset and its legend, errors and help tied to it
    assert re.search(
        r'<fieldset aria-describedby="id_kind_helptext id_kind_error">\s*<legend\s+'
        r'class="form-label requiredField fs-6">\s*Kind<span class="asteriskField">\*</span>',
        html,
    )
    assert re.search(r'<label for="id_kind_1" class="form-check-label">\s*B\s*</label>', html)
    assert 'id="id_kind_error" class="invalid-feedback"' in html
    assert re.search(r'class="form-label fs-6">\s*Tags\s*</legend>', html)
    assert re.search(
        r'<input type="checkbox" name="flag" class="checkboxinput form-check-input" id="id_flag">'
        r'\s*<label for="id_flag" class="form-check-label">\s*Only flagged',
        html,
    )
    assert re.search(r'<label\s+for="id_body" class="form-label requiredField">\s*Body', html)
    assert re.search(
        r'<textarea [^>]*class="textarea form-control is-invalid"[^>]* aria-invalid="true"'
        r' aria-describedby="id_body_helptext id_body_error" id="id_body"',
        html,
    )
    assert '<p id="error_1_id_body"><strong>This field is required.</strong></p>' in html
    assert '<div id="id_body_helptext" class="form-text">Say it.</div>' in html
    assert re.search(r'<label\s+for="id_upload" class="form-label">\s*File\s*</label>', html)
    assert re.search(r'<select name="pick" class="select form-select is-invalid"', html)


def test_the_filter_form_keeps_what_was_asked_and_ties_errors_to_the_field(signed_in, action):
    """The list's filter form (partials/filter_form.html): every field labelled, every value
    the user gave kept, a bad date said beside its field."""
    html = signed_in.get(
        "/actions/?q=custody+%3Cb%3E&status=in_progress&owner=me&due_after=2024-13-01&overdue=1"
    ).content.decode()
    form = html[
        html.index('<form method="get"') : html.index("</form>", html.index('class="filter-form"'))
    ]
    for name in ("q", "owner", "inspection", "question", "question_grade", "due_after", "sort"):
        assert re.search(rf'<label for="id_{name}" class="form-label">[^<]+</label>', form), name
        assert f'id="id_{name}"' in form
    assert 'name="q" value="custody &lt;b&gt;"' in form
    assert 'aria-describedby="id_q_helptext"' in form
    assert re.search(r'value="in_progress" id="id_status_1" checked>', form)
    assert not re.search(r'value="not_started" id="id_status_0" checked>', form)
    assert '<option value="me" selected>Me</option>' in form
    assert '<option value="" selected>Anyone</option>' not in form
    assert '<option value="" selected>All reports</option>' in form
    assert re.search(
        r'name="overdue" value="1" class="flaginput form-check-input" id="id_overdue" checked', form
    )
    assert re.search(
        r'<input type="date" name="due_after" value="2024-13-01" class="dateinput'
        r' form-control is-invalid" id="id_due_after" aria-describedby="id_due_after_error"'
        r' aria-invalid="true">',
        form,
    )
    assert '<p id="error_1_id_due_after"><strong>Enter a valid date.</strong></p>' in form
    assert '<option value="due">Due soonest</option>' in form  # the default sort, unasked


def test_every_input_type_the_renderer_sends_to_input_html_only_includes_it():
    """tracker/renderers.py renders input.html for these types: true while Django's own
    template of each type is nothing but that include (a Django upgrade could change one)."""
    from pathlib import Path

    import django

    from tracker.renderers import INPUT_TYPES

    widgets = Path(django.__file__).parent / "forms" / "templates" / "django" / "forms" / "widgets"
    for kind in INPUT_TYPES:
        assert (widgets / f"{kind}.html").read_text().strip() == (
            '{% include "django/forms/widgets/input.html" %}'
        ), kind


def test_an_input_writes_its_attributes_as_django_does():
    html = str(
        forms.CheckboxInput(
            {"class": "action-select", "aria-label": "Pick <me>"}, lambda value: False
        ).render("_selected_action", "7")
    )
    assert html == (
        '<input type="checkbox" name="_selected_action" value="7" class="action-select"'
        ' aria-label="Pick &lt;me&gt;">'
    )
    assert str(forms.TextInput({"required": True, "disabled": False}).render("q", None)) == (
        '<input type="text" name="q" required>'
    )
