"""Recording the police and crime commissioner's response to a report, on the report's page.

The rules are the rulebook's (tracker/workflow.py): when it is due, where it stands, who
records it (the force's leads and observers, and its inspectors: `may_record_pcc_response`)
and which dates it takes (`check_pcc_response`, asked by `Inspection.record_pcc_response`).
"""

from __future__ import annotations

from django import forms
from django.utils import timezone

from tracker.forms import DateInput
from tracker.models import Inspection
from tracker.workflow import Role, TransitionError, check_pcc_response, may_record_pcc_response


def may_record(user, inspection: Inspection) -> bool:
    """Whether `user` may record the response to `inspection`, a report they can see (so of
    their own force, or one they inspect)."""
    role = Role.INSPECTOR if user.is_inspector else Role(user.force_role)
    return user.is_active and may_record_pcc_response(role)


class PccResponseForm(forms.Form):
    prefix = "pcc"

    pcc_response_on = forms.DateField(widget=DateInput, label="Published on")
    pcc_response_url = forms.URLField(
        max_length=500,
        label="Link",
        assume_scheme="https",
        help_text="Where the PCC published it.",
    )

    def __init__(self, *args, inspection: Inspection, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "pcc_response_on": inspection.pcc_response_on,
                "pcc_response_url": inspection.pcc_response_url,
            },
        )
        super().__init__(*args, **kwargs)
        self.inspection = inspection

    def clean(self):
        data = super().clean() or {}
        if on := data.get("pcc_response_on"):
            try:
                check_pcc_response(self.inspection.published, on, timezone.localdate())
            except TransitionError as refusal:
                self.add_error(refusal.field, str(refusal))
        return data

    def save(self, *, by) -> None:
        data = self.cleaned_data
        self.inspection.record_pcc_response(
            data["pcc_response_on"], data["pcc_response_url"], by=by
        )
