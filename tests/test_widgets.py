"""Select and FormRenderer write exactly what Django's templates write; form_fields, crispy's."""

from __future__ import annotations

import datetime
import re

import pytest
from django import forms
from django.forms import widgets
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe

from tracker.templatetags.form_fields import form_fields
from tracker.widgets import FormRenderer, Select

CHOICES = [
    ("", "All <reports>"),
    ("1", 'A & B "quoted"'),
    ("2", "Two"),
    ("Group", [("3", "Three"), ("4", "Four")]),
]


@pytest.mark.parametrize("value", ["", "2", "4", None, ["1"], "missing"])
@pytest.mark.parametrize(
    "attrs", [{}, {"id": "id_x", "class": "form-select", "disabled": True, "data-x": False}]
)
def test_select_renders_as_djangos_does(value, attrs):
    expected = forms.Select(choices=CHOICES).render("name", value, attrs)
    assert Select(choices=CHOICES).render("name", value, attrs) == expected


class PlainInput(widgets.Input):
    input_type = "text"


# Every template FormRenderer writes in Python, by a widget that renders it.
PYTHON_WRITTEN = [
    PlainInput,
    forms.CheckboxInput,
    forms.ColorInput,
    forms.DateInput,
    forms.DateTimeInput,
    forms.EmailInput,
    forms.FileInput,
    forms.HiddenInput,
    forms.NumberInput,
    lambda: forms.PasswordInput(render_value=True),
    forms.SearchInput,
    forms.TelInput,
    forms.TextInput,
    forms.TimeInput,
    forms.URLInput,
    forms.Textarea,
]
VALUES = [
    None,
    "",
    "plain",
    "a < b & \"c\" 'd'",
    mark_safe("<b>already safe</b>"),
    0,
    42,
    1.5,
    True,
    datetime.date(2026, 11, 26),
    datetime.datetime(2026, 11, 26, 9, 5),
    "line one\nline two",
]
ATTRS = [
    {},
    {"id": "id_x", "class": "form-control is-invalid", "required": True, "disabled": False},
    {"aria-describedby": "id_x_error id_x_helptext", "data-q": '"quoted" & <tag>', "rows": 3},
]


def test_the_project_renders_forms_with_formrenderer():
    assert isinstance(get_default_renderer(), FormRenderer)


def test_formrenderer_writes_in_python_every_template_it_claims():
    templates = {widget().template_name for widget in PYTHON_WRITTEN}
    assert templates == set(FormRenderer.written_in_python)


@pytest.mark.parametrize("make_widget", PYTHON_WRITTEN)
def test_formrenderer_writes_what_djangos_templates_write(make_widget):
    ours, djangos = FormRenderer(), DjangoTemplates()
    for value in VALUES:
        for attrs in ATTRS:
            widget = make_widget()
            expected = widget.render("field", value, attrs, renderer=djangos)
            assert widget.render("field", value, attrs, renderer=ours) == expected, (value, attrs)


def test_formrenderer_leaves_other_templates_to_django():
    widget = forms.RadioSelect(choices=[("a", "A <1>"), ("b", "B")])
    expected = widget.render("kind", "b", {"id": "id_kind"}, renderer=DjangoTemplates())
    assert widget.render("kind", "b", {"id": "id_kind"}, renderer=FormRenderer()) == expected
    assert 'value="b" id="id_kind_1" checked' in expected


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
    pick = forms.ChoiceField(choices=[("1", "One")], widget=Select, label="Pick")

    def clean(self):
        raise forms.ValidationError("Not now <b>.")


def test_form_fields_label_every_field_and_tie_errors_to_them():
    form = Everything({"kind": "zzz", "tags": ["q"], "body": "", "pick": "9"})
    html = form_fields(form)
    assert (
        '<div class="alert alert-block alert-danger"> <ul class="m-0"><li>Not now &lt;b&gt;.'
        in html
    )
    assert '<input type="hidden" name="hidden" id="id_hidden">' in html
    # radios and checkbox groups: a fieldset and legend; the errors after the last invalid box
    assert re.search(
        r'<fieldset aria-describedby="id_kind_helptext"> <legend class="form-label requiredField'
        r' fs-6">Kind<span class="asteriskField">\*</span></legend>',
        html,
    )
    assert re.search(
        r'class="form-check-input is-invalid" name="kind" value="b" id="id_kind_1"[^>]*>'
        r' <label for="id_kind_1" class="form-check-label">B</label> <div id="id_kind_error"'
        r' class="invalid-feedback">',
        html,
    )
    assert '<legend class="form-label fs-6">Tags</legend>' in html
    assert 'id="id_tags_error" class="invalid-feedback"' in html
    assert re.search(
        r'<input type="checkbox" name="flag" class="checkboxinput form-check-input" id="id_flag">'
        r' <label for="id_flag" class="form-check-label">Only flagged</label>',
        html,
    )
    assert re.search(
        r'<label for="id_body" class="form-label requiredField">Body<span class="asteriskField">'
        r'\*</span></label> <textarea [^>]*class="textarea form-control is-invalid"'
        r' aria-describedby="id_body_error id_body_helptext"[^>]* aria-invalid="true"'
        r'[^>]*id="id_body"',
        html,
    )
    assert '<p id="error_1_id_body"><strong>This field is required.</strong></p>' in html
    assert '<div id="id_body_helptext" class="form-text">Say it.</div>' in html
    assert re.search(r'<label for="id_upload" class="form-label">File</label> <div> <input', html)
    assert re.search(r'<select name="pick" class="select form-select is-invalid"', html)
