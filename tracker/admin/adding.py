"""Adding a finding by hand in the admin: the form of "Add action".

It is checked by `adding.new_action` (which saves nothing) and saved by `ActionAdmin` through
`adding.add_action`, as a finding added on the site is: with who added it (`created_by`) and
its audit trail's "created" event, via "admin". The trail itself stays read-only.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms

from tracker.adding import finding_refusals
from tracker.models import Action, ActionEvent, Status, User
from tracker.workflow import PARENT_KINDS

# The add page's fields, in its fieldsets (`ActionAdmin.add_fieldsets`).
FINDING_FIELDS = ["question", "kind", "text", "parent", "deadline_text", "deadline_months"]
START_FIELDS = ["reference", "owner", "due_date", "confirm_past", "status"]


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return f"{user.display_name} ({user.force})"


class ActionAddForm(forms.ModelForm):
    """A finding added by hand to any report's question, with what it starts with."""

    confirm_past = forms.BooleanField(
        required=False,
        label="Yes, the due date is in the past",
        help_text="A due date before today is saved only when this is ticked.",
    )

    class Meta:
        model = Action
        fields = [*FINDING_FIELDS, "reference", "owner", "due_date", "status"]
        field_classes = {"owner": OwnerChoiceField}
        help_texts = {
            "question": "The question or area it is filed under (its id: “Add a finding” on the "
            "question's page fills it in).",
            "text": "As the report words it.",
            "deadline_months": "A recommendation's: its due date is the report's publication "
            "date plus these months, unless a due date is given.",
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        # Anyone's who may own an action of some force: the finding's is checked in clean().
        cast(OwnerChoiceField, fields["owner"]).queryset = User.objects.filter(
            is_active=True, force__isnull=False
        ).select_related("force")
        cast(forms.ChoiceField, fields["status"]).choices = [
            (status.value, status.label) for status in (Status.NOT_STARTED, Status.IN_PROGRESS)
        ]
        cast(forms.ModelChoiceField, fields["parent"]).queryset = Action.objects.filter(
            kind__in=PARENT_KINDS
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        for refusal in finding_refusals(
            data["question"],
            confirmed=bool(data.get("confirm_past")),
            via=ActionEvent.Via.ADMIN,
            **self.finding(),
        ):
            self.add_error(refusal.field if refusal.field in self.fields else None, str(refusal))
        return data

    def finding(self) -> dict[str, Any]:
        """What `adding.add_action` takes, as cleaned (the question apart)."""
        names = [*FINDING_FIELDS[1:], *START_FIELDS]
        return {name: self.cleaned_data[name] for name in names if name != "confirm_past"}
