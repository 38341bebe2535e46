"""Widgets that render the same HTML as Django's own, without a template per option.

Django renders a <select> through `select.html`, which includes `select_option.html` (and
`attrs.html`) once per option: a force's owners and reports made the action list's filter form
most of the page's time. `Select` here writes the identical markup in Python; it is still a
`forms.Select`, so crispy styles it as one.
"""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


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
