"""The admin's "Import a report": upload or paste a page, preview what it creates, confirm.

Nothing is stored between the steps: the preview posts the page's text back with its confirm.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from tracker.models import ActionEvent, Force, Inspection
from tracker.reports import decode_report
from tracker.reports.document import report_json
from tracker.reports.errors import ReportError, ReportImportError
from tracker.reports.imports import import_report
from tracker.reports.load import check_size, describe_size, resolve_force
from tracker.reports.parse import ReportParseError


class ImportReportForm(forms.Form):
    """A page, uploaded or pasted, checked as far as it can be without writing anything.

    Cleans to `parsed`, `resolved_force` and `existing` (the report this page would replace).
    A force picked that is not the one the page names is an error until `force_confirmed`.
    """

    file = forms.FileField(required=False, help_text="The report page saved as a text file.")
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100}),
        label="Or paste the page",
        help_text="Select all on the published HMICFRS page, copy, and paste here.",
    )
    force = forms.ModelChoiceField(
        Force.objects.all(),
        required=False,
        to_field_name="short_name",
        help_text="Only needed when the page does not name the force.",
    )
    force_confirmed = forms.BooleanField(required=False, label="Import for the force picked")
    source_url = forms.URLField(required=False, label="Source URL", assume_scheme="https")
    # Set by the preview's "Replace" button, once the inspector has seen what it replaces.
    replace = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = describe_size(settings.IMPORT_MAX_BYTES)
        self.fields["file"].help_text = f"The report page saved as a text file, at most {limit}."
        self.asks_force_confirmation = bool(self.data.get("force_confirmed"))

    def clean(self):
        super().clean()
        data = self.cleaned_data
        upload = data.get("file")
        try:
            if upload:
                check_size(upload.size)
                data["text"] = decode_report(upload.read())
            if not (data.get("text") or "").strip():
                raise forms.ValidationError("Upload the page as a file or paste its text.")
            result = import_report(data["text"], force=data.get("force"), dry_run=True)
        except ReportParseError as error:
            raise forms.ValidationError(f"This page cannot be imported: {error}") from None
        except ReportImportError as error:
            raise forms.ValidationError(str(error)) from None
        if result.parsed is None:
            # This page previews pillar pages; other formats load from the command until the
            # editable preview shows what they hold.
            assert result.document is not None
            raise forms.ValidationError(
                f"This is a {result.document.format.label} page: import it with manage.py "
                "import_report; this page previews PEEL 2014–2019 pillar pages."
            )
        data["parsed"], data["resolved_force"] = result.parsed, result.force
        data["existing"] = result.existing
        picked = data.get("force")
        named = self._named_force(result.parsed.place) if picked else result.force
        data["named_force"] = named
        if picked and picked != named and not data.get("force_confirmed"):
            self._ask_to_confirm_force(picked, named or result.parsed.place)
        return data

    def _named_force(self, place: str | None) -> Force | None:
        try:
            return resolve_force(place)
        except ReportImportError:
            return None

    def _ask_to_confirm_force(self, picked: Force, named) -> None:
        self.asks_force_confirmation = True
        label = f"Import this page for {picked} although it names {named}"
        self.fields["force_confirmed"].label = label
        self["force_confirmed"].label = label  # the bound field, made by clean(), keeps its own
        # A browser cannot keep a chosen file: the page comes back as text instead.
        posted = cast(QueryDict, self.data).copy()  # request.POST
        posted["text"] = self.cleaned_data["text"]
        self.data = posted
        if isinstance(named, Force):
            message = (
                f"The page names {named}, not {picked}. Leave the force empty to import it "
                f"for {named}, or tick “{label}”."
            )
        else:
            message = (
                f"The page names {named}, which is not one of the 43 forces. To import it "
                f"for {picked}, tick “{label}”."
            )
        self.add_error("force", message)


class ImportViewMixin(admin.ModelAdmin):
    """The import page, added to the reports' admin (`InspectionAdmin`)."""

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="tracker_inspection_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload or paste a page, see what it will create (or replace), then confirm."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportReportForm(request.POST or None, request.FILES or None)
        if request.method != "POST" or not form.is_valid():
            return self._import_page(request, form)
        data = form.cleaned_data
        # A report already there is replaced only from the preview that says so.
        if "confirm" in request.POST and (data["replace"] or not data["existing"]):
            return self._confirm(request, form)
        return self._import_page(request, *_preview(data))

    def _confirm(self, request, form):
        """The last step: import the page previewed, then show its actions."""
        data = form.cleaned_data
        try:
            result = import_report(
                data["text"],
                force=data["resolved_force"],
                source_url=data["source_url"],
                by=request.user,
                replace=data["replace"],
                via=ActionEvent.Via.ADMIN,
            )
        except ReportError as error:
            form.add_error(None, str(error))
            return self._import_page(request, form)
        self.message_user(request, result.summary, messages.SUCCESS)
        assert result.inspection is not None  # not a dry run: it was written
        return redirect(_actions_of(result.inspection))

    def _import_page(self, request, form, preview=None):
        fields = ["file", "text", "force", "source_url"]
        if form.asks_force_confirmation:
            fields.insert(3, "force_confirmed")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a report",
            "form": form,
            "adminform": helpers.AdminForm(form, [(None, {"fields": fields})], {}),
            "preview": preview,
            "max_size": describe_size(settings.IMPORT_MAX_BYTES),
            "max_findings": f"{settings.IMPORT_MAX_FINDINGS:,}",
        }
        return TemplateResponse(request, "admin/tracker/inspection/import.html", context)


def _preview(data: dict) -> tuple[ImportReportForm, dict]:
    """The step before: what the page will create (or replace), and the form to confirm it."""
    preview = report_json(data["parsed"], data["resolved_force"])
    preview["afi_count"] = data["parsed"].afi_count
    preview["existing"] = data["existing"]
    if data["named_force"] != data["resolved_force"]:
        preview["page_names"] = data["named_force"] or data["parsed"].place
    # The confirm step posts the text again, so nothing is stored between steps.
    form = ImportReportForm(
        initial={
            "text": data["text"],
            "force": data["resolved_force"].short_name,
            "force_confirmed": data["force_confirmed"],
            "source_url": data["source_url"],
        }
    )
    return form, preview


def _actions_of(inspection: Inspection) -> str:
    """The admin's action list filtered to one report (the report filter needs its force)."""
    query = urlencode({"force__id__exact": inspection.force_id, "inspection": inspection.pk})
    return f"{reverse('admin:tracker_action_changelist')}?{query}"
