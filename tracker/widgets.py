"""Widgets that render the same HTML as Django's own, without a template per option.

Django renders a <select> through `select.html`, which includes `select_option.html` (and
`attrs.html`) once per option: a force's owners and reports made the action list's filter form
most of the page's time. `Select` here writes the identical markup in Python; it is still a
`forms.Select`, so crispy styles it as one.

`FormRenderer` (settings.FORM_RENDERER) does the same for the plain <input> and <textarea>,
which every form has: the action page alone renders eleven of them.
"""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, mark_safe


def attrs_html(attrs: dict) -> str:
    """As `django/forms/widgets/attrs.html`: False is left out, True is a bare name."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return mark_safe("".join(parts))  # noqa: S308 - names and values are escaped


class Select(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        # The same whitespace as the templates, so the page is byte for byte what it was.
        html = [
            f'<select name="{conditional_escape(widget["name"])}"{attrs_html(widget["attrs"])}>\n'
        ]
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                html.append(f'  <optgroup label="{conditional_escape(group_name)}">\n')
            for option in group_choices:
                html.append(
                    f'  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{attrs_html(option['attrs'])}>{conditional_escape(option['label'])}</option>\n\n"
                )
            if group_name:
                html.append("  </optgroup>\n")
        html.append("</select>")
        return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


class OneQueryModelChoiceIterator(ModelChoiceIterator):
    """A model choice field's options from one plain query.

    Django's iterator uses `QuerySet.iterator()`, which on PostgreSQL opens a server-side
    cursor (DECLARE … WITH HOLD, FETCH, CLOSE) for what is a few dozen rows.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


def _as_s(value) -> str:
    """`{{ value|stringformat:'s' }}`: the value as text, escaped unless it is already safe."""
    text = "%s" % (str(value) if isinstance(value, tuple) else value)  # noqa: UP031 - as the filter
    return text if isinstance(value, SafeData) else escape(text)


def _input(widget: dict) -> str:
    """As `django/forms/widgets/input.html` (and the templates that only include it)."""
    value = "" if widget["value"] is None else f' value="{_as_s(widget["value"])}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}"'
        f' name="{conditional_escape(widget["name"])}"{value}{attrs_html(widget["attrs"])}>'
    )


def _textarea(widget: dict) -> str:
    """As `django/forms/widgets/textarea.html`."""
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{attrs_html(widget["attrs"])}>\n'
        f"{value}</textarea>"
    )


class FormRenderer(DjangoTemplates):
    """Django's form renderer, but the plainest widgets are written in Python, not templates.

    The output is byte for byte what the templates give (tests/test_widgets.py compares them
    with the templates Django finds, so an app that overrides one of them fails that test);
    every other template, such as the <select>'s or the radios', is rendered as usual.
    """

    written_in_python = {
        f"django/forms/widgets/{name}.html": _input
        # input.html, and the templates that are only `{% include "…/input.html" %}`
        for name in (
            "input",
            "checkbox",
            "color",
            "date",
            "datetime",
            "email",
            "file",
            "hidden",
            "number",
            "password",
            "search",
            "tel",
            "text",
            "time",
            "url",
        )
    } | {"django/forms/widgets/textarea.html": _textarea}

    def render(self, template_name, context, request=None):
        write = self.written_in_python.get(template_name)
        if write is None:
            return super().render(template_name, context, request)
        return write(context["widget"]).strip()
