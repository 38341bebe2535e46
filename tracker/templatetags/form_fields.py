"""Forms written out in Python with the markup crispy-bootstrap5 gives them.

`{{ form|crispy }}` renders each field through several nested templates: the action list's
filter form and the action page's forms were most of those pages' time. `{% form_fields form %}`
writes the same Bootstrap markup: a label tied to each field (a fieldset and legend for radios
and checkbox groups), the required marker, errors (`invalid-feedback`, after an `is-invalid`
input so that Bootstrap shows them) and help text, both referenced by aria-describedby, and
aria-invalid on a field with errors.
"""

from __future__ import annotations

from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from tracker.widgets import attrs_html

register = template.Library()
ASTERISK = mark_safe('<span class="asteriskField">*</span>')
EMPTY = mark_safe("")


def _errors(field) -> SafeString:
    if not field.errors:
        return EMPTY
    return format_html(
        ' <div id="{}_error" class="invalid-feedback"> {} </div>',
        field.auto_id,
        format_html_join(
            " ",
            '<p id="error_{}_{}"><strong>{}</strong></p>',
            ((i, field.auto_id, error) for i, error in enumerate(field.errors, 1)),
        ),
    )


def _help(field) -> SafeString:
    if not field.help_text:
        return EMPTY
    return format_html(
        ' <div id="{}_helptext" class="form-text">{}</div>', field.auto_id, field.help_text
    )


def _invalid(field) -> str:
    return " is-invalid" if field.errors else ""


def _required(field) -> tuple[str, SafeString]:
    return (" requiredField", ASTERISK) if field.field.required else ("", EMPTY)


def _widget(field, css: str) -> SafeString:
    attrs = {"class": css + _invalid(field)}
    described = [f"{field.auto_id}_error"] if field.errors else []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


def _choices(field) -> SafeString:
    """Radios or a group of checkboxes: a fieldset, its legend, one form-check per choice."""
    required, asterisk = _required(field)
    boxes = list(field.subwidgets)
    options = format_html_join(
        " ",
        '<div class="form-check"> <input type="{}" class="form-check-input{}" name="{}"'
        ' value="{}"{}> <label for="{}" class="form-check-label">{}</label>{} </div>',
        (
            (
                box.data["type"],
                _invalid(field),
                field.html_name,
                box.data["value"],
                attrs_html({k: v for k, v in box.data["attrs"].items() if k != "class"}),
                box.id_for_label,
                box.choice_label,
                _errors(field) if i == len(boxes) - 1 else EMPTY,
            )
            for i, box in enumerate(boxes)
        ),
    )
    described = format_html(' aria-describedby="{}_helptext"', field.auto_id)
    return format_html(
        '<div id="div_{}" class="mb-3"> <fieldset{}> <legend class="form-label{} fs-6">{}{}'
        "</legend> <div> {} </div>{} </fieldset> </div>",
        field.auto_id,
        described if field.help_text else EMPTY,
        required,
        field.label,
        asterisk,
        options,
        _help(field),
    )


def _field(field) -> SafeString:
    if field.is_hidden:
        return field.as_widget()
    widget = field.field.widget
    kind = widget.__class__.__name__.lower()
    required, asterisk = _required(field)
    if isinstance(widget, forms.RadioSelect):  # and so CheckboxSelectMultiple
        return _choices(field)
    if isinstance(widget, forms.CheckboxInput):
        return format_html(
            '<div class="mb-3"> <div id="div_{}" class="form-check"> {} <label for="{}"'
            ' class="form-check-label{}">{}{}</label>{}{} </div> </div>',
            field.auto_id,
            _widget(field, f"{kind} form-check-input"),
            field.id_for_label,
            required,
            field.label,
            asterisk,
            _errors(field),
            _help(field),
        )
    label = format_html(
        '<label for="{}" class="form-label{}">{}{}</label>',
        field.id_for_label,
        required,
        field.label,
        asterisk,
    )
    if isinstance(widget, forms.FileInput):
        return format_html(
            '<div id="div_{}" class="mb-3"> {} <div{}> {}{}{} </div> </div>',
            field.auto_id,
            label,
            mark_safe(' class="is-invalid"') if field.errors else EMPTY,
            _widget(field, "form-control"),
            _errors(field),
            _help(field),
        )
    css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    return format_html(
        '<div id="div_{}" class="mb-3"> {} {}{}{} </div>',
        field.auto_id,
        label,
        _widget(field, f"{kind} {css}"),
        _errors(field),
        _help(field),
    )


@register.simple_tag
def form_fields(form) -> SafeString:
    """The form's errors that belong to no field, then every field."""
    parts = []
    if form.non_field_errors():
        parts.append(
            format_html(
                '<div class="alert alert-block alert-danger"> <ul class="m-0">{}</ul> </div>',
                format_html_join("", "<li>{}</li>", ((e,) for e in form.non_field_errors())),
            )
        )
    parts.extend(_field(field) for field in form)
    return mark_safe(" ".join(parts))  # noqa: S308 - every part is built by format_html
