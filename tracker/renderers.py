"""The form renderer: Django's widget templates through TEMPLATES, one template per input.

Django writes every <input> through a template of its type (`text.html`, `checkbox.html`, …)
that only includes `input.html`, which includes `attrs.html`: three templates per input. The
admin's change lists render a checkbox on every row, the action page a dozen inputs. This
renderer goes straight to `input.html`, which (templates/django/forms/widgets/input.html)
writes its attributes itself. The markup is Django's.
"""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting

# Django's input types whose template is exactly {% include "django/forms/widgets/input.html" %}.
INPUT_TYPES = (
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
SAME_AS_INPUT = frozenset(f"django/forms/widgets/{kind}.html" for kind in INPUT_TYPES)


class FormRenderer(TemplatesSetting):
    def get_template(self, template_name: str):
        if template_name in SAME_AS_INPUT:
            template_name = "django/forms/widgets/input.html"
        return super().get_template(template_name)
