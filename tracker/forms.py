"""The forms on the action page. Each changes an action through one model method.

Every form carries the `version` of the action the user saw (optimistic locking); the view
refuses a stale one before the form is saved. Each form has its own prefix, because the
action page shows them all at once and their field ids must not clash.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.functional import cached_property

from tracker.choices import OneQueryModelChoiceIterator
from tracker.evidence import ACCEPT, ACCEPTED_TEXT, check_upload
from tracker.models import Action, EvidenceNote, User
from tracker.workflow import (
    REASON_NEEDED_TO,
    REFERENCE_MAX_LENGTH,
    Capability,
    Status,
    TransitionError,
    allowed_moves,
    check_blocked,
    check_owner,
    check_reason,
    check_reference,
    due_date_refusals,
    find_move,
    may,
    no_moves_note,
    owners_of,
    who_may,
)

CHOOSE_FILES_AGAIN = "Choose the files again: a browser cannot keep them after a refused form."


class DateInput(forms.DateInput):
    """<input type="date">, which takes and gives ISO dates whatever the user's locale."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's "Uploading multiple files" recipe); cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        clean_one = super().clean
        uploads = [upload for upload in (data or []) if upload]
        if not uploads and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [clean_one(upload, initial) for upload in uploads]


class ActionForm(forms.Form):
    """A change to one action, made by one user, from the version they saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # This form's name for a field the rulebook names otherwise (`TransitionError.field`).
    field_names: dict[str, str] = {}
    success_message = "Saved."
    # What the permission table must let the user do for the page to offer this form.
    capability = Capability.CHANGE

    def __init__(self, data=None, *, action: Action, user: User, initial=None, **kwargs):
        self.action = action
        self.user = user
        initial = {**self.initial_for(action), **(initial or {})}
        initial.setdefault("version", action.version)
        super().__init__(data, initial=initial, **kwargs)
        self.stale_message = ""
        self.files_to_choose_again: list[str] = []

    def initial_for(self, action: Action) -> dict:
        return {}

    def save(self) -> None:
        """Make the change as this user, on the version they saw (the view checked it)."""
        self.change(self.cleaned_data, by=self.user, version=self.cleaned_data["version"])

    def change(self, data: dict[str, Any], *, by: User, version: int) -> None:
        """Call the action's method for this form's change with `data` (each form its own)."""
        raise NotImplementedError

    @cached_property
    def forbidden(self) -> str:
        """Who may make this change, when this user may not ("" when they may): the page
        offers the form only to those who may, and the view refuses anyone else's post."""
        role = self.user.role_for(self.action)
        owns = self.action.owner_id is not None and self.action.owner_id == self.user.pk
        return "" if may(role, self.capability, is_owner=owns) else who_may(role, self.capability)

    def refusal(self) -> str:
        """Why the workflow lets nobody make this change to the action now ("" if it does)."""
        try:
            self.action.check_takes_changes()
        except TransitionError as error:
            return str(error)
        return ""

    def add_refusal(self, refusal: TransitionError) -> None:
        """Show the rulebook's refusal beside the field it names, or above the form."""
        field = None
        if refusal.field is not None:
            field = self.field_names.get(refusal.field, refusal.field)
        self.add_error(field if field in self.fields else None, str(refusal))

    def posted_version(self) -> int | None:
        try:
            return int(self.data.get(self.add_prefix("version"), ""))
        except ValueError:
            return None

    def kept_for_retry(self, action: Action, message: str) -> ActionForm:
        """An unbound copy with what the user typed and the version they should now start from."""
        typed = {
            name: self.data.get(self.add_prefix(name))
            for name in self.fields
            if name != "version" and self.add_prefix(name) in self.data
        }
        retry = type(self)(
            action=action, user=self.user, initial={**typed, "version": action.version}
        )
        retry.stale_message = message
        # A browser cannot be given chosen files back; the user is asked to choose them again.
        retry.files_to_choose_again = [
            upload.name for key in self.files for upload in self.files.getlist(key) if upload.name
        ]
        return retry


class NoteForm(ActionForm):
    prefix = "note"
    success_message = "Evidence note added."

    kind = forms.ChoiceField(
        choices=EvidenceNote.Kind.choices,
        initial=EvidenceNote.Kind.PROGRESS,
        widget=forms.RadioSelect,
        label="Kind of evidence",
        help_text="Impact notes show what changed for the public, not only what was done.",
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), label="Evidence", max_length=20_000
    )
    # The form's `files` attribute stays the uploads (Django's metaclass takes the field away).
    files: MultiValueDict = MultipleFileField(  # type: ignore[assignment]
        required=False,
        label="Files (optional)",
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = (
            f"Up to {settings.EVIDENCE_MAX_FILES} files, each up to "
            f"{settings.EVIDENCE_MAX_FILE_SIZE // (1024 * 1024)} MB: {ACCEPTED_TEXT}."
        )

    def clean_files(self):
        uploads = self.cleaned_data["files"]
        most = settings.EVIDENCE_MAX_FILES
        if len(uploads) > most:
            raise forms.ValidationError(
                f"Attach at most {most} files to one note; you chose {len(uploads)}."
            )
        checked, refusals = [], []
        for upload in uploads:
            try:
                checked.append(check_upload(upload))
            except forms.ValidationError as refusal:
                refusals.extend(refusal.messages)
        if refusals:
            raise forms.ValidationError(refusals)
        return checked

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if self.errors and self.files.getlist(self.add_prefix("files")):
            self.add_error("files", f"Nothing was saved. {CHOOSE_FILES_AGAIN}")
        return cleaned

    def refuse_unstored_files(self, *, full: bool = False) -> None:
        """The files could not be written to storage (`evidence.StorageFailed`): say so, and
        say why when the file store is full (`evidence.StorageFull`)."""
        if full:
            self.add_error(
                "files",
                "The file store is full: no more files can be kept until your administrator "
                "makes room. A note without files can still be saved.",
            )
        self.add_error(
            "files",
            "Nothing was saved: the files could not be stored. Try again, or ask your "
            f"administrator if it keeps happening. {CHOOSE_FILES_AGAIN}",
        )

    def change(self, data: dict[str, Any], *, by: User, version: int) -> None:
        self.action.add_note(
            data["body"], kind=data["kind"], files=data["files"], by=by, version=version
        )


class MoveForm(ActionForm):
    prefix = "move"
    field_names = {"status": "target"}
    success_message = "Status changed."

    target = forms.ChoiceField(widget=forms.RadioSelect, label="Move to")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Reason",
        help_text=f"Needed to {REASON_NEEDED_TO} an action.",
    )

    def __init__(self, *args, action: Action, user: User, **kwargs):
        super().__init__(*args, action=action, user=user, **kwargs)
        self.moves = allowed_moves(
            source=action.status,
            role=user.role_for(action),
            is_owner=action.owner_id is not None and action.owner_id == user.pk,
            reinstates=action.status_before_supersession,
        )
        self.no_moves_note = no_moves_note(action.status)
        cast(forms.ChoiceField, self.fields["target"]).choices = [
            (move.target.value, f"{move.verb} (reason needed)" if move.needs_reason else move.verb)
            for move in self.moves
        ]
        if any(move.target == Status.ASSURED for move in self.moves):
            # A force lead's reason to assure is the note the inspectorate reads.
            reason = self.fields["reason"]
            reason.label = "Reason, or assurance note"
            reason.help_text = (
                "To assure it, say what the evidence shows the inspectorate; to return it, "
                "say what more the force needs to do."
            )

    @property
    def needs_evidence(self) -> bool:
        """Whether a move offered here needs an evidence note (the page says so if none)."""
        return any(move.needs_evidence for move in self.moves)

    def refusal(self) -> str:
        return ""  # each move is checked by its own rules (`check_move`)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        move = find_move(self.action.status, cleaned["target"]) if cleaned.get("target") else None
        if move:
            try:
                check_reason(move, cleaned.get("reason", ""))
            except TransitionError as refusal:
                self.add_refusal(refusal)
        return cleaned

    def change(self, data: dict[str, Any], *, by: User, version: int) -> None:
        self.action.move_to(data["target"], reason=data["reason"], by=by, version=version)


class OwnerChoiceField(forms.ModelChoiceField):
    iterator = OneQueryModelChoiceIterator

    def label_from_instance(self, user: User) -> str:
        return user.display_name


class AssignForm(ActionForm):
    prefix = "owner"
    success_message = "Owner changed."
    capability = Capability.ASSIGN

    owner = OwnerChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="Unassigned",
        label="Assign to",
    )

    def __init__(self, *args, action: Action, user: User, **kwargs):
        super().__init__(*args, action=action, user=user, **kwargs)
        cast(OwnerChoiceField, self.fields["owner"]).queryset = User.objects.filter(
            owners_of(action.force_id)
        ).order_by("first_name", "last_name", "username")

    @cached_property
    def officers(self) -> list[User]:
        """The people the <select> offers, fetched once: the page names people from them too."""
        queryset = cast(OwnerChoiceField, self.fields["owner"]).queryset
        assert queryset is not None  # set in __init__
        return list(queryset)

    def initial_for(self, action: Action) -> dict:
        return {"owner": action.owner_id}

    def clean_owner(self):
        owner = self.cleaned_data["owner"]
        try:
            check_owner(self.action.owner, owner, force_id=self.action.force_id)
        except TransitionError as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return owner

    def change(self, data: dict[str, Any], *, by: User, version: int) -> None:
        self.action.assign(data["owner"], by=by, version=version)


class DueDateForm(ActionForm):
    prefix = "due"
    success_message = "Due date saved."

    due_date = forms.DateField(widget=DateInput, label="Due date")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Reason for the change",
        help_text="Needed when you revise a date already set; the original date is kept.",
    )
    confirm_past = forms.BooleanField(required=False, label="Yes, the due date is in the past")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            del self.fields["confirm_past"]  # offered once a date in the past is refused

    def initial_for(self, action: Action) -> dict:
        return {"due_date": action.due_date}

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if due_date := cleaned.get("due_date"):
            for refusal in due_date_refusals(
                self.action.due_date,
                due_date,
                reason=cleaned.get("reason", ""),
                today=timezone.localdate(),
                confirmed=bool(cleaned.get("confirm_past")),
            ):
                self.add_refusal(refusal)
        return cleaned

    def change(self, data: dict[str, Any], *, by: User, version: int) -> None:
        self.action.set_due_date(data["due_date"], reason=data["reason"], by=by, version=version)


class BlockedForm(ActionForm):
    """Mark blocked with a reason; the "Unblock" button (name `blocked-unblock`) clears it."""

    prefix = "blocked"

    blocked_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Blocked because",
        help_text="Who outside the force the action waits on, and for what.",
        max_length=2000,
    )

    def initial_for(self, action: Action) -> dict:
        return {"blocked_reason": action.blocked_reason}

    @property
    def unblocking(self) -> bool:
        return self.add_prefix("unblock") in self.data

    @property
    def success_message(self) -> str:  # type: ignore[override]  # read only: nothing assigns it
        return "Action unblocked." if self.unblocking else "Action marked as blocked."

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        try:
            check_blocked(
                self.action.blocked_reason,
                cleaned.get("blocked_reason", ""),
                unblocking=self.unblocking,
            )
        except TransitionError as refusal:
            self.add_refusal(refusal)
        if self.unblocking:
            cleaned["blocked_reason"] = ""
        return cleaned

    def change(self, data: dict[str, Any], *, by: User, version: int) -> None:
        self.action.set_blocked(data["blocked_reason"], by=by, version=version)


class ReferenceForm(ActionForm):
    """The force's own reference for the finding ("AFI 7"); an empty one clears it."""

    prefix = "reference"
    success_message = "Reference saved."

    reference = forms.CharField(
        required=False,
        label="Your reference",
        help_text="Your force's own number for this finding, e.g. “AFI 7” or “R3.1”.",
        max_length=REFERENCE_MAX_LENGTH,
    )

    def initial_for(self, action: Action) -> dict:
        return {"reference": action.reference}

    def clean_reference(self):
        reference = " ".join(self.cleaned_data["reference"].split())
        try:
            check_reference(self.action.reference, reference)
        except TransitionError as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return reference

    def change(self, data: dict[str, Any], *, by: User, version: int) -> None:
        self.action.set_reference(data["reference"], by=by, version=version)


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "note": NoteForm,
    "move": MoveForm,
    "owner": AssignForm,
    "due": DueDateForm,
    "blocked": BlockedForm,
    "reference": ReferenceForm,
}
