"""Evidence notes and their files in the inspectors' admin: added, never edited."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.template.loader import render_to_string

from tracker.admin.inlines import AppendOnlyInline
from tracker.models import ActionEvent, EvidenceFile, EvidenceNote
from tracker.paging import CappedCountAdmin
from tracker.workflow import TransitionError


class EvidenceFileInline(AppendOnlyInline):
    """A note's files, read-only; the name links to the download view.

    The files are part of the note: whoever may view the note may view them.
    """

    model = EvidenceFile
    readonly_fields = ("download", "content_type", "size", "sha256", "uploaded_at")

    @admin.display(description="File")
    def download(self, obj):
        return render_to_string("admin/tracker/evidencenote/file_link.html", {"file": obj})

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("tracker.view_evidencenote")


class EvidenceNoteAdminForm(forms.ModelForm):
    class Meta:
        model = EvidenceNote
        fields = ["action", "kind", "body"]

    def clean_action(self):
        action = self.cleaned_data["action"]
        try:
            action.check_takes_changes()
        except TransitionError as error:  # signed off or superseded
            raise forms.ValidationError(str(error)) from None
        return action


@admin.register(EvidenceNote)
class EvidenceNoteAdmin(CappedCountAdmin):
    form = EvidenceNoteAdminForm
    list_display = ["id", "action", "kind", "author", "created_at"]
    list_filter = ["kind", "action__force"]
    list_select_related = ["action", "author"]
    raw_id_fields = ["action"]
    fields = ["action", "kind", "body"]
    inlines = [EvidenceFileInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # files come with notes from the site

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        note = obj.action.add_note(
            obj.body, by=request.user, kind=obj.kind, via=ActionEvent.Via.ADMIN
        )
        obj.pk = note.pk
